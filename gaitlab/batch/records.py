"""Where a batch records finished clips: a small interface and a plain-file implementation.

These records are the batch's own bookkeeping (which clips are done, with which outcome),
not the runners' result store of :mod:`gaitlab.store`. The batch runner only needs three
operations (:class:`RecordStore`): commit one finished row, read one back, and read them
all. :class:`FileStore` keeps one small JSON file per finished clip, named by the clip's key
and written to a temporary name then renamed, so

* a record is either absent or complete, whatever moment the process is killed at;
* workers on several processes (or several machines sharing a file system) never write the
  same file, and no lock is needed;
* the scores table can always be rebuilt from the records alone.

A database-backed store (SQLite, PostgreSQL) only has to provide the same three methods and be
picklable (workers receive it inside each task).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol, runtime_checkable

from gaitlab.batch.row import ClipRow
from gaitlab.files import write_bytes_atomic

RECORD_SUFFIX = ".json"


@runtime_checkable
class RecordStore(Protocol):
    """What the batch runner needs from a record store."""

    def put(self, row: ClipRow) -> None:
        """Commit one finished row atomically (replacing any earlier row with its key)."""
        ...

    def get(self, key: str) -> ClipRow | None:
        """The row stored under ``key``, or None."""
        ...

    def load(self) -> dict[str, ClipRow]:
        """Every stored row, by key."""
        ...


class FileStore:
    """One JSON file per finished clip in ``root`` (see the module docstring).

    Parameters
    ----------
    root
        Folder of the records (created on first write).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"FileStore({str(self.root)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileStore) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    def _path(self, key: str) -> Path:
        # Keys are made by gaitlab.batch.task.task_key (hex and '-'); refuse anything that
        # could name a file outside the store.
        if not key or any(c not in "0123456789abcdef-" for c in key):
            raise ValueError(f"not a batch key: {key!r}")
        return self.root / f"{key}{RECORD_SUFFIX}"

    def put(self, row: ClipRow) -> None:
        """Write the row to a temporary file, flush it to disk, and rename it into place."""
        path = self._path(row.key)
        self.root.mkdir(parents=True, exist_ok=True)
        data = json.dumps(row.to_dict(), indent=1, allow_nan=False, default=str)
        write_bytes_atomic(path, data.encode("utf-8"), fsync=True)

    def get(self, key: str) -> ClipRow | None:
        """The row stored under ``key``, or None (also for an unreadable record)."""
        return _read(self._path(key))

    def load(self) -> dict[str, ClipRow]:
        """Every readable record, by key; unreadable ones count as not done."""
        rows = {}
        if self.root.is_dir():
            for path in sorted(self.root.glob(f"*{RECORD_SUFFIX}")):
                row = _read(path)
                if row is not None:
                    rows[row.key] = row
        return rows

    def remove_temporaries(self) -> int:
        """Delete temporary files left by writers that were killed; return how many."""
        if not self.root.is_dir():
            return 0
        stale = list(self.root.glob(".*.tmp"))
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)


def _read(path: Path) -> ClipRow | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        row = ClipRow.from_dict(data)
    except (OSError, ValueError, TypeError):
        # Missing, or damaged outside gaitlab's control: the clip is simply scored again.
        return None
    return row if f"{row.key}{RECORD_SUFFIX}" == path.name else None
