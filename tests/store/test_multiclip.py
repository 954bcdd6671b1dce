"""A session of several clips in the store: one session row, its clips, old stores migrated.

The session folder is built from result documents of known values (no inference) by the
same functions ``gaitlab analyze a b`` uses: combine, write session.json and its report.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from gaitlab.cli import main
from gaitlab.result import result_json
from gaitlab.session.combine import ClipOutcome, combine_session
from gaitlab.session.folder import write_session, write_session_report
from gaitlab.store import migrate, open_store
from gaitlab.store.database import create_engine
from gaitlab.store.location import resolve_store_url
from gaitlab.store.multiclip import read_session_record
from tests.session.factories import clip_result, sided_findings


def _clip_folder(root: Path, name: str, result) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(result_json(result))
    (folder / "report.html").write_text("<html></html>")
    files = {"result": "result.json", "html": "report.html"}
    (folder / "outputs.json").write_text(json.dumps({"schema": "gaitlab.outputs", "files": files}))


def session_folder(root: Path) -> Path:
    side = clip_result(
        "side-left",
        {"hip_extension_deg": -5.0, "pelvic_drop_deg": 12.0},
        cadence_spm=170.0,
        clip="side.mp4",
        findings=sided_findings({"hip_extension_deg": (-5.0, -5.0)}),
    )
    rear = clip_result(
        "rear",
        {"hip_extension_deg": None, "pelvic_drop_deg": 3.0},
        cadence_spm=171.0,
        clip="rear.mp4",
        findings=(),
    )
    _clip_folder(root, "side", side)
    _clip_folder(root, "rear", rear)
    session = combine_session(
        [ClipOutcome("side.mp4", "side", side), ClipOutcome("rear.mp4", "rear", rear)],
        gaitlab_version="test",
        created_utc="2026-12-07T10:00:00+00:00",
    )
    write_session(session, root)
    write_session_report(session, root)
    return root


def test_a_session_of_two_clips_is_one_stored_session(tmp_path: Path, capsys):
    folder = session_folder(tmp_path / "run")
    url = str(tmp_path / "store.sqlite")
    with open_store(url) as db:
        db.record_session(read_session_record(folder, "r1"))
        stored = db.sessions("r1")
    assert len(stored) == 1
    s = stored[0]
    assert s.view == "side-left+rear" and s.clip_path == "side.mp4 + rear.mp4"
    assert [c.view for c in s.clips] == ["side-left", "rear"]
    assert [Path(c.result_dir).name for c in s.clips] == ["side", "rear"]
    assert s.metric("pelvic_drop_deg").median == 3.0  # the rear clip's, not the side's 12
    assert s.metric("hip_extension_deg").median == -5.0
    assert [f.finding_id for f in s.findings] == ["limited_hip_extension"] * 2
    assert s.result_path == folder.resolve() / "side" / "result.json"
    # History lists it once.
    assert main(["history", "r1", "--store", url]) == 0
    out = capsys.readouterr().out
    assert "r1: 1 sessions" in out and out.count("side.mp4 + rear.mp4") == 1


def test_recording_again_replaces_it(tmp_path: Path):
    folder = session_folder(tmp_path / "run")
    url = str(tmp_path / "store.sqlite")
    with open_store(url) as db:
        db.record_session(read_session_record(folder, "r1"))
        db.record_session(read_session_record(folder, "r1"))
        assert len(db.sessions("r1")) == 1


def test_deleting_the_runner_removes_the_clip_folders_too(tmp_path: Path):
    folder = session_folder(tmp_path / "run")
    url = str(tmp_path / "store.sqlite")
    with open_store(url) as db:
        db.record_session(read_session_record(folder, "r1"))
        gone = db.delete_runner("r1")
    assert not (folder / "side").exists() and not (folder / "rear").exists()
    assert not folder.exists(), gone.kept


def test_a_0001_store_opens_and_keeps_its_sessions(tmp_path: Path):
    url = str(tmp_path / "old.sqlite")
    engine = create_engine(resolve_store_url(url))
    try:
        migrate.upgrade(engine, "0001")
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO runners (code, notes, created_utc) VALUES ('old', '', "
                    "'2026-01-01 00:00:00')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO sessions (runner_id, recorded_utc, clip_path, clip_sha256, view, "
                    "settings, gaitlab_version, result_dir, result_sha256, files, physio_notes) "
                    "VALUES (1, '2026-01-01 00:00:00', 'a.mp4', 'ab', 'rear', '{}', '0.1', "
                    "'/x', 'cd', '{}', '')"
                )
            )
    finally:
        engine.dispose()
    with open_store(url) as db:
        assert db.schema_version() == migrate.head_revision()
        (old,) = db.sessions("old")
    assert old.clip_path == "a.mp4" and old.clips == ()
