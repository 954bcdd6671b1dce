"""Rebuilding the engine's inputs from result.json and from a live analysis."""

from __future__ import annotations

import dataclasses
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
    metric_results_from_result,
)
from gaitlab.jsonsafe import to_json_ready
from gaitlab.kinematics.definitions import METRICS
from gaitlab.kinematics.metrics import StrideValue, not_measurable, summarise
from gaitlab.result import Cleaning, ResultDocument, Running, Stride, View
from tests.store.factories import real_result

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


def _result(metrics: dict) -> ResultDocument:
    """A real result (the synthetic stick runner's) with these metrics, strides and rates.

    The metrics go through strict JSON as the pipeline writes them (NaN -> null).
    """
    real = real_result()
    assert real.kinematics is not None
    saved = json.loads(
        json.dumps(to_json_ready({n: m.to_dict() for n, m in metrics.items()}), allow_nan=False)
    )
    kinematics = dataclasses.replace(
        real.kinematics,
        view=View(view="side-right", confidence=0.9, source="detected"),
        running=Running(is_running=True, activity="running", reason="running at 170"),
        cleaning=Cleaning(sample_rate_hz=59.94),
        strides=(
            Stride(side="left", foot_strike_s=1.0, toe_off_s=1.25),
            Stride(side="right", foot_strike_s=1.4, toe_off_s=1.65),
            Stride(side="left", foot_strike_s=1.8, toe_off_s=None, inferred=True),
        ),
        metrics=ResultDocument.from_dict(
            {**real.to_dict(), "kinematics": {**real.kinematics.to_dict(), "metrics": saved}}
        ).metrics,
    )
    return dataclasses.replace(real, kinematics=kinematics)


def test_metric_results_round_trip_through_json() -> None:
    original = _metrics()
    rebuilt = metric_results_from_result(_result(original))
    assert list(rebuilt) == list(original)
    for name, m in original.items():
        assert rebuilt[name].to_dict() == m.to_dict()
        assert type(rebuilt[name].values) is tuple and type(rebuilt[name].reasons) is tuple
    hip = rebuilt["hip_extension_deg"]
    assert math.isnan(hip.values[3].value) and hip.values[2].inferred is True
    assert hip.values[0].at_s == pytest.approx(1.31) and math.isnan(hip.values[2].at_s)


def test_values_saved_without_a_read_time_fall_back_to_foot_strike() -> None:
    result = _result(_metrics())
    hip_saved = result.metrics["hip_extension_deg"]
    old = dataclasses.replace(
        hip_saved, values=tuple(dataclasses.replace(v, at_s=None) for v in hip_saved.values)
    )
    result = dataclasses.replace(
        result,
        kinematics=dataclasses.replace(
            result.kinematics, metrics={**result.metrics, "hip_extension_deg": old}
        ),
    )
    hip = metric_results_from_result(result)["hip_extension_deg"]
    assert all(math.isnan(v.at_s) for v in hip.values)
    assert [v.moment_s for v in hip.values] == [1.0, 1.4, 1.8, 2.2]
    assert findings_for_result(result, KB).findings[0].key_times_s[0] == 1.0


def test_missing_field_is_named() -> None:
    saved = {name: m.to_dict() for name, m in _result(_metrics()).metrics.items()}
    del saved["hip_extension_deg"]["confidence"]
    with pytest.raises(ValueError, match=r"hip_extension_deg: field 'confidence' is missing"):
        metric_results_from_dict(saved)


def test_context_from_result() -> None:
    ctx = context_from_result(_result(_metrics()))
    assert ctx.view == "side-right" and ctx.capture_fps == pytest.approx(59.94)
    assert ctx.is_running and ctx.n_strides == 3
    assert math.isnan(ctx.strides[2].toe_off_s)


def test_context_falls_back_to_the_pose_rate() -> None:
    result = _result(_metrics())
    result = dataclasses.replace(
        result,
        kinematics=dataclasses.replace(result.kinematics, cleaning=Cleaning()),
        pose=dataclasses.replace(result.pose, sample_rate_hz=29.97),
    )
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
