"""Frames scaled down for the pose model, and landmarks scaled back to the clip's pixels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from gaitlab.io.video import fit_size
from gaitlab.pose.backend import FramePose
from gaitlab.series import VideoInfo


def model_frame_size(info: VideoInfo, max_side_px: int | None) -> tuple[int, int] | None:
    """``(width, height)`` the clip's upright frames are scaled to for the pose model.

    None when they are given at their own size (no limit, or not larger than it).
    """
    if max_side_px is None:
        return None
    width, height, _ = fit_size(info.width_px, info.height_px, max_side_px)
    return None if (width, height) == (info.width_px, info.height_px) else (width, height)


def clip_factor(info: VideoInfo, model_size: tuple[int, int] | None) -> np.ndarray | None:
    """Clip pixels per model pixel along x and y, or None at the clip's own size."""
    if model_size is None:
        return None
    return np.array([info.width_px / model_size[0], info.height_px / model_size[1]])


def to_clip_px(pose: FramePose, factor: np.ndarray) -> FramePose:
    """A pose found on a scaled frame, in the clip's pixels (``factor``: clip px per model px).

    The mask stays at the model's size (see :func:`gaitlab.pose.masks.mask_crop`); world
    landmarks are in metres and do not change.
    """
    return replace(pose, xy_px=pose.xy_px * factor, depth_rel=pose.depth_rel * factor[0])
