"""A session of several clips (``gaitlab analyze side.mp4 rear.mp4 --runner R``) in the store.

The store keeps it as ONE session row, so ``gaitlab history`` lists it once: its metrics
are the session's (each from the clip that measures it), its findings the merged ones, its
folder the session folder; the clips are its ``session_clips`` rows (migration 0002), each
with its own result folder and files. :func:`session_record` is pure;
:func:`read_session_record` reads the folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from gaitlab.hashing import file_sha256
from gaitlab.report.outputs import OUTPUTS_FILE, read_outputs_manifest
from gaitlab.result import RESULT_FILE, ResultDocument
from gaitlab.session.document import SESSION_FILE, SESSION_REPORT_FILE, SessionDocument
from gaitlab.session.folder import SessionFolderError, load_clip_results, read_session
from gaitlab.store.database import open_store
from gaitlab.store.errors import StoreError
from gaitlab.store.records import (
    FindingSummary,
    MetricSummary,
    SessionClipRecord,
    SessionRecord,
    parse_utc,
)

#: Longest ``view`` the sessions table holds (its column is 20 characters).
VIEW_CHARS = 20


def session_view(session: SessionDocument) -> str:
    """The session's views joined (``side-left+rear``), or ``N views`` when too long."""
    views = "+".join(c.view for c in session.analysed) or "unclear"
    return views if len(views) <= VIEW_CHARS else f"{len(session.analysed)} views"


def session_record(
    session: SessionDocument,
    results: Mapping[int, ResultDocument],
    *,
    runner: str,
    session_dir: str,
    session_sha256: str,
    clip_files: Mapping[int, Mapping[str, str]],
) -> SessionRecord:
    """The store's record of a session of several clips (pure: no file access).

    Parameters
    ----------
    session
        The session document.
    results
        The analysed clips' result documents, by clip index.
    runner
        The runner's code.
    session_dir
        Absolute path of the session folder.
    session_sha256
        SHA-256 of ``session.json``.
    clip_files
        Per clip index: output name -> file name in that clip's folder.
    """
    first = min(results) if results else None
    base = results[first] if first is not None else None
    files = {"session": SESSION_FILE, "session_report": SESSION_REPORT_FILE}
    if first is not None:
        files["result"] = f"{session.clips[first].folder}/{RESULT_FILE}"
    settings = dict(base.kinematics.settings) if base and base.kinematics else {}
    return SessionRecord(
        runner=runner,
        recorded_utc=parse_utc(session.created_utc),
        clip_path=" + ".join(c.label for c in session.clips),
        clip_sha256=next((c.sha256 for c in session.analysed if c.sha256), ""),
        view=session_view(session),
        settings={
            "request": base.request.to_dict() if base else {},
            "pose_model": base.pose.model.to_dict() if base else {},
            "kinematics": settings,
            "session_clips": len(session.clips),
        },
        gaitlab_version=session.gaitlab_version,
        result_dir=session_dir,
        result_sha256=session_sha256,
        files=files,
        metrics=tuple(
            MetricSummary(name, m.unit, m.median, m.iqr, m.n, m.confidence.value)
            for name, m in session.metrics.items()
        ),
        findings=tuple(
            FindingSummary(
                rank=i,
                finding_id=f.finding.id,
                title=f.finding.label,
                severity=f.finding.severity.value,
                metric=f.finding.metric or None,
                value=f.finding.value,
                unit=f.finding.unit or None,
                side=f.finding.side,
                confidence=f.finding.confidence.value,
            )
            for i, f in enumerate(session.findings, start=1)
        ),
        clips=tuple(
            SessionClipRecord(
                position=i,
                clip_path=results[i].clip.path if i in results else c.label,
                clip_sha256=c.sha256,
                view=c.view,
                status=c.status,
                error=c.error,
                result_dir=os.path.join(session_dir, c.folder) if c.analysed else None,
                files=dict(clip_files.get(i, {})),
            )
            for i, c in enumerate(session.clips)
        ),
    )


def read_session_record(session_dir: str | os.PathLike[str], runner: str) -> SessionRecord:
    """Read a session folder (``session.json`` and its clips' results) as a store record.

    Raises
    ------
    StoreError
        The folder holds no readable session.
    """
    folder = Path(session_dir).resolve()
    try:
        session = read_session(folder)
    except SessionFolderError as exc:
        raise StoreError(f"cannot read the session: {exc.message}") from None
    results = load_clip_results(session, folder)
    clip_files = {
        i: {**read_outputs_manifest(folder / c.folder), "outputs": OUTPUTS_FILE}
        for i, c in enumerate(session.clips)
        if c.analysed
    }
    return session_record(
        session,
        results,
        runner=runner,
        session_dir=os.fspath(folder),
        session_sha256=file_sha256(folder / SESSION_FILE),
        clip_files=clip_files,
    )


def record_session_folder(
    store: str | None, runner: str, session_dir: Path, height_cm: float | None
) -> str:
    """Record a session folder in the store (``analyze a b --runner``); return a one-line note."""
    record = read_session_record(session_dir, runner)
    with open_store(store) as db:
        session_id = db.record_session(record, height_cm=height_cm)
        n = db.session_counts().get(record.runner, 1)
        where = db.describe()
    return (
        f"stored    session #{session_id} of runner {record.runner} ({len(record.clips)} "
        f"clips; {n} sessions in all) in {where}"
    )
