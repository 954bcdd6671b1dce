"""The session combination on result documents of known values (no video, no pose)."""

from __future__ import annotations

import pytest

from gaitlab.result import Confidence
from gaitlab.session.combine import (
    CADENCE_TOLERANCE_SPM,
    ClipOutcome,
    check_cadence,
    combine_session,
)
from gaitlab.session.document import SessionDocument
from tests.session.factories import clip_result, finding_ids, sided_findings

SIDE_MEDIANS = {
    "hip_extension_deg": -5.0,
    "trunk_lean_deg": 6.0,
    "contact_time_s": 0.24,
    "cadence_spm": 170.0,
    # A side clip's number for a frontal metric: the rear clip must still win it.
    "pelvic_drop_deg": 12.0,
}
REAR_MEDIANS = {
    "hip_extension_deg": None,
    "trunk_lean_deg": None,
    "contact_time_s": 0.30,
    "cadence_spm": 171.0,
    "pelvic_drop_deg": 3.0,
}


def _side(**kw):
    kw.setdefault(
        "findings",
        sided_findings({"hip_extension_deg": (-5.0, -5.0), "pelvic_drop_deg": (12.0, 12.0)}),
    )
    return clip_result("side-left", SIDE_MEDIANS, cadence_spm=170.0, clip="side.mp4", **kw)


def _rear(medians=REAR_MEDIANS, cadence_spm=171.0, **kw):
    return clip_result("rear", medians, cadence_spm=cadence_spm, clip="rear.mp4", **kw)


def _session(*results) -> SessionDocument:
    return combine_session(
        [
            ClipOutcome(label=f"clip{i}.mp4", folder=f"clip{i}", result=r)
            for i, r in enumerate(results)
        ]
    )


def test_cadences_170_and_171_agree():
    check = check_cadence([170.0, 171.0])
    assert check.agree is True
    assert check.spread_spm == 1.0
    assert "agree" in check.note and "NOT" not in check.note


def test_cadences_170_and_85_disagree_and_say_by_how_much():
    check = check_cadence([170.0, 85.0])
    assert check.agree is False
    assert check.spread_spm == 85.0
    assert "differ by 85" in check.note and "half" in check.note


def test_cadence_tolerance_edge():
    assert check_cadence([170.0, 170.0 + CADENCE_TOLERANCE_SPM]).agree is True
    assert check_cadence([170.0, 170.1 + CADENCE_TOLERANCE_SPM]).agree is False


def test_one_cadence_is_nothing_to_compare():
    check = check_cadence([170.0, None])
    assert check.agree is None and check.spread_spm is None


def test_session_cadence_check_reads_each_clip():
    session = _session(_side(), _rear(cadence_spm=85.0))
    assert session.cadence.values_spm == (170.0, 85.0)
    assert session.cadence.agree is False


def test_pelvic_drop_from_the_rear_clip_even_if_the_side_clip_has_a_number():
    session = _session(_side(), _rear())
    chosen = session.metrics["pelvic_drop_deg"]
    assert chosen.clip == 1 and chosen.view == "rear"
    assert chosen.median == 3.0
    # The side clip's 12 deg is listed as the other reading, not used.
    assert [o["median"] for o in chosen.others] == [12.0]
    assert "frontal-plane" in chosen.why


def test_side_metrics_and_timing_from_the_side_clip():
    session = _session(_rear(), _side())  # order given does not matter
    assert session.metrics["hip_extension_deg"].clip == 1
    assert session.metrics["hip_extension_deg"].median == -5.0
    assert session.metrics["trunk_lean_deg"].clip == 1
    # Both measure contact time; the side view sees the foot contacts directly.
    assert session.metrics["contact_time_s"].clip == 1
    assert session.metrics["contact_time_s"].median == 0.24
    assert session.metrics["cadence_spm"].clip == 1


def test_a_frontal_metric_falls_back_to_the_side_clip_without_a_rear_clip():
    session = _session(_side())
    chosen = session.metrics["pelvic_drop_deg"]
    assert chosen.clip == 0 and chosen.median == 12.0
    assert "no rear or front clip measured it" in chosen.why


