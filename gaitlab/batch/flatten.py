"""Flatten one clip's ``result.json`` into a row of scalar columns for ``scores.csv``.

Nothing here knows which metrics exist: every entry of ``kinematics.metrics`` becomes
``<name>_median`` and ``<name>_confidence`` columns, so a metric added to the kinematics stage
appears in the scores table without a change here. Blocks that are absent (a result written
before kinematics or findings existed, or a stage that did not run) simply add no columns.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: Clip-quality columns and where each lives in ``result.json``.
QUALITY_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("width_px", ("clip", "width_px")),
    ("height_px", ("clip", "height_px")),
    ("rotation_deg", ("clip", "rotation_deg")),
    ("n_frames", ("clip", "n_frames")),
    ("duration_s", ("clip", "duration_s")),
    ("capture_fps", ("clip", "capture_fps")),
    ("vfr", ("clip", "vfr")),
    ("slowmo_factor", ("clip", "slowmo_factor")),
    ("codec", ("clip", "codec")),
    ("model", ("pose", "model", "name")),
    ("detection_rate", ("pose", "detection_rate")),
    ("view", ("kinematics", "view", "view")),
    ("view_confidence", ("kinematics", "view", "confidence")),
)
#: Keys under which a metric or a finding may state its normal band.
BAND_KEYS = ("normal_band", "band", "normal_range", "reference_band")
#: Finding severities that mean "nothing to report".
QUIET_SEVERITIES = frozenset({"", "none", "normal", "ok", "info"})
#: Below this share of frames with a pose, the landmarks (and every metric) deserve a look.
REVIEW_DETECTION_RATE = 0.9
#: Below this view-detection confidence the view, and so the choice of metrics, is uncertain.
REVIEW_VIEW_CONFIDENCE = 0.5

MEDIAN_SUFFIX = "_median"
CONFIDENCE_SUFFIX = "_confidence"


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, Mapping) or part not in data:
            return None
        data = data[part]
    return data


def _scalar(value: Any) -> Any:
    """A value fit for one table cell: numbers, text, booleans or None."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def flatten_result(result: Mapping[str, Any]) -> dict[str, Any]:
    """Scalar columns of one result: clip quality, metric medians and confidences, findings.

    Parameters
    ----------
    result
        A ``result.json`` as written by :func:`gaitlab.pipeline.write_result`.

    Returns
    -------
    dict
        Insertion-ordered: the quality columns present in the result (see
        :data:`QUALITY_COLUMNS`), then ``<metric>_median`` and ``<metric>_confidence`` for
        each metric in ``kinematics.metrics`` (in the result's order), then ``n_findings`` and
        ``findings`` when the result has a ``findings`` block.
    """
    row: dict[str, Any] = {}
    for column, path in QUALITY_COLUMNS:
        value = _get(result, path)
        if value is not None:
            row[column] = _scalar(value)
    metrics = _get(result, ("kinematics", "metrics"))
    if isinstance(metrics, Mapping):
        for name, metric in metrics.items():
            if isinstance(metric, Mapping):
                row[f"{name}{MEDIAN_SUFFIX}"] = _scalar(metric.get("median"))
                row[f"{name}{CONFIDENCE_SUFFIX}"] = _scalar(metric.get("confidence"))
            else:
                row[f"{name}{MEDIAN_SUFFIX}"] = _scalar(metric)
    if "findings" in result:
        labels = [finding_label(f) for f in finding_items(result["findings"])]
        row["n_findings"] = len(labels)
        row["findings"] = "; ".join(labels)
    return row


def finding_items(block: Any) -> list[Mapping[str, Any]]:
    """The findings worth reporting in a ``findings`` block, whatever its exact layout.

    Accepts a list of finding objects, an object with a ``findings`` list, or a mapping of
    name -> finding; drops entries whose severity says there is nothing to report.
    """
    if isinstance(block, Mapping):
        inner = block.get("findings")
        if isinstance(inner, list):
            block = inner
        else:
            block = [
                {"name": name, **item} for name, item in block.items() if isinstance(item, Mapping)
            ]
    if not isinstance(block, list):
        return []
    items = [f for f in block if isinstance(f, Mapping)]
    return [f for f in items if str(f.get("severity", "")).lower() not in QUIET_SEVERITIES]


def finding_label(finding: Mapping[str, Any]) -> str:
    """Short text for one finding: ``name (severity, side)``."""
    name = next(
        (str(finding[k]) for k in ("id", "name", "finding", "metric", "title") if finding.get(k)),
        "finding",
    )
    extras = [str(finding[k]) for k in ("severity", "side") if finding.get(k)]
    return f"{name} ({', '.join(extras)})" if extras else name


def _band(item: Mapping[str, Any]) -> list[float | None] | None:
    for key in BAND_KEYS:
        band = item.get(key)
        if isinstance(band, list | tuple) and len(band) == 2:
            low, high = band
        elif isinstance(band, Mapping):
            low = next((band[k] for k in ("low", "lo", "min", "lower") if k in band), None)
            high = next((band[k] for k in ("high", "hi", "max", "upper") if k in band), None)
        else:
            continue
        bounds = [_number_or_none(low), _number_or_none(high)]
        if bounds != [None, None]:
            return bounds
    return None


def _number_or_none(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def metric_bands(result: Mapping[str, Any]) -> dict[str, list[float | None]]:
    """Normal band ``[low, high]`` (either may be None) per metric, where the result has one.

    Looked up on each metric of ``kinematics.metrics`` and on each finding that names a
    ``metric``, under any of :data:`BAND_KEYS` as ``[low, high]`` or ``{"low": .., "high": ..}``.
    """
    bands: dict[str, list[float | None]] = {}
    metrics = _get(result, ("kinematics", "metrics"))
    if isinstance(metrics, Mapping):
        for name, metric in metrics.items():
            if isinstance(metric, Mapping) and (band := _band(metric)) is not None:
                bands[str(name)] = band
    block = result.get("findings")
    items = block if isinstance(block, list) else (_get(result, ("findings", "findings")) or [])
    for finding in items if isinstance(items, list) else []:
        if isinstance(finding, Mapping) and finding.get("metric"):
            band = _band(finding)
            if band is not None:
                bands.setdefault(str(finding["metric"]), band)
    return bands


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
