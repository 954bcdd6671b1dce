"""A physio's notes on a stored session: in the store, and in the session's result folder.

The store's ``physio_notes`` column is what ``gaitlab history`` and the dashboard's runner
view show; ``session_notes.json`` in the result folder (:mod:`gaitlab.dashboard.notes`) is
what the dashboard's notes box and its downloads read. :func:`set_session_notes` writes both,
so the CLI and the dashboard never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gaitlab.dashboard.notes import save_notes
from gaitlab.store.database import SessionStore
from gaitlab.store.errors import UnknownSession


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
