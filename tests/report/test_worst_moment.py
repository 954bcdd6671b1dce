"""The report's "worst moment" is the time the kinematics read the worst stride's value."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gaitlab.report.data import ReportFinding
from gaitlab.report.frames import worst_moment
from gaitlab.result import MetricSummary


def _finding(metric: str, value: float, side: str | None = "left", keys=()) -> ReportFinding:
    return ReportFinding(
        id="x", title="x", severity="high", side=side, metric=metric, value=value, unit="deg",
        confidence="high", explanation="", key_times_s=tuple(keys),
    )  # fmt: skip


def _data(values: list[dict]) -> SimpleNamespace:
    block = MetricSummary.from_dict(
        {
            "confidence": "high",
            "instant": "peak, foot strike to the other foot's strike",
            "values": values,
        }
    )
    return SimpleNamespace(metrics={"hip_extension_deg": block}, strides=[])


def test_worst_moment_is_the_read_time_of_the_worst_stride() -> None:
    data = _data([
        {"side": "left", "time_s": 1.0, "value": -3.0, "at_s": 1.34},
        {"side": "left", "time_s": 2.0, "value": -1.0, "at_s": 2.35},
        {"side": "right", "time_s": 1.5, "value": -9.0, "at_s": 1.8},
    ])  # fmt: skip
    # Hip extension is lower-is-worse: the left side's lowest stride, at its peak's time.
    assert worst_moment(data, _finding("hip_extension_deg", -2.0)) == pytest.approx((1.34, -3.0))


def test_worst_moment_falls_back_to_foot_strike_without_a_read_time() -> None:
    data = _data([{"side": "left", "time_s": 1.0, "value": -3.0}])
    assert worst_moment(data, _finding("hip_extension_deg", -2.0)) == (1.0, -3.0)
    old = _data([{"side": "left", "time_s": 1.0, "value": -3.0, "at_s": None}])
    assert worst_moment(old, _finding("hip_extension_deg", -2.0)) == (1.0, -3.0)


def test_worst_moment_prefers_the_findings_key_time() -> None:
    data = _data([{"side": "left", "time_s": 1.0, "value": -3.0, "at_s": 1.34}])
    f = _finding("hip_extension_deg", -2.0, keys=(4.2,))
    assert worst_moment(data, f) == (4.2, None)
