"""What the dashboard shows, read from a result (``result.json``'s dict) or a result folder.

Plain data in, plain data out: the page lays these out, it does not compute them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gaitlab.findings import KnowledgeBaseError, load_knowledge_base
from gaitlab.report.content import band_sources, fmt_value, keyframe_caption, keyframe_order
from gaitlab.report.data import ReportData
from gaitlab.report.exports import stride_rows

SEVERITY_ORDER = ("high", "moderate", "watch", "low", "info")


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


def clip_quality(result: Mapping[str, Any]) -> list[QualityItem]:
    """View, frame rate, strides, runner detection and overall confidence of a result."""
    clip = result.get("clip") or {}
    pose = result.get("pose") or {}
    kin = result.get("kinematics") or {}
    view = kin.get("view") or {}
    items = []
    v = str(view.get("view") or "unclear")
    conf = view.get("confidence")
    source = "set by you" if view.get("source") == "user" else "detected"
    items.append(
        QualityItem(
            "View",
            v,
            f"{source}" + (f", confidence {float(conf):.0%}" if conf is not None else ""),
            ok=v != "unclear",
        )
    )
    fps = float(clip.get("capture_fps") or 0.0)
    slow = float(clip.get("slowmo_factor") or 1.0)
    items.append(
        QualityItem(
            "Frame rate",
            f"{fps:.0f} fps",
            (f"slow motion x{slow:g}; " if slow > 1 else "")
            + ("enough for timing" if fps >= 59 else "timing metrics need 60 fps or more"),
            ok=fps >= 59,
        )
    )
    if clip.get("cut_note"):
        # A jump in the timestamps (an edited clip): only the longest continuous part counts.
        items.append(
            QualityItem("Part analysed", "longest continuous part", clip["cut_note"], False)
        )
    strides = kin.get("strides") or []
    per_side = {s: sum(1 for x in strides if x.get("side") == s) for s in ("left", "right")}
    items.append(
        QualityItem(
            "Strides",
            f"{per_side['left']} L / {per_side['right']} R",
            "at least 7 per side are best" if min(per_side.values()) < 7 else "",
            ok=min(per_side.values()) >= 4,
        )
    )
    rate = float(pose.get("detection_rate") or 0.0)
    # Who was followed when several people were in frame, and when the runner was away.
    people_notes = (pose.get("people") or {}).get("notes") or []
    items.append(
        QualityItem(
            "Runner found",
            f"{rate:.0%}",
            "; ".join(people_notes) or "share of frames with a pose",
            ok=rate >= 0.9 and not people_notes,
        )
    )
    metrics = kin.get("metrics") or {}
    levels = [str(m.get("confidence")) for m in metrics.values()]
    measured = [c for c in levels if c != "not_measurable"]
    best = next((c for c in ("high", "medium", "low") if c in measured), "none")
    counts = ", ".join(
        f"{measured.count(c)} {c}" for c in ("high", "medium", "low") if c in measured
    )
    items.append(
        QualityItem(
            "Confidence",
            best if not measured else _overall(measured),
            f"{len(measured)} of {len(levels)} metrics measurable ({counts})"
            if measured
            else "no metric was measurable",
            ok=best in ("high", "medium"),
        )
    )
    return items


def _overall(levels: Sequence[str]) -> str:
    """The confidence most metrics have (ties go to the lower level)."""
    order = ("low", "medium", "high")
    return max(order, key=lambda c: (levels.count(c), -order.index(c)))


def run_status(result: Mapping[str, Any]) -> tuple[str, str]:
    """``(level, message)``: ``success``, ``info`` or ``warning``, with the findings' summary.

    ``warning`` when the clip does not look like running (walking, standing) or nothing
    could be assessed; the message then says why.
    """
    findings = result.get("findings") or {}
    running = (result.get("kinematics") or {}).get("running") or {}
    status = str(findings.get("status") or "")
    message = str(findings.get("message") or "")
    if running and not running.get("is_running", True):
        reason = running.get("reason") or running.get("activity") or "not running"
        return (
            "warning",
            f"This does not look like running ({reason}). gaitlab analyses running: "
            "film a steady run and try again.",
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
        What, how bad (``high``, ``moderate``, ``watch``), which leg (None = both/none).
    value_text
        The measured value with its unit and normal band.
    confidence
        ``high``, ``medium`` or ``low``, with ``confidence_note`` saying why.
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
    severity: str
    side: str | None
    value_text: str
    confidence: str
    confidence_note: str
    explanation: str
    cues: tuple[Cited, ...]
    exercises: tuple[ExerciseCard, ...]
    sources: tuple[str, ...]
    band_note: str = ""


def article_titles(findings: Mapping[str, Any]) -> dict[str, str]:
    """Article key -> ``short name (publisher)`` from a findings block's ``sources``."""
    out = {}
    for key, a in (findings.get("sources") or {}).items():
        if isinstance(a, Mapping):
            name = a.get("short_name") or a.get("title") or key
            pub = a.get("publisher")
            out[str(key)] = f"{name} ({pub})" if pub else str(name)
        else:
            out[str(key)] = str(a)
    return out


