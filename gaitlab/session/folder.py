"""A session folder on disk: ``session.json`` next to each clip's result folder, and a report.

Layout (``gaitlab analyze side.mp4 rear.mp4 --out DIR``)::

    DIR/session.json          the session document (gaitlab.session.document)
    DIR/session_report.html   one report: merged findings, metrics by view, both clips
    DIR/<clip name>/          each clip's own result folder, as `gaitlab analyze` writes it

The report links each clip's annotated video and key frames from its own folder (relative
links), so the session folder is moved or zipped as a whole.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gaitlab import __version__
from gaitlab.errors import GaitlabError
from gaitlab.files import write_text_atomic
from gaitlab.report.outputs import read_outputs_manifest
from gaitlab.result import (
    RESULT_FILE,
    Advice,
    Findings,
    ResultDocument,
    read_result,
    unit_suffix,
)
from gaitlab.session.document import (
    SESSION_FILE,
    SESSION_REPORT_FILE,
    SESSION_SCHEMA,
    SESSION_SCHEMA_VERSION,
    SessionDocument,
)

#: Output names (``outputs.json``) of a clip's files the session report shows.
VIDEO_OUTPUT = "video"
KEYFRAME_PREFIX = "keyframe_"
FINDING_IMAGE_PREFIX = "finding_"


class SessionFolderError(GaitlabError):
    """A session folder cannot be read back: no session.json, a bad one, or a newer one (4)."""

    exit_code = 4


def session_json(session: SessionDocument) -> str:
    """``session.json``'s text: indented JSON with a final newline."""
    return json.dumps(session.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_session(session: SessionDocument, session_dir: str | Path) -> Path:
    """Write ``session.json`` into ``session_dir`` (atomically); return its path."""
    out = Path(session_dir)
    out.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(out / SESSION_FILE, session_json(session))


def read_session(path: str | Path) -> SessionDocument:
    """The session document of a folder (or of a ``session.json`` path).

    Raises
    ------
    SessionFolderError
        No file, not JSON, not a gaitlab session, or a layout this gaitlab does not read.
    """
    path = Path(path)
    if path.is_dir():
        path = path / SESSION_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SessionFolderError(f"{path}: no such file (not a session folder)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SessionFolderError(f"{path}: not a readable session ({exc})") from None
    if not isinstance(data, Mapping) or data.get("schema") != SESSION_SCHEMA:
        raise SessionFolderError(f"{path}: not a gaitlab session")
    if data.get("schema_version") != SESSION_SCHEMA_VERSION:
        raise SessionFolderError(
            f"{path}: session schema {data.get('schema_version')!r}; gaitlab {__version__} "
            f"reads schema {SESSION_SCHEMA_VERSION}"
        )
    try:
        return SessionDocument.from_dict(data)
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise SessionFolderError(f"{path}: not a readable session ({exc})") from None


def clip_outputs(session_dir: Path, folder: str) -> dict[str, str]:
    """Output name -> file path relative to ``session_dir`` of one clip's result folder."""
    if not folder:
        return {}
    return {k: f"{folder}/{v}" for k, v in read_outputs_manifest(session_dir / folder).items()}


def load_clip_results(session: SessionDocument, session_dir: Path) -> dict[int, ResultDocument]:
    """The analysed clips' result documents, by clip index."""
    return {
        i: read_result(session_dir / c.folder / RESULT_FILE)
        for i, c in enumerate(session.clips)
        if c.analysed and c.folder
    }


def write_session_report(session: SessionDocument, session_dir: str | Path) -> Path:
    """Write ``session_report.html`` for the session in ``session_dir``; return its path."""
    out = Path(session_dir)
    results = load_clip_results(session, out)
    files = {i: clip_outputs(out, c.folder) for i, c in enumerate(session.clips)}
    advice = next((r.findings for r in results.values() if r.findings is not None), None)
    return write_text_atomic(out / SESSION_REPORT_FILE, render_session_html(session, files, advice))


# ------------------------------------------------------------------------------ the report
def _e(value: Any) -> str:
    return html.escape(str(value))


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{1000 * value:.0f} ms"
    digits = 0 if unit == "spm" else 1
    return f"{value:.{digits}f}{unit_suffix(unit)}"


def _advice_list(title: str, items: Sequence[Advice], block: Findings) -> str:
    if not items:
        return ""
    rows = "".join(
        f"<li><b>{_e(a.title)}</b> {_e(a.text)} "
        f"<span class='src'>[{_e('; '.join(block.article_label(s) for s in a.sources))}]</span>"
        "</li>"
        for a in items
    )
    return f"<h2>{_e(title)}</h2><ul>{rows}</ul>"


def render_session_html(
    session: SessionDocument,
    files: Mapping[int, Mapping[str, str]],
    advice: Findings | None,
) -> str:
    """The session report as one HTML page (no I/O).

    Parameters
    ----------
    session
        The session document.
    files
        Per clip index: output name -> path relative to the report (``outputs.json``).
    advice
        A findings block whose advice (pain first, safety) and article names the report uses.
    """
    labels = [c.label for c in session.clips]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>gaitlab session: {_e(' + '.join(labels))}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px}"
        ".warn{background:#fff3cd;padding:.5em}.src{color:#555;font-size:90%}"
        "img,video{max-width:100%}.clips{display:flex;gap:1em}.clips>div{flex:1}</style>",
        "</head><body>",
        f"<h1>Running session: {_e(' + '.join(labels))}</h1>",
        f"<p class='src'>gaitlab {_e(session.gaitlab_version)}, {_e(session.created_utc)}; "
        f"status {_e(session.status)}; {len(session.analysed)} of {len(session.clips)} clips "
        "analysed</p>",
    ]
    if advice is not None:
        parts.append(_advice_list("If it hurts now", advice.pain_first, advice))
    cadence = session.cadence
    css = "warn" if cadence.agree is False else ""
    parts.append(f"<h2>Cadence across the clips</h2><p class='{css}' id='cadence'>"
                 f"{_e(cadence.note)}</p>")  # fmt: skip
    if session.missing:
        items = "".join(f"<li>{_e(m)}</li>" for m in session.missing)
        parts.append(
            f"<h2>Missing from this session</h2><ul class='warn' id='missing'>{items}</ul>"
        )
    parts.append("<h2>Findings (merged from all clips, worst first)</h2>")
    if not session.findings:
        parts.append("<p>No finding in any clip.</p>")
    for merged in session.findings:
        f = merged.finding
        clip = session.clips[merged.clip]
        side = f" ({f.side} leg)" if f.side else ""
        slug = re.sub(r"[^a-z0-9]+", "_", f.id.lower()).strip("_")
        image = f"{FINDING_IMAGE_PREFIX}{merged.rank_in_clip:02d}_{slug}"
        picture = files.get(merged.clip, {}).get(image)
        parts.append(
            f"<div class='finding' data-finding='{_e(f.id)}' data-clip='{_e(clip.label)}'>"
            f"<h3>{_e(f.label)}{_e(side)}: {_e(_number(f.value, f.unit))}</h3>"
            f"<p>{_e(f.severity.value)} severity, {_e(f.confidence.value)} confidence; from "
            f"<b>{_e(clip.label)}</b> ({_e(clip.view)})</p><p>{_e(f.explanation)}</p>"
        )
        if picture:
            parts.append(f"<img src='{_e(picture)}' alt='{_e(f.label)}' width='480'>")
        if f.cues:
            parts.append(f"<p><b>Try:</b> {_e(f.cues[0].text)}</p>")
        if f.exercises:
            rows = "".join(
                f"<li><b>{_e(x.name)}</b>: {_e(x.dose)} <span class='src'>"
                f"[{_e('; '.join(advice.article_label(s) for s in x.sources) if advice else '')}]"
                "</span></li>"
                for x in f.exercises
            )
            parts.append(f"<ul>{rows}</ul>")
        parts.append("</div>")
    parts.append(
        "<h2>Metrics, each from the view that measures it</h2><table id='metrics'>"
        "<tr><th>metric</th><th>median</th><th>left / right</th><th>confidence</th>"
        "<th>from</th><th>why this clip</th></tr>"
    )
    for name, m in session.metrics.items():
        lr = (
            f"{_number(m.left_median, m.unit)} / {_number(m.right_median, m.unit)}"
            if m.left_median is not None and m.right_median is not None
            else ""
        )
        parts.append(
            f"<tr data-metric='{_e(name)}'><td>{_e(name)}</td><td>{_e(_number(m.median, m.unit))}"
            f"</td><td>{_e(lr)}</td><td>{_e(m.confidence.value)}</td>"
            f"<td>{_e(session.clips[m.clip].label)} ({_e(m.view)})</td><td>{_e(m.why)}</td></tr>"
        )
    parts.append("</table><h2>The clips</h2><div class='clips'>")
    for i, clip in enumerate(session.clips):
        own = files.get(i, {})
        parts.append(f"<div><h3>{_e(clip.label)}</h3>")
        if not clip.analysed:
            parts.append(f"<p class='warn'>Not analysed: {_e(clip.error)}</p></div>")
            continue
        cadence_text = _number(clip.cadence_spm, "spm")
        parts.append(
            f"<p>view {_e(clip.view)}; cadence {_e(cadence_text)}; "
            f"<a href='{_e(clip.folder)}/report.html'>its own report</a></p>"
        )
        if VIDEO_OUTPUT in own:
            parts.append(f"<video controls muted src='{_e(own[VIDEO_OUTPUT])}'></video>")
        for key, path in sorted(own.items()):
            if key.startswith(KEYFRAME_PREFIX):
                label = key.removeprefix(KEYFRAME_PREFIX).replace("_", " ")
                parts.append(
                    f"<figure><img src='{_e(path)}' alt='{_e(label)}' width='320'>"
                    f"<figcaption>{_e(label)}</figcaption></figure>"
                )
        parts.append("</div>")
    parts.append("</div>")
    if advice is not None:
        parts.append(_advice_list("Safety", advice.safety, advice))
    parts.append("</body></html>\n")
    return "\n".join(parts)
