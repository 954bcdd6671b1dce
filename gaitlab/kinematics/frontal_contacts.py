r"""Rear/front-view contacts: re-timing against a drifting ground line.

The ground line drifts in the image when the stance foot approaches or leaves the camera.

See :mod:`gaitlab.kinematics.events` for the method as a whole.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from gaitlab.kinematics.contacts import parabolic_time, velocity
from gaitlab.kinematics.geometry import (
    SIDES,
    foot_low_y,
    point,
)


def ground_drift_y(time_s: np.ndarray, xy_up: np.ndarray) -> float:
    """Vertical image velocity of the ground under a stance foot (px/s, + = up), ``r``.

    The mode of the vertical velocities of both feet's lowest points: a foot spends a third
    of the stride on the ground, moving with it, which makes the sharpest peak of that
    distribution (as :func:`ground_velocity_x` for the horizontal). From behind, a treadmill
    belt carries the stance foot toward the camera, so it sinks in the image (``r < 0``);
    from the front it rises; overground with a static camera ``r ~ 0``.
    """
    v = np.concatenate([velocity(time_s, foot_low_y(xy_up, side)) for side in SIDES])
    v = v[np.isfinite(v)]
    if v.size < 10 or np.ptp(v) == 0:
        return float(np.median(v)) if v.size else float("nan")
    grid = np.linspace(v.min(), v.max(), 800)
    density = stats.gaussian_kde(v, bw_method=0.1)(grid)
    return float(grid[int(np.argmax(density))])


def steepest_fall_time(
    time_s: np.ndarray,
    low: np.ndarray,
    v_low: np.ndarray,
    t_lo: float,
    t_hi: float,
    drift_px_s: float = 0.0,
) -> float:
    """Foot strike as the foot's steepest fall into a contact; NaN when there is none.

    The foot's lowest point falls until the ground stops it; after contact only the ground
    line's drift remains (foot-velocity rule, O'Connor et al. 2007, *Gait Posture* 25:469).
    Between the swing's highest point in ``[t_lo, t_hi]`` and ``t_hi``, the last local
    minimum of the vertical velocity ``v_low`` that reaches half the steepest fall (a swing
    can pause on its way down) and falls faster than ``drift_px_s``; its time is refined
    between frames by a parabola.
    """
    n = time_s.size
    i0 = int(np.searchsorted(time_s, t_lo))
    i1 = min(int(np.searchsorted(time_s, t_hi)), n)
    if i1 - i0 < 3 or not np.isfinite(low[i0:i1]).any():
        return float("nan")
    apex = i0 + int(np.nanargmax(low[i0:i1]))
    seg = v_low[apex:i1]
    if seg.size < 3 or not np.isfinite(seg).any():
        return float("nan")
    steep = float(np.nanmin(seg))
    if not steep < drift_px_s:
        return float("nan")
    mins = [
        apex + m
        for m in range(1, seg.size - 1)
        if seg[m] <= seg[m - 1]
        and seg[m] <= seg[m + 1]
        and seg[m] - drift_px_s <= 0.5 * (steep - drift_px_s)
    ]
    return parabolic_time(time_s, v_low, mins[-1]) if mins else float("nan")


def refine_frontal_contacts(
    time_s: np.ndarray,
    xy_up: np.ndarray,
    side: str,
    contacts: list[tuple[float, float]],
    stride_s: float,
    drift_px_s: float,
) -> list[tuple[float, float]]:
    """Rear/front-view contacts timed by the foot's motion against the ground line.

    The height test (:func:`detect_contacts` on :func:`foot_height_normalised`) finds each
    stance, but not its ends: from behind, a treadmill belt carries the stance foot toward
    the camera, so its image height keeps falling through stance (by ~10 % of the leg at
    960x540) and a fixed ground line is reached only late in stance (strikes found 130-210 ms
    late on rendered runners); from the front the reverse. Each contact found by height is
    therefore re-timed with the ground line's own drift ``r`` (:func:`ground_drift_y`):

    - **foot strike**: the foot falls until the ground stops it; after contact only the
      ground line's drift remains. The strike is the most negative vertical velocity of the
      foot's lowest point (heel or toe) between the swing's highest point and the contact
      (the foot-velocity rule of O'Connor et al. 2007, *Gait Posture* 25:469), when it falls
      faster than the ground drifts;
    - **toe-off**: on the ground the toe moves with the ground line, and in push-off its
      landmark (inside the shoe, above the sole's tip) sinks further as the foot pivots over
      the tip; once it leaves it rises. Toe-off is the toe's lowest point relative to the
      drifting ground line, ``min(y_toe(t) - r t)``, near the end of the contact.

    Extrema are refined between frames by a parabola. A contact keeps its height-based
    time where no such extremum exists, and contacts never overlap.
    """
    if not contacts or not np.isfinite(drift_px_s):
        return contacts
    low = foot_low_y(xy_up, side)
    v_low = velocity(time_s, low)
    toe = point(xy_up, f"{side}_foot_index")[:, 1]
    if not np.isfinite(toe).any():
        toe = low
    toe_rel = toe - drift_px_s * (time_s - time_s[0])
    n = time_s.size
    out: list[tuple[float, float]] = []
    for k, (t_fs, t_to) in enumerate(contacts):
        prev_end = out[-1][1] if out else -np.inf
        nxt_start = contacts[k + 1][0] if k + 1 < len(contacts) else np.inf
        # Strike: steepest fall between the swing's apex and the contact.
        new_fs = steepest_fall_time(
            time_s, low, v_low, max(t_fs - 0.5 * stride_s, prev_end),
            min(t_fs + 0.1 * stride_s, 0.5 * (t_fs + t_to)), drift_px_s,
        )  # fmt: skip
        new_fs = t_fs if not np.isfinite(new_fs) else new_fs
        # Toe-off: the toe's lowest point relative to the drifting ground line.
        j0 = int(np.searchsorted(time_s, new_fs + 0.5 * (t_to - new_fs)))
        j1 = min(int(np.searchsorted(time_s, min(t_to + 0.15 * stride_s, nxt_start))), n)
        new_to = t_to
        seg = toe_rel[j0:j1]
        if seg.size >= 3 and np.isfinite(seg).any():
            j = j0 + int(np.nanargmin(seg))
            if j0 < j < j1 - 1:
                new_to = parabolic_time(time_s, toe_rel, j)
        if new_fs <= prev_end or new_to <= new_fs:
            new_fs, new_to = t_fs, t_to
        out.append((new_fs, new_to))
    return out
