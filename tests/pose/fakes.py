"""Stand-ins for the pose backend in tests of the pose stage's plumbing (not of MediaPipe)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gaitlab.pose import extract as extract_mod
from gaitlab.pose.backend import FramePose


def fixed_pose(
    rgb: np.ndarray, with_masks: bool, shift: float = 0.0, body_mask: bool = True
) -> FramePose:
    """A known pose: 33 points on a diagonal of the frame, ``shift`` moving them right.

    Parameters
    ----------
    rgb
        The frame (only its size is used).
    with_masks
        Return a segmentation mask (the body's box set to 1 when ``body_mask``, else empty).
    shift
        Moves x by ``10 * shift`` px and sets depth and world coordinates to ``shift``, so
        that poses of different frames differ in every array.
    """
    h, w = rgb.shape[:2]
    xy = np.column_stack(
        [np.linspace(0.3, 0.6, 33) * w + 10 * shift, np.linspace(0.2, 0.9, 33) * h]
    )
    mask = None
    if with_masks:
        mask = np.zeros((h, w), np.float32)
        if body_mask:
            mask[int(0.2 * h) : int(0.9 * h), int(0.3 * w) : int(0.6 * w)] = 1.0
    return FramePose(
        xy_px=xy,
        depth_rel=np.full(33, shift),
        visibility=np.full(33, 0.9),
        world_m=np.full((33, 3), shift),
        mask=mask,
    )


def use_fake_model(monkeypatch, tmp_path: Path) -> Path:
    """Make the pose stage resolve any model name to a dummy file (the fake backend ignores it)."""
    model = tmp_path / "fake.task"
    model.write_bytes(b"not a real model")
    monkeypatch.setattr(extract_mod, "resolve_model", lambda name: model)
    return model
