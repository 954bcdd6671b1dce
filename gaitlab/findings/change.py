"""What moved between two sessions of one runner, metric by metric, and whether it is real.

Shared by the dashboard's comparison, the result store's history and trends.

A change counts when it is larger than what measurement alone can produce:

- the **smallest detectable difference** (SDD) from test-retest studies of 2D running video,
  where one is known for the metric (:data:`LITERATURE_SDD`);
- otherwise a rough **stride-noise bound** from the two clips themselves: each median's
  standard error from its stride-to-stride spread (``1.253 * (IQR / 1.349) / sqrt(n)``,
  normal approximation), combined as ``1.96 * sqrt(se_before**2 + se_after**2)``. It covers
  stride-to-stride variation only, not filming differences between the sessions, so it is
  a lower bound and labelled as such.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gaitlab.result import ResultDocument


@dataclass(frozen=True)
class Sdd:
    """A smallest detectable difference from the literature.

    Attributes
    ----------
    value
        In the metric's unit.
    source
        Short citation.
    """

    value: float
    source: str


#: Metric -> SDD of 2D video measurement between sessions. Only values with a source.
LITERATURE_SDD: dict[str, Sdd] = {
    # Dingenen 2018: 2D contralateral pelvic drop SDD about 2.7-2.8 deg (the upper value).
    "pelvic_drop_deg": Sdd(2.8, "Dingenen 2018, 2D test-retest"),
}

#: Consistency factor of the median's standard error under a normal distribution.
_MEDIAN_SE = math.sqrt(math.pi / 2)
_IQR_TO_SD = 1.349
_Z95 = 1.96


@dataclass(frozen=True)
class MetricChange:
    """One metric in two sessions.

    Attributes
    ----------
    metric, unit
        Metric name and unit (``pelvic_drop_deg``, ``deg``).
    before, after
        Medians over strides (None when not measurable in that session).
    delta
        ``after - before`` (None when either is missing).
    threshold
        The smallest change that counts (None when none can be given).
    basis
        Where ``threshold`` comes from: the SDD's source, or ``stride noise (both clips)``.
    verdict
        ``changed``, ``within noise``, ``not comparable``.
    note
        Why not comparable, or a caveat (low confidence, different views).
    """

    metric: str
    unit: str
    before: float | None
    after: float | None
    delta: float | None
    threshold: float | None
    basis: str
    verdict: str
    note: str = ""

    @property
    def changed(self) -> bool:
        """True when the change is beyond the threshold."""
        return self.verdict == "changed"


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def median_se(iqr: float | None, n: int | None) -> float | None:
    """Standard error of a median from the IQR and count (normal approximation)."""
    if iqr is None or not n or n < 2:
        return None
    return _MEDIAN_SE * (iqr / _IQR_TO_SD) / math.sqrt(n)


@dataclass(frozen=True)
class Measured:
    """A metric as one session measured it: what a comparison needs.

    Attributes
    ----------
    unit
        The metric's unit.
    median, iqr
        Over the strides (None when not measurable).
    n
        Strides measured.
    confidence
        The metric's confidence level.
    reasons
        Why it is not measurable or not more trustworthy.
    """

    unit: str
    median: float | None
    iqr: float | None = None
    n: int = 0
    confidence: str = ""
    reasons: tuple[str, ...] = ()


_UNMEASURED = Measured("", None)


@dataclass(frozen=True)
class SessionMetrics:
    """One session's view and metrics, as compared by :func:`compare_results`."""

    view: str
    metrics: Mapping[str, Measured]

    @classmethod
    def from_result(cls, result: ResultDocument) -> SessionMetrics:
        """The view and metric summaries of a result document."""
        return cls(
            view=result.view,
            metrics={
                name: Measured(m.unit, m.median, m.iqr, m.n, m.confidence.value, m.reasons)
                for name, m in result.metrics.items()
            },
        )


def stride_noise(before: Measured, after: Measured) -> float | None:
    """95 % bound on a difference of two medians from stride-to-stride noise alone."""
    se1 = median_se(_num(before.iqr), before.n)
    se2 = median_se(_num(after.iqr), after.n)
    if se1 is None or se2 is None:
        return None
    return _Z95 * math.hypot(se1, se2)


def compare_results(
    before: SessionMetrics | ResultDocument,
    after: SessionMetrics | ResultDocument,
    sdd: Mapping[str, Sdd] = LITERATURE_SDD,
) -> list[MetricChange]:
    """Metric-by-metric change between two sessions (result documents or their metrics).

    Metrics measurable in neither session are left out; those measurable in one only are
    ``not comparable``. Changes come first (largest relative to their threshold), then the
    rest in the result's metric order.
    """
    sb, sa = (
        s if isinstance(s, SessionMetrics) else SessionMetrics.from_result(s)
        for s in (before, after)
    )
    mb, ma = sb.metrics, sa.metrics
    same_view = sb.view.split("-")[0] == sa.view.split("-")[0]
    rows = []
    for name in list(dict.fromkeys([*mb, *ma])):
        b, a = mb.get(name, _UNMEASURED), ma.get(name, _UNMEASURED)
        vb, va = _num(b.median), _num(a.median)
        if vb is None and va is None:
            continue
        unit = a.unit or b.unit
        if vb is None or va is None:
            missing = "before" if vb is None else "after"
            reasons = "; ".join((b if vb is None else a).reasons)
            rows.append(
                MetricChange(
                    name, unit, vb, va, None, None, "", "not comparable",
                    f"not measurable {missing}" + (f": {reasons}" if reasons else ""),
                )
            )  # fmt: skip
            continue
        delta = va - vb
        if name in sdd:
            threshold: float | None = sdd[name].value
            basis = sdd[name].source
        else:
            threshold = stride_noise(b, a)
            basis = "stride noise (both clips)" if threshold is not None else ""
        notes = []
        if not same_view:
            notes.append(f"different views ({sb.view} vs {sa.view})")
        low = [s for s, m in (("before", b), ("after", a)) if m.confidence == "low"]
        if low:
            notes.append(f"low confidence {' and '.join(low)}")
        if threshold is None:
            verdict = "not comparable"
            notes.append("too few strides to judge the change")
        else:
            verdict = "changed" if abs(delta) > threshold else "within noise"
        rows.append(
            MetricChange(name, unit, vb, va, delta, threshold, basis, verdict, "; ".join(notes))
        )
    order = {name: i for i, name in enumerate(dict.fromkeys([*mb, *ma]))}

    def key(r: MetricChange) -> tuple[int, float, int]:
        ratio = abs(r.delta) / r.threshold if r.delta is not None and r.threshold else 0.0
        return (0 if r.changed else 1, -ratio, order[r.metric])

    return sorted(rows, key=key)
