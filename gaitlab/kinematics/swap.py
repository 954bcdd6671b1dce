r"""Left/right leg label swap detection and repair.

In side view MediaPipe can give the near leg's landmarks the far leg's labels. Measured
against the true pixel positions of rendered runners (the 60 fps sample clips), its raw
labels are wrong in 7-23 % of the frames where the labelling matters, almost all in one- to
five-frame glitches where the legs cross; on the real treadmill clip they agree with
RTMPose's in all but one frame. Two kinds of swap are repaired, each by continuity.

*Glitches* (runs shorter than about ``context_s``). Each leg point's path is estimated by a
running median of the labelled points over ``2 k + 1`` frames (``k = context_s`` in frames):
a glitch is a minority of the window, so the median follows the right path through it. A
frame is relabelled when its swapped labels lie nearer that path than its raw ones, and the
estimate is repeated on the repaired labels until nothing changes (a five-frame glitch
bends the first median; the second one, with the glitch's outer frames fixed, does not).

*Sustained swaps* (longer runs). At each frame ``c`` a line (position and velocity) is
fitted to each leg over the ``k`` frames before and the ``k`` frames after it. With the
mismatch

.. math::

    M(c) = \sum_{p} \lVert x^{after}_p - x^{before}_p \rVert
          + \tau \lVert v^{after}_p - v^{before}_p \rVert, \qquad \tau = k / 2,

a frame is a labelling break when ``M`` with the after-labels crossed is under half of ``M``
with them kept. The velocity term matters where the legs cross in side view: there the
positions cannot tell "the legs crossed" from "the labels swapped", but a swap turns the
stance foot's slow backward motion into the swing foot's fast forward one. Breaks are
taken in pairs, in order; the frames between a pair are relabelled. An unpaired break
relabels nothing, so one bad frame cannot flip the rest of a clip (the earlier
frame-to-frame Viterbi model did: MediaPipe's jitter at the crossings made it cheaper to
switch labels at one glitch and back at the next, relabelling whole half-strides that were
right; wrong labels on ``synth_side_normal`` went from 31 raw frames to 86 after it, and
are 4 with this repair).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from gaitlab.kinematics.filtering import valid_runs
from gaitlab.landmarks import LEG

#: Landmarks whose continuity decides a swap (knee to toe; the hips nearly coincide in
#: side view and carry no information).
_COST_POINTS: tuple[tuple[int, ...], tuple[int, ...]] = (LEG["left"][1:], LEG["right"][1:])

#: A break needs the crossed mismatch under this fraction of the kept one.
_BREAK_RATIO = 0.5

#: Noise floor added to both mismatches, per point, as a fraction of leg length (so two
#: near-zero mismatches on a still runner do not make a break).
_FLOOR_FRAC_LEG = 0.02

#: Glitch passes before giving up on convergence.
_MAX_PASSES = 10

#: Weight of the velocity mismatch of a break, in frames, as a fraction of ``k``.
_TAU_FRAC_K = 0.5


@dataclass(frozen=True)
class SwapRepair:
    """Result of :func:`detect_leg_swaps`.

    Attributes
    ----------
    swapped : (n,) bool
        Frames whose raw left/right leg labels were exchanged.
    n_repaired : int
        Number of such frames.
    share : float
        ``n_repaired`` / number of frames with a pose.
    """

    swapped: np.ndarray
    n_repaired: int
    share: float


def _leg_points(xy: np.ndarray) -> np.ndarray:
    """(n, 33, 2) landmarks -> (n, 2, k, 2) leg points (frame, side, point, xy)."""
    return np.stack([xy[:, list(_COST_POINTS[0])], xy[:, list(_COST_POINTS[1])]], axis=1)


def _relabel(legs: np.ndarray, swapped: np.ndarray) -> np.ndarray:
    return np.where(swapped[:, None, None, None], legs[:, ::-1], legs)


def _dist(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Euclidean point distances summed over the last two axes but one (side, point)."""
    d = np.sqrt(np.sum((p - q) ** 2, axis=-1))
    return np.nansum(d, axis=(-2, -1))


def _running_median(x: np.ndarray, half: int) -> np.ndarray:
    """Median over ``x[i - half : i + half + 1]`` along axis 0, ignoring NaN."""
    n = x.shape[0]
    flat = x.reshape(n, -1)
    pad = np.full((half, flat.shape[1]), np.nan)
    padded = np.concatenate([pad, flat, pad])
    win = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1, axis=0)
    with warnings.catch_warnings():
        # windows inside a long dropout are all NaN and stay NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian(win, axis=-1).reshape(x.shape)


def _glitches(legs: np.ndarray, half: int) -> np.ndarray:
    """Frames to relabel so each lies nearer the running-median path (module doc)."""
    swapped = np.zeros(legs.shape[0], dtype=bool)
    for _ in range(_MAX_PASSES):
        cur = _relabel(legs, swapped)
        path = _running_median(cur, half)
        flip = _dist(cur[:, ::-1], path) < _dist(cur, path)
        if not flip.any():
            break
        swapped ^= flip
    return swapped


