"""What the dashboard shows, read from a result document or a result folder.

Plain data in, plain data out: the page lays these out, it does not compute them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gaitlab.findings import load_knowledge_base
from gaitlab.report.content import band_sources, fmt_value, keyframe_caption, keyframe_order
from gaitlab.report.data import ReportData
from gaitlab.report.exports import stride_rows
from gaitlab.result import (
    NO_KINEMATICS,
    RESULT_FILE,
    Advice,
    Confidence,
    Findings,
    GuideItem,
    Reference,
    ResultDocument,
    Severity,
)


# ---------------------------------------------------------------------- clip quality
@dataclass(frozen=True)
class QualityItem:
    """One line of the clip-quality panel.

    Attributes
    ----------
    label
        What it is (``View``).
    value
        The value as shown (``side-left``).
    note
        A short explanation or a warning ("" when none).
    ok
        False when the value limits what can be trusted.
    """

    label: str
    value: str
    note: str = ""
    ok: bool = True


def clip_quality(result: ResultDocument) -> list[QualityItem]:
    """View, frame rate, strides, runner detection and overall confidence of a result."""
    clip, pose = result.clip, result.pose
    kin = result.kinematics or NO_KINEMATICS
    view = kin.view
    items = []
    source = "set by you" if view.source == "user" else "detected"
    items.append(
        QualityItem(
            "View",
            view.view,
            f"{source}"
            + (f", confidence {float(view.confidence):.0%}" if view.confidence is not None else ""),
            ok=view.view != "unclear",
        )
    )
    fps = float(clip.capture_fps or 0.0)
    slow = float(clip.slowmo_factor or 1.0)
    items.append(
        QualityItem(
            "Frame rate",
            f"{fps:.0f} fps",
            (f"slow motion x{slow:g}; " if slow > 1 else "")
            + ("enough for timing" if fps >= 59 else "timing metrics need 60 fps or more"),
            ok=fps >= 59,
        )
    )
    if clip.cut_note:
        # A jump in the timestamps (an edited clip): only the longest continuous part counts.
        items.append(QualityItem("Part analysed", "longest continuous part", clip.cut_note, False))
    per_side = {s: sum(1 for x in kin.strides if x.side == s) for s in ("left", "right")}
    items.append(
        QualityItem(
            "Strides",
            f"{per_side['left']} L / {per_side['right']} R",
            "at least 7 per side are best" if min(per_side.values()) < 7 else "",
            ok=min(per_side.values()) >= 4,
        )
    )
    rate = float(pose.detection_rate or 0.0)
    # Who was followed when several people were in frame, and when the runner was away.
    people_notes = pose.people.notes if pose.people is not None else ()
    items.append(
        QualityItem(
            "Runner found",
            f"{rate:.0%}",
            "; ".join(people_notes) or "share of frames with a pose",
            ok=rate >= 0.9 and not people_notes,
        )
    )
    levels = [m.confidence for m in kin.metrics.values()]
    measured = [c for c in levels if c is not Confidence.NOT_MEASURABLE]
    graded = (Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW)
    best = next((c.value for c in graded if c in measured), "none")
    counts = ", ".join(f"{measured.count(c)} {c}" for c in graded if c in measured)
    items.append(
        QualityItem(
            "Confidence",
            best if not measured else _overall(measured),
            f"{len(measured)} of {len(levels)} metrics measurable ({counts})"
            if measured
            else "no metric was measurable",
            ok=best in (Confidence.HIGH, Confidence.MEDIUM),
        )
    )
    return items


def _overall(levels: Sequence[Confidence]) -> str:
    """The confidence most metrics have (ties go to the lower level)."""
    order = (Confidence.LOW, Confidence.MEDIUM, Confidence.HIGH)
    return max(order, key=lambda c: (levels.count(c), -order.index(c))).value


def run_status(result: ResultDocument) -> tuple[str, str]:
    """``(level, message)``: ``success``, ``info`` or ``warning``, with the findings' summary.

    ``warning`` when the clip does not look like running (walking, standing), looks like
    running in slow motion (its timings wait for the factor) or nothing could be assessed;
    the message then says why.
    """
    status = result.findings.status if result.findings is not None else ""
    message = result.findings.message if result.findings is not None else ""
    running = result.kinematics.running if result.kinematics is not None else None
    if running is not None and not running.is_running:
        reason = running.reason or running.activity or "not running"
        return (
            "warning",
            f"This does not look like running ({reason}). gaitlab analyses running: "
            "film a steady run and try again.",
        )
    if running is not None and running.slow_motion:
        # Running, but a slow-motion clip's timings are wrong by the slow-motion factor.
        return (
            "warning",
            f"This looks like running in slow motion ({running.reason}). Set the "
            "slow-motion factor and analyse again for cadence, contact and flight times.",
        )
    if status == "not_running":
        return "warning", message or "Nothing could be assessed on this clip."
    if status == "findings":
        return "info", message
    return "success", message or "Nothing out of the usual range on this clip."


# ---------------------------------------------------------------------- findings
@dataclass(frozen=True)
class Cited:
    """A piece of advice with the titles of the articles it comes from."""

    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExerciseCard:
    """An exercise: name, how, what for, dose, and its articles."""

    name: str
    how: str
    purpose: str = ""
    dose: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class FindingCard:
    """One finding laid out for a runner.

    Attributes
    ----------
    rank
        1 = most important.
    title, severity, side
        What, how bad (a :class:`~gaitlab.result.Severity`), which leg (None = both/none).
    value_text
        The measured value with its unit and normal band.
    confidence
        A :class:`~gaitlab.result.Confidence` level, with ``confidence_note`` saying why.
    explanation
        Plain-language explanation.
    cues, exercises
        What to do, each citing its articles (by title) or, for advice from a study,
        ``research: <study>``.
    sources
        Titles of all the articles the finding draws on, then its studies as research.
    band_note
        The band with the source of each edge, or "project convention".
    """

    rank: int
    id: str
    title: str
    severity: Severity
    side: str | None
    value_text: str
    confidence: Confidence
    confidence_note: str
    explanation: str
    cues: tuple[Cited, ...]
    exercises: tuple[ExerciseCard, ...]
    sources: tuple[str, ...]
    band_note: str = ""


def article_titles(findings: Findings) -> dict[str, str]:
    """Article key -> ``short name (publisher)`` from a findings block's ``sources``."""
    return {key: a.label for key, a in findings.sources.items()}


