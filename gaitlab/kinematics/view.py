r"""Camera view, facing and travel direction, and treadmill vs overground.

View
----
Seen from the side, the two shoulders nearly overlap in x; seen from behind or in front they
are most of a trunk length apart. The per-frame *width ratio*

.. math:: r = \frac{|x_{LS} - x_{RS}|}{|\text{mid-shoulder} - \text{mid-hip}|}

is ~0.1-0.2 side-on and ~0.6-0.7 frontal on real clips (the hips are a poorer cue: MediaPipe
puts them only ~0.3 trunk lengths apart even from behind). Its clip median decides side /
frontal / unclear (oblique). A side view's ratio also says how far off square it is
(:attr:`ViewResult.oblique_yaw_deg`): up to ~30 deg it is still analysed, with the
foreshortening (forward distances read ``cos(yaw)`` short) stated. A frontal view is
*front* when the runner's left landmarks lie image-right of the right ones (the runner
faces the camera), *rear* otherwise.

Facing (side view)
------------------
Per frame, the toes point where the runner goes (``x_toe - x_heel`` of both feet) and so does
the nose relative to the ears. The evidence is smoothed over ~1 s so that a walker turning
round at the end of a walkway is followed. ``side-left`` = the runner faces image-left.

Treadmill vs overground
-----------------------
On a treadmill the mid-hip stays put; overground it crosses the frame (side) or its image
shrinks or grows (rear/front). Drift speed is measured in leg lengths per second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from gaitlab.kinematics.filtering import sample_rate_hz, seconds_to_samples
from gaitlab.kinematics.geometry import (
    mid,
    nanmedian_or_nan,
    point,
    trunk_length_series_px,
)
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.kinematics.vocab import FRONTAL_VIEWS as FRONTAL_VIEWS
from gaitlab.kinematics.vocab import SIDE_VIEWS as SIDE_VIEWS
from gaitlab.kinematics.vocab import USER_VIEWS as USER_VIEWS
from gaitlab.kinematics.vocab import VIEWS as VIEWS

#: Shoulder width over trunk length seen square from behind or in front (0.6-0.7 on real
#: clips, 0.70 on the stick runner).
FRONTAL_WIDTH_RATIO = 0.68
#: Shoulder width ratio MediaPipe reads on a square side view (0.157 on the real treadmill
#: clip, 0.197 on the indoor walking clip): its spread, not a turn.
SQUARE_WIDTH_RATIO = 0.15
#: A side view estimated this far off square gets its foreshortening stated and its
#: sagittal angles and distances capped at medium confidence (above the shoulders' noise).
OBLIQUE_NOTE_DEG = 20.0


@dataclass(frozen=True)
class ViewResult:
    """Camera view of the runner.

    Attributes
    ----------
    view
        One of :data:`VIEWS`. ``side-left`` = side view, runner facing image-left.
    confidence
        0-1: share of frames that agree with the clip-level call, scaled down near the
        decision thresholds. 1.0 when the user set the view.
    source
        ``"auto"`` or ``"user"``.
    detected_view
        What automatic detection said (equal to ``view`` unless overridden).
    width_ratio
        Clip median of the shoulder width ratio (see module doc).
    reason
        One sentence explaining the call.
    """

    view: str
    confidence: float
    source: str
    detected_view: str
    width_ratio: float
    reason: str

    @property
    def is_side(self) -> bool:
        """True for side-left / side-right."""
        return self.view in SIDE_VIEWS

    @property
    def is_frontal(self) -> bool:
        """True for rear / front."""
        return self.view in FRONTAL_VIEWS

    @property
    def oblique_yaw_deg(self) -> float:
        """Side views: how far the camera looks off square, in degrees (NaN otherwise).

        From the shoulders' width in the image: a shoulder line of width ``W`` turned ``a``
        off the image plane shows ``W sin a``. MediaPipe puts the shoulders apart even
        square to the camera (:data:`SQUARE_WIDTH_RATIO`); that spread is taken off in
        quadrature, ``a = asin(sqrt(r^2 - r_0^2) / FRONTAL_WIDTH_RATIO)`` (0 when
        ``r <= r_0``). Rough: a few degrees either way on real clips.
        """
        if not self.is_side or not np.isfinite(self.width_ratio):
            return float("nan")
        turned = np.sqrt(max(0.0, self.width_ratio**2 - SQUARE_WIDTH_RATIO**2))
        return float(np.degrees(np.arcsin(min(1.0, turned / FRONTAL_WIDTH_RATIO))))


@dataclass(frozen=True)
class DirectionResult:
    """Direction of travel and treadmill detection.

    Attributes
    ----------
    facing : (n,) float
        Per frame +1 (runner faces image-right) or -1 (image-left) for side views; NaN
        where unknown. Used to build the sagittal analysis frame.
    travel
        ``image_left``, ``image_right``, ``away_from_camera``, ``toward_camera``,
        ``changes`` (turns round within the clip) or ``unknown``.
    direction_changes
        Number of facing reversals (side view).
    treadmill
        True when the runner stays in frame; None when undecidable.
    drift_speed_leg_s
        Median absolute mid-hip drift speed across the image in leg lengths per second
        (side), or trunk-scale change rate per second (rear/front).
    """

    facing: np.ndarray
    travel: str
    direction_changes: int
    treadmill: bool | None
    drift_speed_leg_s: float


def width_ratio_series(xy: np.ndarray) -> np.ndarray:
    """Per-frame shoulder width (image x) over trunk length, ``(n,)`` (see module doc)."""
    trunk = trunk_length_series_px(xy)
    sh = np.abs(point(xy, "left_shoulder")[:, 0] - point(xy, "right_shoulder")[:, 0])
    with np.errstate(invalid="ignore", divide="ignore"):
        return sh / trunk


def facing_evidence(xy: np.ndarray, leg_px: float) -> np.ndarray:
    """Per-frame evidence in [-2, 2] that the runner faces image-right (+) or left (-).

    Sum of ``tanh((x_toe - x_heel) / (0.05 leg))`` averaged over both feet and
    ``tanh((x_nose - x_mid_ear) / (0.03 leg))``; NaN terms count as 0.
    """
    feet = []
    for side in ("left", "right"):
        d = point(xy, f"{side}_foot_index")[:, 0] - point(xy, f"{side}_heel")[:, 0]
        feet.append(np.tanh(d / (0.05 * leg_px)))
    foot_term = 0.5 * (np.nan_to_num(feet[0]) + np.nan_to_num(feet[1]))
    ears = 0.5 * (point(xy, "left_ear")[:, 0] + point(xy, "right_ear")[:, 0])
    nose_term = np.nan_to_num(np.tanh((point(xy, "nose")[:, 0] - ears) / (0.03 * leg_px)))
    return foot_term + nose_term


def hip_velocity_leg_s(time_s: np.ndarray, xy: np.ndarray, leg_px: float) -> np.ndarray:
    """Mid-hip image x-velocity in leg lengths per second, ``(n,)`` (NaN where missing)."""
    hip_x = mid(xy, "hip")[:, 0]
    ok = np.isfinite(hip_x)
    v = np.full(hip_x.shape, np.nan)
    if ok.sum() >= 3:
        v[ok] = np.gradient(hip_x[ok], time_s[ok]) / leg_px
    return v


def motion_evidence(v_leg: np.ndarray, settings: KinematicsSettings) -> np.ndarray:
    """Per-frame facing evidence from travel, ``4 tanh(v / 0.5)``; zeros on a treadmill.

    Overground the runner goes where the hips go: the strongest cue, and the only one that
    survives a pose model misreading the head or feet. On a treadmill (median ``|v|`` below
    ``treadmill_speed_max_leg_s``) the drift says nothing about facing.
    """
    fin = v_leg[np.isfinite(v_leg)]
    if fin.size < 3 or np.median(np.abs(fin)) < settings.treadmill_speed_max_leg_s:
        return np.zeros_like(v_leg)
    return 4.0 * np.tanh(np.nan_to_num(v_leg) / 0.5)


def detect_view(
    time_s: np.ndarray,
    xy: np.ndarray,
    visibility: np.ndarray,
    leg_px: float,
    settings: KinematicsSettings,
    override: str = "auto",
) -> ViewResult:
    """Classify the camera view (optionally overridden by the user).

    Parameters
    ----------
    time_s : (n,) float
    xy : (n, 33, 2) float
        Cleaned image landmarks (pixels).
    visibility : (n, 33) float
    leg_px
        Clip leg length in pixels.
    settings
        Thresholds ``side_width_ratio_max`` and ``frontal_width_ratio_min``.
    override
        ``"auto"`` or one of :data:`USER_VIEWS` (the user's choice wins, detection is kept;
        ``side`` keeps the detected facing).

    Returns
    -------
    ViewResult
    """
    if override != "auto" and override not in USER_VIEWS:
        raise ValueError(f"view must be 'auto' or one of {USER_VIEWS}, got {override!r}")
    ratio = width_ratio_series(xy)
    finite = np.isfinite(ratio)
    r_med = nanmedian_or_nan(ratio)
    lo, hi = settings.side_width_ratio_max, settings.frontal_width_ratio_min
    if finite.sum() < 10:
        detected, conf, reason = "unclear", 0.0, "fewer than 10 frames with a full trunk"
    elif r_med <= lo:
        agree = float(np.mean(ratio[finite] <= lo))
        face = facing_evidence(xy, leg_px) + motion_evidence(
            hip_velocity_leg_s(time_s, xy, leg_px), settings
        )
        f_med = float(np.median(face[finite]))
        share = float(np.mean(np.sign(face[finite]) == np.sign(f_med))) if f_med != 0 else 0.5
        detected = "side-right" if f_med > 0 else "side-left"
        margin = min(1.0, (lo - r_med) / (0.5 * lo))
        conf = agree * share * (0.5 + 0.5 * margin)
        reason = (
            f"shoulders overlap (width ratio {r_med:.2f} <= {lo}); runner faces "
            f"image-{'right' if f_med > 0 else 'left'} in {share:.0%} of frames"
        )
    elif r_med >= hi:
        agree = float(np.mean(ratio[finite] >= hi))
        lr = np.concatenate(
            [
                point(xy, "left_shoulder")[:, 0] - point(xy, "right_shoulder")[:, 0],
                point(xy, "left_hip")[:, 0] - point(xy, "right_hip")[:, 0],
            ]
        )
        lr = lr[np.isfinite(lr)]
        front_share = float(np.mean(lr > 0)) if lr.size else 0.5
        detected = "front" if front_share > 0.5 else "rear"
        share = max(front_share, 1 - front_share)
        margin = min(1.0, (r_med - hi) / 0.2)
        conf = agree * (2 * share - 1) * (0.5 + 0.5 * margin)
        reason = (
            f"shoulders side by side (width ratio {r_med:.2f} >= {hi}); the runner's "
            f"left is image-{'right' if detected == 'front' else 'left'} in {share:.0%} of "
            "frames"
        )
    else:
        detected, conf = "unclear", 0.0
        reason = (
            f"oblique view: width ratio {r_med:.2f} between side ({lo}) and frontal ({hi}); "
            "film square to the running direction"
        )
    if override == "side":
        # The user vouches for a side view; only the facing is read from the clip.
        face = facing_evidence(xy, leg_px) + motion_evidence(
            hip_velocity_leg_s(time_s, xy, leg_px), settings
        )
        f_med = nanmedian_or_nan(face)
        override = "side-right" if np.isfinite(f_med) and f_med > 0 else "side-left"
    if override != "auto":
        note = "" if override == detected else f" (automatic detection said {detected})"
        return ViewResult(override, 1.0, "user", detected, r_med, "set by the user" + note)
    return ViewResult(detected, float(np.clip(conf, 0, 1)), "auto", detected, r_med, reason)


def detect_direction(
    time_s: np.ndarray,
    xy: np.ndarray,
    leg_px: float,
    view: ViewResult,
    settings: KinematicsSettings,
) -> DirectionResult:
    """Per-frame facing, direction of travel and treadmill flag for a given view.

    Parameters
    ----------
    time_s : (n,) float
    xy : (n, 33, 2) float
        Cleaned image landmarks.
    leg_px
        Clip leg length in pixels.
    view
        The (possibly user-set) view.
    settings
        ``treadmill_speed_max_leg_s``.
    """
    n = xy.shape[0]
    fs = sample_rate_hz(time_s)
    v_leg = hip_velocity_leg_s(time_s, xy, leg_px)
    ok = np.isfinite(v_leg)
    facing = np.full(n, np.nan)
    changes = 0
    speed = float("nan")
    treadmill: bool | None = None
    if ok.sum() >= 3:
        # Median of |v|, not |median v|: a walker going back and forth is not on a treadmill.
        speed = float(np.median(np.abs(v_leg[ok])))
    if view.is_side:
        if np.isfinite(speed):
            treadmill = speed < settings.treadmill_speed_max_leg_s
        if view.source == "user":
            facing[:] = 1.0 if view.view == "side-right" else -1.0
        else:
            ev = facing_evidence(xy, leg_px) + motion_evidence(v_leg, settings)
            # ~1 s running mean of the evidence follows turns without flickering per step.
            w = seconds_to_samples(1.0, fs) if np.isfinite(fs) else 1
            sm = ndimage.uniform_filter1d(np.where(ok, ev, 0.0), size=w, mode="nearest")
            facing = np.where(sm >= 0, 1.0, -1.0)
            facing[~ok] = np.nan
            f_ok = facing[ok]
            changes = int(np.sum(f_ok[1:] != f_ok[:-1]))
        if changes:
            travel = "changes"
        else:
            f_med = nanmedian_or_nan(facing)
            travel = (
                "unknown" if np.isnan(f_med) else ("image_right" if f_med > 0 else "image_left")
            )
    elif view.is_frontal:
        trunk = trunk_length_series_px(xy)
        t_ok = np.isfinite(trunk) & (trunk > 0)
        if t_ok.sum() >= 3:
            # Relative scale change per second: ~0 on a treadmill, about speed/distance
            # (e.g. 3.5 m/s at 5-15 m -> 0.2-0.7 /s) overground.
            rate = np.polyfit(time_s[t_ok], np.log(trunk[t_ok]), 1)[0]
            speed = float(abs(rate))
            treadmill = speed < 0.1
            travel = "away_from_camera" if view.view == "rear" else "toward_camera"
        else:
            travel = "unknown"
    else:
        travel = "unknown"
    return DirectionResult(facing, travel, changes, treadmill, speed)


def oblique_note(yaw_deg: float) -> str:
    """The foreshortening of a side view filmed ``yaw_deg`` off square, in words."""
    short_pct = 100.0 * (1.0 - np.cos(np.radians(yaw_deg)))
    return (
        f"the camera looks about {yaw_deg:.0f} deg off square to the running direction "
        f"(from the shoulders' width): forward distances read about {short_pct:.0f} % short "
        "and the side-view angles are foreshortened; film square to the running direction"
    )
