r"""Every angle gaitlab measures, one small function each, in a view-independent frame.

Analysis frames
---------------
Image pixels have x right and y down. Angles are computed in an *analysis frame* so that they
do not depend on which way the runner faces:

- **sagittal** (side view): ``+X`` = the runner's direction of travel, ``+Y`` = up. Built by
  :func:`to_sagittal` as ``X = facing * x``, ``Y = -y`` with ``facing = +1`` when the runner
  faces image-right and ``-1`` when facing image-left.
- **frontal** (rear or front view): ``+X`` = the runner's right, ``+Y`` = up. Built by
  :func:`to_frontal` (``X = x`` from behind, ``X = -x`` from the front).

Conventions
-----------
Degrees throughout. A *segment angle from the downward vertical* is

.. math:: a = \operatorname{atan2}(d_X, -d_Y)

for the segment vector ``d = distal - proximal``: 0 when the segment hangs straight down,
positive when its distal end is forward (+X) of its proximal end. Differences of angles are
wrapped to (-180, 180]. Inputs are arrays of shape ``(..., 2)`` in the analysis frame;
outputs have shape ``(...)``; NaN in, NaN out.
"""

from __future__ import annotations

import numpy as np

from gaitlab.landmarks import INDEX

#: Trunk, thigh, shank: typical sign convention summary (for result.json and the report).
SIGN_CONVENTIONS: dict[str, str] = {
    "trunk_lean_deg": "+ = shoulders ahead of hips (forward lean), - = backward lean",
    "thigh_angle_deg": "+ = knee ahead of hip (flexion side), - = knee behind hip",
    "thigh_extension_deg": "+ = knee behind hip (extension), - = knee ahead of hip",
    "hip_extension_deg": "+ = thigh behind the trunk line continued downward (extension)",
    "knee_flexion_deg": "+ = flexion (0 = straight leg), - = hyperextension",
    "shank_angle_deg": "+ = ankle ahead of knee (shank reaching forward), - = ankle behind knee",
    "pelvic_obliquity_deg": "+ = left hip higher than right hip",
    "lateral_trunk_lean_deg": "+ = shoulders to the runner's right of the hips",
}


def wrap_deg(a: np.ndarray | float) -> np.ndarray:
    """Wrap angles in degrees to (-180, 180]."""
    a = np.asarray(a, dtype=float)
    return 180.0 - np.mod(180.0 - a, 360.0)


def to_sagittal(xy_px: np.ndarray, facing: np.ndarray | float) -> np.ndarray:
    """Image pixels -> sagittal analysis frame (+X = direction of travel, +Y = up).

    Parameters
    ----------
    xy_px : (n, ..., 2) float
        Image coordinates (x right, y down).
    facing : float or (n,) float
        +1 where the runner faces image-right, -1 where facing image-left.

    Returns
    -------
    (n, ..., 2) float
        ``X = facing * x``, ``Y = -y`` (pixels; origin unchanged).
    """
    xy_px = np.asarray(xy_px, dtype=float)
    f = np.asarray(facing, dtype=float)
    f = f.reshape(f.shape + (1,) * (xy_px.ndim - 1 - f.ndim))
    return np.stack([f * xy_px[..., 0], -xy_px[..., 1]], axis=-1)


def to_frontal(xy_px: np.ndarray, view: str) -> np.ndarray:
    """Image pixels -> frontal analysis frame (+X = runner's right, +Y = up).

    Parameters
    ----------
    xy_px : (..., 2) float
    view : {"rear", "front"}
        From behind the runner's right is image-right; from the front it is image-left.
    """
    if view not in ("rear", "front"):
        raise ValueError(f"to_frontal: view must be 'rear' or 'front', got {view!r}")
    xy_px = np.asarray(xy_px, dtype=float)
    sx = 1.0 if view == "rear" else -1.0
    return np.stack([sx * xy_px[..., 0], -xy_px[..., 1]], axis=-1)


def segment_angle_deg(proximal: np.ndarray, distal: np.ndarray) -> np.ndarray:
    """Angle of the segment proximal -> distal from the downward vertical, + = distal forward.

    ``atan2(dX, -dY)`` in degrees, in (-180, 180].
    """
    d = np.asarray(distal, dtype=float) - np.asarray(proximal, dtype=float)
    return np.degrees(np.arctan2(d[..., 0], -d[..., 1]))


def trunk_lean_deg(mid_hip: np.ndarray, mid_shoulder: np.ndarray) -> np.ndarray:
    """Sagittal trunk lean: mid-hip -> mid-shoulder vs the upward vertical.

    View: side. Segments: trunk (mid-hip to mid-shoulder). Sign: + forward (shoulders
    ahead of hips in the direction of travel). Formula: ``atan2(dX, dY)``.
    Typical running: 3-12 degrees forward.
    """
    d = np.asarray(mid_shoulder, dtype=float) - np.asarray(mid_hip, dtype=float)
    return np.degrees(np.arctan2(d[..., 0], d[..., 1]))


