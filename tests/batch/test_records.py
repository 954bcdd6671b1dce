"""The file store: atomic records, one per key."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from gaitlab.batch.records import FileStore, RecordStore
from gaitlab.batch.row import ClipRow

KEY = "ab" * 12 + "-" + "cd" * 6


def row(key: str = KEY, **kw) -> ClipRow:
    return ClipRow(**{"key": key, "sha256": "ab" * 32, "status": "ok", **kw})


def test_put_get_load_round_trip(tmp_path: Path):
    store = FileStore(tmp_path / "records")
    assert isinstance(store, RecordStore)
    assert store.load() == {} and store.get(KEY) is None
    r = row(columns={"x_median": 1.25, "x_confidence": "high"}, bands={"x": [1.0, None]})
    store.put(r)
    assert store.get(KEY) == r
    assert store.load() == {KEY: r}
    # Replacing keeps one record per key, and leaves no temporary file behind.
    store.put(row(status="error", error="boom"))
    assert store.get(KEY).error == "boom"
    assert [p.name for p in (tmp_path / "records").iterdir()] == [f"{KEY}.json"]


def test_damaged_or_foreign_files_are_not_done(tmp_path: Path):
    store = FileStore(tmp_path)
    store.put(row())
    (tmp_path / f"{'ef' * 12}-{'01' * 6}.json").write_text('{"key": "ef')  # truncated
    (tmp_path / "other.json").write_text('{"key": "' + KEY + '", "sha256": "", "status": "ok"}')
    (tmp_path / f".{KEY}.abc.tmp").write_text("partial")
    assert list(store.load()) == [KEY]
    assert store.remove_temporaries() == 1


def test_keys_cannot_escape_the_store(tmp_path: Path):
    store = FileStore(tmp_path)
    with pytest.raises(ValueError, match="not a batch key"):
        store.put(row(key="../../evil"))
    with pytest.raises(ValueError):
        store.get("")


def test_store_pickles_for_the_workers(tmp_path: Path):
    store = FileStore(tmp_path)
    assert pickle.loads(pickle.dumps(store)) == store
