"""Angles over the gait cycle: every stride normalised 0-100 % from foot strike to foot strike.

Gait analysis shows a joint angle against the gait cycle rather than clip time: each stride
of one leg, from its foot strike (0 %) to the next foot strike of the same foot (100 %), is
resampled at :data:`N_POINTS` evenly spaced instants, so strides of different durations
overlay and average. Per side this gives the strides' curves, their mean and standard
deviation, and where toe-off falls in the cycle.

A side's angle (``left_knee_flexion_deg``) is cut by that side's strides; a whole-body
angle (``trunk_lean_deg``) is cut by each side's strides in turn, so left and right cycles
of the trunk can be compared. Values outside the angle's physical range
(:func:`gaitlab.kinematics.definitions.physical_range`) are tracking artefacts and are
masked before resampling.

Pure: arrays in, arrays out; no file I/O, no drawing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gaitlab.kinematics.definitions import physical_range

#: Samples per normalised stride: 0, 1, ..., 100 % of the gait cycle.
N_POINTS = 101
#: The shared x axis of every cycle curve, in % of the gait cycle.
CYCLE_PCT: np.ndarray = np.linspace(0.0, 100.0, N_POINTS)
SIDES = ("left", "right")


@dataclass(frozen=True)
class StrideWindow:
    """One stride's events: the interval a cycle curve is cut from.

    Attributes
    ----------
    index
        Position of the stride in the result's time-ordered stride list (0-based): what a
        chart names when a stride is picked.
    side
        ``left`` or ``right``: the leg whose foot strike starts the stride.
    foot_strike_s, toe_off_s, next_foot_strike_s
        Event times in seconds; ``toe_off_s`` may be NaN when unknown.
    """

    index: int
    side: str
    foot_strike_s: float
    toe_off_s: float
    next_foot_strike_s: float

    @property
    def toe_off_pct(self) -> float:
        """Toe-off in % of the gait cycle (NaN when unknown)."""
        span = self.next_foot_strike_s - self.foot_strike_s
        return 100.0 * (self.toe_off_s - self.foot_strike_s) / span


def stride_windows(strides: Sequence[Any]) -> list[StrideWindow]:
    """Stride windows from :class:`~gaitlab.kinematics.events.Stride` objects or their dicts.

    Parameters
    ----------
    strides
        Strides in time order, each with ``side``, ``foot_strike_s``, ``toe_off_s`` and
        ``next_foot_strike_s`` (as attributes or, as in result.json, as keys).

    Raises
    ------
    ValueError
        When a stride does not end after it starts, or names an unknown side.
    """
    out = []
    for i, s in enumerate(strides):
        get = s.get if isinstance(s, Mapping) else lambda k, s=s: getattr(s, k)
        to = get("toe_off_s")
        w = StrideWindow(
            i,
            str(get("side")),
            float(get("foot_strike_s")),
            float("nan") if to is None else float(to),
            float(get("next_foot_strike_s")),
        )
        if w.side not in SIDES:
            raise ValueError(f"stride {i}: side must be left or right, got {w.side!r}")
        if not w.next_foot_strike_s > w.foot_strike_s:
            raise ValueError(
                f"stride {i}: next foot strike {w.next_foot_strike_s} s is not after its "
                f"foot strike {w.foot_strike_s} s"
            )
        out.append(w)
    return out


def mask_unphysical(name: str, values: np.ndarray) -> np.ndarray:
    """``values`` with NaN where they leave the physical range of metric or series ``name``.

    Names without a known range are returned unchanged (as a float copy).
    """
    out = np.array(values, dtype=float)
    rng = physical_range(name)
    if rng is not None:
        with np.errstate(invalid="ignore"):
            out[(out < rng[0]) | (out > rng[1])] = np.nan
    return out


def normalise_stride(
    time_s: np.ndarray, values: np.ndarray, start_s: float, end_s: float, n_points: int = N_POINTS
) -> np.ndarray:
    """Resample one stride of a series at ``n_points`` instants from ``start_s`` to ``end_s``.

    Linear interpolation between the two frames around each instant; an instant whose
    neighbouring frames are not both finite (a masked artefact, a gap in the pose) stays
    NaN rather than being bridged, and so does one outside the series' time span.

    Parameters
    ----------
    time_s : (n,) float
        Increasing frame times.
    values : (n,) float
        The series (NaN = missing).
    start_s, end_s
        The stride's foot strike and next foot strike of the same foot.
    n_points
        Samples per stride (101: every whole per cent).

    Returns
    -------
    (n_points,) float
    """
    t = np.asarray(time_s, dtype=float)
    y = np.asarray(values, dtype=float)
    targets = np.linspace(start_s, end_s, n_points)
    out = np.full(n_points, np.nan)
    if t.size < 2:
        return out
    # Frame i-1 and i bracket each target; an exact hit on a frame uses that frame alone.
    hi = np.clip(np.searchsorted(t, targets, side="left"), 1, t.size - 1)
    lo = hi - 1
    inside = (targets >= t[0]) & (targets <= t[-1])
    exact_hi = targets == t[hi]
    exact_lo = targets == t[lo]
    both = np.isfinite(y[lo]) & np.isfinite(y[hi])
    w = np.where(both, (targets - t[lo]) / (t[hi] - t[lo]), 0.0)
    interp = np.where(both, y[lo] + w * (y[hi] - y[lo]), np.nan)
    interp = np.where(exact_hi, y[hi], np.where(exact_lo, y[lo], interp))
    out[inside] = interp[inside]
    return out


@dataclass(frozen=True)
class CycleCurves:
    """Every stride of one angle on one side, over the gait cycle.

    Attributes
    ----------
    angle
        Series name (``left_knee_flexion_deg``, ``trunk_lean_deg``).
    side
        ``left`` or ``right``: whose strides cut the series.
    curves_deg : (k, 101) float
        One row per stride, at :data:`CYCLE_PCT`; NaN where masked or missing.
    strides : tuple of StrideWindow, length k
        The stride of each row.
    """

    angle: str
    side: str
    curves_deg: np.ndarray
    strides: tuple[StrideWindow, ...]

    @property
    def pct(self) -> np.ndarray:
        """(101,) % of the gait cycle."""
        return CYCLE_PCT

    @property
    def n_per_point(self) -> np.ndarray:
        """(101,) int: strides with a value at each point of the cycle."""
        return np.isfinite(self.curves_deg).sum(axis=0)

    @property
    def mean_deg(self) -> np.ndarray:
        """(101,) mean over the strides with a value there (NaN where none has one)."""
        return _reduce(self.curves_deg, np.nanmean)

    @property
    def sd_deg(self) -> np.ndarray:
        """(101,) sample standard deviation over strides (NaN where fewer than two)."""
        c = self.curves_deg
        n = np.isfinite(c).sum(axis=0)
        out = np.full(c.shape[1], np.nan)
        ok = n >= 2
        if ok.any():
            out[ok] = np.nanstd(c[:, ok], axis=0, ddof=1)
        return out

    @property
    def toe_off_pct(self) -> np.ndarray:
        """(k,) toe-off of each stride in % of its cycle (NaN when unknown)."""
        return np.array([w.toe_off_pct for w in self.strides], dtype=float)

    @property
    def mean_toe_off_pct(self) -> float:
        """Mean toe-off over the strides, % of the cycle (NaN when none is known)."""
        to = self.toe_off_pct
        to = to[np.isfinite(to)]
        return float(to.mean()) if to.size else float("nan")


def _reduce(c: np.ndarray, fn: Any) -> np.ndarray:
    out = np.full(c.shape[1] if c.ndim == 2 else N_POINTS, np.nan)
    if c.size == 0:
        return out
    ok = np.isfinite(c).any(axis=0)
    out[ok] = fn(c[:, ok], axis=0)
    return out


def angle_side(name: str) -> str | None:
    """``left``/``right`` for a side's series (by its prefix), None for a whole-body one."""
    for side in SIDES:
        if name.startswith(f"{side}_"):
            return side
    return None


