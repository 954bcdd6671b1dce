"""The outcome of scoring one clip: :class:`ClipRow`, one record and one ``scores.csv`` row.

Its own module because three others need it and must not need each other: the per-clip
function (:mod:`~gaitlab.batch.task`) makes rows, the record store
(:mod:`~gaitlab.batch.records`) keeps them, the tables and the progress display read them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

#: Version of the batch record layout and key recipe; bump to invalidate old records.
BATCH_RECORD_VERSION = 1
#: Status values of a row.
STATUS_OK, STATUS_ERROR, STATUS_PENDING = "ok", "error", "pending"
#: Kinds of error: the clip's fault (a :class:`~gaitlab.errors.GaitlabError`) or a bug in gaitlab.
ERROR_INPUT, ERROR_INTERNAL = "input", "internal"


@dataclass(frozen=True)
class ClipRow:
    """The outcome of scoring one clip: one record in the store, one row of ``scores.csv``.

    Attributes
    ----------
    key, sha256
        As in :class:`~gaitlab.batch.task.ClipTask`.
    status
        ``ok``, ``error`` or ``pending`` (not scored yet).
    error_kind
        ``input`` (the clip's fault: the message tells the user what to do), ``internal``
        (a bug in gaitlab or a crashed worker) or "".
    exit_code
        The exit code ``gaitlab analyze`` would give for this clip (0 when ok).
    error
        One-line error message ("" when ok).
    result_dir
        Result folder relative to the batch's output folder ("" on error).
    columns
        Flattened result: clip quality, every metric's median and confidence, findings
        (see :func:`gaitlab.batch.flatten.flatten_result`).
    bands
        Normal band ``(low, high)`` per metric name stated by the clip (records written by
        earlier versions; a result states none, the knowledge base gives them).
    review
        Reasons this clip needs a human look (empty when none).
    n_frames
        Frames decoded (0 on error).
    elapsed_s
        Wall time spent on this clip by the worker.
    run_id, worker, finished_utc
        Provenance: which invocation, which host:pid, and when.
    settings
        The settings the clip was scored with.
    traceback
        Stack trace of an internal error ("" otherwise); kept in the record, not the table.
    """

    key: str
    sha256: str
    status: str
    error_kind: str = ""
    exit_code: int = 0
    error: str = ""
    result_dir: str = ""
    columns: dict[str, Any] = field(default_factory=dict)
    bands: dict[str, list[float | None]] = field(default_factory=dict)
    review: list[str] = field(default_factory=list)
    n_frames: int = 0
    elapsed_s: float = 0.0
    run_id: str = ""
    worker: str = ""
    finished_utc: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    traceback: str = ""

    @property
    def ok(self) -> bool:
        """True when the clip was scored."""
        return self.status == STATUS_OK

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON representation (the stored record)."""
        return {"record_version": BATCH_RECORD_VERSION, **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClipRow:
        """Inverse of :meth:`to_dict`; unknown keys are ignored (forward compatibility)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
