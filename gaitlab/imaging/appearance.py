"""What a person wears, as a few colours: to tell apart two people never seen together.

The multi-person pass links poses into identities by position (:mod:`gaitlab.pose.people`);
someone who leaves the frame, is lost during a jump or a turn, and is found again becomes a
new identity. Whether that second identity is the same person or another one is decided by
what they look like: :func:`appearance_lab` samples the image along the torso, the thighs and
the shins of a pose and returns the median colour of each, in CIELAB (where a distance of
about 2.3 is the smallest difference people see, and clothes of different colours are tens
apart). The median keeps the background pixels that fall on a thin limb from mattering.
"""

from __future__ import annotations

import cv2
import numpy as np

from gaitlab.landmarks import INDEX

#: Body regions sampled, in the order of :func:`appearance_lab`'s rows.
REGIONS: tuple[str, ...] = ("torso", "thighs", "shins")
#: Fractions along a bone (or across the torso) where pixels are sampled: the middle of the
#: segment, away from the joints where two regions meet.
_STEPS = np.linspace(0.2, 0.8, 7)


def _segment_points(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a + (b - a) * _STEPS[:, None]


def sample_points(xy_px: np.ndarray) -> dict[str, np.ndarray]:
    """Image points ``(m, 2)`` sampled in each region of a pose ``(33, 2)``."""
    p = {name: xy_px[INDEX[name]] for name in INDEX}
    top = _segment_points(p["left_shoulder"], p["right_shoulder"])
    bottom = _segment_points(p["left_hip"], p["right_hip"])
    torso = np.concatenate([_segment_points(t, b) for t, b in zip(top, bottom, strict=True)])
    thighs = np.concatenate(
        [_segment_points(p[f"{s}_hip"], p[f"{s}_knee"]) for s in ("left", "right")]
    )
    shins = np.concatenate(
        [_segment_points(p[f"{s}_knee"], p[f"{s}_ankle"]) for s in ("left", "right")]
    )
    return {"torso": torso, "thighs": thighs, "shins": shins}


def appearance_lab(rgb: np.ndarray, xy_px: np.ndarray) -> np.ndarray:
    """Median CIELAB colour of each body region of a pose.

    Parameters
    ----------
    rgb : (h, w, 3) uint8
        The frame the pose was found on.
    xy_px : (33, 2) float
        The pose's landmarks in that frame's pixels.

    Returns
    -------
    (3, 3) float
        One row per :data:`REGIONS` entry: L* (0-100), a*, b*; NaN for a region with no
        sampled point inside the frame (or a pose with NaN landmarks).
    """
    h, w = rgb.shape[:2]
    out = np.full((len(REGIONS), 3), np.nan)
    for k, points in enumerate(sample_points(np.asarray(xy_px, dtype=float)).values()):
        ok = np.isfinite(points).all(axis=1)
        xs = np.round(points[ok, 0]).astype(int)
        ys = np.round(points[ok, 1]).astype(int)
        inside = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        if not inside.any():
            continue
        pixels = rgb[ys[inside], xs[inside]].reshape(-1, 1, 3).astype(np.uint8)
        lab = cv2.cvtColor(pixels, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(float)
        # OpenCV's 8-bit Lab: L scaled to 0-255, a and b offset by 128.
        lab = lab * np.array([100.0 / 255.0, 1.0, 1.0]) - np.array([0.0, 128.0, 128.0])
        out[k] = np.median(lab, axis=0)
    return out


def look_distance(a: np.ndarray, b: np.ndarray) -> float:
    """How differently two people are dressed: the largest CIELAB distance over the regions.

    Regions missing in either (NaN) are skipped; NaN when none is in both.
    """
    d = np.linalg.norm(np.asarray(a, dtype=float) - np.asarray(b, dtype=float), axis=1)
    d = d[np.isfinite(d)]
    return float(d.max()) if d.size else float("nan")
