"""Feeding the engine: from a live :class:`~gaitlab.kinematics.GaitAnalysis` or from result.json.

The engine needs ``{metric_name: MetricResult}`` and a :class:`FindingsContext`. Both come
from the kinematics stage's objects (:func:`context_from_analysis`) or are rebuilt from a
saved result document (:func:`metric_results_from_result`, :func:`context_from_result`), so
that findings can be recomputed, e.g. after a knowledge-base update, without re-running pose
estimation.
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
from gaitlab.result import ResultDocument


def _float(v: Any) -> float:
    """JSON number or null -> float (null -> NaN)."""
    return math.nan if v is None else float(v)


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


def metric_results_from_dict(metrics: Mapping[str, Any]) -> dict[str, MetricResult]:
    """Rebuild :class:`MetricResult` objects from their ``to_dict()`` form.

    Parameters
    ----------
    metrics
        Metric name -> ``MetricResult.to_dict()`` (JSON nulls become NaN).

    Returns
    -------
    dict
        Metric name -> MetricResult, in the file's order.

    Raises
    ------
    ValueError
        When an entry lacks a field of :class:`MetricResult` (the message names it).
    """
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


def metric_results_from_result(result: ResultDocument) -> dict[str, MetricResult]:
    """The kinematics stage's metric results, rebuilt from a saved result document."""
    return metric_results_from_dict({name: m.to_dict() for name, m in result.metrics.items()})


def context_from_result(result: ResultDocument) -> FindingsContext:
    """The engine's context from a saved result document.

    The frame rate is the kinematics stage's measured sampling rate
    (``kinematics.cleaning.sample_rate_hz``), else the pose stage's, else the clip's capture
    rate; NaN when none is recorded.
    """
    kin = result.kinematics
    fps = kin.cleaning.sample_rate_hz if kin is not None else None
    if fps is None:
        fps = result.pose.sample_rate_hz
    if fps is None:
        fps = result.clip.capture_fps
    strides = tuple(
        StrideTiming(s.side, _float(s.foot_strike_s), _float(s.toe_off_s)) for s in result.strides
    )
    return FindingsContext(
        view=result.view,
        capture_fps=_float(fps),
        is_running=kin.running.is_running if kin is not None else False,
        activity=(kin.running.activity if kin is not None else "") or "unknown",
        running_reason=kin.running.reason if kin is not None else "",
        n_strides=len(strides),
        strides=strides,
        camera_roll_max_deg=_float(
            ((kin.camera_roll if kin is not None else None) or {}).get("residual_roll_max_deg")
        ),
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
    result: ResultDocument,
    kb: KnowledgeBase | None = None,
    settings: FindingsSettings | None = None,
) -> FindingsReport:
    """Findings recomputed from a saved result document."""
    return evaluate_findings(
        metric_results_from_result(result), context_from_result(result), kb, settings
    )
