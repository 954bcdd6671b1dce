"""The report's content as plain, formatted data, shared by the HTML and the PDF report.

:func:`build_content` turns :class:`~gaitlab.report.data.ReportData` into a mapping of
strings and small lists (what to do if it hurts, findings with their fixes, citations and
the sources of their bands, the metric table, clip quality and method, the safety notice),
so both renderers say exactly the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gaitlab import __version__
from gaitlab.report.data import ReportData
from gaitlab.result import NO_KINEMATICS, Band, Reference, Severity, unit_suffix


def fmt_value(v: Any, unit: str = "", digits: int | None = None) -> str:
    """A value with its unit, ``–`` when missing."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if digits is None:
        digits = 2 if unit == "s" else 1
    text = f"{float(v):.{digits}f}"
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]  # no "-0.0"
    return f"{text}{unit_suffix(unit)}"


def _edge_sources(refs: Sequence[str], references: Mapping[str, Reference]) -> str:
    """Who stands behind a band edge; one no study sets says it is a project convention."""
    names, literature = [], False
    for k in refs:
        r = references.get(k)
        literature |= r is not None and r.kind == "literature"
        names.append("project convention" if k == "convention" else (r and r.short_name) or k)
    if not literature and "project convention" not in names:
        names.insert(0, "project convention")
    return "; ".join(dict.fromkeys(names))


def band_sources(band: Band, unit: str, references: Mapping[str, Reference]) -> str:
    """A finding's band in one line, each edge with its source or "project convention".

    Parameters
    ----------
    band
        The finding's band (``normal``, ``direction``, the ``watch`` and ``high`` edges).
    unit
        The banded value's unit.
    references
        The result's ``findings.references``.

    Returns
    -------
    str
        E.g. ``normal: under 5 deg; watch beyond 5.0° (project convention), high beyond
        8.0° (Dingenen 2018; project convention)``; "" without a band.
    """
    if band == Band():
        return ""
    word = "below" if band.direction == "below" else "beyond"
    parts = []
    for level in Severity:
        edge = band.watch if level is Severity.WATCH else band.high
        if edge is None or edge.edge is None:
            continue
        parts.append(
            f"{level} {word} {fmt_value(edge.edge, unit)} ({_edge_sources(edge.refs, references)})"
        )
    normal = f"normal: {band.normal}; " if band.normal else ""
    return normal + ", ".join(parts)


_PHASE_LABELS = {"foot_strike": "foot strike", "midstance": "mid-stance", "toe_off": "toe-off"}
_PHASES = tuple(_PHASE_LABELS)


def keyframe_order(name: str) -> tuple[int, int, str]:
    """Sort key of a key-frame image name: left before right, then strike, mid-stance, toe-off.

    Parameters
    ----------
    name
        File stem such as ``keyframe_left_toe_off``.
    """
    rest = name.removeprefix("keyframe_")
    side, _, phase = rest.partition("_")
    return (0 if side == "left" else 1, _PHASES.index(phase) if phase in _PHASES else 9, rest)


def keyframe_caption(name: str) -> str:
    """Caption of a key-frame image name, e.g. ``Left toe-off``.

    Parameters
    ----------
    name
        File stem such as ``keyframe_left_toe_off``.
    """
    side, _, phase = name.removeprefix("keyframe_").partition("_")
    return f"{side.capitalize()} {_PHASE_LABELS.get(phase, phase.replace('_', ' '))}"


def _metric_rows(data: ReportData) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    measurable, not_measurable = [], []
    for name, m in data.metrics.items():
        row = {
            "name": name,
            "definition": m.definition,
            "instant": m.instant,
            "median": fmt_value(m.median, m.unit),
            "iqr": fmt_value(m.iqr, m.unit),
            "left": fmt_value(m.left_median, m.unit),
            "right": fmt_value(m.right_median, m.unit),
            "lmr": fmt_value(m.left_minus_right, m.unit),
            "n": str(m.n),
            "confidence": m.confidence.replace("_", " "),
            "confidence_class": m.confidence.value,
            "reasons": "; ".join(m.reasons),
        }
        (measurable if m.measurable else not_measurable).append(row)
    return measurable, not_measurable


