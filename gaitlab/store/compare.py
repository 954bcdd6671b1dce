"""Two sessions compared: the metric table and the side-by-side video.

Each metric's change is judged against the smallest detectable difference.
A session is a result folder, or a session of the result store by its number (``#12`` or
``12``, as ``gaitlab history`` lists them). The metric comparison is
:func:`gaitlab.findings.change.compare_results`; the video is
:func:`gaitlab.report.sidebyside.render_side_by_side`, drawn from each folder's saved
landmarks (no pose inference).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gaitlab.files import write_text_atomic
from gaitlab.findings.change import MetricChange, compare_results
from gaitlab.report.data import ReportData
from gaitlab.report.sidebyside import SideBySide, render_side_by_side
from gaitlab.result import ResultFolderError

#: Files written into the comparison folder.
COMPARISON_CSV = "comparison.csv"
COMPARISON_JSON = "comparison.json"
COMPARISON_VIDEO = "side_by_side.mp4"

_SESSION_NUMBER = re.compile(r"#?(\d+)")


@dataclass(frozen=True)
class ComparedSession:
    """One of the two sessions: its folder and how the captions name it.

    Attributes
    ----------
    result_dir
        The result folder.
    label
        Caption of its half (``Before``, ``#12 r07``).
    """

    result_dir: Path
    label: str


@dataclass(frozen=True)
class Comparison:
    """What :func:`write_comparison` found and wrote."""

    changes: list[MetricChange]
    files: dict[str, Path]
    video: SideBySide | None


def resolve_session(arg: str, default_label: str, store: str | None = None) -> ComparedSession:
    """A command-line session: a result folder, else a stored session's number.

    Raises
    ------
    ResultFolderError
        When ``arg`` is neither a folder nor a session number (exit code 4).
    gaitlab.store.UnknownSession, gaitlab.store.StoreError
        When the number names no session, or the store cannot be opened.
    """
    path = Path(arg)
    if path.is_dir():
        return ComparedSession(path, default_label)
    number = _SESSION_NUMBER.fullmatch(arg.strip())
    if number is None:
        raise ResultFolderError(f"{arg}: no such result folder (nor a stored session's number)")
    from gaitlab.store.database import open_store  # SQLAlchemy only when a number is given

    with open_store(store) as db:
        session = db.session(int(number.group(1)))
    return ComparedSession(
        Path(session.result_dir), f"{default_label} #{session.id} {session.runner}"
    )


def load_session(session: ComparedSession) -> ReportData:
    """The session's report data, or a one-line error for a folder that is not a result.

    Raises
    ------
    ResultFolderError
        When the folder has no readable result.json (exit code 4).
    gaitlab.series.SeriesFileError
        When the result's saved landmarks (pose_series.npz) are missing or unreadable.
    """
    return ReportData.from_result_dir(session.result_dir)


def change_table(changes: list[MetricChange]) -> list[dict[str, object]]:
    """The comparison as rows of plain values (units in their own column)."""
    return [
        {
            "metric": c.metric,
            "unit": c.unit,
            "before": c.before,
            "after": c.after,
            "change": c.delta,
            "counts_when_over": c.threshold,
            "basis": c.basis,
            "verdict": c.verdict,
            "note": c.note,
        }
        for c in changes
    ]


def write_comparison(
    before: ComparedSession,
    after: ComparedSession,
    out_dir: str | Path,
    *,
    video: bool = True,
    side: str | None = None,
    clip_paths: tuple[str | Path | None, str | Path | None] = (None, None),
    progress: Callable[[int, int], None] | None = None,
    overlay: bool = False,
) -> Comparison:
    """Compare two sessions; write the table (CSV, JSON) and, with ``video``, the video.

    Raises
    ------
    ResultFolderError, gaitlab.series.SeriesFileError
        When a folder holds no result or no saved landmarks (exit code 4).
    gaitlab.report.sidebyside.NoStridesToCompare
        With ``video``, when a session has no stride to step through (exit code 5).
    """
    a, b = load_session(before), load_session(after)
    changes = compare_results(a.result, b.result)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    rows = change_table(changes)
    sbs = None
    if video:
        # The video first: a session without strides fails before any file is written.
        sbs = render_side_by_side(
            a, b, out / COMPARISON_VIDEO, labels=(before.label, after.label), side=side,
            clip_paths=clip_paths, progress=progress, overlay=overlay,
        )  # fmt: skip
        files["video"] = sbs.video
    doc = {
        "schema": "gaitlab.comparison",
        "schema_version": 1,
        "before": {"result_dir": str(before.result_dir), "label": before.label},
        "after": {"result_dir": str(after.result_dir), "label": after.label},
        "changes": rows,
        "video": None
        if sbs is None
        else {
            "file": sbs.video.name,
            "layout": "overlaid" if overlay else "side by side",
            "aligned_on": f"{sbs.side} foot strikes",
            "fps": sbs.plan.out_fps,
            "strides": [
                {"pair": p.k, "before_stride": p.a.number, "after_stride": p.b.number,
                 "first_frame": p.first_out, "n_frames": p.n_out}
                for p in sbs.plan.pairs
            ],
            "notes": list(sbs.notes),
        },
    }  # fmt: skip
    files["json"] = write_text_atomic(out / COMPARISON_JSON, json.dumps(doc, indent=2) + "\n")
    csv_path = out / COMPARISON_CSV
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    files["csv"] = csv_path
    return Comparison(changes, files, sbs)


_COLUMNS = [
    "metric", "unit", "before", "after", "change", "counts_when_over", "basis", "verdict", "note",
]  # fmt: skip
