"""scores.csv, scores.parquet and summary.html."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq

from gaitlab.batch.cohort import render_summary, strip_plot, write_summary
from gaitlab.batch.inputs import ClipInput
from gaitlab.batch.plan import PlannedClip
from gaitlab.batch.row import ClipRow
from gaitlab.batch.tables import IDENTITY_COLUMNS, table_rows, write_csv, write_parquet


def planned(name: str, key: str, **kw) -> PlannedClip:
    return PlannedClip(
        clip=ClipInput(path=Path("in") / name, runner_id=kw.pop("runner", "")),
        view="auto",
        height_cm=None,
        slowmo_factor=1.0,
        sha256=key * 4,
        key=key,
        result_rel=f"clips/{name}-x" if key else "",
        **kw,
    )


PLAN = [
    planned("a.mp4", "k1", runner="r1"),
    planned("b.mp4", "k2"),
    planned("<script>.mp4", "k3"),
    planned("d.mp4", "k4"),
    planned(
        "gone.mp4",
        "",
        early_error=ClipRow(
            key="",
            sha256="",
            status="error",
            error_kind="input",
            exit_code=4,
            error="gone.mp4: no such file",
            review=["failed: gone.mp4: no such file"],
        ),
    ),
]
RECORDS = {
    "k1": ClipRow(
        key="k1",
        sha256="",
        status="ok",
        result_dir="clips/a.mp4-x",
        columns={
            "n_frames": 300,
            "detection_rate": 1.0,
            "trunk_lean_deg_median": 7.5,
            "trunk_lean_deg_confidence": "high",
            "n_findings": 0,
            "findings": "",
        },
        bands={"trunk_lean_deg": [3.0, 12.0]},
    ),
    "k2": ClipRow(
        key="k2",
        sha256="",
        status="ok",
        result_dir="clips/b.mp4-x",
        columns={
            "n_frames": 280,
            "detection_rate": 0.7,
            "trunk_lean_deg_median": 14.0,
            "trunk_lean_deg_confidence": "low",
            "cadence_spm_median": 170,
            "cadence_spm_confidence": "medium",
            "n_findings": 1,
            "findings": "trunk_lean_forward (watch)",
        },
        review=["pose found in only 70% of frames", "findings: trunk_lean_forward (watch)"],
    ),
    "k3": ClipRow(
        key="k3",
        sha256="",
        status="error",
        error_kind="internal",
        exit_code=1,
        error="internal error: ZeroDivisionError: <b>x</b>",
        review=["failed: internal"],
    ),
}


def test_table_rows_in_input_order_with_pending_and_early_errors():
    rows = table_rows(PLAN, RECORDS)
    assert [r["clip"] for r in rows] == ["a.mp4", "b.mp4", "<script>.mp4", "d.mp4", "gone.mp4"]
    assert [r["status"] for r in rows] == ["ok", "ok", "error", "pending", "error"]
    assert rows[0]["runner_id"] == "r1" and rows[0]["needs_review"] is False
    assert rows[1]["needs_review"] is True
    assert rows[3]["exit_code"] is None and rows[4]["exit_code"] == 4


def test_csv_and_parquet_hold_the_same_table(tmp_path: Path):
    rows = table_rows(PLAN, RECORDS)
    write_csv(rows, tmp_path / "s.csv")
    write_parquet(rows, tmp_path / "s.parquet")
    with open(tmp_path / "s.csv", newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    header = list(csv_rows[0])
    assert header[: len(IDENTITY_COLUMNS)] == list(IDENTITY_COLUMNS)
    # Metrics in first-seen order, findings last.
    assert header[len(IDENTITY_COLUMNS):] == [
        "n_frames", "detection_rate", "trunk_lean_deg_median", "trunk_lean_deg_confidence",
        "cadence_spm_median", "cadence_spm_confidence", "n_findings", "findings",
    ]  # fmt: skip
    table = pq.read_table(tmp_path / "s.parquet")
    assert table.column_names == header
    assert table.num_rows == len(csv_rows) == 5
    assert table.column("trunk_lean_deg_median").to_pylist() == [7.5, 14.0, None, None, None]
    assert [r["trunk_lean_deg_median"] for r in csv_rows] == ["7.5", "14.0", "", "", ""]
    assert table.column("cadence_spm_median").to_pylist() == [None, 170, None, None, None]
    assert not list(tmp_path.glob(".*tmp"))


def test_parquet_stores_mixed_columns_as_text(tmp_path: Path):
    rows = [{"clip": "a", "x_median": 1.5}, {"clip": "b", "x_median": "n/a"}]
    write_parquet(rows, tmp_path / "m.parquet")
    assert pq.read_table(tmp_path / "m.parquet").column("x_median").to_pylist() == ["1.5", "n/a"]


def test_summary_lists_review_first_escapes_names_and_draws_bands(tmp_path: Path):
    rows = table_rows(PLAN, RECORDS)
    page = render_summary(rows, {"trunk_lean_deg": [3.0, 12.0]})
    review = page[page.index("Clips needing review") : page.index("Metrics across the cohort")]
    # Errors first, then the clip with the most reasons; clean and pending clips not listed.
    order = [review.index(n) for n in ("&lt;script&gt;.mp4", "gone.mp4", "b.mp4")]
    assert order == sorted(order)
    assert "a.mp4" not in review and "d.mp4" not in review
    assert "<script>" not in page and "<b>x</b>" not in page
    assert page.count("<svg") == 2  # trunk lean and cadence
    assert "normal: 3 to 12" in page and "no normal band in the findings" in page
    assert 'stroke="#b2182b"' in page  # 14 degrees is outside 3-12
    assert "does not diagnose" in page
    write_summary(rows, {}, tmp_path / "summary.html")
    assert (tmp_path / "summary.html").read_text().startswith("<!DOCTYPE html>")


def test_summary_without_metrics_or_with_one_value():
    assert "No metrics in these results" in render_summary([{"clip": "a", "status": "ok"}], {})
    svg = strip_plot([("a", 5.0, "high")], None)
    assert svg.startswith("<svg") and svg.count("<circle") == 1
