"""The cohort tables: ``scores.csv`` and ``scores.parquet``, one row per input clip.

Rows are built from the batch plan (who and what each input is) and the store's records
(what scoring found), so they can be rebuilt at any time, including after a crash. Columns:
identity, status, clip quality, then every metric's median and confidence in the order the
results list them, then findings and review reasons. Timing and worker names are kept out of
the tables on purpose: the same batch gives byte-identical tables whichever executor ran it.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gaitlab.batch.plan import PlannedClip
from gaitlab.batch.row import STATUS_PENDING, ClipRow
from gaitlab.files import atomic_path, write_bytes_atomic

SCORES_CSV = "scores.csv"
SCORES_PARQUET = "scores.parquet"

#: Columns every row has, in order.
IDENTITY_COLUMNS = (
    "clip",
    "path",
    "runner_id",
    "label",
    "session",
    "view_requested",
    "height_cm",
    "slowmo_requested",
    "status",
    "error_kind",
    "exit_code",
    "error",
    "needs_review",
    "review",
    "result_dir",
    "sha256",
    "key",
)
#: Flattened columns placed last, after the metrics.
TRAILING_COLUMNS = ("n_findings", "findings")


def table_rows(
    planned: Sequence[PlannedClip], records: Mapping[str, ClipRow]
) -> list[dict[str, Any]]:
    """One dict per input, in input order; inputs without a record are ``pending``."""
    rows = []
    for p in planned:
        rec = (
            p.early_error
            or records.get(p.key)
            or ClipRow(key=p.key, sha256=p.sha256, status=STATUS_PENDING)
        )
        row: dict[str, Any] = {
            "clip": p.clip.path.name,
            "path": os.fspath(p.clip.path),
            "runner_id": p.clip.runner_id,
            "label": p.clip.label,
            "session": p.clip.session,
            "view_requested": p.view,
            "height_cm": p.height_cm,
            "slowmo_requested": p.slowmo_factor,
            "status": rec.status,
            "error_kind": rec.error_kind,
            "exit_code": rec.exit_code if rec.status != STATUS_PENDING else None,
            "error": rec.error,
            "needs_review": bool(rec.review),
            "review": "; ".join(rec.review),
            "result_dir": rec.result_dir,
            "sha256": p.sha256,
            "key": p.key,
        }
        for name, value in rec.columns.items():
            row.setdefault(name, value)
        rows.append(row)
    return rows


def column_order(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Identity columns, then the others in first-seen order, findings last."""
    seen: dict[str, None] = dict.fromkeys(IDENTITY_COLUMNS)
    for row in rows:
        seen.update(dict.fromkeys(c for c in row if c not in TRAILING_COLUMNS))
    present_trailing = [c for c in TRAILING_COLUMNS if any(c in r for r in rows)]
    return [*seen, *present_trailing]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    # repr of a float is the shortest text that reads back to the same number.
    return repr(value) if isinstance(value, float) else str(value)


def write_csv(rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Write ``rows`` as CSV atomically (temporary file, then rename)."""
    columns = column_order(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    write_bytes_atomic(path, buf.getvalue().encode("utf-8"), fsync=True)
    return path


def write_parquet(rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Write ``rows`` as Parquet atomically; mixed-type columns are stored as text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = column_order(rows)
    arrays = {}
    for name in columns:
        values = [row.get(name) for row in rows]
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            # e.g. a metric's median that is a number in one result and text in another.
            arrays[name] = pa.array([None if v is None else _cell(v) for v in values])
    table = pa.table(arrays) if columns else pa.table({})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)
    return path