def _titles(keys: Any, titles: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(titles.get(str(k), str(k)) for k in keys or [])


def _research(keys: Any, references: Mapping[str, Any]) -> tuple[str, ...]:
    """Studies cited by advice, labelled as research (never passed off as an article)."""
    out = []
    for k in keys or []:
        r = references.get(str(k))
        name = r.get("short_name") if isinstance(r, Mapping) else None
        out.append(f"research: {name or k}")
    return tuple(out)


def finding_cards(result: Mapping[str, Any], *, include_checks: bool = False) -> list[FindingCard]:
    """The ranked findings (and optionally the low-confidence checks) as cards."""
    block = result.get("findings") or {}
    titles = article_titles(block)
    references = block.get("references") or {}
    raw = list(block.get("findings") or []) + list(block.get("more_findings") or [])
    if include_checks:
        raw += list(block.get("checks") or [])
    cards = []
    for k, f in enumerate(raw):
        band = f.get("band") or {}
        normal = band.get("normal") if isinstance(band, Mapping) else None
        value = fmt_value(f.get("value"), str(f.get("unit") or ""))
        cards.append(
            FindingCard(
                rank=k + 1,
                id=str(f.get("id") or ""),
                title=str(f.get("title") or f.get("id") or "finding"),
                severity=str(f.get("severity") or ""),
                side=f.get("side") if f.get("side") in ("left", "right") else None,
                value_text=value + (f" (usual: {normal})" if normal else ""),
                confidence=str(f.get("confidence") or ""),
                confidence_note="; ".join(f.get("confidence_reasons") or []),
                explanation=str(f.get("explanation") or ""),
                cues=tuple(
                    Cited(
                        str(c.get("text", "")),
                        _titles(c.get("sources"), titles) + _research(c.get("refs"), references),
                    )
                    if isinstance(c, Mapping)
                    else Cited(str(c))
                    for c in f.get("cues") or []
                ),
                exercises=tuple(
                    ExerciseCard(
                        str(e.get("name") or e.get("key") or "exercise"),
                        str(e.get("how") or ""),
                        str(e.get("purpose") or ""),
                        str(e.get("dose") or ""),
                        _titles(e.get("sources"), titles),
                    )
                    if isinstance(e, Mapping)
                    else ExerciseCard(str(e), "")
                    for e in f.get("exercises") or []
                ),
                sources=_titles(f.get("sources"), titles) + _research(f.get("refs"), references),
                band_note=band_sources(
                    band if isinstance(band, Mapping) else {},
                    str(f.get("unit") or ""),
                    references,
                ),
            )
        )
    return cards


def advice_items(result: Mapping[str, Any], kind: str) -> list[Cited]:
    """``pain_first``, ``safety``, ``general_advice`` or ``filming_guide`` items, cited.

    ``pain_first`` ("If it hurts now") is always there: a result saved before it existed
    gets the packaged knowledge base's items (they do not depend on the clip).
    """
    block = result.get("findings") or {}
    if kind == "pain_first" and not block.get("pain_first"):
        try:
            block = load_knowledge_base().pain_first_block()
        except KnowledgeBaseError:
            return []
    titles = article_titles(block)
    out = []
    for a in block.get(kind) or []:
        if isinstance(a, Mapping):
            text = str(a.get("text") or "")
            title = str(a.get("title") or "")
            out.append(
                Cited(f"**{title}.** {text}" if title else text, _titles(a.get("sources"), titles))
            )
        else:
            out.append(Cited(str(a)))
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


def asymmetry_table(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per measurable metric: median, left and right medians, L-R, asymmetry and confidence."""
    rows = []
    for name, m in ((result.get("kinematics") or {}).get("metrics") or {}).items():
        if m.get("confidence") == "not_measurable":
            continue
        unit = str(m.get("unit") or "")
        rows.append(
            {
                "metric": name,
                "median": fmt_value(m.get("median"), unit),
                "left": fmt_value(m.get("left_median"), unit),
                "right": fmt_value(m.get("right_median"), unit),
                "left - right": fmt_value(m.get("left_minus_right"), unit),
                "asymmetry %": fmt_value(m.get("asymmetry_pct"), "", 1),
                "strides": m.get("n"),
                "confidence": m.get("confidence"),
                "note": "; ".join(m.get("reasons") or []),
            }
        )
    return rows


# ---------------------------------------------------------------------- pictures, files
def keyframe_gallery(
    result_dir: str | Path, result: Mapping[str, Any] | None = None
) -> list[tuple[str, Path]]:
    """``(caption, png)`` of the key frames in a result folder, in reading order.

    Foot strike, mid-stance and toe-off of the left then the right leg, then each finding
    at its worst stride (captioned with the finding's title when ``result`` is given).
    """
    d = Path(result_dir)
    out: list[tuple[tuple, str, Path]] = []
    for p in d.glob("keyframe_*.png"):
        out.append(((0, *keyframe_order(p.stem)), keyframe_caption(p.stem), p))
    findings = list(((result or {}).get("findings") or {}).get("findings") or [])
    findings += list(((result or {}).get("findings") or {}).get("more_findings") or [])
    for p in d.glob("finding_*.png"):
        m = re.match(r"finding_(\d+)_", p.name)
        k = int(m.group(1)) if m else 99
        f = findings[k - 1] if 0 < k <= len(findings) else {}
        side = f" ({f['side']})" if f.get("side") else ""
        title = f"{f.get('title', p.stem)}{side}: worst stride" if f else p.stem
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
    ("result.json", "Result (JSON)", "application/json"),
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