def build_content(
    data: ReportData,
    images: dict[str, Path] | None = None,
    video: Path | None = None,
) -> dict[str, Any]:
    """Everything the reports print, formatted.

    Parameters
    ----------
    data
        The clip's report data.
    images
        Key-frame and plot PNGs by name (``keyframe_*``, ``finding_*``, ``plot_*``).
    video
        The annotated video, if written.
    """
    images = images or {}
    r = data.result
    clip, pose, model = r.clip, r.pose, r.pose.model
    kin = data.kinematics or NO_KINEMATICS
    fb = data.findings
    view, running, cadence, cleaning = kin.view, kin.running, kin.cadence, kin.cleaning
    ev = kin.event_detection

    findings = []
    finding_images = {k: v for k, v in images.items() if k.startswith("finding_")}
    for k, f in enumerate(fb.findings):
        img = next(
            (p for name, p in finding_images.items() if name.startswith(f"finding_{k + 1:02d}_")),
            None,
        )
        findings.append(
            {
                "rank": k + 1,
                "title": f.title,
                "severity": f.severity or "–",
                "side": f.side or "both / n.a.",
                "metric": f.metric,
                "value": fmt_value(f.value, f.unit),
                "confidence": f.confidence or "–",
                "explanation": f.explanation,
                "cues": list(f.cues),
                "exercises": [
                    {"name": e.name, "how": e.how, "cite": fb.cite(e.sources)} for e in f.exercises
                ],
                "cite": fb.cite(f.sources),
                "image": img,
                "band": band_sources(f.band, f.unit, fb.references),
            }
        )
    measurable, not_measurable = _metric_rows(data)
    keyframes = [
        {"name": n, "path": images[n], "caption": keyframe_caption(n)}
        for n in sorted((n for n in images if n.startswith("keyframe_")), key=keyframe_order)
    ]
    plots = [{"name": n, "path": p} for n, p in images.items() if n.startswith("plot_")]
    used_keys = {s for f in fb.findings for s in f.sources}
    used_keys |= {s for f in fb.findings for e in f.exercises for s in e.sources}
    used_keys |= {s for _, keys in (*fb.pain_first, *fb.general_advice, *fb.safety) for s in keys}
    sources = [
        {"key": c.key, "title": c.title, "url": c.url}
        for key, c in sorted(fb.citations.items())
        if key in used_keys or not used_keys
    ]
    quality = [
        ("View", f"{view.view} ({view.source or 'auto'}, confidence "
                 f"{fmt_value(view.confidence, '', 2)}): {view.reason}"),
        ("Activity", running.reason),
        ("Frames with a pose", f"{pose.frames_with_pose}/{pose.n_frames} "
                               f"({fmt_value(100 * (pose.detection_rate or 0), '', 1)} %)"),
        ("Leg-label swaps repaired", fmt_value(100 * cleaning.swap_share, "pct")
         if cleaning.swap_share is not None else "–"),
        ("Cadence check", f"periodicity {fmt_value(cadence.cadence_spm, 'spm')}, events "
                          f"{fmt_value(cadence.events_cadence_spm, 'spm')}"),
        ("Far leg", "events inferred from the near leg" if ev.far_leg_inferred else "seen"),
    ]  # fmt: skip
    notes = [clip.cut_note, *ev.notes, *kin.notes]
    quality += [("Note", n) for n in notes if n]
    method = [
        ("Clip", f"{Path(clip.path).name}: "
                 f"{clip.width_px}x{clip.height_px} upright "
                 f"(rotated {clip.rotation_deg}°), {clip.codec or '?'}/"
                 f"{clip.container or '?'}, {clip.n_frames} frames, "
                 f"{fmt_value(clip.duration_s, 's')}"),
        ("Frame rate", f"{fmt_value(clip.capture_fps, '', 2)} fps measured from timestamps "
                       f"(nominal {fmt_value(clip.nominal_fps, '', 2)}"
                       f"{', variable' if clip.vfr else ''}; slow-motion x"
                       f"{clip.slowmo_factor:g})"),
        ("Pose model", f"{model.name or '?'} ({model.backend} "
                       f"{model.backend_version}), "
                       f"sha256 {model.sha256[:16]}…"),
        ("Cleaning", "; ".join(cleaning.steps) or "–"),
        ("gaitlab", f"{r.gaitlab_version or '?'} (result schema {r.schema_version}, "
                    f"report by {__version__}), analysed {r.created_utc}"),
        ("Clip sha256", clip.sha256),
    ]  # fmt: skip
    quality += [("Report note", n) for n in data.notes]
    return {
        "title": f"Running gait report: {Path(clip.path).name}",
        "clip_name": Path(clip.path).name,
        "created": r.created_utc,
        "view": view.view,
        "summary": [
            ("View", view.view),
            ("Activity", running.activity or "unknown"),
            ("Cadence", fmt_value(cadence.cadence_spm, "spm", 0)),
            ("Strides", str(len(data.strides))),
            ("Duration", fmt_value(clip.duration_s, "s")),
            ("Frame rate", fmt_value(clip.capture_fps, "", 1) + " fps"),
        ],
        "findings_available": fb.available,
        "findings": findings,
        "is_running": running.is_running,
        "running_reason": running.reason,
        "metrics": measurable,
        "not_measurable": not_measurable,
        "keyframes": keyframes,
        "plots": plots,
        "pain_first": [{"text": t, "cite": fb.cite(keys)} for t, keys in fb.pain_first],
        "general_advice": [{"text": t, "cite": fb.cite(keys)} for t, keys in fb.general_advice],
        "safety": [{"text": t, "cite": fb.cite(keys)} for t, keys in fb.safety],
        "findings_message": fb.message,
        "quality": quality,
        "method": method,
        "sign_conventions": sorted(kin.sign_conventions.items()),
        "sources": sources,
        "video": video.name if video is not None else None,
    }
