from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from gaitlab.store.notes import NOTES_FILE, load_notes, save_notes


def test_notes_round_trip(tmp_path: Path):
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    path = save_notes(tmp_path, "Pelvic drop R > L — retest in 6 weeks", now=when)
    assert path == tmp_path / NOTES_FILE
    assert load_notes(tmp_path) == "Pelvic drop R > L — retest in 6 weeks"
    payload = json.loads(path.read_text(encoding="utf-8"))
    assert payload["saved_utc"] == "2025-01-02T03:04:05+00:00"
    assert not list(tmp_path.glob("*.tmp"))


def test_saving_again_replaces_the_notes(tmp_path: Path):
    save_notes(tmp_path, "first")
    save_notes(tmp_path, "second")
    assert load_notes(tmp_path) == "second"


def test_missing_or_unreadable_notes_are_empty(tmp_path: Path):
    assert load_notes(tmp_path) == ""
    (tmp_path / NOTES_FILE).write_text("{not json")
    assert load_notes(tmp_path) == ""
    (tmp_path / NOTES_FILE).write_text('["a list"]')
    assert load_notes(tmp_path) == ""
