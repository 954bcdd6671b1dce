"""The terminal rendering of a findings report."""

from __future__ import annotations

from gaitlab.findings import (
    FindingsContext,
    evaluate_findings,
    format_findings,
    load_knowledge_base,
)
from tests.findings.factories import context, metric, not_measurable

KB = load_knowledge_base()


def flat(text: str) -> str:
    """The text with line wrapping undone."""
    return " ".join(text.split())


def test_findings_with_top_fix_and_article() -> None:
    report = evaluate_findings(
        {
            "pelvic_drop_deg": metric("pelvic_drop_deg", left=9.2, right=2.0),
            "lateral_trunk_lean_deg": metric("lateral_trunk_lean_deg", left=1.0, right=1.5),
        },
        context(view="rear"),
        KB,
    )
    lines = format_findings(report).splitlines()
    text = flat("\n".join(lines))
    head = lines.index(next(ln for ln in lines if ln.startswith("findings  ")))
    assert lines[head].startswith("findings  1 finding")
    assert lines[head + 1].startswith(
        " 1. HIGH  Pelvic drop (standing on the left leg, the right hip drops)"
    )
    assert "the right hip drops): 9.2 deg" in text
    assert "(normal: under 5 deg)" in text
    assert "see: 3.32 s (left foot strike to toe-off)" in text  # the drop window: the whole stance
    assert "cue: Have a running coach or physiotherapist watch" in text
    assert "exercise: Clamshell (2-3 times a week" in text
    assert '"Running without pain: exercises for post-run hip relief"' in text
    assert "cannot diagnose" in text
    assert all(len(line) <= 100 for line in lines)


def test_if_it_hurts_now_comes_first_and_every_safety_item_is_printed() -> None:
    report = evaluate_findings(
        {"pelvic_drop_deg": metric("pelvic_drop_deg", left=9.2, right=2.0)},
        context(view="rear"),
        KB,
    )
    lines = format_findings(report).splitlines()
    assert lines[0] == "if it hurts now"
    text = flat("\n".join(lines))
    first_finding = text.index("1. HIGH")
    for a in KB.pain_first:  # each line with its article, all above the findings
        at = text.index(f"{a.title}: {a.text}")
        assert at < first_finding
        cite = "; ".join(f'"{KB.articles[k].short_name}"' for k in a.sources)
        assert text[at:].split("]")[0].endswith(cite), a.id
    assert "Slow down or stop" in text and "ice pack" in text and "running coach" in text
    for a in KB.safety:  # all of them, after the findings
        assert text.index(f"{a.title}: {a.text}") > first_finding, a.id
    assert all(len(line) <= 100 for line in lines)


def test_research_advice_is_labelled_as_research() -> None:
    report = evaluate_findings({"cadence_spm": metric("cadence_spm", median=130.0)}, context(), KB)
    text = flat(format_findings(report))
    assert "metronome app. [research: Heiderscheit 2011]" in text


def test_checks_and_not_measured() -> None:
    report = evaluate_findings(
        {
            "cadence_spm": metric(
                "cadence_spm",
                median=131.0,
                confidence="low",
                reasons=("timing at 30 fps: one frame is 33 ms",),
            ),
            "pelvic_drop_deg": not_measurable("pelvic_drop_deg", "needs a rear or front view"),
        },
        context(fps=30.0),
        KB,
    )
    text = flat(format_findings(report))
    assert "findings no deviation beyond the normal bands" in text
    assert "check with a better clip" in text
    assert "possible low cadence: 131.0 steps/min; timing at 30 fps" in text
    assert "to change: Film at 60 frames per second or more" in text
    assert "not measured" in text and "needs a rear or front view: pelvic drop" in text


def test_pattern_lists_its_parts() -> None:
    report = evaluate_findings(
        {
            "hip_extension_deg": metric("hip_extension_deg", left=-4.0, right=8.0),
            "lumbar_hollow_depth_pct_trunk": metric(
                "lumbar_hollow_depth_pct_trunk", median=10.0, confidence="medium"
            ),
        },
        context(),
        KB,
    )
    text = flat(format_findings(report))
    assert "Arching the back instead of extending the hip (left leg) (medium confidence)" in text
    assert "combines: Limited hip extension (left leg) -4.0 deg" in text
    assert "Possible increased back arch 10.0 % trunk length" in text


def test_not_running() -> None:
    ctx = FindingsContext(
        view="side-left",
        capture_fps=60.0,
        is_running=False,
        activity="walking",
        running_reason="this looks like walking",
    )
    text = format_findings(evaluate_findings({}, ctx, KB))
    assert text.startswith("if it hurts now")  # shown whatever the clip
    assert "findings  nothing assessed: this looks like walking" in text
