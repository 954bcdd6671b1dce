"""Manifest rows sharing a ``session`` id, combined into one session each.

Every clip of a session is scored on its own (its row in ``scores.csv``, its result folder in
``clips/``), exactly like any other clip; once the records are in, each session's clips are
combined (:func:`gaitlab.session.combine.combine_session`) into
``sessions/<id>/session.json`` and ``session_report.html``. A clip that failed (or is not
scored yet) is a failed clip of its session, with its row's message: the others' results
are still combined.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from gaitlab import __version__
from gaitlab.batch.plan import PlannedClip
from gaitlab.batch.row import STATUS_OK, ClipRow
from gaitlab.files import safe_folder_name
from gaitlab.result import RESULT_FILE, ResultFolderError, read_result
from gaitlab.session.combine import ClipOutcome, combine_session
from gaitlab.session.document import SESSION_FILE
from gaitlab.session.folder import read_session, write_session, write_session_report
from gaitlab.store.multiclip import record_session_folder

#: Folder of the batch's sessions, inside its output folder.
SESSIONS_DIR = "sessions"


def _outcome(p: PlannedClip, rec: ClipRow | None, out_dir: Path, session_dir: Path) -> ClipOutcome:
    label = p.clip.path.name
    if rec is None or rec.status != STATUS_OK or not rec.result_dir:
        error = rec.error if rec is not None and rec.error else "not scored yet"
        return ClipOutcome(label=label, error=error, exit_code=rec.exit_code if rec else None)
    folder = out_dir / rec.result_dir
    try:
        result = read_result(folder / RESULT_FILE)
    except ResultFolderError as exc:
        return ClipOutcome(label=label, error=exc.message, exit_code=exc.exit_code)
    rel = Path(os.path.relpath(folder, session_dir)).as_posix()
    return ClipOutcome(label=label, folder=rel, result=result)


def session_groups(planned: Sequence[PlannedClip]) -> dict[str, list[PlannedClip]]:
    """Session id -> its clips, in input order (clips without a session id left out)."""
    groups: dict[str, list[PlannedClip]] = {}
    for p in planned:
        if p.clip.session:
            groups.setdefault(p.clip.session, []).append(p)
    return groups


def session_folder(out_dir: Path, session_id: str) -> Path:
    """``OUT/sessions/<id>``, the id made safe as a folder name."""
    return out_dir / SESSIONS_DIR / safe_folder_name(session_id, default="session")


def write_sessions(
    planned: Sequence[PlannedClip], records: Mapping[str, ClipRow], out_dir: Path
) -> list[Path]:
    """Combine each session's clips; return the ``session.json`` files written, in order.

    Parameters
    ----------
    planned
        The batch's inputs, in input order (their manifest ``session`` ids).
    records
        Finished clips by key.
    out_dir
        The batch's output folder.
    """
    written = []
    for session_id, clips in session_groups(planned).items():
        session_dir = session_folder(out_dir, session_id)
        session_dir.mkdir(parents=True, exist_ok=True)
        outcomes = [
            _outcome(p, p.early_error or records.get(p.key), out_dir, session_dir) for p in clips
        ]
        session = combine_session(
            outcomes,
            gaitlab_version=__version__,
            created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        written.append(write_session(session, session_dir))
        write_session_report(session, session_dir)
    return written


def record_batch_sessions(
    planned: Sequence[PlannedClip], out_dir: Path, store_url: str
) -> list[str]:
    """Record each session with a runner in the runners' store, once; return the notes.

    The runner is the first ``runner_id`` among the session's rows (its height, that row's);
    a session without one, or whose every clip failed, is not recorded.

    Raises
    ------
    gaitlab.store.StoreError
        The store cannot be written.
    """
    notes = []
    for session_id, clips in session_groups(planned).items():
        owner = next((p for p in clips if p.clip.runner_id), None)
        folder = session_folder(out_dir, session_id)
        if owner is None or not (folder / SESSION_FILE).is_file():
            continue
        if read_session(folder).analysed:
            notes.append(
                record_session_folder(store_url, owner.clip.runner_id, folder, owner.height_cm)
            )
    return notes
