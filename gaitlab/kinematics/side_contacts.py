r"""Side-view contacts: the foot's speed against the ground.

Also stance recovery, refinement to the heel/toe ground touch, strike re-timing, and the
hidden far leg.

See :mod:`gaitlab.kinematics.events` for the method as a whole.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import stats

from gaitlab.kinematics.contacts import (
    crossing_time,
    landmark_height_frac_leg,
    velocity,
)
from gaitlab.kinematics.filtering import valid_runs
from gaitlab.kinematics.geometry import (
    SIDES,
    nanmedian_or_nan,
    point,
)


def ground_velocity_x(time_s: np.ndarray, xy_up: np.ndarray) -> float:
    """Image velocity of the ground along +X (sagittal frame), pixels per second.

    The mode of the heel and toe forward velocities of both feet among their slowest 40 %:
    a foot spends a third of the stride on the ground moving with it, which makes a sharp
    peak in that part of the distribution (``-belt speed`` on a treadmill, 0 overground with
    a static camera).
    """
    vals = []
    for side in SIDES:
        for part in ("heel", "foot_index"):
            vals.append(velocity(time_s, point(xy_up, f"{side}_{part}")[:, 0]))
    v = np.concatenate(vals)
    v = v[np.isfinite(v)]
    if v.size < 10:
        return float("nan")
    low = v[v <= np.percentile(v, 40)]
    if low.size < 5 or np.ptp(low) == 0:
        return float(np.median(low)) if low.size else float("nan")
    grid = np.linspace(low.min(), low.max(), 400)
    density = stats.gaussian_kde(low)(grid)
    return float(grid[int(np.argmax(density))])


def foot_speed_rel_ground(
    time_s: np.ndarray, xy_up: np.ndarray, side: str, v_ground: float
) -> np.ndarray:
    """Speed of the slower of heel and toe relative to the ground, pixels per second, ``(n,)``."""
    speeds = []
    for part in ("heel", "foot_index"):
        v = velocity(time_s, point(xy_up, f"{side}_{part}"))
        speeds.append(np.hypot(v[:, 0] - v_ground, v[:, 1]))
    a, b = speeds
    return np.where(np.isnan(a), b, np.where(np.isnan(b), a, np.minimum(a, b)))


def add_dragged_stances(
    time_s: np.ndarray,
    xy_up: np.ndarray,
    side: str,
    h: np.ndarray,
    s_rel: np.ndarray,
    contacts: list[tuple[float, float]],
    max_height: float,
    stride_s: float,
    leg_px: float,
    ground_frac: float,
) -> list[tuple[float, float]]:
    """Stances the speed test missed because the foot's landmarks are dragged.

    Where the legs cross at mid-stance MediaPipe pulls the near foot's landmarks toward the
    swinging far foot for a few frames, and on some clips the stance foot's landmarks never
    settle to the ground's speed (rendered trunk-lean runner: 0.45-0.7 x running speed
    through stance against the 0.4 threshold, so whole stances were lost). A stretch where
    the foot stays in the lowest part of its height range for at least 20 % of a stride and
    holds no contact found by speed is added as a contact when the foot moves, in the
    median over the stretch, slower relative to the ground than the runner moves over it
    (``s_rel < 1``): a swinging foot passes the ground faster than that. The contact is
    the part of the stretch where the heel or toe landmark is within ``ground_frac`` leg
    lengths of its own ground line (first to last touch, as :func:`refine_side_contacts`
    sets the ends of the other contacts); its strike is then moved to the impact like any
    other (:func:`retime_side_strikes`).
    """
    if not np.isfinite(leg_px) or leg_px <= 0:
        return contacts
    fs = 1.0 / np.median(np.diff(time_s))
    touch = np.fmin(
        landmark_height_frac_leg(time_s, xy_up, f"{side}_heel", stride_s, leg_px),
        landmark_height_frac_leg(time_s, xy_up, f"{side}_foot_index", stride_s, leg_px),
    )
    with np.errstate(invalid="ignore"):
        low = np.isfinite(h) & (h < max_height)
    out = list(contacts)
    n = time_s.size
    for a, b in valid_runs(low):
        if a == 0 or b == n or (b - a) < 0.2 * stride_s * fs:
            continue
        if not nanmedian_or_nan(s_rel[a:b]) < 1.0:
            continue
        on = np.flatnonzero(np.isfinite(touch[a:b]) & (touch[a:b] < ground_frac))
        if on.size < 2:
            continue
        i0, i1 = a + int(on[0]), a + int(on[-1])
        t0 = crossing_time(time_s, touch, i0 - 1, ground_frac) if i0 > a else float(time_s[i0])
        t1 = crossing_time(time_s, touch, i1, ground_frac) if i1 + 1 < b else float(time_s[i1])
        ta, tb = float(time_s[a]), float(time_s[b - 1])
        inside = [c for c in out if c[0] <= tb and c[1] >= ta]
        covered = sum(min(c[1], t1) - max(c[0], t0) for c in inside)
        if covered >= 0.5 * (t1 - t0):
            continue  # the speed test found this stance; its ends are refined later
        # Speed test found at most a sliver of it (dragged landmarks): the touch interval.
        out = [c for c in out if c not in inside]
        out.append((min([t0, *[c[0] for c in inside]]), max([t1, *[c[1] for c in inside]])))
    return sorted(out)


def refine_side_contacts(
    time_s: np.ndarray,
    xy_up: np.ndarray,
    side: str,
    contacts: list[tuple[float, float]],
    stride_s: float,
    leg_px: float,
    ground_frac: float,
    lift_frac: float | None = None,
) -> list[tuple[float, float]]:
    """Move side-view contacts found by foot speed to the first and last ground touch.

    The speed test alone ends stance early: in push-off the foot rolls over its toe, so the
    heel and toe *landmarks* (inside the shoe, above the sole) move at 0.5-1 x the running
    speed while the sole's tip is still on the ground (on rendered runners with exact
    contacts, toe-offs came 90-100 ms early, contact times 20 % short). Each contact is
    therefore

    - started at the earlier of its speed crossing and the moment the heel or toe landmark
      comes within ``ground_frac`` leg lengths of its own ground line (within 15 % of a
      stride before the speed crossing): the first sign of contact;
    - ended at the later of its speed crossing and the moment the toe landmark rises above
      ``ground_frac`` leg lengths at the end of its lowest stretch (the stretch holding the
      toe's minimum between the strike and 25 % of a stride after the speed crossing): the
      toe leaving the ground.

    With ``lift_frac`` (the near leg, whose toe landmark is seen), the end is instead the
    toe landmark's last rise above ``lift_frac`` leg lengths before it leaves that lowest
    stretch, whether or not the speed crossing came later. On the true landmark positions
    of rendered runners, with ``lift_frac`` = 0.01, toe-offs are +2 to +5 ms from the truth
    (median per clip, ten clips), where the later-of rule was +10 to +17 ms late: the
    speed test ends stance only once the rising toe already moves at a fraction of the
    running speed. A lower ``lift_frac`` (0.005) reaches landmark jitter: on the noisy
    stick runner toe-offs came up to 26 ms early. The far leg keeps the later-of rule: its
    toe landmark is partly hidden, and on MediaPipe's far toe the lift rule put toe-offs
    ~100 ms early.

    Contacts are only ever lengthened (and, with ``lift_frac``, the near leg's toe-offs
    moved to the lift), never split, and never made to overlap the next contact of the
    same foot. Crossings are interpolated between frames.
    """
    if not contacts or not np.isfinite(leg_px) or leg_px <= 0:
        return contacts
    heel = landmark_height_frac_leg(time_s, xy_up, f"{side}_heel", stride_s, leg_px)
    toe = landmark_height_frac_leg(time_s, xy_up, f"{side}_foot_index", stride_s, leg_px)
    both = np.fmin(heel, toe)
    out: list[tuple[float, float]] = []
    n = time_s.size
    for k, (t_fs, t_to) in enumerate(contacts):
        # Start: the last crossing of heel-or-toe height below the threshold before t_fs.
        i_fs = int(np.searchsorted(time_s, t_fs))
        i_lo = int(np.searchsorted(time_s, t_fs - 0.15 * stride_s))
        if k > 0:
            i_lo = max(i_lo, int(np.searchsorted(time_s, contacts[k - 1][1])) + 1)
        new_fs = t_fs
        for i in range(max(i_lo, 1), min(i_fs, n)):
            if both[i - 1] >= ground_frac and both[i] < ground_frac:
                new_fs = min(t_fs, crossing_time(time_s, both, i - 1, ground_frac))
                break
        # End: the toe's lowest stretch after the strike.
        i_hi = int(np.searchsorted(time_s, t_to + 0.25 * stride_s))
        if k + 1 < len(contacts):
            i_hi = min(i_hi, int(np.searchsorted(time_s, contacts[k + 1][0])))
        i_hi = min(i_hi, n - 1)
        new_to = t_to
        seg = toe[i_fs:i_hi]
        if seg.size and np.isfinite(seg).any():
            j = i_fs + int(np.nanargmin(seg))
            if toe[j] < ground_frac:
                while j + 1 < i_hi and np.isfinite(toe[j + 1]) and toe[j + 1] < ground_frac:
                    j += 1
                if j + 1 < i_hi and np.isfinite(toe[j + 1]):
                    new_to = max(t_to, crossing_time(time_s, toe, j, ground_frac))
        if lift_frac is not None and seg.size and np.isfinite(seg).any():
            # The toe's last low stretch before the swing (a wobble of the landmark above
            # the ground line mid-stance must not end the stance), then back from its end
            # to the toe's last time near the ground.
            low = np.flatnonzero(seg < ground_frac)
            if low.size:
                j = i_fs + int(low[-1])
                if j + 1 < i_hi and np.isfinite(toe[j + 1]):
                    m = j
                    while m > i_fs and not toe[m] < lift_frac:
                        m -= 1
                    if toe[m] < lift_frac:
                        new_to = max(new_fs, crossing_time(time_s, toe, m, lift_frac))
        out.append((new_fs, new_to))
    return out


#: A falling landmark has stopped once its fall is this fraction of its steepest fall.
_STOP_FRACTION = 0.25


def _stop_level(y: np.ndarray, v: np.ndarray, j: int, frac: float) -> float:
    """Height where the fall steepest at frame ``j`` has slowed to ``frac`` of its speed.

    Interpolated between the frames either side of that speed; the last finite height when
    the series ends (or has a gap) first.
    """
    m = j
    while m + 1 < v.size and np.isfinite(v[m + 1]) and v[m + 1] < frac * v[j]:
        m += 1
    if m + 1 >= v.size or not np.isfinite(v[m + 1]) or v[m + 1] == v[m]:
        return float(y[m])
    f = (frac * v[j] - v[m]) / (v[m + 1] - v[m])
    return float(y[m] + f * (y[m + 1] - y[m]))


def retime_side_strikes(
    time_s: np.ndarray,
    xy_up: np.ndarray,
    side: str,
    contacts: list[tuple[float, float]],
    stride_s: float,
    leg_px: float,
) -> list[tuple[float, float]]:
    """Side-view foot strike where the landing end's steepest fall meets its stopping level.

    The ground-touch strikes of :func:`refine_side_contacts` are late (13-24 ms at 60 fps
    on rendered runners): the heel and toe landmarks sit inside the shoe and only slow
    down into the band ``foot_ground_height_frac_leg`` over their ground line as the foot
    settles. The landing end (whichever of heel and toe is nearer its own ground line at
    the touch) falls fastest just before the impact, and the impact stops it sharply; the
    landmarks' noise, smoothing and our low-pass round that corner off, symmetrically
    enough that the tangent to the fall at its steepest point still meets the level where
    the fall has stopped (slowed to a quarter of its steepest speed) about where the
    unrounded corner is: the strike is that meeting. The steepest fall is searched from
    10 % of a stride before the touch to 5 % after it (never past mid-stance or before the
    previous toe-off).

    Measured (median; share within a frame): on fifteen rendered side-view clips (30 and
    60 fps, 277 strikes) on the true landmark pixels near leg +14 ms, far leg -1 ms, 270
    within a frame; on MediaPipe's landmarks (tracker smoothing undone, :mod:`.desmooth`)
    +7 / +3 ms, 266 within a frame; on the stick runner, whose landmarks are on the sole
    and stop with a perfect corner, -2 to -8 ms. Tried: the other end's steepest fall
    (O'Connor et al. 2007, *Gait Posture* 25:469, applied to the end that lands second):
    -21 / -15 ms on the true pixels; the landing end's largest deceleration: +11 ms on
    both legs; the tangent run to the touch level: -10 ms on the stick runner; run to the
    landmark's stance level (median over the first tenth of a stride): +13 / +17 ms on the
    true pixels, where the heel landmark keeps sinking as the foot rolls.

    Toe-offs are unchanged; strikes only ever move earlier, and only a falling end is
    used.
    """
    if not contacts or not np.isfinite(leg_px) or leg_px <= 0:
        return contacts
    ys = {p: point(xy_up, f"{side}_{p}")[:, 1] for p in ("heel", "foot_index")}
    hs = {p: landmark_height_frac_leg(time_s, xy_up, f"{side}_{p}", stride_s, leg_px) for p in ys}
    vs = {p: velocity(time_s, y) for p, y in ys.items()}
    n = time_s.size
    out: list[tuple[float, float]] = []
    for t_fs, t_to in contacts:
        i = min(int(np.searchsorted(time_s, t_fs)), n - 1)
        h_heel, h_toe = hs["heel"][i], hs["foot_index"][i]
        if not (np.isfinite(h_heel) and np.isfinite(h_toe)):
            out.append((t_fs, t_to))
            continue
        land = "heel" if h_heel < h_toe else "foot_index"
        t_lo = max(t_fs - 0.1 * stride_s, out[-1][1] if out else -np.inf)
        i0 = int(np.searchsorted(time_s, t_lo, side="right"))
        i1 = min(int(np.searchsorted(time_s, min(t_fs + 0.05 * stride_s, 0.5 * (t_fs + t_to)))), n)
        v = vs[land][i0:i1]
        if v.size == 0 or not np.isfinite(v).any():
            out.append((t_fs, t_to))
            continue
        j = i0 + int(np.nanargmin(v))
        level = _stop_level(ys[land], vs[land], j, _STOP_FRACTION)
        if vs[land][j] < 0 and np.isfinite(level):
            t_hit = float(time_s[j]) + (level - ys[land][j]) / vs[land][j]
            if np.isfinite(t_hit) and t_lo < t_hit:
                t_fs = min(t_fs, t_hit)
        out.append((t_fs, t_to))
    return out


def far_leg_consistent(
    near: list[tuple[float, float]], far: list[tuple[float, float]], stride_s: float
) -> float:
    """Share of the near leg's strides whose far-leg strike falls 50 % +- 15 % into them."""
    if len(near) < 2:
        return 0.0
    far_fs = np.array([f for f, _ in far])
    good = 0
    for (f0, _), (f1, _) in itertools.pairwise(near):
        inside = far_fs[(far_fs > f0) & (far_fs < f1)] if far_fs.size else far_fs
        if inside.size == 1:
            phase = (inside[0] - f0) / (f1 - f0)
            good += abs(phase - 0.5) <= 0.15
    return good / (len(near) - 1)


def fill_far_leg(
    near: list[tuple[float, float]], far: list[tuple[float, float]], t_end_s: float
) -> tuple[list[tuple[float, float]], list[bool], int]:
    """The far leg's own stances where they fit the near leg's rhythm, inferred elsewhere.

    For each near-leg stride (foot strike to the next), the far leg's stance is its own
    when exactly one of its foot strikes falls 50 % +- 15 % into the stride; otherwise
    (far foot hidden, a stance lost or split by mislabelled landmarks) it is the near
    stance shifted by half of that stride and flagged inferred. Far stances before the
    first near strike are kept when they end before it. Measured on rendered runners: the
    far leg's own events are within a frame or two where they pass this check, while a
    whole-clip inference (near leg + half a stride) is 65-80 ms off on a runner whose left
    and right stances differ.

    Returns
    -------
    contacts, inferred flags (one per contact), number inferred
    """
    far_fs = np.array([f for f, _ in far])
    out: list[tuple[float, float]] = [c for c in far if c[1] <= near[0][0]]
    flags = [False] * len(out)
    n_inf = 0
    for (f0, t0), (f1, _) in itertools.pairwise(near):
        inside = [k for k, f in enumerate(far_fs) if f0 < f < f1]
        own = [k for k in inside if abs((far_fs[k] - f0) / (f1 - f0) - 0.5) <= 0.15]
        if len(inside) == 1 and own:
            out.append(far[own[0]])
            flags.append(False)
            continue
        half = 0.5 * (f1 - f0)
        if t0 + half < t_end_s:
            out.append((f0 + half, t0 + half))
            flags.append(True)
            n_inf += 1
    # Keep order and drop overlaps (an own stance running into an inferred one).
    keep_c: list[tuple[float, float]] = []
    keep_f: list[bool] = []
    for c, f in sorted(zip(out, flags, strict=True)):
        if keep_c and c[0] <= keep_c[-1][1]:
            continue
        keep_c.append(c)
        keep_f.append(f)
    return keep_c, keep_f, n_inf
