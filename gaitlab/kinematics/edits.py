"""Edited clips: stretches where the picture stood still.

A paused player, a freeze-frame in an edited video or a screen recording of a paused clip
repeats one picture for many frames. The pose model keeps returning landmarks that drift
by a pixel or two (its tracker settling), so the landmarks cannot tell a frozen picture
from a runner standing still; the pixels can. The caller measures how much the runner's
box changed from each frame to the next (:func:`gaitlab.imaging.camera_motion.runner_box_change`):
a running body changes it by several grey levels, a frozen picture only by the encoder's
noise. A run of such frames lasting at least :data:`FREEZE_MIN_S` is a freeze; its frames
after the first are left out (treated as frames without a pose), so the running on either
side is analysed, and the freeze is named in the notes.

Shorter runs are repeated pictures: a screen recording whose rate does not divide the
video's repeats one frame in five or six (25 fps recorded at 30), and a clip slowed down by
repeating each picture shows every picture two or more times. A repeat carries no new
picture, only the previous one at a later time, so it too is left out and counted; the
count of distinct pictures per second (:func:`repeat_factor`) tells the two apart. Repeats
are left out only when they are a habit of the clip (at least :data:`REPEAT_SHARE_MIN` of
its frames): a stray duplicate (two identical first frames, one doubled image in a
sequence) is kept, as leaving it out only opens a gap for the filters to bridge.

Scene cuts inside continuous timestamps (an edited clip that jumps to another shot) show
in the same measurements: the background cannot be followed across the cut (no corner
tracks both ways) and the runner's box changes far more than in the frames around it. A
frame pair with both, where the runner's hips also land more than
:data:`CUT_JUMP_LEG` leg lengths away, is a cut (:func:`scene_cuts`); the longest stretch
between cuts is analysed and the others are left out and named
(:func:`longest_shot`).

Pure: arrays in, a series and a sentence out.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from gaitlab.kinematics.filtering import valid_runs
from gaitlab.kinematics.geometry import leg_length_px, mid
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


#: Frames on either side a repeat is compared with.
REPEAT_CONTEXT_FRAMES = 3
#: A repeat changes the runner's box by less than this share of the largest change around
#: it (a repeat: ~0.01-0.05 of it; smooth motion at a high frame rate: 0.5-1).
REPEAT_CONTRAST = 0.2


def repeated_frames(time_s: np.ndarray, runner_change: np.ndarray) -> np.ndarray:
    """Frames that repeat the picture before them outside a freeze, ``(n,)`` bool.

    Parameters
    ----------
    time_s : (n,) float
        Frame times in seconds.
    runner_change : (n,) float
        As in :func:`frozen_frames`.
    """
    rc = np.where(np.isfinite(runner_change), runner_change, 0.0)
    # A repeat stands out against the pictures around it: a smoothly moving runner filmed
    # at a high rate (240 fps) may change its box by under a grey level in every frame.
    pad = np.pad(rc, REPEAT_CONTEXT_FRAMES, mode="edge")
    around = sliding_window_view(pad, 2 * REPEAT_CONTEXT_FRAMES + 1).max(axis=1)
    with np.errstate(invalid="ignore"):
        same = (
            np.isfinite(runner_change)
            & (runner_change < STILL_GREY)
            & (runner_change < REPEAT_CONTRAST * around)
        )
    return same & ~frozen_frames(time_s, runner_change)


#: Repeats are left out when at least this share of the measured frames outside freezes
#: are repeats (25 fps recorded at 30: 1 in 6 = 0.17; a stray duplicate in a 50-frame
#: clip: 0.02-0.04).
REPEAT_SHARE_MIN = 0.08
#: Each picture shown at least this many times on average (over the frames outside
#: freezes) is slow motion by repetition, not a frame-rate conversion (1.2 for 25 -> 30 fps).
REPEAT_SLOWMO_MIN = 1.8


def repeat_factor(time_s: np.ndarray, runner_change: np.ndarray) -> float:
    """How many frames each distinct picture is shown for, on average (1.0 = no repeats).

    Counted over the measured frames outside freezes: frames / (frames - repeats). At or
    above :data:`REPEAT_SLOWMO_MIN` the clip is slowed down by repetition by about this
    factor (or comes from a source filmed at that many times fewer frames per second).
    NaN when fewer than 10 frames were measured.
    """
    frozen = frozen_frames(time_s, runner_change)
    measured = np.isfinite(runner_change) & ~frozen
    n = int(measured.sum())
    if n < 10:
        return float("nan")
    repeats = int(repeated_frames(time_s, runner_change)[measured].sum())
    return n / max(n - repeats, 1)


def without_freezes(series: PoseSeries, runner_change: np.ndarray) -> tuple[PoseSeries, str]:
    """The series with its frozen and repeated frames left out, and a note saying which.

    The note is "" when no frame was left out.
    """
    frozen = frozen_frames(series.time_s, runner_change)
    repeated = repeated_frames(series.time_s, runner_change)
    if not repeat_factor(series.time_s, runner_change) >= 1.0 / (1.0 - REPEAT_SHARE_MIN):
        repeated[:] = False  # stray duplicates: kept (module doc)
    if not (frozen.any() or repeated.any()):
        return series, ""
    out = frozen | repeated
    xy = series.xy_px.copy()
    xy[out] = np.nan
    visibility = series.visibility.copy()
    visibility[out] = 0.0
    world = series.world_m.copy()
    world[out] = np.nan
    depth = series.depth_rel.copy()
    depth[out] = np.nan
    notes = []
    if frozen.any():
        parts = ", ".join(
            f"frames {a - 1}-{b - 1} ({series.time_s[b - 1] - series.time_s[a - 1]:.1f} s)"
            for a, b in valid_runs(frozen)
        )
        notes.append(
            f"the picture stood still in {parts} (a paused or edited video): "
            f"{int(frozen.sum())} of {series.n_frames} frames left out"
        )
    if repeated.any():
        factor = repeat_factor(series.time_s, runner_change)
        why = (
            f"each picture is shown about {factor:.1f} times: slow motion by repetition, "
            "or a source with fewer frames per second"
            if factor >= REPEAT_SLOWMO_MIN
            else "a video recorded or converted at another frame rate"
        )
        notes.append(
            f"{int(repeated.sum())} of {series.n_frames} frames repeat the picture before "
            f"them ({why}): left out"
        )
    note = "; ".join(notes)
    edited = dataclasses.replace(
        series, xy_px=xy, visibility=visibility, world_m=world, depth_rel=depth
    )
    return edited, note


#: A scene cut moves the runner's hips by at least this many leg lengths in one frame (a
#: sprinter covers about 0.3 leg lengths per frame at 30 fps).
CUT_JUMP_LEG = 1.0
#: ... and changes the runner's box at least this many times more than the largest change
#: among the frames around it.
CUT_CONTRAST = 2.0


def scene_cuts(
    hip_xy_px: np.ndarray, leg_px: float, shift_px: np.ndarray, runner_change: np.ndarray
) -> np.ndarray:
    """Frames that start a new shot, ``(n,)`` bool (frame ``i`` is cut from ``i - 1``).

    Parameters
    ----------
    hip_xy_px : (n, 2) float
        Mid-hip image position (NaN without a pose).
    leg_px
        Leg length in pixels.
    shift_px : (n, 2) float
        Background shift from frame ``i - 1`` to ``i``; NaN where the background could not
        be followed.
    runner_change : (n,) float
        As in :func:`frozen_frames`.
    """
    n = hip_xy_px.shape[0]
    out = np.zeros(n, dtype=bool)
    if n < 3 or not (np.isfinite(leg_px) and leg_px > 0):
        return out
    jump = np.full(n, np.nan)
    jump[1:] = np.linalg.norm(np.diff(hip_xy_px, axis=0), axis=1) / leg_px
    rc = np.where(np.isfinite(runner_change), runner_change, 0.0)
    k = REPEAT_CONTEXT_FRAMES
    pad = np.pad(rc, k, mode="edge")
    windows = sliding_window_view(pad, 2 * k + 1).copy()
    windows[:, k] = 0.0  # the frame itself is not its own context
    around = windows.max(axis=1)
    with np.errstate(invalid="ignore"):
        out = (
            (jump >= CUT_JUMP_LEG)
            & ~np.isfinite(shift_px[:, 0])
            & np.isfinite(runner_change)
            & (runner_change >= CUT_CONTRAST * around)
        )
    out[0] = False
    return out


def longest_shot(series: PoseSeries, cuts: np.ndarray) -> tuple[PoseSeries, str]:
    """The series with every shot but the longest left out, and a note (or "" without cuts).

    Parameters
    ----------
    series
        The pose series.
    cuts : (n,) bool
        :func:`scene_cuts`.
    """
    if not cuts.any():
        return series, ""
    n = series.n_frames
    starts = np.concatenate([[0], np.flatnonzero(cuts)])
    stops = np.concatenate([starts[1:], [n]])
    seen = np.array([int(series.detected[a:b].sum()) for a, b in zip(starts, stops, strict=True)])
    best = int(np.argmax(seen))
    keep = np.zeros(n, dtype=bool)
    keep[starts[best] : stops[best]] = True
    xy = series.xy_px.copy()
    xy[~keep] = np.nan
    visibility = series.visibility.copy()
    visibility[~keep] = 0.0
    world = series.world_m.copy()
    world[~keep] = np.nan
    depth = series.depth_rel.copy()
    depth[~keep] = np.nan
    left_out = ", ".join(
        f"frames {a}-{b - 1}"
        for i, (a, b) in enumerate(zip(starts, stops, strict=True))
        if i != best
    )
    note = (
        f"{int(cuts.sum())} scene cut(s) at frame(s) "
        f"{', '.join(str(int(i)) for i in np.flatnonzero(cuts))}: the longest shot (frames "
        f"{starts[best]}-{stops[best] - 1}) is analysed, {left_out} left out"
    )
    edited = dataclasses.replace(
        series, xy_px=xy, visibility=visibility, world_m=world, depth_rel=depth
    )
    return edited, note


def edited_series(
    series: PoseSeries, runner_change: np.ndarray, shift_px: np.ndarray | None
) -> tuple[PoseSeries, str, float]:
    """Freezes, repeated pictures and all shots but the longest left out.

    Parameters
    ----------
    series
        The pose series.
    runner_change : (n,) float
        As in :func:`frozen_frames`.
    shift_px : (n, 2) float or None
        Background shifts (:func:`scene_cuts`); None: cuts are not looked for.

    Returns
    -------
    series, note, repeats_x
        The edited series, what was left out ("" for nothing) and
        :func:`repeat_factor`.
    """
    repeats_x = repeat_factor(series.time_s, runner_change)
    series, note = without_freezes(series, runner_change)
    if shift_px is not None and np.shape(shift_px) == (series.n_frames, 2):
        hips = mid(series.xy_px, "hip")
        cuts = scene_cuts(hips, leg_length_px(series.xy_px), shift_px, runner_change)
        series, cut_note = longest_shot(series, cuts)
        note = "; ".join(n for n in (note, cut_note) if n)
    return series, note, repeats_x
