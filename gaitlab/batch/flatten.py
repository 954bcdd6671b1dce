"""Flatten one clip's ``result.json`` into a row of scalar columns for ``scores.csv``.

Nothing here knows which metrics exist: every entry of ``kinematics.metrics`` becomes
``<name>_median`` and ``<name>_confidence`` columns, so a metric added to the kinematics stage
appears in the scores table without a change here. Blocks that are absent (a result written
before kinematics or findings existed, or a stage that did not run) simply add no columns.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from gaitlab.result import Finding, ResultDocument

#: Clip-quality columns and how each is read from the result.
QUALITY_COLUMNS: tuple[tuple[str, Callable[[ResultDocument], Any]], ...] = (
    ("width_px", lambda r: r.clip.width_px),
    ("height_px", lambda r: r.clip.height_px),
    ("rotation_deg", lambda r: r.clip.rotation_deg),
    ("n_frames", lambda r: r.clip.n_frames),
    ("duration_s", lambda r: r.clip.duration_s),
    ("capture_fps", lambda r: r.clip.capture_fps),
    ("vfr", lambda r: r.clip.vfr),
    ("slowmo_factor", lambda r: r.clip.slowmo_factor),
    ("codec", lambda r: r.clip.codec or None),
    ("model", lambda r: r.pose.model.name or None),
    ("detection_rate", lambda r: r.pose.detection_rate),
    ("view", lambda r: r.kinematics.view.view if r.kinematics else None),
    ("view_confidence", lambda r: r.kinematics.view.confidence if r.kinematics else None),
)
#: Below this share of frames with a pose, the landmarks (and every metric) deserve a look.
REVIEW_DETECTION_RATE = 0.9
#: Below this view-detection confidence the view, and so the choice of metrics, is uncertain.
REVIEW_VIEW_CONFIDENCE = 0.5

MEDIAN_SUFFIX = "_median"
CONFIDENCE_SUFFIX = "_confidence"


def _scalar(value: Any) -> Any:
    """A value fit for one table cell: numbers, text, booleans or None."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def flatten_result(result: ResultDocument) -> dict[str, Any]:
    """Scalar columns of one result: clip quality, metric medians and confidences, findings.

    Parameters
    ----------
    result
        The result document :func:`gaitlab.pipeline.write_result` wrote.

    Returns
    -------
    dict
        Insertion-ordered: the quality columns present in the result (see
        :data:`QUALITY_COLUMNS`), then ``<metric>_median`` and ``<metric>_confidence`` for
        each metric in ``kinematics.metrics`` (in the result's order), then ``n_findings`` and
        ``findings`` (the ranked findings) when the findings stage ran.
    """
    row: dict[str, Any] = {}
    for column, read in QUALITY_COLUMNS:
        value = read(result)
        if value is not None:
            row[column] = _scalar(value)
    for name, metric in result.metrics.items():
        row[f"{name}{MEDIAN_SUFFIX}"] = _scalar(metric.median)
        row[f"{name}{CONFIDENCE_SUFFIX}"] = metric.confidence.value
    if result.findings is not None:
        labels = [finding_label(f) for f in result.findings.findings]
        row["n_findings"] = len(labels)
        row["findings"] = "; ".join(labels)
    return row


def finding_label(finding: Finding) -> str:
    """Short text for one finding: ``id (severity, side)``."""
    extras = [finding.severity.value, *([finding.side] if finding.side else [])]
    return f"{finding.id} ({', '.join(extras)})"


def metric_names(columns: Mapping[str, Any]) -> list[str]:
    """Metric names present in a flattened row, in column order."""
    return [c[: -len(MEDIAN_SUFFIX)] for c in columns if c.endswith(MEDIAN_SUFFIX)]


def review_reasons(status: str, error: str, columns: Mapping[str, Any]) -> list[str]:
    """Why a clip needs a human look: failed, poor pose, uncertain view, low confidence, findings.

    Metrics that are ``not_measurable`` are not a reason: most metrics cannot be measured from
    one of the views, and that is expected.
    """
    if status == "error":
        return [f"failed: {error}"]
    if status != "ok":
        return []
    reasons = []
    rate = columns.get("detection_rate")
    if isinstance(rate, int | float) and rate < REVIEW_DETECTION_RATE:
        reasons.append(f"pose found in only {rate:.0%} of frames")
    view_conf = columns.get("view_confidence")
    if isinstance(view_conf, int | float) and view_conf < REVIEW_VIEW_CONFIDENCE:
        reasons.append(f"view uncertain ({view_conf:.0%})")
    low = [
        name
        for name in metric_names(columns)
        if str(columns.get(f"{name}{CONFIDENCE_SUFFIX}", "")).lower() == "low"
    ]
    if low:
        reasons.append(f"low confidence: {', '.join(low)}")
    if columns.get("n_findings"):
        reasons.append(f"findings: {columns.get('findings')}")
    return reasons
