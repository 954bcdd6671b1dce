"""Measures of the scene behind the runner, taken once the landmarks are known.

One so far: the camera's roll (:mod:`gaitlab.imaging.level`), from a few frames spread over
the clip with the runner blanked out by their landmarks' box. It belongs to the pose stage
because it needs the pixels; the kinematics stage levels the landmarks with it.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from gaitlab.errors import VideoError
from gaitlab.imaging.level import LevelSettings, estimate_roll
from gaitlab.io.sampling import read_frames
from gaitlab.series import CameraRoll, PoseSeries

#: Frames read for the roll: the lines behind the runner barely change; six spread over
#: the clip see past a passer-by or a pan.
ROLL_FRAMES = 6


def measure_camera_roll(
    series: PoseSeries, n_frames: int = ROLL_FRAMES, settings: LevelSettings | None = None
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

    Returns
    -------
    CameraRoll
        The estimate, or one with NaN and the reason (no lines, frames unreadable).
    """
    found = np.flatnonzero(series.detected)
    if found.size == 0:
        return CameraRoll(math.nan, math.nan, 0, 0, math.nan, "no frame with a runner")
    picks = found[np.unique(np.linspace(0, found.size - 1, n_frames).round().astype(int))]
    try:
        rgbs = read_frames(series.video, [float(series.time_s[i]) for i in picks])
    except VideoError as exc:
        return CameraRoll(math.nan, math.nan, 0, 0, math.nan, f"frames unreadable: {exc}")
    frames, boxes = [], []
    for i, rgb in zip(picks, rgbs, strict=True):
        xy = series.xy_px[i]
        x0, y0 = np.nanmin(xy, axis=0)
        x1, y1 = np.nanmax(xy, axis=0)
        frames.append(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        boxes.append((float(x0), float(y0), float(x1), float(y1)))
    return estimate_roll(frames, boxes, settings or LevelSettings())
