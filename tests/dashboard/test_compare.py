from __future__ import annotations

import json
import math

import pytest

from gaitlab.dashboard.compare import NotAResult, change_rows, parse_result
from gaitlab.findings.change import (
    LITERATURE_SDD,
    Measured,
    SessionMetrics,
    compare_results,
    median_se,
    stride_noise,
)
from gaitlab.result import RESULT_FILE, read_result


def metric(median, iqr=1.0, n=10, unit="deg", confidence="high", reasons=()):
    return Measured(unit, median, iqr, n, confidence, tuple(reasons))


def result(view="rear", **metrics):
    return SessionMetrics(view, metrics)


def by_name(rows):
    return {r.metric: r for r in rows}


def test_pelvic_drop_is_judged_against_its_literature_sdd():
    assert LITERATURE_SDD["pelvic_drop_deg"].value == pytest.approx(2.8)
    before = result(pelvic_drop_deg=metric(8.0))
    rows = by_name(compare_results(before, result(pelvic_drop_deg=metric(4.9))))
    r = rows["pelvic_drop_deg"]
    assert r.delta == pytest.approx(-3.1) and r.threshold == 2.8 and r.changed
    assert "Dingenen" in r.basis
    r = by_name(compare_results(before, result(pelvic_drop_deg=metric(5.5))))["pelvic_drop_deg"]
    assert r.verdict == "within noise"


def test_stride_noise_bound_is_the_95pct_bound_of_two_medians():
    # IQR 1.349 = one standard deviation; n = 8: SE of the median = sqrt(pi/2) / sqrt(8).
    se = median_se(1.349, 8)
    assert se == pytest.approx(math.sqrt(math.pi / 2) / math.sqrt(8))
    bound = stride_noise(metric(0.0, 1.349, 8), metric(0.0, 1.349, 8))
    assert bound == pytest.approx(1.96 * math.sqrt(2) * se)
    assert stride_noise(metric(0.0, 1.0, 1), metric(0.0, 1.0, 8)) is None
    assert median_se(None, 8) is None


def test_other_metrics_use_the_stride_noise_and_changes_come_first():
    before = result("side-left", cadence_spm=metric(160, 2.0, 16, "spm"),
                    trunk_lean_deg=metric(10.0, 1.0, 16))  # fmt: skip
    after = result("side-right", cadence_spm=metric(170, 2.0, 16, "spm"),
                   trunk_lean_deg=metric(10.2, 1.0, 16))  # fmt: skip
    rows = compare_results(before, after)
    assert [r.metric for r in rows] == ["cadence_spm", "trunk_lean_deg"]
    assert rows[0].changed and rows[0].basis == "stride noise (both clips)"
    assert rows[1].verdict == "within noise"
    assert rows[0].note == ""  # side-left vs side-right is the same view


def test_not_comparable_and_caveats():
    before = result(
        "side-left",
        hip_extension_deg=metric(
            None, None, 0, confidence="not_measurable", reasons=["no strides"]
        ),
        trunk_lean_deg=metric(10.0, 1.0, 1),
        knee_flexion_strike_deg=metric(None, None, 0),
    )
    after = result(
        "rear",
        hip_extension_deg=metric(9.0, 1.0, 10, confidence="low"),
        trunk_lean_deg=metric(12.0, 1.0, 10, confidence="low"),
        knee_flexion_strike_deg=metric(None, None, 0),
    )
    rows = by_name(compare_results(before, after))
    assert "knee_flexion_strike_deg" not in rows
    assert rows["hip_extension_deg"].verdict == "not comparable"
    assert rows["hip_extension_deg"].note == "not measurable before: no strides"
    lean = rows["trunk_lean_deg"]
    assert lean.verdict == "not comparable" and "too few strides" in lean.note
    assert (
        "different views (side-left vs rear)" in lean.note and "low confidence after" in lean.note
    )


def test_change_rows_format_values_with_units():
    rows = change_rows(compare_results(result(pelvic_drop_deg=metric(8.0)),
                                       result(pelvic_drop_deg=metric(4.0))))  # fmt: skip
    assert rows[0]["metric"] == "pelvic_drop_deg" and rows[0]["verdict"] == "changed"
    assert rows[0]["change"].startswith("-4") and "°" in rows[0]["change"]
    assert rows[0]["counts when over"].startswith("2.8")


def test_parse_result_accepts_a_result_and_explains_what_is_wrong(synthetic_result):
    content = (synthetic_result / RESULT_FILE).read_bytes()
    assert parse_result(content) == read_result(synthetic_result)
    with pytest.raises(NotAResult, match="not a JSON file"):
        parse_result(b"\x00\xff", "x.json")
    with pytest.raises(NotAResult, match="not a gaitlab result"):
        parse_result(b'{"a": 1}', "x.json")
    # A result of a clip with no strides: the kinematics stage measured nothing.
    bare = json.loads(content)
    bare["kinematics"]["metrics"] = {}
    with pytest.raises(NotAResult, match="no measured metrics"):
        parse_result(json.dumps(bare).encode(), "x.json")


def test_two_results_of_one_clip_show_no_change(synthetic_result):
    doc = read_result(synthetic_result)
    rows = compare_results(doc, doc)
    measured = [n for n, m in doc.metrics.items() if m.median is not None]
    assert sorted(r.metric for r in rows) == sorted(measured)
    assert all(r.delta == 0 and not r.changed for r in rows)
