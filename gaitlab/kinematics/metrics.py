r"""Per-stride metric values, their summaries, and the result type :class:`MetricResult`.

Values at an event are read from the per-frame series by linear interpolation at the
event's (sub-frame) time; interval values (mean, peak, range) use the frames inside the
interval. Each value carries the time it was read (``at_s``): the event, the frame of the
peak, or the interval's midpoint for means and ranges; the findings' key frames and the
report's "worst moment" show that time. Summaries are over strides: median, inter-quartile
range, per-side medians and the symmetry index

.. math:: SI = 100 \, \frac{L - R}{(|L| + |R|) / 2}

(Robinson et al. 1987), reported with ``L - R`` in the metric's unit because SI blows up for
angles near zero.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gaitlab.jsonsafe import to_json_ready
from gaitlab.kinematics.definitions import METRICS, MetricDefinition
from gaitlab.kinematics.events import Stride
from gaitlab.kinematics.geometry import mid, point


@dataclass(frozen=True)
class StrideValue:
    """One per-stride (or per-stance) value of a metric.

    Attributes
    ----------
    side
        Leg of the stride / stance.
    time_s
        Time of the stride's foot strike.
    value
        The metric's value in its unit (NaN when not measurable in this stride).
    inferred
        True when the stride's events were inferred (hidden far leg).
    at_s
        Time the value was read (s): the event for values at an event, the frame of the
        peak for peak values, the interval's midpoint for means, ranges and durations.
        NaN when not recorded (results saved before it existed); readers then fall back to
        ``time_s``.
    """

    side: str
    time_s: float
    value: float
    inferred: bool = False
    at_s: float = float("nan")

    @property
    def moment_s(self) -> float:
        """``at_s`` when recorded, else the stride's foot strike ``time_s``."""
        return self.at_s if np.isfinite(self.at_s) else self.time_s


