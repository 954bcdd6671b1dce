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
REQUIRED_ADVICE = {"warm_up", "cool_down", "rest_days", "strength", "footwear_surfaces", "mindset"}
REQUIRED_SAFETY = {"see_a_professional", "groin_pain", "clicking_locking", "not_a_diagnosis"}


def raw() -> dict[str, Any]:
    """The packaged file, parsed but not validated."""
    text = resources.files("gaitlab.findings").joinpath("knowledge_base.toml").read_text()
    return tomllib.loads(text)


def test_packaged_knowledge_base_loads_and_validates() -> None:
    kb = load_knowledge_base()
    assert {r.id for r in kb.findings} >= REQUIRED_FINDINGS
    assert {a.id for a in kb.general_advice} >= REQUIRED_ADVICE
    assert {a.id for a in kb.safety} >= REQUIRED_SAFETY
    assert set(kb.articles) == {"parry", "letsdothis", "therapist", "shop", "clinic"}
    assert {p.id for p in kb.patterns} >= {
        "arch_instead_of_hip_extension",
        "pelvic_drop_with_lateral_lean",
    }
    assert {g.id for g in kb.filming_guide} >= {"view", "camera", "frame_rate", "clothing"}


def test_every_fix_and_advice_cites_an_article() -> None:
    kb = load_knowledge_base()
    items = [
        *(c for r in (*kb.findings, *kb.patterns) for c in r.cues),
        *kb.exercises.values(),
        *kb.general_advice,
        *kb.safety,
    ]
    for item in items:
        assert item.sources and set(item.sources) <= set(kb.articles), item
    for r in (*kb.findings, *kb.patterns):
        assert r.sources and (r.cues or r.exercises), r.id


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
    views = {"side": "side", "frontal": "frontal"}
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
    assert "version 1" in _break(lambda d: d.update(schema_version=2))
    with pytest.raises(KnowledgeBaseError, match="not valid TOML"):
        parse_knowledge_base("findings = [", origin="x.toml")
