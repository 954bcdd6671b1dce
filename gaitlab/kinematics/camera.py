"""Static, panning or handheld camera, and the runner's motion against the ground.

The input is the background's shift between consecutive frames, measured on the pictures
with the runner left out (:mod:`gaitlab.imaging.camera_motion`). A still camera's
background does not move; a camera panning to follow a runner moves it steadily one way; a
hand-held phone shakes it both ways. The runner's speed against the ground is then the
mid-hip's image velocity minus the background's: a panning camera keeps an overground
runner in frame, so "stays in frame" no longer means "treadmill".

Pure: arrays in, a :class:`CameraMotion` out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from gaitlab.jsonsafe import to_json_ready
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.kinematics.view import DirectionResult, ViewResult

CAMERA_KINDS: tuple[str, ...] = ("static", "panning", "handheld", "unknown")
#: The background moved in a frame pair when it shifted by more than this (px).
MOVING_PX = 0.5
#: Below this share of moving frame pairs the camera is still.
STATIC_MOVING_SHARE = 0.2
#: A pan moves the background one way in at least this share of its moving frame pairs ...
PAN_SIGN_SHARE = 0.8
#: ... at a median speed of at least this (leg lengths per second).
PAN_SPEED_MIN_LEG_S = 0.3
#: Fewer frame pairs measured than this share: the camera's motion is unknown.
MEASURED_SHARE_MIN = 0.3


@dataclass(frozen=True)
class CameraMotion:
    """How the camera moved and how fast the runner moved against the ground.

    Attributes
    ----------
    kind
        One of :data:`CAMERA_KINDS`.
    pan_speed_leg_s
        Median horizontal background speed over the moving frame pairs, leg lengths per
        second (+ = background moves image-right, i.e. the camera turns left).
    moving_share
        Share of measured frame pairs in which the background moved.
    measured_share
        Share of frame pairs with a measurement (enough background corners tracked).
    runner_speed_leg_s
        Median speed of the mid-hip against the ground (image velocity minus the
        background's), leg lengths per second; NaN when unknown.
    reason
        One sentence for the user.
    """

    kind: str
    pan_speed_leg_s: float
    moving_share: float
    measured_share: float
    runner_speed_leg_s: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN -> null)."""
        return to_json_ready(asdict(self))


def classify_camera(
    time_s: np.ndarray, shift_px: np.ndarray, hip_x_px: np.ndarray, leg_px: float
) -> CameraMotion:
    """Classify the camera's motion and measure the runner's speed against the ground.

    Parameters
    ----------
    time_s : (n,) float
        Frame times.
    shift_px : (n, 2) float
        Background shift from frame ``i - 1`` to frame ``i`` (+x right, +y down), pixels of
        the landmarks' image; NaN where not measured (always in row 0).
    hip_x_px : (n,) float
        Mid-hip image x (NaN where no pose).
    leg_px
        Leg length in pixels.
    """
    n = time_s.shape[0]
    dt = np.diff(time_s)
    dx = shift_px[1:, 0]
    ok = np.isfinite(dx)
    measured = float(ok.mean()) if n > 1 else 0.0
    if measured < MEASURED_SHARE_MIN or not (np.isfinite(leg_px) and leg_px > 0):
        return CameraMotion(
            "unknown",
            float("nan"),
            float("nan"),
            measured,
            float("nan"),
            f"too little background to follow (measured in {measured:.0%} of frames)",
        )
    step = np.hypot(dx[ok], shift_px[1:, 1][ok])
    moving = step > MOVING_PX
    moving_share = float(moving.mean())
    v_scene = dx[ok] / dt[ok]
    pan = float(np.median(v_scene[moving])) / leg_px if moving.any() else 0.0
    sign_share = (
        float(max(np.mean(v_scene[moving] > 0), np.mean(v_scene[moving] < 0)))
        if moving.any()
        else 0.0
    )
    # Runner against the ground: hip image velocity minus the background's.
    v_hip = np.gradient(hip_x_px, time_s)[1:]
    rel = (v_hip[ok] - v_scene) / leg_px
    runner = (
        float(np.median(np.abs(rel[np.isfinite(rel)])))
        if np.isfinite(rel).any()
        else (float("nan"))
    )
    if moving_share < STATIC_MOVING_SHARE:
        kind = "static"
        reason = f"the background stands still in {1 - moving_share:.0%} of frames"
    elif sign_share >= PAN_SIGN_SHARE and abs(pan) >= PAN_SPEED_MIN_LEG_S:
        kind = "panning"
        reason = (
            f"the background moves steadily one way ({abs(pan):.1f} leg lengths/s in "
            f"{sign_share:.0%} of its moving frames): the camera pans"
        )
    else:
        kind = "handheld"
        reason = f"the background shifts back and forth in {moving_share:.0%} of frames"
    return CameraMotion(kind, pan, moving_share, measured, runner, reason)


def treadmill_against_ground(
    direction: DirectionResult,
    camera: CameraMotion,
    view: ViewResult,
    settings: KinematicsSettings,
) -> DirectionResult:
    """Treadmill vs overground from the runner's motion against the ground, not the image.

    Side views: on a treadmill the hips hardly move against the background; a camera
    panning with an overground runner keeps them in frame while the ground streams past.
    Rear/front views keep the image-scale test, except that a panning camera is never
    following a treadmill.
    """
    if camera.kind == "unknown":
        return direction
    if view.is_side and np.isfinite(camera.runner_speed_leg_s):
        treadmill = camera.runner_speed_leg_s < settings.treadmill_speed_max_leg_s
        return replace(direction, treadmill=treadmill)
    if camera.kind == "panning":
        return replace(direction, treadmill=False)
    return direction


def scene_offset_px(shift_px: np.ndarray) -> np.ndarray:
    """Where the scene has moved in the image since the first frame, ``(n, 2)`` pixels.

    The cumulative sum of the frame-to-frame background shifts; a frame pair without a
    measurement (too few corners) takes the mean shift of the measured pairs around it
    (linear interpolation), so one lost frame does not put a step into the offset.

    Parameters
    ----------
    shift_px : (n, 2) float
        Background shift from frame ``i - 1`` to ``i`` (row 0 NaN), as for
        :func:`classify_camera`.
    """
    n = shift_px.shape[0]
    out = np.zeros((n, 2))
    if n < 2:
        return out
    idx = np.arange(1, n)
    for k in range(2):
        d = shift_px[1:, k]
        ok = np.isfinite(d)
        filled = np.interp(idx, idx[ok], d[ok]) if ok.any() else np.zeros(n - 1)
        out[1:, k] = np.cumsum(filled)
    return out


def against_ground(xy_px: np.ndarray, camera: CameraMotion, shift_px: np.ndarray) -> np.ndarray:
    """Landmarks against the scene: image position minus the scene's offset, ``(n, 33, 2)``.

    A camera that pans or shakes moves the ground in the image; taking that out leaves the
    runner's motion against the ground, where a planted foot stands still (overground) and
    a bounce is the body's, not the camera's. A static camera's measured shifts are noise
    of a few tenths of a pixel, so its landmarks are returned unchanged. A translation
    changes no angle between landmarks and no distance between them.

    Parameters
    ----------
    xy_px : (n, 33, 2) float
        Image landmarks.
    camera
        :func:`classify_camera`'s result.
    shift_px : (n, 2) float
        The background shifts it was classified from.
    """
    if camera.kind not in ("panning", "handheld"):
        return xy_px
    return xy_px - scene_offset_px(shift_px)[:, None, :]