def test_two_side_clips_take_the_higher_confidence():
    low = clip_result(
        "side-left",
        {"hip_extension_deg": 4.0},
        confidence={"hip_extension_deg": "low"},
        findings=(),
    )
    high = clip_result("side-right", {"hip_extension_deg": 9.0}, findings=())
    session = _session(low, high)
    assert session.metrics["hip_extension_deg"].clip == 1
    assert session.metrics["hip_extension_deg"].median == 9.0
    assert session.metrics["hip_extension_deg"].confidence is Confidence.HIGH
    assert "higher confidence" in session.metrics["hip_extension_deg"].why


def test_findings_merged_once_from_the_view_that_measures_them():
    rear_drop = sided_findings({"pelvic_drop_deg": (12.0, 12.0)})
    session = _session(_side(), _rear(findings=rear_drop))
    ids = finding_ids(session.findings)
    # Each finding once, none twice.
    assert len(ids) == len(set(ids))
    assert ("pelvic_drop", "left") in ids and ("limited_hip_extension", "left") in ids
    for merged in session.findings:
        if merged.finding.id == "pelvic_drop":
            assert merged.clip == 1  # from the rear clip
            assert merged.also_in == (0,)  # the side clip's copy was left out
        if merged.finding.id == "limited_hip_extension":
            assert merged.clip == 0


def test_side_clip_finding_on_a_frontal_metric_dropped_when_rear_says_normal():
    session = _session(_side(), _rear(findings=()))
    ids = [i for i, _ in finding_ids(session.findings)]
    assert "pelvic_drop" not in ids
    assert "limited_hip_extension" in ids


def test_findings_ranked_once_severity_then_confidence():
    session = _session(_side(), _rear(findings=sided_findings({"pelvic_drop_deg": (12.0, 12.0)})))
    ranks = [(f.finding.severity.rank, f.finding.confidence.rank) for f in session.findings]
    assert ranks == sorted(ranks)


def test_a_failed_clip_keeps_the_other_and_says_what_is_missing():
    session = combine_session(
        [
            ClipOutcome(label="side.mp4", folder="side", result=_side()),
            ClipOutcome(label="rear.mp4", error="rear.mp4: not a readable video", exit_code=4),
        ]
    )
    assert session.status == "partial"
    assert [c.status for c in session.clips] == ["analysed", "failed"]
    assert session.clips[1].exit_code == 4
    assert session.metrics["hip_extension_deg"].clip == 0
    assert any("rear.mp4 could not be analysed" in m for m in session.missing)
    # Pelvic drop comes from the side clip's number, flagged as a poor view.
    assert "poorly" in session.metrics["pelvic_drop_deg"].why


def test_no_clip_analysed_is_a_failed_session():
    session = combine_session([ClipOutcome(label="a.mp4", error="x", exit_code=4)])
    assert session.status == "failed" and not session.metrics and not session.findings


def test_nothing_frontal_measured_is_named_missing():
    side = clip_result(
        "side-left", {"hip_extension_deg": 9.0, "pelvic_drop_deg": None}, findings=()
    )
    session = _session(side)
    assert "pelvic_drop_deg" not in session.metrics
    assert any("no rear or front clip" in m and "pelvic_drop_deg" in m for m in session.missing)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_round_trip(order):
    results = [_side(), _rear()]
    session = _session(*(results[i] for i in order))
    again = SessionDocument.from_dict(session.to_dict())
    assert again.to_dict() == session.to_dict()
    assert again.metric_from("pelvic_drop_deg").view == "rear"


def test_each_merged_finding_keeps_its_rank_in_its_clip():
    rear_drop = sided_findings({"pelvic_drop_deg": (12.0, 12.0)})
    session = _session(_side(), _rear(findings=rear_drop))
    for merged in session.findings:
        own = _side() if merged.clip == 0 else _rear(findings=rear_drop)
        assert own.reported_findings[merged.rank_in_clip - 1] == merged.finding