def gait_cycles(
    time_s: np.ndarray,
    angles: Mapping[str, np.ndarray],
    windows: Sequence[StrideWindow],
    names: Sequence[str] | None = None,
) -> dict[tuple[str, str], CycleCurves]:
    """Cycle curves of each angle series, per side.

    Parameters
    ----------
    time_s : (n,) float
        Frame times.
    angles
        Series name -> (n,) degrees (:func:`gaitlab.kinematics.angles.sagittal_angles` or
        :func:`~gaitlab.kinematics.angles.frontal_angles`).
    windows
        The strides (:func:`stride_windows`).
    names
        Series to cut (default: all of ``angles``).

    Returns
    -------
    dict
        ``(series name, side) -> CycleCurves``, only for pairs with at least one stride:
        a side's series under its own side, a whole-body series under both sides.
    """
    out: dict[tuple[str, str], CycleCurves] = {}
    for name in names if names is not None else sorted(angles):
        if name not in angles:
            continue
        values = mask_unphysical(name, angles[name])
        own = angle_side(name)
        for side in (own,) if own else SIDES:
            ws = tuple(w for w in windows if w.side == side)
            if not ws:
                continue
            curves = np.array(
                [
                    normalise_stride(time_s, values, w.foot_strike_s, w.next_foot_strike_s)
                    for w in ws
                ]
            )
            out[(name, side)] = CycleCurves(name, side, curves, ws)
    return out


#: Where a per-stride metric is read on the gait cycle, so a band of the metric can be drawn
#: on the curve it comes from: metric -> (series without side prefix, start %, end %). A
#: stride mean spans the whole cycle; a value at foot strike sits at 0 % (and 100 %, the
#: next strike).
METRIC_ON_CYCLE: dict[str, tuple[str, float, float]] = {
    "trunk_lean_deg": ("trunk_lean_deg", 0.0, 100.0),
    "shank_angle_strike_deg": ("shank_angle_deg", 0.0, 0.0),
    "knee_flexion_strike_deg": ("knee_flexion_deg", 0.0, 0.0),
    "lateral_trunk_lean_deg": ("lateral_trunk_lean_deg", 0.0, 100.0),
}
