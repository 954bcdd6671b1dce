"""Manifest rows sharing a session id: one session each, a failed clip never loses the others.

The clips' result folders are real result documents of known values (no inference): the
combination is what is tested here; tests/session/ runs the real pipeline.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from gaitlab.batch.inputs import ClipInput, read_manifest
from gaitlab.batch.plan import PlannedClip
from gaitlab.batch.row import ClipRow
from gaitlab.batch.sessions import SESSIONS_DIR, write_sessions
from gaitlab.batch.tables import table_rows
from gaitlab.result import result_json
from gaitlab.session.folder import read_session
from tests.session.factories import clip_result, sided_findings


def _planned(name: str, key: str, session: str) -> PlannedClip:
    return PlannedClip(
        clip=ClipInput(path=Path("in") / name, session=session),
        view="auto",
        height_cm=None,
        slowmo_factor=1.0,
        sha256=key * 4,
        key=key,
        result_rel=f"clips/{name}",
    )


def _ok(out: Path, key: str, name: str, result) -> ClipRow:
    folder = out / "clips" / name
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(result_json(result))
    return ClipRow(key=key, sha256="", status="ok", result_dir=f"clips/{name}")


def test_manifest_session_column(tmp_path: Path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,session\nside.mp4,r1-monday\nrear.mp4,r1-monday\nother.mp4,\n")
    clips = read_manifest(manifest)
    assert [c.session for c in clips] == ["r1-monday", "r1-monday", ""]


def test_rows_sharing_a_session_are_combined(tmp_path: Path):
    side = clip_result(
        "side-left",
        {"hip_extension_deg": -5.0, "pelvic_drop_deg": 12.0},
        cadence_spm=170.0,
        findings=sided_findings({"hip_extension_deg": (-5.0, -5.0)}),
    )
    rear = clip_result(
        "rear", {"hip_extension_deg": None, "pelvic_drop_deg": 3.0}, cadence_spm=171.0, findings=()
    )
    plan = [
        _planned("side.mp4", "k1", "s1"),
        _planned("rear.mp4", "k2", "s1"),
        _planned("alone.mp4", "k3", ""),
    ]
    records = {
        "k1": _ok(tmp_path, "k1", "side.mp4", side),
        "k2": _ok(tmp_path, "k2", "rear.mp4", rear),
        "k3": ClipRow(key="k3", sha256="", status="error", exit_code=6, error="no runner"),
    }
    written = write_sessions(plan, records, tmp_path)
    assert written == [tmp_path / SESSIONS_DIR / "s1" / "session.json"]
    session = read_session(written[0])
    assert session.status == "complete"
    assert session.metrics["pelvic_drop_deg"].median == 3.0  # the rear clip's
    assert session.metrics["hip_extension_deg"].median == -5.0  # the side clip's
    assert session.cadence.agree is True
    # The report links each clip's own folder in clips/.
    report = (written[0].parent / "session_report.html").read_text()
    assert "../../clips/side.mp4/report.html" in report
    # Each clip keeps its own row, with its session id.
    rows = table_rows(plan, records)
    assert [r["session"] for r in rows] == ["s1", "s1", ""]


def test_a_failed_clip_never_loses_the_others(tmp_path: Path):
    side = clip_result("side-left", {"hip_extension_deg": 9.0}, cadence_spm=170.0, findings=())
    plan = [_planned("side.mp4", "k1", "s2"), _planned("rear.mp4", "k2", "s2")]
    records = {
        "k1": _ok(tmp_path, "k1", "side.mp4", side),
        "k2": ClipRow(
            key="k2", sha256="", status="error", exit_code=4, error="rear.mp4: not a readable video"
        ),
    }
    session = read_session(write_sessions(plan, records, tmp_path)[0])
    assert session.status == "partial"
    assert session.clips[1].exit_code == 4
    assert session.metrics["hip_extension_deg"].median == 9.0
    assert any("rear.mp4: not a readable video" in m for m in session.missing)


def test_scores_csv_header_has_the_session_column(tmp_path: Path):
    from gaitlab.batch.tables import write_csv

    plan = [_planned("a.mp4", "k1", "s")]
    write_csv(table_rows(plan, {}), tmp_path / "scores.csv")
    with (tmp_path / "scores.csv").open() as fh:
        header = next(csv.reader(fh))
    assert header[header.index("label") + 1] == "session"


def test_a_session_with_a_runner_is_stored_once(tmp_path: Path):
    from gaitlab.batch.sessions import record_batch_sessions
    from gaitlab.store import open_store

    side = clip_result("side-left", {"hip_extension_deg": 9.0}, cadence_spm=170.0, findings=())
    rear = clip_result("rear", {"pelvic_drop_deg": 4.0}, cadence_spm=170.5, findings=())
    plan = [_planned("side.mp4", "k1", "s3"), _planned("rear.mp4", "k2", "s3")]
    plan = [dataclasses.replace(p, clip=dataclasses.replace(p.clip, runner_id="r9")) for p in plan]
    records = {
        "k1": _ok(tmp_path, "k1", "side.mp4", side),
        "k2": _ok(tmp_path, "k2", "rear.mp4", rear),
    }
    write_sessions(plan, records, tmp_path)
    url = str(tmp_path / "store.sqlite")
    notes = record_batch_sessions(plan, tmp_path, url)
    assert len(notes) == 1
    with open_store(url) as db:
        (stored,) = db.sessions("r9")
    assert [c.view for c in stored.clips] == ["side-left", "rear"]
    assert stored.metric("pelvic_drop_deg").median == 4.0
