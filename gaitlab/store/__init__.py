"""The result store: runners, their sessions over time, and how each metric moved.

One database shared by ``gaitlab analyze --runner``, ``gaitlab batch`` (the manifest's runner
column), ``gaitlab history`` and the dashboard. The default is a SQLite file in the user's
data folder (no set-up); ``--store URL`` or ``$GAITLAB_STORE`` points at another file or at a
PostgreSQL server. Large artefacts stay files, referenced by path and SHA-256.

Modules: :mod:`~gaitlab.store.location` (which database), :mod:`~gaitlab.store.schema` and
:mod:`~gaitlab.store.migrate` (tables, schema versions), :mod:`~gaitlab.store.records` (what a
session holds, read from ``result.json``), :mod:`~gaitlab.store.database` (reads, writes,
deletion), :mod:`~gaitlab.store.archive` (save a temporary result folder into a runner's
history), :mod:`~gaitlab.store.forget` (a runner's rows, files and cached poses),
:mod:`~gaitlab.store.notes` (physio notes: result folder and store),
:mod:`~gaitlab.store.history` (how metrics moved, trends, CSV) and
:mod:`~gaitlab.store.cli` (the commands).
"""

from __future__ import annotations

from gaitlab.lazy import lazy_exports

#: Public names and the submodule defining each, imported on first use (PEP 562): the
#: ``gaitlab`` command builds its parser from :mod:`gaitlab.store.cli` without loading
#: SQLAlchemy until a store command runs.
_EXPORTS = {
    "SavedSession": "archive",
    "save_to_history": "archive",
    "Deletion": "database",
    "Forgotten": "forget",
    "forget_runner": "forget",
    "SessionStore": "database",
    "open_store": "database",
    "BadRunnerCode": "errors",
    "NotConfirmed": "errors",
    "StoreError": "errors",
    "UnknownRunner": "errors",
    "UnknownSession": "errors",
    "SESSIONS_ENV": "location",
    "STORE_ENV": "location",
    "default_store_path": "location",
    "resolve_store_url": "location",
    "runner_folder_name": "location",
    "sessions_root": "location",
    "NOTES_FILE": "notes",
    "NotesSaved": "notes",
    "load_notes": "notes",
    "save_notes": "notes",
    "set_session_notes": "notes",
    "FindingSummary": "records",
    "MetricSummary": "records",
    "Runner": "records",
    "SessionRecord": "records",
    "read_session_folder": "records",
    "session_from_result": "records",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports("gaitlab.store", _EXPORTS, globals())
