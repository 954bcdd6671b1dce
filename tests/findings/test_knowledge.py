"""The knowledge base loads, validates, cites its sources, and rejects malformed data."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from typing import Any

import pytest

from gaitlab.errors import GaitlabError
from gaitlab.findings import KnowledgeBaseError, load_knowledge_base, parse_knowledge_base
from gaitlab.findings.knowledge import validate_knowledge_base
from gaitlab.kinematics.definitions import METRICS
from tests.conftest import SHARED

REQUIRED_FINDINGS = {
    "lumbar_arch",
    "limited_hip_extension",
    "pelvic_drop",
    "trunk_lean_forward",
    "trunk_lean_backward",
    "lateral_lean_stance",
    "lateral_lean_one_side",
    "overstride",
    "low_cadence",
    "asymmetry_contact_time",
    "asymmetry_pelvic_drop",
}
REQUIRED_ADVICE = {
    "warm_up",
    "cool_down",
    "rest_days",
    "strength",
    "footwear_surfaces",
    "mindset",
    "hip_flexor_strain",
    "gait_analysis",
}
REQUIRED_SAFETY = {"groin_pain", "clicking_locking", "spasms_numbness", "not_a_diagnosis"}
#: "If it hurts now": rest until it settles, slow down or stop mid-run, ice, a
#: coach or physio to check form, a professional for severe or lasting pain.
REQUIRED_PAIN_FIRST = ["rest", "during_a_run", "ice", "form_check", "see_a_professional"]


def raw() -> dict[str, Any]:
    """The packaged file, parsed but not validated."""
    text = resources.files("gaitlab.findings").joinpath("knowledge_base.toml").read_text()
    return tomllib.loads(text)


def test_packaged_knowledge_base_loads_and_validates() -> None:
    kb = load_knowledge_base()
    assert {r.id for r in kb.findings} >= REQUIRED_FINDINGS
    assert {a.id for a in kb.general_advice} >= REQUIRED_ADVICE
    assert {a.id for a in kb.safety} >= REQUIRED_SAFETY
    assert [a.id for a in kb.pain_first] == REQUIRED_PAIN_FIRST
    assert set(kb.articles) == {"parry", "letsdothis", "therapist", "shop", "clinic"}
    assert {p.id for p in kb.patterns} >= {
        "arch_instead_of_hip_extension",
        "pelvic_drop_with_lateral_lean",
    }
    assert {g.id for g in kb.filming_guide} >= {"view", "camera", "frame_rate", "clothing"}


def test_every_fix_and_advice_cites_an_article_or_a_study() -> None:
    kb = load_knowledge_base()
    literature = {k for k, r in kb.references.items() if r.kind == "literature"}
    for c in (c for r in (*kb.findings, *kb.patterns) for c in r.cues):
        assert (c.sources or c.refs) and set(c.refs) <= literature, c
    for item in (*kb.exercises.values(), *kb.pain_first, *kb.general_advice, *kb.safety):
        assert item.sources and set(item.sources) <= set(kb.articles), item
    for r in (*kb.findings, *kb.patterns):
        assert (r.sources or r.refs) and (r.cues or r.exercises), r.id


def test_cadence_advice_cites_the_study_not_an_article() -> None:
    # No article gives step-rate advice ("Running and hip pain" only warns that
    # cadence work can make a runner arch); it comes from Heiderscheit 2011.
    kb = load_knowledge_base()
    step_rate = [
        c
        for r in (*kb.findings, *kb.patterns)
        for c in r.cues
        if any(w in c.text.lower() for w in ("5-10 %", "shorter steps", "quicker"))
    ]
    assert len(step_rate) == 3  # low cadence, overstride, long slow strides
    assert step_rate
    for c in step_rate:
        assert "heiderscheit2011" in c.refs, c.text
    (cue,) = [c for c in kb.rule("low_cadence").cues if "5-10 %" in c.text]
    assert cue.sources == () and cue.refs == ("heiderscheit2011",)


def test_every_missing_article_item_of_issue_20_is_in_the_knowledge_base() -> None:
    kb = load_knowledge_base()
    used = {e.key for r in (*kb.findings, *kb.patterns) for e in r.exercises}
    assert {"downward_dog", "squat", "adductor_lift", "knee_drive", "hip_circles"} <= used
    strength = next(a for a in kb.general_advice if a.id == "strength").text.lower()
    assert "adductors" in strength and "hip flexors" in strength
    strain = next(a for a in kb.general_advice if a.id == "hip_flexor_strain").text.lower()
    assert all(w in strain for w in ("rest", "ice", "gradually"))


def test_every_threshold_has_a_source_and_project_edges_say_so() -> None:
    kb = load_knowledge_base()
    for r in kb.findings:
        for edge in (r.band.watch, r.band.high):
            kinds = {kb.references[k].kind for k in edge.refs}
            assert edge.refs and edge.why
            if kinds == {"project"}:
                # Honesty: an edge without literature says it is the project's choice.
                assert "project" in edge.why.lower() or "provisional" in edge.why.lower(), r.id


def test_rules_match_the_kinematics_catalogue() -> None:
    kb = load_knowledge_base()
    views = {"side": "side", "frontal": "frontal", "any": "any"}
    for r in kb.findings:
        assert r.metric in METRICS, f"{r.id}: unknown metric {r.metric}"
        assert views[r.view] == METRICS[r.metric].view, r.id
        for extra in r.also_show:
            assert extra in METRICS and METRICS[extra].view == METRICS[r.metric].view, r.id


def test_band_classify_edges_belong_to_the_milder_band() -> None:
    band = load_knowledge_base().rule("pelvic_drop").band
    assert band.classify(5.0) == "normal"
    assert band.classify(5.0001) == "watch"
    assert band.classify(8.0) == "watch"
    assert band.classify(8.0001) == "high"


def test_articles_named_in_the_knowledge_base_exist() -> None:
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"articles not available: {seeds}")
    for a in load_knowledge_base().articles.values():
        assert (seeds / a.file).is_file(), a.file
        assert a.short_name in (seeds / "README.md").read_text(), a.short_name


def test_knowledge_base_error_is_a_gaitlab_error() -> None:
    assert issubclass(KnowledgeBaseError, GaitlabError)


def _break(mutate: Any) -> str:
    data = copy.deepcopy(raw())
    mutate(data)
    with pytest.raises(KnowledgeBaseError) as info:
        validate_knowledge_base(data)
    return info.value.message


def test_a_citation_without_its_key_phrases_is_rejected() -> None:
    msg = _break(lambda d: _finding(d, "overstride")["cues"][0].update(sources=["shop", "clinic"]))
    assert "cues[0].evidence" in msg and "missing for ['clinic']" in msg
    msg = _break(lambda d: d["exercises"]["clamshell"]["evidence"].update(shop=["x"]))
    assert "each phrase needs 2-6 words" in msg


def test_a_cue_may_cite_literature_but_not_a_project_note() -> None:
    msg = _break(
        lambda d: _finding(d, "low_cadence")["cues"][0].update(refs=["accuracy_benchmark"])
    )
    assert "only literature can stand behind advice" in msg
    msg = _break(lambda d: _finding(d, "low_cadence")["cues"][0].update(refs=[]))
    assert "cites nothing" in msg


def _finding(data: dict[str, Any], fid: str) -> dict[str, Any]:
    return next(f for f in data["findings"] if f["id"] == fid)


def test_wrong_type_names_the_place_and_what_arrived() -> None:
    msg = _break(lambda d: _finding(d, "pelvic_drop")["band"]["watch"].update(edge="five"))
    assert "findings[" in msg and "'pelvic_drop'" in msg and "band.watch.edge" in msg
    assert "expected a number" in msg and "'five'" in msg


def test_missing_field() -> None:
    msg = _break(lambda d: _finding(d, "overstride").pop("clinical"))
    assert "'overstride'.clinical: missing" in msg


def test_unknown_key_is_rejected() -> None:
    msg = _break(lambda d: _finding(d, "overstride").update(explantion="typo"))
    assert "unknown key(s) ['explantion']" in msg


def test_unknown_article_in_a_cue() -> None:
    msg = _break(lambda d: _finding(d, "overstride")["cues"][0].update(sources=["blog"]))
    assert "cues[0].sources: unknown key(s) ['blog']" in msg


def test_fix_without_article_is_rejected() -> None:
    msg = _break(lambda d: d["exercises"]["clamshell"].update(sources=[]))
    assert "exercises.clamshell.sources: needs at least 1 entry" in msg


def test_threshold_without_reference_is_rejected() -> None:
    msg = _break(lambda d: _finding(d, "low_cadence")["band"]["high"].update(refs=[]))
    assert "band.high.refs: needs at least 1 entry" in msg


def test_misordered_band() -> None:
    msg = _break(lambda d: _finding(d, "low_cadence")["band"]["high"].update(edge=160.0))
    assert "high edge must lie below the watch edge" in msg


def test_bad_choice() -> None:
    msg = _break(lambda d: _finding(d, "low_cadence").update(statistic="mean"))
    assert "expected one of" in msg and "'mean'" in msg


def test_duplicate_id() -> None:
    msg = _break(lambda d: d["findings"].append(copy.deepcopy(d["findings"][0])))
    assert "duplicate id 'lumbar_arch'" in msg


def test_unknown_exercise_and_pattern_part() -> None:
    assert "unknown key(s) ['plank']" in _break(
        lambda d: _finding(d, "overstride").update(exercises=["plank"])
    )
    assert "requires: unknown key(s) ['knee_valgus']" in _break(
        lambda d: d["patterns"][0].update(requires=["lumbar_arch", "knee_valgus"])
    )


def test_same_side_pattern_needs_sided_parts() -> None:
    msg = _break(lambda d: d["patterns"][0].update(same_side=True))
    assert "every required finding must be sided" in msg


def test_schema_version_and_not_toml() -> None:
    assert "version 2" in _break(lambda d: d.update(schema_version=1))
    with pytest.raises(KnowledgeBaseError, match="not valid TOML"):
        parse_knowledge_base("findings = [", origin="x.toml")


def test_measurement_error_needs_a_per_side_or_median_rule() -> None:
    msg = _break(lambda d: _finding(d, "pelvic_drop").update(measurement_error=-1.0))
    assert "measurement_error" in msg and "a number >= 0" in msg
    msg = _break(lambda d: _finding(d, "asymmetry_pelvic_drop").update(measurement_error=2.0))
    assert "'abs_left_minus_right'" in msg
