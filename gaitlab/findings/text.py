"""Plain-text rendering of a :class:`~gaitlab.findings.model.FindingsReport` for the terminal."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

from gaitlab.findings.knowledge import Advice, Article, Cue, Exercise, Reference
from gaitlab.findings.model import Assessment, Finding, FindingsReport
from gaitlab.result import unit_label

_WIDTH = 100
_INDENT = " " * 10


def _value(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    digits = 2 if unit == "s" else 1
    return f"{value:.{digits}f} {unit_label(unit)}"


def _cite(
    keys: Sequence[str],
    articles: Mapping[str, Article],
    refs: Sequence[str] = (),
    references: Mapping[str, Reference] | None = None,
) -> str:
    """`` ["Article"; research: Study 2011]``: articles quoted, studies labelled research."""
    names = [f'"{articles[k].short_name}"' for k in keys if k in articles]
    names += [f"research: {references[k].short_name}" for k in refs if k in (references or {})]
    return f" [{'; '.join(names)}]" if names else ""


def _advice_lines(
    items: Sequence[Advice], articles: Mapping[str, Article], first: str
) -> list[str]:
    """One compact wrapped line per item: ``title: text [articles]``."""
    lines = []
    for a in items:
        lines += textwrap.wrap(
            f"{a.title}: {a.text}{_cite(a.sources, articles)}",
            width=_WIDTH,
            initial_indent=first,
            subsequent_indent=" " * len(first) + "  ",
        )
    return lines


def format_pain_first(report: FindingsReport) -> str:
    """The "If it hurts now" block (shown above the findings), each line with its article.

    Parameters
    ----------
    report
        Any findings report (the block does not depend on the clip).

    Returns
    -------
    str
        A heading line and one wrapped item per line, no trailing newline.
    """
    lines = ["if it hurts now"]
    lines += _advice_lines(report.pain_first, report.articles, " - ")
    return "\n".join(lines)


def format_safety(report: FindingsReport) -> str:
    """Every safety item, compactly (one wrapped line each, with its article)."""
    lines = ["safety"]
    lines += _advice_lines(report.safety, report.articles, " - ")
    return "\n".join(lines)


def _wrap(text: str, first: str) -> list[str]:
    return textwrap.wrap(text, width=_WIDTH, initial_indent=first, subsequent_indent=_INDENT + "  ")


def _fix_lines(
    cue: Cue | None,
    exercise: Exercise | None,
    articles: Mapping[str, Article],
    references: Mapping[str, Reference],
) -> list[str]:
    lines: list[str] = []
    if cue is not None:
        cite = _cite(cue.sources, articles, cue.refs, references)
        lines += _wrap(f"cue: {cue.text}{cite}", _INDENT)
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


def _finding_lines(
    i: int, f: Finding, articles: Mapping[str, Article], references: Mapping[str, Reference]
) -> list[str]:
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
        f.cues[0] if f.cues else None,
        f.exercises[0] if f.exercises else None,
        articles,
        references,
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
        Several lines, no trailing newline: first what to do if it hurts now
        (:func:`format_pain_first`), then the findings (severity, value vs normal band, key
        times, the first cue and exercise with their article or study), the checks that
        need a better clip (with what to change), what could not be measured, and every
        safety item (:func:`format_safety`).
    """
    arts = report.articles
    lines = format_pain_first(report).splitlines()
    lines += _wrap(report.message, "findings  ")
    for i, f in enumerate(report.findings, 1):
        lines += _finding_lines(i, f, arts, report.references)
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
    lines += format_safety(report).splitlines()
    return "\n".join(lines)
