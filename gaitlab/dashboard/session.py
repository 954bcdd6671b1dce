"""The dashboard's two-view session: several uploads of one run -> one session view.

No Streamlit here: ``app.py`` lays out what these return. The analysis itself is
:func:`gaitlab.session.run.analyze_session`, the same call as ``gaitlab analyze a b``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gaitlab.files import safe_folder_name
from gaitlab.report.content import fmt_value
from gaitlab.report.outputs import VIDEO_FILE
from gaitlab.session.document import SESSION_FILE, SESSION_REPORT_FILE, SessionDocument

#: Files of a clip's folder left out of the session download (large, and only for reanalysis).
NOT_DOWNLOADED = frozenset({"pose_series.npz", "kinematics_series.npz"})


def save_uploads(folder: Path, files: Sequence[tuple[str, bytes]]) -> list[Path]:
    """Write each upload (name, content) into ``folder``; a repeated name gets a number."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i, (name, content) in enumerate(files, start=1):
        stem, suffix = Path(name).stem, Path(name).suffix
        path = folder / f"{safe_folder_name(stem)}{suffix}"
        if path in paths:
            path = folder / f"{safe_folder_name(stem)}-{i}{suffix}"
        path.write_bytes(content)
        paths.append(path)
    return paths


def finding_rows(session: SessionDocument) -> list[dict[str, Any]]:
    """The merged findings, worst first, each with the clip and view it comes from."""
    rows = []
    for merged in session.findings:
        f = merged.finding
        clip = session.clips[merged.clip]
        rows.append(
            {
                "finding": f.label + (f" ({f.side})" if f.side else ""),
                "value": fmt_value(f.value, f.unit),
                "severity": f.severity.value,
                "confidence": f.confidence.value,
                "from clip": clip.label,
                "view": clip.view,
            }
        )
    return rows


def metric_rows(session: SessionDocument) -> list[dict[str, Any]]:
    """Each metric of the session with the clip it is taken from, and why that clip."""
    return [
        {
            "metric": name,
            "median": fmt_value(m.median, m.unit),
            "confidence": m.confidence.value,
            "from clip": session.clips[m.clip].label,
            "view": m.view,
            "why": m.why,
        }
        for name, m in session.metrics.items()
    ]


def clip_videos(session: SessionDocument, session_dir: Path) -> list[tuple[str, Path]]:
    """(label, annotated video) of each analysed clip that has one."""
    out = []
    for clip in session.analysed:
        video = session_dir / clip.folder / VIDEO_FILE
        if video.is_file():
            out.append((f"{clip.label} ({clip.view})", video))
    return out


def session_zip(session: SessionDocument, session_dir: Path) -> bytes:
    """The session report with the files it shows (videos, key frames) as one zip.

    ``session_report.html`` links its clips' files by relative path, so the zip keeps the
    folder layout; the pose series are left out (large, needed only to re-analyse).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in (SESSION_REPORT_FILE, SESSION_FILE):
            if (session_dir / name).is_file():
                zf.write(session_dir / name, name)
        for clip in session.analysed:
            for path in sorted((session_dir / clip.folder).iterdir()):
                if path.is_file() and path.name not in NOT_DOWNLOADED:
                    zf.write(path, f"{clip.folder}/{path.name}")
    return buffer.getvalue()
