"""Edited clips: stretches where the picture stood still.

A paused player, a freeze-frame in an edited video or a screen recording of a paused clip
repeats one picture for many frames. The pose model keeps returning landmarks that drift
by a pixel or two (its tracker settling), so the landmarks cannot tell a frozen picture
from a runner standing still; the pixels can. The caller measures how much the runner's
box changed from each frame to the next (:func:`gaitlab.imaging.camera_motion.runner_box_change`):
a running body changes it by several grey levels, a frozen picture only by the encoder's
noise. A run of such frames lasting at least :data:`FREEZE_MIN_S` is a freeze; its frames
after the first are left out (treated as frames without a pose), so the running on either
side is analysed, and the freeze is named in the notes. Single repeated frames (a screen
recording whose rate does not divide the video's) are kept.

Pure: arrays in, a series and a sentence out.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gaitlab.kinematics.filtering import valid_runs
from gaitlab.series import PoseSeries

#: A run of unchanged pictures at least this long is a freeze, not a repeated frame.
FREEZE_MIN_S = 0.25
#: Mean grey-level change in the runner's box below which the picture did not change
#: (a paused screen recording: 0.3-0.5; a runner on a treadmill: 2-4).
STILL_GREY = 1.0


def frozen_frames(time_s: np.ndarray, runner_change: np.ndarray) -> np.ndarray:
    """Frames inside a freeze, after its first, ``(n,)`` bool.

    Parameters
    ----------
    time_s : (n,) float
        Frame times in seconds.
    runner_change : (n,) float
        Mean grey-level change of the runner's box from frame ``i - 1`` to ``i`` (NaN where
        not measured).
    """
    n = time_s.shape[0]
    out = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        same = np.isfinite(runner_change) & (runner_change < STILL_GREY)
    for start, stop in valid_runs(same):
        # Frames start-1 .. stop-1 show one picture until frame ``stop`` replaces it.
        end_s = time_s[stop] if stop < n else time_s[-1]
        if start >= 1 and end_s - time_s[start - 1] >= FREEZE_MIN_S:
            out[start:stop] = True
    return out


def without_freezes(series: PoseSeries, runner_change: np.ndarray) -> tuple[PoseSeries, str]:
    """The series with its frozen frames left out, and a note saying which (or "")."""
    frozen = frozen_frames(series.time_s, runner_change)
    if not frozen.any():
        return series, ""
    xy = series.xy_px.copy()
    xy[frozen] = np.nan
    visibility = series.visibility.copy()
    visibility[frozen] = 0.0
    world = series.world_m.copy()
    world[frozen] = np.nan
    depth = series.depth_rel.copy()
    depth[frozen] = np.nan
    parts = ", ".join(
        f"frames {a - 1}-{b - 1} ({series.time_s[b - 1] - series.time_s[a - 1]:.1f} s)"
        for a, b in valid_runs(frozen)
    )
    note = (
        f"the picture stood still in {parts} (a paused or edited video): "
        f"{int(frozen.sum())} of {series.n_frames} frames left out"
    )
    edited = dataclasses.replace(
        series, xy_px=xy, visibility=visibility, world_m=world, depth_rel=depth
    )
    return edited, note
