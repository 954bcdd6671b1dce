"""Plain-text rendering of a :class:`~gaitlab.findings.model.FindingsReport` for the terminal."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

from gaitlab.findings.knowledge import Article, Cue, Exercise
from gaitlab.findings.model import Assessment, Finding, FindingsReport

#: Display form of metric units.
UNIT_LABELS: dict[str, str] = {
    "deg": "deg",
    "spm": "steps/min",
    "s": "s",
    "pct": "%",
    "pct_leg": "% leg length",
    "pct_trunk": "% trunk length",
    "cm": "cm",
}

_WIDTH = 100
_INDENT = " " * 10


def _value(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    digits = 2 if unit == "s" else 1
    return f"{value:.{digits}f} {UNIT_LABELS.get(unit, unit)}"


def _cite(keys: Sequence[str], articles: Mapping[str, Article]) -> str:
    names = [f'"{articles[k].short_name}"' for k in keys if k in articles]
    return f" [{'; '.join(names)}]" if names else ""


def _wrap(text: str, first: str) -> list[str]:
    return textwrap.wrap(text, width=_WIDTH, initial_indent=first, subsequent_indent=_INDENT + "  ")


def _fix_lines(
    cue: Cue | None, exercise: Exercise | None, articles: Mapping[str, Article]
) -> list[str]:
    lines: list[str] = []
    if cue is not None:
        lines += _wrap(f"cue: {cue.text}{_cite(cue.sources, articles)}", _INDENT)
    if exercise is not None:
        dose = f" ({exercise.dose.rstrip('.')})" if exercise.dose else ""
        lines += _wrap(
            f"exercise: {exercise.name}{dose}{_cite(exercise.sources, articles)}", _INDENT
        )
    return lines


def _headline(f: Finding) -> str:
    where = f" ({f.side_note})" if f.side_note else ""
    conf = "" if f.confidence == "high" else f"{f.confidence} confidence"
    if f.parts:
        return f"{f.title}{where}" + (f" ({conf})" if conf else "")
    conf = f", {conf}" if conf else ""
    return f"{f.title}{where}: {_value(f.value, f.unit)} (normal: {f.band.normal}{conf})"


def _finding_lines(i: int, f: Finding, articles: Mapping[str, Article]) -> list[str]:
    lines = _wrap(_headline(f), f"{i:>2}. {f.severity.upper():<5} ")
    if f.parts:
        parts = "; ".join(
            f"{p.title}{' (' + p.side_note + ')' if p.side_note else ''} {_value(p.value, p.unit)}"
            for p in f.parts
        )
        lines += _wrap(f"combines: {parts}", _INDENT)
    if f.key_frames:
        times = ", ".join(
            f"{k.time_s:.2f} s ({k.side + ' ' if k.side else ''}{k.instant})" for k in f.key_frames
        )
        lines += _wrap(f"see: {times}", _INDENT)
    lines += _fix_lines(
        f.cues[0] if f.cues else None, f.exercises[0] if f.exercises else None, articles
    )
    return lines


def _not_measured(assessments: Sequence[Assessment]) -> list[str]:
    """One line per reason: ``reason: title, title``."""
    by_reason: dict[str, list[str]] = {}
    for a in assessments:
        if a.status == "not_measurable":
            titles = by_reason.setdefault(a.reasons[0] if a.reasons else "not measurable", [])
            if a.title.lower() not in titles:
                titles.append(a.title.lower())
    return [f"{why}: {', '.join(titles)}" for why, titles in by_reason.items()]


def format_findings(report: FindingsReport) -> str:
    """The ranked findings with their top fix and article, for ``gaitlab analyze``.

    Parameters
    ----------
    report
        From :func:`gaitlab.findings.evaluate_findings`.

    Returns
    -------
    str
        Several lines, no trailing newline: the findings (severity, value vs normal band,
        key times, the first cue and exercise with their article), the checks that need a
        better clip (with what to change), what could not be measured, and the safety note.
    """
    arts = report.articles
    lines = _wrap(report.message, "findings  ")
    for i, f in enumerate(report.findings, 1):
        lines += _finding_lines(i, f, arts)
    if report.more_findings:
        more = ", ".join(f.title.lower() for f in report.more_findings)
        lines += _wrap(f"also: {more}", _INDENT)
    if report.checks:
        lines.append("check with a better clip")
        for f in report.checks:
            reason = f.confidence_reasons[0] if f.confidence_reasons else "low confidence"
            lines += _wrap(
                f"possible {f.title.lower()}: {_value(f.value, f.unit)}; {reason}", " - "
            )
            lines += [ln for tip in f.retake[:2] for ln in _wrap(f"to change: {tip}", _INDENT)]
    missing = _not_measured(report.assessments)
    if missing:
        lines.append("not measured")
        for m in missing:
            lines += _wrap(m, " - ")
    safety = [a for a in report.safety if a.id in ("see_a_professional", "not_a_diagnosis")]
    for a in safety or report.safety[:1]:
        lines += _wrap(f"{a.text}{_cite(a.sources, arts)}", "note: ")
    return "\n".join(lines)
