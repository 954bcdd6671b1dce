"""A physio's free-text notes, saved in the result folder next to result.json.

The notes live in their own file (``session_notes.json``: text, time saved) so result.json
stays exactly what the pipeline wrote; a reloaded result folder brings its notes back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

NOTES_FILE = "session_notes.json"
NOTES_SCHEMA = "gaitlab.session_notes"


def save_notes(result_dir: str | Path, text: str, *, now: datetime | None = None) -> Path:
    """Write the notes into ``result_dir`` (atomically) and return the file's path."""
    path = Path(result_dir) / NOTES_FILE
    saved = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    payload = {"schema": NOTES_SCHEMA, "schema_version": 1, "saved_utc": saved, "text": text}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path


def load_notes(result_dir: str | Path) -> str:
    """The saved notes of a result folder; an empty string when none (or unreadable)."""
    path = Path(result_dir) / NOTES_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    text = payload.get("text") if isinstance(payload, dict) else None
    return text if isinstance(text, str) else ""