def _boundary_fits(
    legs: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Line fits either side of each frame boundary, evaluated at the boundary.

    Returns
    -------
    pos_before, vel_before, pos_after, vel_after : (n - 2 k + 1, 2, p, 2) float
        Entry ``i`` is the boundary before frame ``c = k + i``: lines fitted to
        ``legs[c - k : c]`` (before) and ``legs[c : c + k]`` (after), their values at
        ``c - 0.5`` and their slopes per frame. NaN in a window makes that window's fit NaN.
    """
    t_after = np.arange(k, dtype=float) + 0.5
    win = np.lib.stride_tricks.sliding_window_view(legs, k, axis=0)  # (n - k + 1, ..., k)
    out = []
    for t, w_ in ((-t_after[::-1], win[:-k]), (t_after, win[k:])):
        value, slope = np.linalg.pinv(np.vander(t, 2, increasing=True))
        out += [w_ @ value, w_ @ slope]
    return out[0], out[1], out[2], out[3]


def _sustained(legs: np.ndarray, k: int, leg_px: float) -> np.ndarray:
    """Frames between paired labelling breaks (module doc)."""
    n = legs.shape[0]
    swapped = np.zeros(n, dtype=bool)
    if n < 2 * k + 1:
        return swapped
    b_pos, b_vel, a_pos, a_vel = _boundary_fits(legs, k)
    c = np.arange(k, n - k + 1)
    tau = _TAU_FRAC_K * k
    kept = _dist(a_pos, b_pos) + tau * _dist(a_vel, b_vel)
    crossed = _dist(a_pos[:, ::-1], b_pos) + tau * _dist(a_vel[:, ::-1], b_vel)
    floor = _FLOOR_FRAC_LEG * leg_px * legs.shape[2]
    # at least one point seen on both sides, of each leg
    ok = np.all(np.any(np.isfinite(b_pos + a_pos), axis=(2, 3)), axis=1)
    is_break = ok & (crossed + floor < _BREAK_RATIO * (kept + floor))
    breaks = [int(c[a + int(np.argmin((crossed - kept)[a:b]))]) for a, b in valid_runs(is_break)]
    detected = np.any(np.isfinite(legs), axis=(1, 2, 3))
    i = 0
    while i < len(breaks) - 1:
        a, b = breaks[i], breaks[i + 1]
        if detected[a:b].all():
            swapped[a:b] = True
            i += 2
        else:  # a dropout between them: the first break's partner is lost
            i += 1
    return swapped


def detect_leg_swaps(
    xy: np.ndarray,
    leg_length_px: float,
    time_s: np.ndarray | None = None,
    context_s: float = 0.12,
) -> SwapRepair:
    """Find frames whose left/right leg labels are swapped.

    Parameters
    ----------
    xy : (n, 33, 2) float
        Image landmarks in pixels, NaN where missing.
    leg_length_px
        Typical leg length (hip-knee-ankle) in pixels; sets the noise floor of a break.
    time_s : (n,) float, optional
        Frame times; set ``k``, the context in whole frames (7 when absent).
    context_s
        Half-width of the glitch median and length of each line fit for breaks, in
        seconds (``k`` is the whole number of frames within it; module doc).

    Returns
    -------
    SwapRepair
    """
    n = xy.shape[0]
    legs = _leg_points(np.asarray(xy, dtype=float))
    detected = np.any(np.isfinite(legs), axis=(1, 2, 3))
    k = 7
    if time_s is not None and time_s.size > 1:
        k = max(2, int(context_s / float(np.median(np.diff(time_s))) + 1e-6))
    leg_px = float(leg_length_px) if np.isfinite(leg_length_px) else 0.0
    swapped = np.zeros(n, dtype=bool)
    if n >= 3 and detected.any():
        swapped = _glitches(legs, k)
        swapped ^= _sustained(_relabel(legs, swapped), k, leg_px)
    swapped &= detected
    n_det = int(detected.sum())
    n_rep = int(swapped.sum())
    return SwapRepair(swapped=swapped, n_repaired=n_rep, share=n_rep / n_det if n_det else 0.0)


def swap_legs(arr: np.ndarray, swapped: np.ndarray) -> np.ndarray:
    """Exchange left and right leg landmarks (hip to toe) in the flagged frames.

    Parameters
    ----------
    arr : (n, 33, ...) array
        Any per-landmark array (pixels, visibility, depth, world coordinates).
    swapped : (n,) bool

    Returns
    -------
    (n, 33, ...) array
        A copy with the leg landmarks of flagged frames exchanged.
    """
    out = np.array(arr, copy=True)
    left, right = list(LEG["left"]), list(LEG["right"])
    rows = np.flatnonzero(swapped)
    if rows.size:
        out[np.ix_(rows, left)] = arr[np.ix_(rows, right)]
        out[np.ix_(rows, right)] = arr[np.ix_(rows, left)]
    return out
