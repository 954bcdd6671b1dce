"""The runner's first screen: top findings with picture, meaning, first step; the week.

The findings are the engine's own, for metrics set past the knowledge base's bands, so the
cues, exercises and doses checked here are the knowledge base's, not text written here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from gaitlab.dashboard.cards import finding_cards
from gaitlab.dashboard.firstscreen import first_sentence, top_findings, weekly_plan
from gaitlab.result import ResultDocument
from tests.store.factories import engine_findings, real_result

#: Side-view metrics well past their bands: forward lean, low cadence, an arched back.
MEDIANS = {
    "trunk_lean_deg": 20.0,
    "cadence_spm": 140.0,
    "lumbar_arch_angle_deg": 30.0,
    "lumbar_hollow_depth_pct_trunk": 15.0,
}


def result() -> ResultDocument:
    real = real_result()
    assert real.findings is not None
    block = dataclasses.replace(
        real.findings, findings=engine_findings(MEDIANS), more_findings=(), checks=()
    )
    return dataclasses.replace(real, findings=block)


def test_top_two_findings_with_picture_meaning_and_first_step(tmp_path: Path) -> None:
    doc = result()
    cards = finding_cards(doc)
    assert len(cards) >= 3, [c.title for c in cards]
    first_png = tmp_path / f"finding_01_{cards[0].id}.png"
    first_png.write_bytes(b"png")
    firsts = top_findings(doc, tmp_path)
    assert [f.card.title for f in firsts] == [c.title for c in cards[:2]]
    assert firsts[0].image == first_png
    assert firsts[1].image is None  # not rendered: the screen shows the text only
    for f in firsts:
        assert f.meaning and f.meaning == first_sentence(f.card.explanation)
        assert len(f.meaning) < len(f.card.explanation) or "." not in f.card.explanation[:-1]
        # The first running cue with its article; without cues, the first exercise.
        if f.card.cues:
            assert f.first_step == f.card.cues[0]
        else:
            assert f.first_step.text.startswith(f.card.exercises[0].name)
        assert f.first_step.sources


def test_week_uses_only_the_articles_doses_and_cites_them(tmp_path: Path) -> None:
    firsts = top_findings(result(), tmp_path)
    plan = weekly_plan(firsts)
    assert plan
    offered = {e.name: e for f in firsts for e in f.card.exercises}
    third = {e.name for c in finding_cards(result())[2:] for e in c.exercises} - set(offered)
    for group in plan:
        for item in group.items:
            # Nothing invented: every dose and source is the knowledge base's own.
            assert item.name in offered and item.name not in third
            assert item.dose == offered[item.name].dose
            assert item.sources == offered[item.name].sources and item.sources
            if not item.dose:
                assert group.when.startswith("Optional") and "no dose" in group.note
    # An exercise two findings share is listed once, naming both.
    names = [i.name for g in plan for i in g.items]
    assert len(names) == len(set(names))


def test_first_sentence() -> None:
    assert first_sentence("One foot stays down longer. The articles say why.") == (
        "One foot stays down longer."
    )
    assert first_sentence("No full stop") == "No full stop"
    assert first_sentence("") == ""
