"""Measures of the scene behind the runner: the camera's roll and its motion.

The roll (:mod:`gaitlab.imaging.level`) comes from a few frames spread over the clip with
the runner blanked out by their landmarks' box; the motion
(:mod:`gaitlab.imaging.camera_motion`) from every pair of consecutive frames at
:data:`CAMERA_FRAME_SIDE_PX`. Both belong to the pose stage because they need the pixels;
the kinematics stage levels the landmarks with the roll and tells a panning camera from a
treadmill with the motion. :class:`ScenePass` takes both from the frames the pose pass
decodes anyway, so the clip is decoded once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import cv2
import numpy as np

from gaitlab.errors import VideoError
from gaitlab.imaging.camera_motion import SceneShifts
from gaitlab.imaging.level import LevelSettings, estimate_roll
from gaitlab.io.sampling import read_frames
from gaitlab.series import CameraMotion, CameraRoll, PoseSeries, VideoInfo

#: Frames read for the roll: the lines behind the runner barely change; six spread over
#: the clip see past a passer-by or a pan.
ROLL_FRAMES = 6
#: Longest side of the frames the camera's motion is measured on (px): corners and their
#: motion are found as well as at full size, several times faster.
CAMERA_FRAME_SIDE_PX = 480


def camera_frame_size(info: VideoInfo) -> tuple[tuple[int, int], float] | None:
    """``(width, height)`` of the frames the camera's motion is measured on, and their scale.

    None for a clip without a size.
    """
    side = max(info.width_px, info.height_px)
    if not side:
        return None
    scale = min(1.0, CAMERA_FRAME_SIDE_PX / side)
    return (max(2, round(info.width_px * scale)), max(2, round(info.height_px * scale))), scale


def roll_picks(detected: np.ndarray, n_frames: int = ROLL_FRAMES) -> np.ndarray:
    """Rows whose frames the roll is read from: ``n_frames`` spread over those with a pose."""
    found = np.flatnonzero(detected)
    if found.size == 0:
        return found
    return found[np.unique(np.linspace(0, found.size - 1, n_frames).round().astype(int))]


def measure_camera_roll(
    series: PoseSeries,
    n_frames: int = ROLL_FRAMES,
    settings: LevelSettings | None = None,
    greys: Mapping[int, np.ndarray] | None = None,
) -> CameraRoll:
    """The camera's roll over a clip, from ``n_frames`` frames where the runner was found.

    Parameters
    ----------
    series
        The clip's landmarks (for the frame times and the runner's box) and its video.
    n_frames
        How many frames to read, evenly spread over those with a pose.
    settings
        Line-finding thresholds (default :class:`LevelSettings`).
    greys
        Grey full-size frames by row, taken in the pose pass (:class:`ScenePass`); the
        frames are read from the clip when one of the rows wanted is missing.

    Returns
    -------
    CameraRoll
        The estimate, or one with NaN and the reason (no lines, frames unreadable).
    """
    picks = roll_picks(series.detected, n_frames)
    if picks.size == 0:
        return CameraRoll(math.nan, math.nan, 0, 0, math.nan, "no frame with a runner")
    greys = greys or {}
    if not all(int(i) in greys for i in picks):
        try:
            rgbs = read_frames(series.video, [float(series.time_s[i]) for i in picks])
        except VideoError as exc:
            return CameraRoll(math.nan, math.nan, 0, 0, math.nan, f"frames unreadable: {exc}")
        greys = {
            int(i): cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
            for i, rgb in zip(picks, rgbs, strict=True)
        }
    frames, boxes = [], []
    for i in picks:
        xy = series.xy_px[i]
        x0, y0 = np.nanmin(xy, axis=0)
        x1, y1 = np.nanmax(xy, axis=0)
        frames.append(greys[int(i)])
        boxes.append((float(x0), float(y0), float(x1), float(y1)))
    return estimate_roll(frames, boxes, settings or LevelSettings())


class ScenePass:
    """The scene measures taken from the frames of the one-person pose pass, in frame order.

    The pass decodes each frame with two more sizes (``extra_sizes`` of
    :func:`gaitlab.io.video.iter_frames`): the camera-motion size, and the clip's own size
    whose grey picture is kept for the rows the roll would read if the runner is found in
    every frame (the usual case; otherwise :func:`measure_camera_roll` reads its frames
    itself). The pixels are those a separate decode gives, so the results are identical to
    measuring after the pass.

    Parameters
    ----------
    info
        The probed clip.
    n_frames
        Roll frames, as :func:`measure_camera_roll`.
    """

    def __init__(self, info: VideoInfo, n_frames: int = ROLL_FRAMES) -> None:
        self.n_rows = info.n_frames
        camera = camera_frame_size(info)
        self._camera_size, scale = camera if camera is not None else ((2, 2), 1.0)
        self._shifts = SceneShifts(self.n_rows, scale)
        self._roll_rows = set(roll_picks(np.ones(self.n_rows, dtype=bool), n_frames).tolist())
        self.greys: dict[int, np.ndarray] = {}
        self.rows = 0

    @property
    def extra_sizes(self) -> tuple[tuple[int, int], None]:
        """The sizes the pass decodes each frame at besides the model's."""
        return self._camera_size, None

    def add(self, i: int, extra: tuple[np.ndarray, ...], xy_px: np.ndarray) -> None:
        """Row ``i``'s frames (at :attr:`extra_sizes`) and landmarks (clip px, NaN = none)."""
        camera_rgb, full_rgb = extra
        self._shifts.add(i, camera_rgb, xy_px)
        if i in self._roll_rows:
            self.greys[i] = cv2.cvtColor(full_rgb, cv2.COLOR_RGB2GRAY)
        self.rows = i + 1

    def camera_motion(self, n: int) -> CameraMotion | None:
        """The motion of a series of ``n`` rows, None when the pass saw another number."""
        if n != self.n_rows or self.rows != n:
            return None
        return CameraMotion(self._shifts.shift_px, self._shifts.runner_change)

    def roll_greys(self, n: int) -> Mapping[int, np.ndarray]:
        """The kept grey frames by row, for :func:`measure_camera_roll` (empty if unusable)."""
        return self.greys if n == self.n_rows and self.rows == n else {}
