"""No finding from measurement noise: frame timing, stride-to-stride spread, camera roll.

Two cases a review found, each on a synthetic stick runner with known truth run through the
whole kinematics and findings chain (no pose model: the landmarks are the truth):

- a runner whose only asymmetry is one frame of contact time at 30 fps gets no asymmetry
  finding (nor a "check"): a left/right timing difference must be more than two frames;
- a symmetric, upright runner filmed with the camera rolled 3 deg gets no lateral-lean
  finding: the roll reads as a 3 deg lean to one side, which is not measurable without a
  known camera roll, and the sway toward the standing leg is read roll-free.

Then the rules themselves on metric summaries with exact values.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from gaitlab.findings import evaluate_findings, findings_for_analysis, load_knowledge_base
from gaitlab.findings.noise import edge_noise, left_right_noise
from gaitlab.findings.reload import context_from_analysis
from gaitlab.kinematics import analyze_kinematics
from tests.findings.factories import context, metric
from tests.kinematics.stickrunner import RunnerSpec, make_run

KB = load_knowledge_base()
LEAN_RULES = ("lateral_lean_stance", "lateral_lean_one_side")


def reported(report, rule_id: str) -> list:
    """Findings and checks of a rule, including parts of patterns."""
    every = (*report.findings, *report.more_findings, *report.checks)
    return [p for f in every for p in (f, *f.parts) if p.id == rule_id]


def statuses(report, rule_id: str) -> list[str]:
    return [a.status for a in report.assessments if a.finding_id == rule_id]


# ----------------------------------------------------------- one frame of timing at 30 fps
def timing_run(fps: float, extra_frames: int):
    """Side-view runner, the right contact ``extra_frames`` frames longer than the left."""
    spec = RunnerSpec(
        view="side-left",
        fps=fps,
        contact_s=0.24,
        contact_s_right=0.24 + extra_frames / fps,
        noise_px=0.3,
        seed=5,
    )
    analysis = analyze_kinematics(make_run(spec).series)
    return analysis, findings_for_analysis(analysis, KB)


def test_one_frame_of_contact_time_at_30_fps_is_no_asymmetry_finding() -> None:
    analysis, report = timing_run(30.0, 1)
    ct = analysis.metrics["contact_time_s"]
    # The clip does carry the planted difference: about one frame (33 ms), a symmetry
    # index beyond the 10 % edge, which the band alone would report.
    assert abs(ct.left_minus_right) * 30.0 == pytest.approx(1.0, abs=0.5)
    assert abs(ct.asymmetry_pct) > KB.rule("asymmetry_contact_time").band.watch.edge
    assert reported(report, "asymmetry_contact_time") == []
    (a,) = [a for a in report.assessments if a.finding_id == "asymmetry_contact_time"]
    assert a.status == "not_measurable"
    assert "2 frames at 30 fps = 67 ms" in a.reasons[0]


def test_a_real_timing_asymmetry_is_still_found() -> None:
    # Three frames at 60 fps (50 ms, 19 %): beyond two frames and the stride noise.
    analysis, report = timing_run(60.0, 3)
    ct = analysis.metrics["contact_time_s"]
    assert abs(ct.left_minus_right) * 60.0 == pytest.approx(3.0, abs=0.6)
    (f,) = reported(report, "asymmetry_contact_time")
    assert f.side == "right" and f.side_note == "longer on the right foot"


# ----------------------------------------------------------------- a camera rolled 3 deg
def rolled(series, roll_deg: float):
    """The series as filmed by a camera rolled ``roll_deg`` about its viewing axis."""
    a = math.radians(roll_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    centre = np.array([series.video.width_px / 2, series.video.height_px / 2])
    xy = (series.xy_px - centre) @ rot.T + centre
    return dataclasses.replace(series, xy_px=xy)


@pytest.fixture(scope="module")
def rear_runner():
    return make_run(RunnerSpec(view="rear", noise_px=0.3, seed=8)).series


@pytest.mark.parametrize("roll_deg", [3.0, -3.0])
def test_a_normal_runner_filmed_with_a_rolled_camera_gets_no_lateral_lean_finding(
    rear_runner, roll_deg: float
) -> None:
    analysis = analyze_kinematics(rolled(rear_runner, roll_deg))
    lean = analysis.metrics["lateral_trunk_lean_deg"]
    assert analysis.view.view == "rear" and lean.measurable
    # Truth: the trunk is upright. The roll reads as a lean of 3 deg to one side: toward the
    # stance leg on one side, away from it on the other.
    assert abs(lean.left_median - lean.right_median) / 2 == pytest.approx(3.0, abs=0.3)
    report = findings_for_analysis(analysis, KB)
    for rule_id in LEAN_RULES:
        assert reported(report, rule_id) == [], rule_id
    assert statuses(report, "lateral_lean_one_side") == ["not_measurable"]
    a = next(a for a in report.assessments if a.finding_id == "lateral_lean_one_side")
    assert "camera tilt unknown" in a.reasons[0]
    # The sway toward the standing leg, averaged over both legs, does not see the roll.
    sway = next(a for a in report.assessments if a.finding_id == "lateral_lean_stance")
    assert sway.status == "normal" and sway.value == pytest.approx(0.0, abs=0.3)


def test_with_a_known_camera_roll_only_the_lean_beyond_it_counts(rear_runner) -> None:
    analysis = analyze_kinematics(rolled(rear_runner, 4.5))
    base = context_from_analysis(analysis)
    # Told (wrongly) that the camera was level, the 4.5 deg roll is a lean: the bound is
    # what keeps a tilted phone from reading as a leg-length problem.
    level = dataclasses.replace(base, camera_roll_max_deg=0.0)
    (f,) = reported(evaluate_findings(analysis.metrics, level, KB), "lateral_lean_one_side")
    assert f.value == pytest.approx(4.5, abs=0.3)
    # Told the truth (rolled by up to 5 deg), nothing is left to report.
    honest = dataclasses.replace(base, camera_roll_max_deg=5.0)
    report = evaluate_findings(analysis.metrics, honest, KB)
    assert reported(report, "lateral_lean_one_side") == []
    assert statuses(report, "lateral_lean_one_side") == ["normal"]


# ------------------------------------------------------------------ the rules, exact values
def test_the_frame_rule_on_exact_frame_counts() -> None:
    # Every left contact 8 frames at 30 fps, every right one 7 (exact; no stride spread):
    # 33 ms apart, a 13 % symmetry index, not more than two frames.
    frame = 1 / 30
    ct = metric("contact_time_s", left=8 * frame, right=7 * frame, spread=0.0)
    assert ct.asymmetry_pct == pytest.approx(13.3, abs=0.1)
    report = evaluate_findings({ct.name: ct}, context(fps=30.0), KB)
    assert statuses(report, "asymmetry_contact_time") == ["not_measurable"]
    # Two frames apart is still not more than two frames; three are.
    two = metric("contact_time_s", left=9 * frame, right=7 * frame, spread=0.0)
    assert statuses(
        evaluate_findings({ct.name: two}, context(fps=30.0), KB), "asymmetry_contact_time"
    ) == ["not_measurable"]
    three = metric("contact_time_s", left=10 * frame, right=7 * frame, spread=0.0)
    assert statuses(
        evaluate_findings({ct.name: three}, context(fps=30.0), KB), "asymmetry_contact_time"
    ) == ["finding"]
    # The same 33 ms at 120 fps is four frames: a finding.
    assert statuses(
        evaluate_findings({ct.name: ct}, context(fps=120.0), KB), "asymmetry_contact_time"
    ) == ["finding"]


def test_an_unknown_frame_rate_cannot_judge_timing() -> None:
    ct = metric("contact_time_s", left=0.30, right=0.22, spread=0.0)
    report = evaluate_findings({ct.name: ct}, context(fps=float("nan")), KB)
    (a,) = [a for a in report.assessments if a.finding_id == "asymmetry_contact_time"]
    assert a.status == "not_measurable" and "frame rate is unknown" in a.reasons[0]


def test_stride_noise_bound_matches_its_formula() -> None:
    # Strides m - s, m, m + s per side: IQR s, median SE 1.2533 (s / 1.349) / sqrt(3); the
    # bound of the difference is 1.96 sqrt(2) SE.
    s = 2.0
    drop = metric("pelvic_drop_deg", left=4.0, right=8.0, spread=s)
    se = math.sqrt(math.pi / 2) * (s / 1.349) / math.sqrt(3)
    bound, parts = left_right_noise(KB.rule("asymmetry_pelvic_drop"), drop, 60.0)
    assert bound == pytest.approx(1.96 * math.sqrt(2) * se)
    assert parts == (f"stride-to-stride 95 % bound {bound:.1f} deg",)


def test_a_left_right_difference_inside_the_stride_noise_is_not_a_finding() -> None:
    # 4 deg apart is beyond the 3 deg edge; with strides spread +-4 deg the 95 % bound of
    # the difference is 5.9 deg, so the difference cannot be told from noise.
    noisy = metric("pelvic_drop_deg", left=4.5, right=0.5, spread=4.0)
    report = evaluate_findings({noisy.name: noisy}, context(view="rear"), KB)
    assert statuses(report, "asymmetry_pelvic_drop") == ["not_measurable"]
    assert reported(report, "asymmetry_pelvic_drop") == []
    steady = metric("pelvic_drop_deg", left=4.5, right=0.5, spread=0.5)
    report = evaluate_findings({steady.name: steady}, context(view="rear"), KB)
    assert statuses(report, "asymmetry_pelvic_drop") == ["finding"]


# ------------------------------------------- pelvic drop: beyond the edge by more than noise
def _drop_rule():
    return next(r for r in KB.findings if r.id == "pelvic_drop")


def test_edge_noise_combines_the_method_error_and_the_stride_spread() -> None:
    # Three strides per side at median +- 1 deg: IQR 1.0 deg (percentiles 25/75 of
    # c-1, c, c+1 are c-0.5, c+0.5), so se = sqrt(pi/2) (1.0 / 1.349) / sqrt(3).
    drop = metric("pelvic_drop_deg", left=6.0, right=2.0, spread=1.0)
    se = math.sqrt(math.pi / 2) * (1.0 / 1.349) / math.sqrt(3)
    noise, parts = edge_noise(drop, "left", 2.0)
    assert noise == pytest.approx(math.hypot(2.0, 1.96 * se))
    assert len(parts) == 2
    # One stride: no spread to judge, the method error alone.
    one = dataclasses.replace(drop, values=drop.values[:1])
    assert edge_noise(one, "left", 2.0)[0] == pytest.approx(2.0)


def test_a_pelvic_drop_within_the_noise_of_the_edge_is_not_a_finding() -> None:
    rule = _drop_rule()
    edge, error = rule.band.watch.edge, rule.measurement_error
    assert error > 0
    # Beyond the edge by less than the method's error alone: not assessed, with the reason.
    near = edge + 0.8 * error
    report = evaluate_findings(
        {"pelvic_drop_deg": metric("pelvic_drop_deg", left=near, right=2.0)},
        context(view="rear"),
        KB,
    )
    assert not reported(report, "pelvic_drop")
    a = next(a for a in report.assessments if a.finding_id == "pelvic_drop" and a.side == "left")
    assert a.status == "not_measurable"
    assert "measurement noise" in a.reasons[0]
    # Beyond it by twice the noise: a finding on that side.
    far = edge + 2.0 * edge_noise(metric("pelvic_drop_deg", left=near, right=2.0), "left", error)[0]
    report = evaluate_findings(
        {"pelvic_drop_deg": metric("pelvic_drop_deg", left=far, right=2.0)},
        context(view="rear"),
        KB,
    )
    assert [(f.id, f.side) for f in report.findings] == [("pelvic_drop", "left")]
