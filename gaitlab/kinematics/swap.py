r"""Left/right leg label swap detection and repair.

In side view MediaPipe often gives the near leg's landmarks the far leg's labels for a few
frames (DESIGN.md section 2: 6-28 % of frames on rendered runners). A swap shows up as a
break in the motion of both legs at once, so it is found by continuity:

For each frame ``t`` a hidden state ``s_t`` in {0, 1} says whether the raw labels are to be
swapped. With ``P_t(s)`` the leg points of frame ``t`` relabelled by ``s``, the cost of a
labelling is the constant-velocity prediction error summed over frames

.. math::

    C = \sum_t \sum_{p} \lVert P_t(s_t)_p - 2 P_{t-1}(s_{t-1})_p + P_{t-2}(s_{t-2})_p \rVert
        + \lambda \sum_t s_t

(Euclidean norms, so one bad point does not dominate). A second-order model is needed
because in side view the legs cross twice per stride: at a crossing, positions alone cannot
tell "the legs crossed" from "the labels swapped", but velocities can (a swap reverses
them). The penalty ``lambda`` per relabelled frame breaks the global left/right ambiguity in
favour of the raw labels. The minimum is found exactly by Viterbi over the four states
``(s_{t-1}, s_t)``. Runs of frames without a pose are handled independently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitlab.kinematics.filtering import valid_runs
from gaitlab.landmarks import LEG

#: Landmarks whose continuity decides a swap (knee to toe; the hips nearly coincide in
#: side view and carry no information).
_COST_POINTS: tuple[tuple[int, ...], tuple[int, ...]] = (LEG["left"][1:], LEG["right"][1:])


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


def _norm_nan0(v: np.ndarray) -> np.ndarray:
    """Euclidean norm over the last axis, summed over the other trailing axes; NaN -> 0."""
    d = np.sqrt(np.sum(v * v, axis=-1))
    return np.sum(np.nan_to_num(d, nan=0.0), axis=tuple(range(1, d.ndim)))


def _viterbi_run(p: np.ndarray, penalty: float) -> np.ndarray:
    """Optimal swap states for one contiguous run.

    Parameters
    ----------
    p : (m, 2, k, 2) float
        Leg points (frames, side, point, xy) of the run, raw labels.
    penalty
        Cost per swapped frame, in the units of ``p``.

    Returns
    -------
    (m,) bool
    """
    m = p.shape[0]
    if m < 3:
        return np.zeros(m, dtype=bool)
    states = np.stack([p, p[:, ::-1]])  # (2, m, 2, k, 2): raw, swapped
    inf = np.inf
    # dp over pair states index 2*b + c = (s_{t-1}, s_t); initialised at t = 1 from the
    # first-order (position) continuity between frames 0 and 1.
    dp = np.full(4, inf)
    for b in (0, 1):
        for c in (0, 1):
            step = _norm_nan0((states[c, 1] - states[b, 0])[None])[0]
            dp[2 * b + c] = step + penalty * (b + c)
    back = np.zeros((m, 4), dtype=np.int8)
    # Second-order residuals for all (a, b, c) at once: (2, 2, 2, m-2).
    res = np.empty((2, 2, 2, m - 2))
    for a in (0, 1):
        for b in (0, 1):
            for c in (0, 1):
                r = states[c, 2:] - 2.0 * states[b, 1:-1] + states[a, :-2]
                res[a, b, c] = _norm_nan0(r)
    for t in range(2, m):
        new = np.full(4, inf)
        for b in (0, 1):
            for c in (0, 1):
                cand = [dp[2 * a + b] + res[a, b, c, t - 2] for a in (0, 1)]
                a_best = int(np.argmin(cand))
                new[2 * b + c] = cand[a_best] + penalty * c
                back[t, 2 * b + c] = a_best
        dp = new
    s = np.zeros(m, dtype=bool)
    idx = int(np.argmin(dp))
    s[m - 1], s[m - 2] = bool(idx & 1), bool(idx >> 1)
    for t in range(m - 1, 1, -1):
        a = int(back[t, 2 * int(s[t - 1]) + int(s[t])])
        s[t - 2] = bool(a)
    return s


def detect_leg_swaps(
    xy: np.ndarray, leg_length_px: float, penalty_frac_leg: float = 0.02
) -> SwapRepair:
    """Find frames whose left/right leg labels are swapped.

    Parameters
    ----------
    xy : (n, 33, 2) float
        Image landmarks in pixels, NaN where missing.
    leg_length_px
        Typical leg length (hip-knee-ankle) in pixels; scales the per-frame penalty.
    penalty_frac_leg
        Penalty per swapped frame as a fraction of leg length.

    Returns
    -------
    SwapRepair
    """
    n = xy.shape[0]
    legs = np.stack([xy[:, list(_COST_POINTS[0])], xy[:, list(_COST_POINTS[1])]], axis=1)
    detected = ~np.all(np.isnan(legs), axis=(1, 2, 3))
    swapped = np.zeros(n, dtype=bool)
    penalty = penalty_frac_leg * leg_length_px if np.isfinite(leg_length_px) else 1.0
    for a, b in valid_runs(detected):
        swapped[a:b] = _viterbi_run(legs[a:b], penalty)
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
