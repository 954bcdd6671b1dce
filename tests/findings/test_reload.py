"""Rebuilding the engine's inputs from result.json and from a live analysis."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import pytest

from gaitlab.findings import (
    context_from_analysis,
    context_from_result,
    evaluate_findings,
    findings_for_analysis,
    findings_for_result,
    load_knowledge_base,
    metric_results_from_dict,
)
from gaitlab.kinematics.definitions import METRICS
from gaitlab.kinematics.metrics import StrideValue, not_measurable, summarise

KB = load_knowledge_base()


def _metrics() -> dict:
    hip = [
        StrideValue("left", 1.0, -3.0, at_s=1.31),
        StrideValue("right", 1.4, 9.0, at_s=1.72),
        StrideValue("left", 1.8, -2.0, inferred=True),
        StrideValue("right", 2.2, float("nan")),
    ]
    arch = [StrideValue("left", 1.0, 11.0), StrideValue("right", 1.4, 12.0)]
    return {
        "hip_extension_deg": summarise(METRICS["hip_extension_deg"], hip, "high", []),
        "lumbar_hollow_depth_pct_trunk": summarise(
            METRICS["lumbar_hollow_depth_pct_trunk"], arch, "medium", ["experimental"]
        ),
        "pelvic_drop_deg": not_measurable("pelvic_drop_deg", "needs a rear or front view"),
    }


def _result(metrics: dict) -> dict:
    """A result.json as the pipeline writes it (strict JSON, NaN -> null)."""
    kinematics = {
        "format_version": 1,
        "view": {"view": "side-right", "confidence": 0.9},
        "running": {"is_running": True, "activity": "running", "reason": "running at 170"},
        "cleaning": {"sample_rate_hz": 59.94},
        "strides": [
            {"side": "left", "foot_strike_s": 1.0, "toe_off_s": 1.25, "inferred": False},
            {"side": "right", "foot_strike_s": 1.4, "toe_off_s": 1.65, "inferred": False},
            {"side": "left", "foot_strike_s": 1.8, "toe_off_s": None, "inferred": True},
        ],
        "metrics": {name: m.to_dict() for name, m in metrics.items()},
    }
    text = json.dumps({"schema": "gaitlab.result", "kinematics": kinematics}, allow_nan=False)
    return json.loads(text)


def test_metric_results_round_trip_through_json() -> None:
    original = _metrics()
    rebuilt = metric_results_from_dict(_result(original))
    assert list(rebuilt) == list(original)
    for name, m in original.items():
        assert rebuilt[name].to_dict() == m.to_dict()
        assert type(rebuilt[name].values) is tuple and type(rebuilt[name].reasons) is tuple
    hip = rebuilt["hip_extension_deg"]
    assert math.isnan(hip.values[3].value) and hip.values[2].inferred is True
    assert hip.values[0].at_s == pytest.approx(1.31) and math.isnan(hip.values[2].at_s)


def test_values_saved_without_a_read_time_fall_back_to_foot_strike() -> None:
    result = _result(_metrics())
    for v in result["kinematics"]["metrics"]["hip_extension_deg"]["values"]:
        del v["at_s"]
    hip = metric_results_from_dict(result)["hip_extension_deg"]
    assert all(math.isnan(v.at_s) for v in hip.values)
    assert [v.moment_s for v in hip.values] == [1.0, 1.4, 1.8, 2.2]
    assert findings_for_result(result, KB).findings[0].key_times_s[0] == 1.0


@pytest.mark.parametrize("which", ["whole", "kinematics", "metrics"])
def test_metric_results_accept_any_level_of_the_file(which: str) -> None:
    result = _result(_metrics())
    d = {
        "whole": result,
        "kinematics": result["kinematics"],
        "metrics": result["kinematics"]["metrics"],
    }
    assert set(metric_results_from_dict(d[which])) == set(_metrics())


def test_missing_field_is_named() -> None:
    result = _result(_metrics())
    del result["kinematics"]["metrics"]["hip_extension_deg"]["confidence"]
    with pytest.raises(ValueError, match=r"hip_extension_deg: field 'confidence' is missing"):
        metric_results_from_dict(result)


def test_context_from_result() -> None:
    ctx = context_from_result(_result(_metrics()))
    assert ctx.view == "side-right" and ctx.capture_fps == pytest.approx(59.94)
    assert ctx.is_running and ctx.n_strides == 3
    assert math.isnan(ctx.strides[2].toe_off_s)


def test_context_falls_back_to_the_pose_rate() -> None:
    result = _result(_metrics())
    del result["kinematics"]["cleaning"]
    result["pose"] = {"sample_rate_hz": 29.97}
    assert context_from_result(result).capture_fps == pytest.approx(29.97)


def test_findings_from_result_equal_findings_from_the_live_objects() -> None:
    metrics = _metrics()
    result = _result(metrics)
    live = evaluate_findings(metrics, context_from_result(result), KB)
    reloaded = findings_for_result(result, KB)
    assert reloaded.to_dict() == live.to_dict()
    (f,) = reloaded.findings
    assert f.id == "arch_instead_of_hip_extension"
    # The worst left stride is at 1.0 s; shown where its peak was read (1.31 s).
    assert f.key_frames[0].time_s == pytest.approx(1.31)


def test_context_and_findings_from_a_live_analysis() -> None:
    stride = SimpleNamespace(side="left", foot_strike_s=1.0, toe_off_s=1.25)
    analysis = SimpleNamespace(
        view=SimpleNamespace(view="side-left"),
        cleaning=SimpleNamespace(sample_rate_hz=120.0),
        running=SimpleNamespace(is_running=True, activity="running", reason="ok"),
        strides=(stride,),
        metrics=_metrics(),
    )
    ctx = context_from_analysis(analysis)
    assert (ctx.view, ctx.capture_fps, ctx.n_strides) == ("side-left", 120.0, 1)
    report = findings_for_analysis(analysis, KB)
    assert report.findings[0].id == "arch_instead_of_hip_extension"