def _titles(keys: Sequence[str], titles: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(titles.get(k, k) for k in keys)


def _research(keys: Sequence[str], references: Mapping[str, Reference]) -> tuple[str, ...]:
    """Studies cited by advice, labelled as research (never passed off as an article)."""
    out = []
    for k in keys:
        r = references.get(k)
        out.append(f"research: {(r.short_name if r is not None else '') or k}")
    return tuple(out)


def finding_cards(result: ResultDocument, *, include_checks: bool = False) -> list[FindingCard]:
    """The ranked findings (and optionally the low-confidence checks) as cards."""
    block = result.findings
    if block is None:
        return []
    titles = article_titles(block)
    references = block.references
    raw = [*block.reported, *(block.checks if include_checks else ())]
    cards = []
    for k, f in enumerate(raw):
        value = fmt_value(f.value, f.unit)
        cards.append(
            FindingCard(
                rank=k + 1,
                id=f.id,
                title=f.label,
                severity=f.severity,
                side=f.side,
                value_text=value + (f" (usual: {f.band.normal})" if f.band.normal else ""),
                confidence=f.confidence,
                confidence_note="; ".join(f.confidence_reasons),
                explanation=f.explanation,
                cues=tuple(
                    Cited(c.text, _titles(c.sources, titles) + _research(c.refs, references))
                    for c in f.cues
                ),
                exercises=tuple(
                    ExerciseCard(
                        e.name or e.key or "exercise",
                        e.how,
                        e.purpose,
                        e.dose,
                        _titles(e.sources, titles),
                    )
                    for e in f.exercises
                ),
                sources=_titles(f.sources, titles) + _research(f.refs, references),
                band_note=band_sources(f.band, f.unit, references),
            )
        )
    return cards


#: The advice lists a findings block carries, by name.
ADVICE_KINDS = ("pain_first", "safety", "general_advice", "filming_guide")


def advice_items(result: ResultDocument, kind: str) -> list[Cited]:
    """``pain_first``, ``safety``, ``general_advice`` or ``filming_guide`` items, cited.

    ``pain_first`` ("If it hurts now") is always there: a result saved before it existed
    gets the packaged knowledge base's items (they do not depend on the clip).
    """
    if kind not in ADVICE_KINDS:
        raise ValueError(f"advice kind must be one of {', '.join(ADVICE_KINDS)}; got {kind!r}")
    block = result.findings
    if kind == "pain_first" and (block is None or not block.pain_first):
        # A broken knowledge base is a bug to surface, not a reason to drop the pain advice.
        block = Findings.from_dict(
            {"status": "", "findings": [], **load_knowledge_base().pain_first_block()}
        )
    if block is None:
        return []
    titles = article_titles(block)
    items: tuple[Advice | GuideItem, ...] = getattr(block, kind)
    out = []
    for a in items:
        title = a.title if isinstance(a, Advice) else ""
        out.append(Cited(f"**{title}.** {a.text}" if title else a.text, _titles(a.sources, titles)))
    return out


# ---------------------------------------------------------------------- physio tables
def stride_table(data: ReportData) -> list[dict[str, str]]:
    """One row per stride: events, timing and every measurable metric (as in strides.csv)."""
    header, rows = stride_rows(data)
    seen: set[str] = set()
    keep = []
    for i, h in enumerate(header):
        if h not in seen:
            seen.add(h)
            keep.append(i)
    return [{header[i]: row[i] for i in keep} for row in rows]


def asymmetry_table(result: ResultDocument) -> list[dict[str, Any]]:
    """Per measurable metric: median, left and right medians, L-R, asymmetry and confidence."""
    rows = []
    for name, m in result.metrics.items():
        if not m.measurable:
            continue
        rows.append(
            {
                "metric": name,
                "median": fmt_value(m.median, m.unit),
                "left": fmt_value(m.left_median, m.unit),
                "right": fmt_value(m.right_median, m.unit),
                "left - right": fmt_value(m.left_minus_right, m.unit),
                "asymmetry %": fmt_value(m.asymmetry_pct, "", 1),
                "strides": m.n,
                "confidence": m.confidence.value,
                "note": "; ".join(m.reasons),
            }
        )
    return rows


# ---------------------------------------------------------------------- pictures, files
def keyframe_gallery(
    result_dir: str | Path, result: ResultDocument | None = None
) -> list[tuple[str, Path]]:
    """``(caption, png)`` of the key frames in a result folder, in reading order.

    Foot strike, mid-stance and toe-off of the left then the right leg, then each finding
    at its worst stride (captioned with the finding's title when ``result`` is given).
    """
    d = Path(result_dir)
    out: list[tuple[tuple, str, Path]] = []
    for p in d.glob("keyframe_*.png"):
        out.append(((0, *keyframe_order(p.stem)), keyframe_caption(p.stem), p))
    findings = result.reported_findings if result is not None else ()
    for p in d.glob("finding_*.png"):
        m = re.match(r"finding_(\d+)_", p.name)
        k = int(m.group(1)) if m else 99
        f = findings[k - 1] if 0 < k <= len(findings) else None
        side = f" ({f.side})" if f is not None and f.side else ""
        title = f"{f.title or p.stem}{side}: worst stride" if f is not None else p.stem
        out.append(((1, k, 0), title, p))
    return [(caption, path) for _, caption, path in sorted(out, key=lambda x: x[0])]


@dataclass(frozen=True)
class Download:
    """A file offered for download."""

    label: str
    path: Path
    mime: str


#: Output file -> (button label, MIME type), in the order offered.
DOWNLOADS: tuple[tuple[str, str, str], ...] = (
    ("report.html", "Report (HTML)", "text/html"),
    ("report.pdf", "Report (PDF)", "application/pdf"),
    (RESULT_FILE, "Result (JSON)", "application/json"),
    ("strides.csv", "Per-stride table (CSV)", "text/csv"),
    ("frames.csv", "Per-frame landmarks and angles (CSV)", "text/csv"),
    ("annotated.mp4", "Annotated video (MP4)", "video/mp4"),
    ("landmarks.trc", "OpenSim markers (TRC)", "text/plain"),
    ("angles.mot", "OpenSim angles (MOT)", "text/plain"),
    ("session_notes.json", "Physio notes (JSON)", "application/json"),
)


def downloads(result_dir: str | Path) -> list[Download]:
    """The downloadable files present in a result folder, in a fixed order."""
    d = Path(result_dir)
    return [
        Download(label, d / name, mime) for name, label, mime in DOWNLOADS if (d / name).is_file()
    ]