def thigh_angle_deg(hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
    """Thigh (hip -> knee) vs the downward vertical, + = knee ahead of hip (flexed side).

    View: side. ``segment_angle_deg(hip, knee)``.
    """
    return segment_angle_deg(hip, knee)


def thigh_extension_deg(hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
    """Thigh extension: thigh vs the vertical, + = knee behind the hip.

    View: side. Segments: thigh. Pelvis- and trunk-independent, so it separates hip
    extension from trunk posture. Formula: ``-thigh_angle_deg(hip, knee)``.
    """
    return -thigh_angle_deg(hip, knee)


def hip_extension_deg(
    mid_hip: np.ndarray, mid_shoulder: np.ndarray, hip: np.ndarray, knee: np.ndarray
) -> np.ndarray:
    r"""Hip extension: thigh vs the trunk line continued downward, + = extension.

    View: side. Segments: trunk (mid-hip -> mid-shoulder) and thigh (hip -> knee).
    The trunk line continued downward (shoulder -> hip direction) has a segment angle of
    ``-trunk_lean``; the thigh's is ``thigh_angle``. Hip flexion is their difference, so

    .. math::

        \text{hip\_ext} = -\operatorname{wrap}(\text{thigh\_angle} + \text{lean})
                        = \text{thigh\_ext} - \text{lean}

    A forward-leaning trunk therefore reads as less hip extension for the same thigh.
    Per stride gaitlab reports its peak from foot strike to the other foot's strike (late
    stance to early swing, :mod:`gaitlab.kinematics.metrics`); ~10 degrees is common.
    """
    lean = trunk_lean_deg(mid_hip, mid_shoulder)
    return -wrap_deg(thigh_angle_deg(hip, knee) + lean)


def knee_flexion_deg(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Knee flexion: thigh vs shank, 0 = straight, + = flexion.

    View: side. Segments: thigh (hip -> knee), shank (knee -> ankle).
    Formula: ``wrap(thigh_angle - shank_angle)``: flexing the knee swings the shank backward
    relative to the thigh. Negative = hyperextension.
    """
    return wrap_deg(segment_angle_deg(hip, knee) - segment_angle_deg(knee, ankle))


def shank_angle_deg(knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Shank (knee -> ankle) vs the downward vertical, + = ankle ahead of the knee.

    View: side. At foot strike a positive shank angle means the foot lands ahead of the knee
    (an overstride marker); vertical or slightly negative is the usual advice.
    """
    return segment_angle_deg(knee, ankle)


def pelvic_obliquity_deg(left_hip: np.ndarray, right_hip: np.ndarray) -> np.ndarray:
    """Pelvis line (right hip -> left hip) vs horizontal, frontal frame, + = left hip higher.

    View: rear or front. With ``d = left - right`` (pointing to -X, the runner's left):
    ``atan2(dY, -dX)``.
    """
    d = np.asarray(left_hip, dtype=float) - np.asarray(right_hip, dtype=float)
    return np.degrees(np.arctan2(d[..., 1], -d[..., 0]))


def lateral_trunk_lean_deg(mid_hip: np.ndarray, mid_shoulder: np.ndarray) -> np.ndarray:
    """Frontal-plane trunk lean: mid-hip -> mid-shoulder vs vertical, + = toward runner's right.

    View: rear or front. Formula: ``atan2(dX, dY)`` in the frontal frame.
    """
    d = np.asarray(mid_shoulder, dtype=float) - np.asarray(mid_hip, dtype=float)
    return np.degrees(np.arctan2(d[..., 0], d[..., 1]))


# ---------------------------------------------------------------------- per-frame series
def _pt(xy: np.ndarray, name: str) -> np.ndarray:
    return xy[:, INDEX[name]]


def _mid(xy: np.ndarray, part: str) -> np.ndarray:
    return 0.5 * (_pt(xy, f"left_{part}") + _pt(xy, f"right_{part}"))


def sagittal_angles(xy_sag: np.ndarray) -> dict[str, np.ndarray]:
    """Every side-view angle for every frame.

    Parameters
    ----------
    xy_sag : (n, 33, 2) float
        Landmarks in the sagittal analysis frame (:func:`to_sagittal`).

    Returns
    -------
    dict of str -> (n,) float
        ``trunk_lean_deg`` and, for ``side`` in left/right: ``{side}_thigh_angle_deg``,
        ``{side}_thigh_extension_deg``, ``{side}_hip_extension_deg``,
        ``{side}_knee_flexion_deg``, ``{side}_shank_angle_deg``.
    """
    hip_mid, sh_mid = _mid(xy_sag, "hip"), _mid(xy_sag, "shoulder")
    out = {"trunk_lean_deg": trunk_lean_deg(hip_mid, sh_mid)}
    for side in ("left", "right"):
        hip, knee, ankle = (_pt(xy_sag, f"{side}_{p}") for p in ("hip", "knee", "ankle"))
        out[f"{side}_thigh_angle_deg"] = thigh_angle_deg(hip, knee)
        out[f"{side}_thigh_extension_deg"] = thigh_extension_deg(hip, knee)
        out[f"{side}_hip_extension_deg"] = hip_extension_deg(hip_mid, sh_mid, hip, knee)
        out[f"{side}_knee_flexion_deg"] = knee_flexion_deg(hip, knee, ankle)
        out[f"{side}_shank_angle_deg"] = shank_angle_deg(knee, ankle)
    return out


def frontal_angles(xy_front: np.ndarray) -> dict[str, np.ndarray]:
    """Every rear/front-view angle for every frame.

    Parameters
    ----------
    xy_front : (n, 33, 2) float
        Landmarks in the frontal analysis frame (:func:`to_frontal`).

    Returns
    -------
    dict of str -> (n,) float
        ``pelvic_obliquity_deg`` (from the hip landmarks) and ``lateral_trunk_lean_deg``.
    """
    return {
        "pelvic_obliquity_deg": pelvic_obliquity_deg(
            _pt(xy_front, "left_hip"), _pt(xy_front, "right_hip")
        ),
        "lateral_trunk_lean_deg": lateral_trunk_lean_deg(
            _mid(xy_front, "hip"), _mid(xy_front, "shoulder")
        ),
    }
