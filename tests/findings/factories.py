"""Builders of MetricResult objects and contexts with exact summary values, for rule tests."""

from __future__ import annotations

import math

from gaitlab.findings import FindingsContext, StrideTiming
from gaitlab.kinematics.definitions import METRICS
from gaitlab.kinematics.metrics import MetricResult, StrideValue

NAN = math.nan
#: Foot-strike times of the synthetic strides: left at 1, 2, 3 s; right at 1.5, 2.5, 3.5 s.
STRIKES = {"left": (1.0, 2.0, 3.0), "right": (1.5, 2.5, 3.5)}
CONTACT_S = 0.25
#: Time after each foot strike at which the synthetic stride values were "read" (``at_s``).
READ_AFTER_S = 0.32


def metric(
    name: str,
    *,
    median: float = NAN,
    left: float = NAN,
    right: float = NAN,
    left_minus_right: float | None = None,
    asymmetry_pct: float | None = None,
    confidence: str = "high",
    reasons: tuple[str, ...] = (),
    spread: float = 1.0,
    with_times: bool = True,
) -> MetricResult:
    """A MetricResult with the given summaries (not recomputed from the strides).

    Per-stride values are ``side median + (-spread, 0, +spread)`` at :data:`STRIKES`, so the
    most extreme stride of a side is its last one (or its first, for ``below`` rules).
    Each is read at ``strike + READ_AFTER_S`` (``at_s``), or has no read time (NaN, as in
    results saved before it existed) when ``with_times`` is False.
    """
    after = READ_AFTER_S if with_times else NAN
    d = METRICS[name]
    lmr = left - right if left_minus_right is None else left_minus_right
    si = (
        100.0 * lmr / (0.5 * (abs(left) + abs(right)))
        if asymmetry_pct is None and math.isfinite(lmr) and abs(left) + abs(right) > 0
        else (NAN if asymmetry_pct is None else asymmetry_pct)
    )
    values = []
    for side, centre in (("left", left), ("right", right)):
        if math.isfinite(centre):
            for t, dv in zip(STRIKES[side], (-spread, 0.0, spread), strict=True):
                values.append(StrideValue(side, t, centre + dv, at_s=t + after))
    if not math.isfinite(median):
        finite = [c for c in (left, right) if math.isfinite(c)]
        median = sum(finite) / len(finite) if finite else NAN
    if not values and math.isfinite(median):
        values = [
            StrideValue("left", 1.0, median, at_s=1.0 + after),
            StrideValue("right", 1.5, median, at_s=1.5 + after),
        ]
    return MetricResult(
        name=d.name,
        unit=d.unit,
        definition=d.definition,
        sign=d.sign,
        view=d.view,
        instant=d.instant,
        values=tuple(sorted(values, key=lambda v: v.time_s)),
        n=len(values),
        median=median,
        iqr=2.0 * spread if values else NAN,
        left_median=left,
        right_median=right,
        left_minus_right=lmr,
        asymmetry_pct=si,
        confidence="not_measurable" if confidence == "not_measurable" else confidence,
        reasons=reasons,
    )


def not_measurable(name: str, reason: str) -> MetricResult:
    """A metric that could not be measured."""
    return metric(name, confidence="not_measurable", reasons=(reason,))


def strides() -> tuple[StrideTiming, ...]:
    """Stride timings matching :data:`STRIKES`."""
    return tuple(StrideTiming(side, t, t + CONTACT_S) for side, ts in STRIKES.items() for t in ts)


def context(
    view: str = "side-left", fps: float = 120.0, with_strides: bool = True
) -> FindingsContext:
    """A running clip's context."""
    s = strides() if with_strides else ()
    return FindingsContext(view=view, capture_fps=fps, is_running=True, n_strides=len(s), strides=s)
