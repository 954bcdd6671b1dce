"""A stored session follows its result folder when a reviewer corrects the events.

:func:`gaitlab.corrections.folder.apply_corrections` rewrites a result folder in place; when
that folder is a runner's session, :func:`record_corrected` records it again, so the
history, the trends and a reload from the store show the corrected numbers (the notes and
the session's date are kept).
"""

from __future__ import annotations

import os

from gaitlab.store.database import SessionStore
from gaitlab.store.records import SessionRecord, read_session_folder


def record_corrected(db: SessionStore, result_dir: str | os.PathLike[str]) -> SessionRecord | None:
    """Record the corrected folder again in place of its session; None if not stored.

    Returns
    -------
    SessionRecord or None
        The session as now stored (its id changes: a session is replaced, never edited).
    """
    old = db.session_in(result_dir)
    if old is None:
        return None
    folder = read_session_folder(old.result_dir, old.runner, physio_notes=old.physio_notes)
    return db.session(db.record_session(folder))
