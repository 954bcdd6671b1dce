"""The physio's gait-cycle chart: its data, tooltips, the stride pick and its frames."""

from __future__ import annotations

import numpy as np
import pytest

from gaitlab.dashboard import cycles
from gaitlab.report import ReportData
from gaitlab.report.cycles import cycle_panels
from tests.report.synthetic import synthetic_analysis


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> ReportData:
    return ReportData.from_analysis(synthetic_analysis(tmp_path_factory.mktemp("cyc")))


def test_chart_has_every_stride_point_hover_fields_and_the_pick(data) -> None:
    panels = cycle_panels(data)
    assert [p.series for p in panels] == [
        "hip_extension_deg", "knee_flexion_deg", "shank_angle_deg", "trunk_lean_deg",
    ]  # fmt: skip
    knee = panels[1]
    spec = cycles.cycle_chart(knee).to_dict()
    assert spec["params"][0]["name"] == cycles.PICK
    layers = spec["layer"]
    points = next(lay for lay in layers if lay["mark"]["type"] == "circle")
    fields = {t["field"] for t in points["encoding"]["tooltip"]}
    assert {"stride", "side", "pct", "value_deg"} <= fields
    rows = points["data"]["values"]
    # One row per finite point of every stride's normalised curve, numbered from 1.
    n_finite = sum(int(np.isfinite(c.curves_deg).sum()) for c in knee.sides.values())
    assert len(rows) == n_finite > 0
    row = rows[0]
    side_curves = knee.sides[row["side"]]
    k = [w.index + 1 for w in side_curves.strides].index(row["stride"])
    assert row["value_deg"] == pytest.approx(side_curves.curves_deg[k, int(row["pct"])], abs=0.01)


def test_picked_stride_reads_the_selection_event() -> None:
    assert cycles.picked_stride({"selection": {cycles.PICK: [{"stride": 4}]}}) == 4
    assert cycles.picked_stride({"selection": {cycles.PICK: []}}) is None
    assert cycles.picked_stride(None) is None


def test_stride_frames_are_the_stride_events_frames(data) -> None:
    s = data.strides[1]
    first, last = cycles.stride_frames(data, 2)
    fps = 30.0  # tests.report.synthetic.SPEC
    assert first == round(s.foot_strike_s * fps)
    assert last == round(s.next_foot_strike_s * fps)
    assert cycles.stride_frames(data, 0) is None
    assert cycles.stride_frames(data, len(data.strides) + 1) is None
