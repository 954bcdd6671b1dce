"""The runner's first screen: top findings with picture, meaning, first step; the week."""

from __future__ import annotations

from pathlib import Path

from gaitlab.dashboard.firstscreen import first_sentence, top_findings, weekly_plan

SOURCES = {
    "shop": {"short_name": "Exercises for hip relief", "publisher": "a shop"},
    "clinic": {"short_name": "Running and hip pain", "publisher": "a clinic"},
}


def exercise(name: str, dose: str, src: str) -> dict:
    return {"name": name, "how": f"how to do {name}", "dose": dose, "sources": [src]}


def result() -> dict:
    week = "2-3 times a week, adding difficulty gradually."
    after = "After runs, as part of the cool-down."
    return {
        "findings": {
            "sources": SOURCES,
            "findings": [
                {
                    "id": "limited_hip_extension", "title": "Limited hip extension",
                    "severity": "moderate", "side": "left", "value": 1.5, "unit": "deg",
                    "explanation": "Your thigh stays close to the body. It matters because X.",
                    "cues": [{"text": "Let the leg go behind you.", "sources": ["clinic"]}],
                    "exercises": [
                        exercise("Glute bridge", week, "shop"),
                        exercise("Hip-flexor stretch", after, "clinic"),
                        exercise("Downward dog", "", "clinic"),
                    ],
                    "sources": ["clinic"],
                },
                {
                    "id": "pelvic_drop", "title": "Pelvic drop", "severity": "watch",
                    "side": None, "value": 6.0, "unit": "deg",
                    "explanation": "The other hip sinks when you land.",
                    "cues": [],
                    "exercises": [
                        exercise("Clamshell", week, "shop"),
                        exercise("Glute bridge", week, "shop"),
                    ],
                    "sources": ["shop"],
                },
                {
                    "id": "overstride", "title": "Overstride", "severity": "watch",
                    "explanation": "Third.", "exercises": [exercise("Squat", week, "shop")],
                },
            ],
        }
    }  # fmt: skip


def test_top_two_findings_with_picture_meaning_and_first_step(tmp_path: Path) -> None:
    (tmp_path / "finding_01_limited_hip_extension.png").write_bytes(b"png")
    firsts = top_findings(result(), tmp_path)
    assert [f.card.title for f in firsts] == ["Limited hip extension", "Pelvic drop"]
    assert firsts[0].image == tmp_path / "finding_01_limited_hip_extension.png"
    assert firsts[1].image is None  # not rendered: the screen shows the text only
    assert firsts[0].meaning == "Your thigh stays close to the body."
    # The first cue, with its article; without cues, the first exercise.
    assert firsts[0].first_step.text == "Let the leg go behind you."
    assert firsts[0].first_step.sources == ("Running and hip pain (a clinic)",)
    assert firsts[1].first_step.text.startswith("Clamshell: how to do Clamshell")


def test_week_uses_only_the_articles_doses_and_cites_them(tmp_path: Path) -> None:
    plan = weekly_plan(top_findings(result(), tmp_path))
    by_when = {g.when.split(" (")[0]: g for g in plan}
    assert list(by_when) == ["Two strength days", "After every run", "Optional, when you have time"]
    strength = by_when["Two strength days"].items
    # Round robin over the two findings; the shared bridge once, naming both findings.
    assert [i.name for i in strength] == ["Glute bridge", "Clamshell"]
    assert strength[0].for_findings == ("Limited hip extension", "Pelvic drop")
    assert strength[0].dose == "2-3 times a week, adding difficulty gradually."
    assert strength[0].sources == ("Exercises for hip relief (a shop)",)
    assert [i.name for i in by_when["After every run"].items] == ["Hip-flexor stretch"]
    optional = by_when["Optional, when you have time"]
    assert [i.name for i in optional.items] == ["Downward dog"]
    assert optional.items[0].dose == "" and "no dose" in optional.note
    # The third finding is not on the first screen, nor in its week.
    assert all(i.name != "Squat" for g in plan for i in g.items)


def test_first_sentence() -> None:
    assert first_sentence("One foot stays down longer. The articles say why.") == (
        "One foot stays down longer."
    )
    assert first_sentence("No full stop") == "No full stop"
    assert first_sentence("") == ""
