"""How a runner's metrics moved over their sessions: first to last, trends, CSV rows.

A change "counts" by the same rule as the dashboard's two-session comparison
(:func:`gaitlab.findings.change.compare_results`): beyond the smallest detectable
difference of 2D video where the literature gives one, else beyond the stride-to-stride
noise of the two sessions. Here the two sessions are, per metric, the first and the last in
which that metric was measured (a side-view metric is not measured in rear-view sessions).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gaitlab.findings.change import (
    LITERATURE_SDD,
    Measured,
    Sdd,
    SessionMetrics,
    compare_results,
)
from gaitlab.store.records import MetricSummary, SessionRecord

#: Columns of the history CSV (one row per session and metric).
CSV_COLUMNS = (
    "runner", "session_id", "recorded_utc", "view", "clip", "result_dir", "metric", "unit",
    "median", "spread_iqr", "n_strides", "confidence",
)  # fmt: skip


@dataclass(frozen=True)
class MetricMove:
    """How one metric moved from its first to its last measured session.

    Attributes
    ----------
    metric, unit
        Name and unit.
    n_sessions
        Sessions in which the metric was measured.
    first, last
        Medians in the first and last of those sessions (equal when there is one).
    first_session, last_session
        Their session ids.
    change
        ``last - first`` (None with one session).
    threshold, basis
        The smallest change that counts and where it comes from (see the module docstring).
    verdict
        ``changed``, ``within noise``, ``not comparable`` or ``one session``.
    note
        Caveats (different views, low confidence, too few strides).
    """

    metric: str
    unit: str
    n_sessions: int
    first: float
    last: float
    first_session: int | None
    last_session: int | None
    change: float | None
    threshold: float | None
    basis: str
    verdict: str
    note: str = ""


@dataclass(frozen=True)
class TrendPoint:
    """One session's value of a metric.

    Attributes
    ----------
    session_id, recorded_utc, view
        Which session.
    median, spread_iqr, n_strides, confidence
        The stored summary.
    """

    session_id: int | None
    recorded_utc: datetime
    view: str
    median: float
    spread_iqr: float | None
    n_strides: int
    confidence: str


@dataclass(frozen=True)
class Trend:
    """A metric over a runner's sessions, with what counts as normal and as a real change.

    Attributes
    ----------
    metric, unit
        Name and unit.
    points
        The sessions where the metric was measured, oldest first.
    band_low, band_high
        The normal band of the findings rules (either may be None: one-sided or unknown).
    baseline
        The first session's median: a change must leave ``baseline ± threshold`` to count.
    threshold, basis
        As in :class:`MetricMove`.
    """

    metric: str
    unit: str
    points: tuple[TrendPoint, ...]
    band_low: float | None
    band_high: float | None
    baseline: float | None
    threshold: float | None
    basis: str


def _as_session(session: SessionRecord, m: MetricSummary) -> SessionMetrics:
    """One stored metric of a session, as :func:`compare_results` compares it."""
    measured = Measured(m.unit, m.median, m.spread_iqr, m.n_strides, m.confidence)
    return SessionMetrics(view=session.view, metrics={m.metric: measured})


def metric_names(sessions: Sequence[SessionRecord]) -> list[str]:
    """Every metric measured in at least one session, in first-seen order."""
    names = (m.metric for s in sessions for m in s.metrics if m.median is not None)
    return list(dict.fromkeys(names))


def _measured(
    sessions: Sequence[SessionRecord], metric: str
) -> list[tuple[SessionRecord, MetricSummary]]:
    out = []
    for s in sessions:
        m = s.metric(metric)
        if m is not None and m.median is not None:
            out.append((s, m))
    return out


def metric_move(
    sessions: Sequence[SessionRecord], metric: str, sdd: Mapping[str, Sdd] = LITERATURE_SDD
) -> MetricMove | None:
    """How ``metric`` moved over ``sessions`` (oldest first); None when never measured."""
    measured = _measured(sessions, metric)
    if not measured:
        return None
    (s0, m0), (s1, m1) = measured[0], measured[-1]
    assert m0.median is not None and m1.median is not None
    if len(measured) == 1:
        return MetricMove(
            metric, m0.unit, 1, m0.median, m0.median, s0.id, s0.id, None,
            sdd[metric].value if metric in sdd else None,
            sdd[metric].source if metric in sdd else "", "one session",
        )  # fmt: skip
    (row,) = compare_results(_as_session(s0, m0), _as_session(s1, m1), sdd)
    return MetricMove(
        metric=metric,
        unit=row.unit,
        n_sessions=len(measured),
        first=m0.median,
        last=m1.median,
        first_session=s0.id,
        last_session=s1.id,
        change=row.delta,
        threshold=row.threshold,
        basis=row.basis,
        verdict=row.verdict,
        note=row.note,
    )


def metric_moves(
    sessions: Sequence[SessionRecord], sdd: Mapping[str, Sdd] = LITERATURE_SDD
) -> list[MetricMove]:
    """:func:`metric_move` of every measured metric, in first-seen order."""
    moves = (metric_move(sessions, name, sdd) for name in metric_names(sessions))
    return [m for m in moves if m is not None]


def metric_trend(
    sessions: Sequence[SessionRecord],
    metric: str,
    bands: Mapping[str, Sequence[float | None]],
    sdd: Mapping[str, Sdd] = LITERATURE_SDD,
) -> Trend:
    """``metric`` over ``sessions`` (oldest first) with its normal band and change threshold.

    Parameters
    ----------
    bands
        Normal band ``[low, high]`` per metric (:func:`gaitlab.findings.normal.normal_bands`).
    """
    measured = _measured(sessions, metric)
    points = tuple(
        TrendPoint(s.id, s.recorded_utc, s.view, m.median, m.spread_iqr, m.n_strides, m.confidence)  # type: ignore[arg-type]
        for s, m in measured
    )
    move = metric_move(sessions, metric, sdd)
    low, high = [*(bands.get(metric) or ()), None, None][:2]
    unit = measured[0][1].unit if measured else ""
    return Trend(
        metric=metric,
        unit=unit,
        points=points,
        band_low=low,
        band_high=high,
        baseline=points[0].median if points else None,
        threshold=move.threshold if move else None,
        basis=move.basis if move else "",
    )


def history_rows(sessions: Sequence[SessionRecord]) -> list[dict[str, Any]]:
    """One row per session and stored metric (:data:`CSV_COLUMNS`), oldest session first."""
    return [
        {
            "runner": s.runner,
            "session_id": s.id,
            "recorded_utc": s.recorded_utc.isoformat(timespec="seconds"),
            "view": s.view,
            "clip": s.clip_path,
            "result_dir": s.result_dir,
            "metric": m.metric,
            "unit": m.unit,
            "median": m.median,
            "spread_iqr": m.spread_iqr,
            "n_strides": m.n_strides,
            "confidence": m.confidence,
        }
        for s in sessions
        for m in s.metrics
    ]


def write_history_csv(rows: Sequence[Mapping[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write :func:`history_rows` to a CSV file (empty cells for missing values)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row[k] for k in CSV_COLUMNS})
    return out
