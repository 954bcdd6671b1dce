"""Feeding the engine: from a live :class:`~gaitlab.kinematics.GaitAnalysis` or from result.json.

The engine needs ``{metric_name: MetricResult}`` and a :class:`FindingsContext`. Both come
from the kinematics stage's objects (:func:`context_from_analysis`) or are rebuilt from the
``kinematics`` block of a saved result.json (:func:`metric_results_from_dict`,
:func:`context_from_result`), so that findings can be recomputed, e.g. after a knowledge-base
update, without re-running pose estimation.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from gaitlab.findings.engine import evaluate_findings
from gaitlab.findings.knowledge import KnowledgeBase
from gaitlab.findings.model import FindingsContext, FindingsReport, FindingsSettings, StrideTiming
from gaitlab.kinematics.metrics import MetricResult, StrideValue


def _float(v: Any) -> float:
    """JSON number or null -> float (null -> NaN)."""
    return math.nan if v is None else float(v)


def _kinematics_block(d: Mapping[str, Any]) -> Mapping[str, Any]:
    """Accept a whole result.json or its ``kinematics`` block."""
    block = d.get("kinematics", d)
    if not isinstance(block, Mapping):
        raise ValueError(f"result 'kinematics' must be an object, got {type(block).__name__}")
    return block


def _rebuild(cls: type, d: Mapping[str, Any], where: str, **special: Any) -> Any:
    """Instantiate a frozen dataclass from its ``to_dict()`` (floats: null -> NaN)."""
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in special:
            kwargs[f.name] = special[f.name]
        elif f.name in d:
            v = d[f.name]
            kwargs[f.name] = _float(v) if f.type in ("float", float) else v
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ValueError(f"{where}: field {f.name!r} is missing (has {sorted(d)})")
    return cls(**kwargs)


def metric_results_from_dict(d: Mapping[str, Any]) -> dict[str, MetricResult]:
    """Rebuild :class:`MetricResult` objects from result.json.

    Parameters
    ----------
    d
        A whole result.json, its ``kinematics`` block, or that block's ``metrics`` mapping
        (``MetricResult.to_dict()`` per metric; JSON nulls become NaN).

    Returns
    -------
    dict
        Metric name -> MetricResult, in the file's order.

    Raises
    ------
    ValueError
        When an entry lacks a field of :class:`MetricResult` (the message names it).
    """
    block = _kinematics_block(d)
    metrics = block.get("metrics", block)
    out: dict[str, MetricResult] = {}
    for name, m in metrics.items():
        where = f"kinematics.metrics.{name}"
        if not isinstance(m, Mapping):
            raise ValueError(f"{where}: expected an object, got {type(m).__name__}")
        values = tuple(
            _rebuild(StrideValue, v, f"{where}.values[{i}]")
            for i, v in enumerate(m.get("values", []))
        )
        out[name] = _rebuild(
            MetricResult, m, where, values=values, reasons=tuple(m.get("reasons", ()))
        )
    return out


def context_from_result(d: Mapping[str, Any]) -> FindingsContext:
    """The engine's context from result.json (whole file or its ``kinematics`` block).

    The frame rate is the kinematics stage's measured sampling rate
    (``kinematics.cleaning.sample_rate_hz``), else the pose stage's, else the clip's capture
    rate; NaN when none is recorded.
    """
    block = _kinematics_block(d)
    running = block.get("running", {})
    fps = block.get("cleaning", {}).get("sample_rate_hz")
    if fps is None:
        fps = d.get("pose", {}).get("sample_rate_hz", d.get("clip", {}).get("capture_fps"))
    strides = tuple(
        StrideTiming(s["side"], _float(s["foot_strike_s"]), _float(s["toe_off_s"]))
        for s in block.get("strides", [])
    )
    return FindingsContext(
        view=block.get("view", {}).get("view", "unclear"),
        capture_fps=_float(fps),
        is_running=bool(running.get("is_running", False)),
        activity=running.get("activity", "unknown"),
        running_reason=running.get("reason", ""),
        n_strides=len(strides),
        strides=strides,
        camera_roll_max_deg=_float((block.get("camera_roll") or {}).get("residual_roll_max_deg")),
    )


def context_from_analysis(analysis: Any) -> FindingsContext:
    """The engine's context from a live :class:`~gaitlab.kinematics.GaitAnalysis`."""
    strides = tuple(
        StrideTiming(s.side, float(s.foot_strike_s), float(s.toe_off_s)) for s in analysis.strides
    )
    level = getattr(analysis, "camera_level", None)
    return FindingsContext(
        view=analysis.view.view,
        capture_fps=float(analysis.cleaning.sample_rate_hz),
        is_running=bool(analysis.running.is_running),
        activity=analysis.running.activity,
        running_reason=analysis.running.reason,
        n_strides=len(strides),
        strides=strides,
        camera_roll_max_deg=math.nan if level is None else level.residual_roll_max_deg,
    )


def findings_for_analysis(
    analysis: Any,
    kb: KnowledgeBase | None = None,
    settings: FindingsSettings | None = None,
) -> FindingsReport:
    """Findings of a live :class:`~gaitlab.kinematics.GaitAnalysis`."""
    return evaluate_findings(analysis.metrics, context_from_analysis(analysis), kb, settings)


def findings_for_result(
    d: Mapping[str, Any],
    kb: KnowledgeBase | None = None,
    settings: FindingsSettings | None = None,
) -> FindingsReport:
    """Findings recomputed from a saved result.json (whole file or ``kinematics`` block)."""
    return evaluate_findings(metric_results_from_dict(d), context_from_result(d), kb, settings)