@dataclass(frozen=True)
class MetricResult:
    """A metric over the clip: definition, per-stride values, summary and confidence.

    Attributes
    ----------
    name, unit, definition, sign, view, instant
        From the metric catalogue (:mod:`gaitlab.kinematics.definitions`).
    values
        Per-stride values with their side.
    n
        Number of finite per-stride values.
    median, iqr
        Median and inter-quartile range (75th - 25th percentile) over strides.
    left_median, right_median
        Per-side medians (NaN when a side has no values).
    left_minus_right
        ``left_median - right_median`` in the metric's unit.
    asymmetry_pct
        Symmetry index ``100 (L - R) / ((|L| + |R|) / 2)``; NaN when not measurable.
    confidence
        ``high``, ``medium``, ``low`` or ``not_measurable``.
    reasons
        Why the confidence is not high (or why not measurable).
    """

    name: str
    unit: str
    definition: str
    sign: str
    view: str
    instant: str
    values: tuple[StrideValue, ...]
    n: int
    median: float
    iqr: float
    left_median: float
    right_median: float
    left_minus_right: float
    asymmetry_pct: float
    confidence: str
    reasons: tuple[str, ...]

    @property
    def measurable(self) -> bool:
        """False when the confidence is ``not_measurable``."""
        return self.confidence != "not_measurable"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON representation (NaN -> None)."""
        d = dataclasses.asdict(self)
        d["values"] = [to_json_ready(dataclasses.asdict(sv)) for sv in self.values]
        d["reasons"] = list(self.reasons)
        return to_json_ready(d)


def _median(values: Sequence[float]) -> float:
    a = np.asarray(values, dtype=float)
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else float("nan")


def summarise(
    definition: MetricDefinition,
    values: Sequence[StrideValue],
    confidence: str,
    reasons: Sequence[str],
    asymmetry_measurable: bool = True,
) -> MetricResult:
    """Build a :class:`MetricResult` from per-stride values (median, IQR, L/R, SI)."""
    vals = np.array([v.value for v in values], dtype=float)
    fin = vals[np.isfinite(vals)]
    med = float(np.median(fin)) if fin.size else float("nan")
    iqr = float(np.subtract(*np.percentile(fin, [75, 25]))) if fin.size else float("nan")
    left = _median([v.value for v in values if v.side == "left"])
    right = _median([v.value for v in values if v.side == "right"])
    lmr = left - right if asymmetry_measurable else float("nan")
    denom = 0.5 * (abs(left) + abs(right))
    si = 100.0 * (left - right) / denom if asymmetry_measurable and denom > 0 else float("nan")
    if fin.size == 0 and confidence != "not_measurable":
        confidence = "not_measurable"
        reasons = [*reasons, "no stride gave a value"]
    return MetricResult(
        name=definition.name,
        unit=definition.unit,
        definition=definition.definition,
        sign=definition.sign,
        view=definition.view,
        instant=definition.instant,
        values=tuple(values),
        n=int(fin.size),
        median=med,
        iqr=iqr,
        left_median=left,
        right_median=right,
        left_minus_right=lmr,
        asymmetry_pct=si,
        confidence=confidence,
        reasons=tuple(reasons),
    )


def not_measurable(name: str, reason: str) -> MetricResult:
    """A metric that cannot be measured on this clip, saying why."""
    return summarise(METRICS[name], [], "not_measurable", [reason])


# ---------------------------------------------------------------------- series sampling
def value_at(time_s: np.ndarray, series: np.ndarray, t: float) -> float:
    """Linear interpolation of ``series`` at time ``t`` from its two neighbouring frames.

    NaN when ``t`` is outside the clip or either neighbour is missing (never bridges a gap).
    """
    if not time_s[0] <= t <= time_s[-1]:
        return float("nan")
    i = int(np.searchsorted(time_s, t, side="right")) - 1
    i = min(max(i, 0), len(time_s) - 2)
    y0, y1 = series[i], series[i + 1]
    if not (np.isfinite(y0) and np.isfinite(y1)):
        return float("nan")
    f = (t - time_s[i]) / (time_s[i + 1] - time_s[i])
    return float(y0 + f * (y1 - y0))


def over_interval(
    time_s: np.ndarray,
    series: np.ndarray,
    t0: float,
    t1: float,
    reduce: Callable[[np.ndarray], float],
    min_share: float = 0.7,
) -> float:
    """``reduce`` of the frames with ``t0 <= t <= t1``; NaN when under ``min_share`` valid."""
    w = (time_s >= t0) & (time_s <= t1)
    seg = series[w]
    if seg.size == 0:
        return float("nan")
    ok = np.isfinite(seg)
    if ok.mean() < min_share:
        return float("nan")
    return float(reduce(seg[ok]))


def peak_over_interval(
    time_s: np.ndarray,
    series: np.ndarray,
    t0: float,
    t1: float,
    min_share: float = 0.7,
) -> tuple[float, float]:
    """Maximum of the frames with ``t0 <= t <= t1`` and the time of that frame.

    ``(NaN, NaN)`` when under ``min_share`` of the frames are valid (as :func:`over_interval`).
    """
    w = np.flatnonzero((time_s >= t0) & (time_s <= t1))
    if w.size == 0:
        return float("nan"), float("nan")
    seg = series[w]
    ok = np.isfinite(seg)
    if ok.mean() < min_share:
        return float("nan"), float("nan")
    k = int(np.nanargmax(seg))
    return float(seg[k]), float(time_s[w[k]])


def _range(a: np.ndarray) -> float:
    return float(np.max(a) - np.min(a))


# ---------------------------------------------------------------------- side view
def sagittal_stride_values(
    time_s: np.ndarray,
    angles: dict[str, np.ndarray],
    xy_sag: np.ndarray,
    strides: Sequence[Stride],
    leg_px: float,
    cm_per_px: float | None,
) -> dict[str, list[StrideValue]]:
    """Per-stride values of every side-view metric.

    Parameters
    ----------
    time_s : (n,) float
    angles
        Per-frame angle series from :func:`gaitlab.kinematics.angles.sagittal_angles`.
    xy_sag : (n, 33, 2) float
        Landmarks in the sagittal analysis frame (pixels, +X forward, +Y up).
    strides
        Strides of both legs.
    leg_px
        Leg length in pixels.
    cm_per_px
        Centimetres per pixel when the body height is known, else None.

    Returns
    -------
    dict
        Metric name -> per-stride values.
    """
    hip_mid = mid(xy_sag, "hip")
    hip_y = hip_mid[:, 1]
    out: dict[str, list[StrideValue]] = {}

    def add(name: str, s: Stride, v: float, at: float) -> None:
        out.setdefault(name, []).append(StrideValue(s.side, s.foot_strike_s, v, s.inferred, at))

    for s in strides:
        side = s.side
        fs, to, nxt = s.foot_strike_s, s.toe_off_s, s.next_foot_strike_s
        stride_mid, stance_mid = 0.5 * (fs + nxt), 0.5 * (fs + to)
        lean = angles["trunk_lean_deg"]
        add("trunk_lean_deg", s, over_interval(time_s, lean, fs, nxt, np.mean), stride_mid)
        # Peak over late stance and early swing (docs/metrics.md): from foot strike to the
        # other foot's strike. Not the value at the
        # detected toe-off: the thigh is still swinging back then (its peak comes ~90 ms
        # later in the synthetic runner's motion capture) and a toe-off read a frame or
        # two early moves the value by 5-10 degrees.
        t_end = s.contralateral_foot_strike_s
        for name in ("hip_extension_deg", "thigh_extension_deg"):
            series = angles[f"{side}_{name}"]
            peak, t_peak = (
                peak_over_interval(time_s, series, fs, t_end)
                if np.isfinite(t_end) and t_end > to
                else (float("nan"), float("nan"))
            )
            add(name, s, peak, t_peak)
        knee = angles[f"{side}_knee_flexion_deg"]
        add("knee_flexion_strike_deg", s, value_at(time_s, knee, fs), fs)
        add("knee_flexion_midstance_deg", s, *peak_over_interval(time_s, knee, fs, to))
        ank_x = point(xy_sag, f"{side}_ankle")[:, 0] - hip_mid[:, 0]
        add("overstride_pct_leg", s, 100.0 * value_at(time_s, ank_x, fs) / leg_px, fs)
        shank = angles[f"{side}_shank_angle_deg"]
        add("shank_angle_strike_deg", s, value_at(time_s, shank, fs), fs)
        vo_px = over_interval(time_s, hip_y, fs, nxt, _range)
        add("vertical_oscillation_pct_leg", s, 100.0 * vo_px / leg_px, stride_mid)
        if cm_per_px is not None:
            add("vertical_oscillation_cm", s, vo_px * cm_per_px, stride_mid)
        lean_mid = value_at(time_s, lean, stance_mid)
        add("trunk_backward_swing_deg", s, lean_mid - value_at(time_s, lean, to), to)
    out.update(timing_stride_values(strides))
    return out


# ---------------------------------------------------------------------- any view
def timing_stride_values(strides: Sequence[Stride]) -> dict[str, list[StrideValue]]:
    """Per-stride cadence, contact time, flight time and duty factor, in any view.

    They need only the events, so they are the same whichever way the camera looks; how
    much to trust the events is the caller's (view, frame rate) to grade.
    """
    out: dict[str, list[StrideValue]] = {}

    def add(name: str, s: Stride, v: float, at: float) -> None:
        out.setdefault(name, []).append(StrideValue(s.side, s.foot_strike_s, v, s.inferred, at))

    for s in strides:
        fs, to, nxt = s.foot_strike_s, s.toe_off_s, s.next_foot_strike_s
        add("cadence_spm", s, 120.0 / s.stride_time_s, fs)
        add("contact_time_s", s, s.contact_time_s, 0.5 * (fs + to))
        add("flight_time_s", s, s.flight_time_s, 0.5 * (to + nxt))
        add("duty_factor_pct", s, s.duty_factor_pct, fs)
    return out


# ---------------------------------------------------------------------- frontal view
def frontal_stance_values(
    time_s: np.ndarray,
    angles: dict[str, np.ndarray],
    xy_front: np.ndarray,
    strides: Sequence[Stride],
    leg_px: float,
) -> dict[str, list[StrideValue]]:
    """Per-stance values of the rear/front-view metrics except pelvic drop.

    Lateral trunk lean is signed toward the stance leg; the foot's midline offset is
    signed outward on its own side (negative = crossover).
    """
    hip_mid_x = mid(xy_front, "hip")[:, 0]
    out: dict[str, list[StrideValue]] = {}
    prev_ankle: dict[str, float] = {}
    ordered = sorted(strides, key=lambda s: s.foot_strike_s)

    def add(name: str, s: Stride, v: float, at: float) -> None:
        out.setdefault(name, []).append(StrideValue(s.side, s.foot_strike_s, v, s.inferred, at))

    for s in ordered:
        # +X is the runner's right: a right stance leans/offsets toward +X.
        toward = 1.0 if s.side == "right" else -1.0
        fs, to = s.foot_strike_s, s.toe_off_s
        t_mid = 0.5 * (fs + to)
        lean = angles["lateral_trunk_lean_deg"]
        mean_lean = over_interval(time_s, lean, fs, to, np.mean)
        add("lateral_trunk_lean_deg", s, toward * mean_lean, t_mid)
        ank = value_at(time_s, point(xy_front, f"{s.side}_ankle")[:, 0], t_mid)
        off = toward * (ank - value_at(time_s, hip_mid_x, t_mid))
        add("foot_midline_offset_pct_leg", s, 100.0 * off / leg_px, t_mid)
        other = "left" if s.side == "right" else "right"
        if other in prev_ankle:
            width = toward * (ank - prev_ankle[other])
            add("step_width_pct_leg", s, 100.0 * width / leg_px, t_mid)
        prev_ankle[s.side] = ank
    return out
