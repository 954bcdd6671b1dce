"""A physio's free-text notes on a session: in its result folder, and in the result store.

The notes live in their own file beside result.json (``session_notes.json``: text, time
saved), so result.json stays exactly what the pipeline wrote and a reloaded result folder
brings its notes back; :func:`save_notes` and :func:`load_notes` read and write that file,
for any result folder, stored or not. The store's ``physio_notes`` column is what
``gaitlab history`` and the dashboard's runner view show. :func:`set_session_notes` writes
both for a stored session, so the CLI and the dashboard never disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gaitlab.files import write_text_atomic
from gaitlab.store.database import SessionStore
from gaitlab.store.errors import UnknownSession

NOTES_FILE = "session_notes.json"
NOTES_SCHEMA = "gaitlab.session_notes"


def save_notes(result_dir: str | Path, text: str, *, now: datetime | None = None) -> Path:
    """Write the notes into ``result_dir`` (atomically) and return the file's path."""
    path = Path(result_dir) / NOTES_FILE
    saved = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    payload = {"schema": NOTES_SCHEMA, "schema_version": 1, "saved_utc": saved, "text": text}
    return write_text_atomic(path, json.dumps(payload, indent=2, ensure_ascii=False))


def load_notes(result_dir: str | Path) -> str:
    """The saved notes of a result folder; an empty string when none (or unreadable)."""
    path = Path(result_dir) / NOTES_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    text = payload.get("text") if isinstance(payload, dict) else None
    return text if isinstance(text, str) else ""


@dataclass(frozen=True)
class NotesSaved:
    """Where a session's notes went.

    Attributes
    ----------
    session_id, runner
        The session and its runner's code.
    file
        The notes file written in the result folder (None when the folder is gone).
    problem
        Why the file was not written ("" when it was, or when the folder is gone).
    """

    session_id: int
    runner: str
    file: Path | None
    problem: str = ""


def set_session_notes(
    db: SessionStore, session_id: int, text: str, *, runner: str | None = None
) -> NotesSaved:
    """Replace a session's physio notes in the store and in its result folder.

    Parameters
    ----------
    db
        The result store.
    session_id
        The session.
    text
        The notes (``""`` clears them).
    runner
        When given, the session must be this runner's (a guard against a mistyped id).

    Raises
    ------
    UnknownSession
        No such session, or it is another runner's.
    """
    session = db.session(session_id)
    if runner is not None and session.runner != runner.strip():
        raise UnknownSession(f"session {session_id} is not a session of runner {runner!r}")
    db.set_physio_notes(session_id, text)
    folder = Path(session.result_dir)
    if not session.result_path.is_file():
        return NotesSaved(session_id, session.runner, None)
    try:
        return NotesSaved(session_id, session.runner, save_notes(folder, text))
    except OSError as exc:
        return NotesSaved(session_id, session.runner, None, f"{folder}: {exc.strerror or exc}")
