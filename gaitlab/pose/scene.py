"""Measures of the scene behind the runner: the camera's roll and its motion.

The roll (:mod:`gaitlab.imaging.level`) comes from a few frames spread over the clip with
the runner blanked out by their landmarks' box; the motion
(:mod:`gaitlab.imaging.camera_motion`) from every pair of consecutive frames, in grey at
:data:`CAMERA_FRAME_SIDE_PX` (:func:`camera_grey`). Both belong to the pose stage because
they need the pixels; the kinematics stage levels the landmarks with the roll and tells a
panning camera from a treadmill with the motion. :class:`ScenePass` takes both from the
frames the pose pass decodes anyway, so the clip is decoded once.
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
#: Longest side of the grey frames the camera's motion is measured on (px): corners and
#: their motion are found as well as at full size, several times faster. Not smaller: at
#: 320 px the indoor walking clip kept too few background corners (motion measured in 25 %
#: of its frames instead of 95 %, camera "unknown"; docs/performance.md).
CAMERA_FRAME_SIDE_PX = 480


def camera_grey(picture: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The grey ``(height, width)`` uint8 picture the camera's motion is measured on.

    Parameters
    ----------
    picture : (h, w, 3) uint8
        An RGB frame at any size, usually the one scaled for the pose model: the camera's
        picture is made from it (grey first, then area-averaged to ``size``) rather than
        decoded at a size of its own, which costs a full-size RGB resize a frame.
    size
        ``(width, height)`` from :func:`camera_frame_size`.
    """
    grey = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
    if (grey.shape[1], grey.shape[0]) == tuple(size):
        return grey
    return cv2.resize(grey, tuple(size), interpolation=cv2.INTER_AREA)


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

    The camera's motion is measured on each frame the model is given, made grey and small
    (:func:`camera_grey`). The roll's frames are decoded at the clip's own size as well
    (``extra_sizes`` and ``extra_frames`` of :func:`gaitlab.io.video.iter_frames`), only
    for the rows the roll would read if the runner is found in every frame (the usual case;
    otherwise :func:`measure_camera_roll` reads its frames itself). The pixels are those a
    separate decode gives, so the results are identical to measuring after the pass
    (:func:`gaitlab.pipeline.camera_shifts` makes the camera's pictures the same way).

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
    def extra_sizes(self) -> tuple[None]:
        """The sizes the pass decodes :attr:`extra_frames` at besides the model's."""
        return (None,)

    @property
    def extra_frames(self) -> frozenset[int]:
        """The rows whose frames the pass also decodes at :attr:`extra_sizes` (the roll's)."""
        return frozenset(self._roll_rows)

    def add(
        self, i: int, model_rgb: np.ndarray, extra: tuple[np.ndarray, ...], xy_px: np.ndarray
    ) -> None:
        """Row ``i``'s frame as given to the model, its ``extra`` frames and landmarks.

        ``extra`` holds the clip-size frame for the rows in :attr:`extra_frames` (else it is
        empty); ``xy_px`` are the landmarks in clip pixels (NaN = none).
        """
        self._shifts.add(i, camera_grey(model_rgb, self._camera_size), xy_px)
        if i in self._roll_rows and extra:
            self.greys[i] = cv2.cvtColor(extra[0], cv2.COLOR_RGB2GRAY)
        self.rows = i + 1

    def camera_motion(self, n: int) -> CameraMotion | None:
        """The motion of a series of ``n`` rows, None when the pass saw another number."""
        if n != self.n_rows or self.rows != n:
            return None
        return CameraMotion(self._shifts.shift_px, self._shifts.runner_change)

    def roll_greys(self, n: int) -> Mapping[int, np.ndarray]:
        """The kept grey frames by row, for :func:`measure_camera_roll` (empty if unusable)."""
        return self.greys if n == self.n_rows and self.rows == n else {}
