from __future__ import annotations

import dataclasses

from gaitlab.dashboard import cards
from gaitlab.findings import evaluate_findings, load_knowledge_base
from gaitlab.jsonsafe import to_json_ready
from gaitlab.result import Findings, Running, Severity, read_result
from gaitlab.store.notes import save_notes
from tests.findings.factories import context, metric

KB = load_knowledge_base()


def load(result_dir):
    return read_result(result_dir)


def test_clip_quality_lists_view_fps_strides_detection_confidence(synthetic_result):
    items = {i.label: i for i in cards.clip_quality(load(synthetic_result))}
    assert list(items) == ["View", "Frame rate", "Strides", "Runner found", "Confidence"]
    assert items["View"].value.startswith("side")
    assert items["Frame rate"].value == "30 fps" and not items["Frame rate"].ok
    assert "60 fps" in items["Frame rate"].note
    assert " L / " in items["Strides"].value
    assert items["Confidence"].value in ("high", "medium", "low")


def test_clip_quality_says_which_part_of_a_cut_clip_was_analysed(synthetic_result):
    result = load(synthetic_result)
    note = "timestamps jump by 36000.0 s at 4.00 s: analysed 0.00-4.00 s, left out 4.02-8.00 s"
    result = dataclasses.replace(result, clip=dataclasses.replace(result.clip, cut_note=note))
    items = cards.clip_quality(result)
    labels = [i.label for i in items]
    assert labels[:3] == ["View", "Frame rate", "Part analysed"]
    part = items[2]
    assert part.note == note and not part.ok
    assert "Part analysed" not in [i.label for i in cards.clip_quality(load(synthetic_result))]


def _label(key: str) -> str:
    a = KB.articles[key]
    return f"{a.short_name} ({a.publisher})"


def test_finding_cards_cite_article_titles(synthetic_result):
    result = load(synthetic_result)
    (finding,) = result.findings.findings  # the engine's: the stick runner overstrides
    rule = KB.rule(finding.id)
    (c,) = cards.finding_cards(result)
    assert (c.rank, c.title, c.severity, c.side) == (1, rule.title, Severity.WATCH, finding.side)
    assert c.value_text.startswith(f"{finding.value:.1f}°")
    assert [x.text for x in c.cues] == [cue.text for cue in rule.cues]
    assert c.cues[0].sources[0] == _label(rule.cues[0].sources[0])
    ex = rule.exercises[0]
    assert c.exercises[0].name == ex.name
    assert c.exercises[0].sources == tuple(_label(k) for k in ex.sources)
    assert c.sources[: len(finding.sources)] == tuple(_label(k) for k in finding.sources)


def test_run_status_warns_about_walking(synthetic_result):
    result = load(synthetic_result)
    walking = dataclasses.replace(
        result,
        kinematics=dataclasses.replace(
            result.kinematics,
            running=Running(is_running=False, activity="walking", reason="duty factor 62 %"),
        ),
    )
    level, message = cards.run_status(walking)
    assert level == "warning" and "does not look like running" in message and "62 %" in message
    slowed = dataclasses.replace(
        result,
        kinematics=dataclasses.replace(
            result.kinematics,
            running=Running(
                is_running=True, activity="running", reason="at 40 steps/min", slow_motion=True
            ),
        ),
    )
    level, message = cards.run_status(slowed)
    assert level == "warning" and "slow motion" in message and "40 steps/min" in message
    assert cards.run_status(result) == ("info", result.findings.message)
    none = dataclasses.replace(
        result, findings=dataclasses.replace(result.findings, status="no_findings", findings=())
    )
    assert cards.run_status(none)[0] == "success"


def test_advice_and_safety_items(synthetic_result):
    safety = cards.advice_items(load(synthetic_result), "safety")
    assert [a.text for a in safety] == [f"**{a.title}.** {a.text}" for a in KB.safety]
    assert any("professional" in a.text for a in safety)
    advice = cards.advice_items(load(synthetic_result), "general_advice")
    first = KB.general_advice[0]
    assert advice[0].text == f"**{first.title}.** {first.text}"
    assert advice[0].sources == tuple(_label(k) for k in first.sources)


def test_keyframe_gallery_order_and_captions(synthetic_result):
    gallery = cards.keyframe_gallery(synthetic_result, load(synthetic_result))
    captions = [c for c, _ in gallery]
    assert captions[:3] == ["Left foot strike", "Left mid-stance", "Left toe-off"]
    assert captions[3:6] == ["Right foot strike", "Right mid-stance", "Right toe-off"]
    (finding,) = load(synthetic_result).findings.findings
    assert captions[6] == f"{finding.title} ({finding.side}): worst stride"
    assert all(p.is_file() for _, p in gallery)


def test_stride_and_asymmetry_tables(synthetic_result, synthetic_data):
    rows = cards.stride_table(synthetic_data)
    assert len(rows) == len(synthetic_data.strides)
    assert {"stride", "side", "hip_extension_deg"} <= set(rows[0])
    assert {r["side"] for r in rows} == {"left", "right"}
    asym = {r["metric"]: r for r in cards.asymmetry_table(load(synthetic_result))}
    assert "hip_extension_deg" in asym
    assert set(asym["hip_extension_deg"]) >= {"left", "right", "left - right", "asymmetry %"}


def test_downloads_lists_present_files_in_order(synthetic_result):
    names = [d.path.name for d in cards.downloads(synthetic_result)]
    assert names[:3] == ["result.json", "strides.csv", "frames.csv"]  # no reports in the fixture
    assert "annotated.mp4" not in names
    save_notes(synthetic_result, "x")
    assert "session_notes.json" in [d.path.name for d in cards.downloads(synthetic_result)]


def test_if_it_hurts_now_is_always_there_with_its_articles(synthetic_result):
    expected = [f"**{a.title}.** {a.text}" for a in KB.pain_first]
    result = load(synthetic_result)
    # A result saved before the block existed (here: the block taken out) gets the packaged
    # items; a fresh result carries its own.
    old = dataclasses.replace(result, findings=dataclasses.replace(result.findings, pain_first=()))
    for doc in (old, result):
        items = cards.advice_items(doc, "pain_first")
        assert [a.text for a in items] == expected
        assert items[0].sources == ("Hip pain from running (Let's Do This blog)",)
    report = evaluate_findings({"cadence_spm": metric("cadence_spm", median=130.0)}, context())
    fresh = dataclasses.replace(
        result, findings=Findings.from_dict(to_json_ready(report.to_dict()))
    )
    # Advice from a study is labelled research; the band says where its edges come from.
    (card,) = cards.finding_cards(fresh)
    assert card.cues[0].sources == ("research: Heiderscheit 2011",)
    assert "research: Heiderscheit 2011" in card.sources
    assert "watch below 150.0 steps/min (project convention" in card.band_note
