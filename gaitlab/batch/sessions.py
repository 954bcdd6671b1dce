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
from gaitlab.session.folder import write_session, write_session_report

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


def write_sessions(
    planned: Sequence[PlannedClip], records: Mapping[str, ClipRow], out_dir: Path
) -> list[Path]:
    """Combine each session's clips; return the ``session.json`` files written.

    Parameters
    ----------
    planned
        The batch's inputs, in input order (their manifest ``session`` ids).
    records
        Finished clips by key.
    out_dir
        The batch's output folder.
    """
    groups: dict[str, list[PlannedClip]] = {}
    for p in planned:
        if p.clip.session:
            groups.setdefault(p.clip.session, []).append(p)
    written = []
    for session_id, clips in groups.items():
        session_dir = out_dir / SESSIONS_DIR / safe_folder_name(session_id, default="session")
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
