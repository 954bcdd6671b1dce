"""The result store on SQLite and PostgreSQL: migrations, round trips, concurrency, deletion."""

from __future__ import annotations

import dataclasses
import multiprocessing
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from gaitlab.store import StoreError, UnknownRunner, migrate, open_store, read_session_folder
from gaitlab.store.database import create_engine
from gaitlab.store.location import resolve_store_url
from tests.store.factories import engine_findings, metric, result_dict, write_result_folder

TABLES = {"runners", "sessions", "metric_summaries", "findings", "session_clips"}
#: The findings engine's verdict on a cadence of 149.3 steps/min: below the 150 watch edge.
FINDINGS = engine_findings({"cadence_spm": 149.3})


def session_folder(root: Path, name: str, created: str, hip_deg: float | None = 10.0):
    result = result_dict(
        created,
        {
            "cadence_spm": metric(149.3, 1.25, 16, "medium", "spm"),
            "hip_extension_deg": metric(hip_deg, 2.0, 12),
            "pelvic_drop_deg": metric(None),
        },
        clip=f"{name}.mp4",
        findings=FINDINGS,
    )
    return write_result_folder(root / name, result)


def table_names(url: str) -> set[str]:
    engine = create_engine(resolve_store_url(url))
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- migrations
def test_migrations_from_an_empty_database_and_back(store_url: str):
    url = resolve_store_url(store_url)
    with open_store(store_url) as store:
        assert store.schema_version() == migrate.head_revision() == "0003"
        assert "(schema version 0003)" in store.describe()
    assert table_names(store_url) == TABLES | {"alembic_version"}
    engine = create_engine(url)
    try:
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == "0003"
    finally:
        engine.dispose()
    assert table_names(store_url) == TABLES | {"alembic_version"}
    # Opening an up-to-date store again changes nothing and keeps its rows.
    with open_store(store_url) as store:
        store.upsert_runner("r1")
    with open_store(store_url) as store:
        assert [r.code for r in store.runners()] == ["r1"]


def test_a_store_from_a_newer_gaitlab_is_refused(tmp_path: Path):
    path = tmp_path / "s.sqlite"
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="schema version 9999, newer than this gaitlab"):
        open_store(path)


def test_bad_locations_are_one_line_errors(tmp_path: Path):
    with pytest.raises(StoreError, match="not a database URL"):
        resolve_store_url("://nothing")
    with pytest.raises(StoreError, match="cannot open the result store"):
        # Nothing listens on port 1: a refused connection, not a traceback.
        open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_default_store_is_env_then_user_data_folder(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("GAITLAB_STORE", str(tmp_path / "x" / "a.sqlite"))
    assert resolve_store_url(None).database == str(tmp_path / "x" / "a.sqlite")
    monkeypatch.delenv("GAITLAB_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve_store_url(None).database == str(tmp_path / "data" / "gaitlab" / "gaitlab.sqlite")
    assert resolve_store_url("postgresql://u@h/db").drivername == "postgresql+psycopg"


# ---------------------------------------------------------------------- sessions
def test_a_session_round_trips(store_url: str, tmp_path: Path):
    paths = session_folder(tmp_path, "s1", "2026-03-01T09:30:00+00:00")
    session = read_session_folder(tmp_path / "s1", "r1", files=paths, physio_notes="sore calf")
    with open_store(store_url) as store:
        sid = store.record_session(session, height_cm=172.0)
        back = store.session(sid)
        assert store.sessions("r1") == [back]
        runner = store.runner("r1")
    assert back == dataclasses.replace(session, id=sid)
    assert back.recorded_utc == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert back.metric("hip_extension_deg").median == 10.0
    assert back.metric("pelvic_drop_deg").median is None
    assert back.findings[0].finding_id == "low_cadence" and back.findings[0].rank == 1
    assert back.files["result"] == "result.json" and back.files["report_html"] == "report.html"
    assert back.pose_series_path == str((tmp_path / "s1" / "pose_series.npz").resolve())
    assert back.settings["request"]["model"] == "full"
    assert (runner.code, runner.height_cm) == ("r1", 172.0)


def test_sqlite_and_postgresql_store_the_same_session(tmp_path: Path, postgres_url: str):
    paths = session_folder(tmp_path, "s1", "2026-03-01T09:30:00Z")
    session = read_session_folder(tmp_path / "s1", "r1", files=paths)
    back = []
    for url in (str(tmp_path / "s.sqlite"), postgres_url):
        with open_store(url) as store:
            back.append(dataclasses.replace(store.session(store.record_session(session)), id=None))
    assert back[0] == back[1] == session


def test_recording_a_folder_again_replaces_its_session(store_url: str, tmp_path: Path):
    paths = session_folder(tmp_path, "s1", "2026-03-01T09:30:00Z", hip_deg=10.0)
    with open_store(store_url) as store:
        store.record_session(read_session_folder(tmp_path / "s1", "r1", files=paths))
        paths = session_folder(tmp_path, "s1", "2026-03-02T09:30:00Z", hip_deg=12.5)
        sid = store.record_session(read_session_folder(tmp_path / "s1", "r1", files=paths))
        sessions = store.sessions("r1")
    assert [s.id for s in sessions] == [sid]
    assert sessions[0].metric("hip_extension_deg").median == 12.5


def test_unknown_runner(store_url: str):
    with open_store(store_url) as store, pytest.raises(UnknownRunner, match="no runner 'nobody'"):
        store.sessions("nobody")


# ---------------------------------------------------------------------- concurrency
N_PER_WRITER = 15


def _writer(url: str, runner: str, root: str) -> None:
    """One of two processes recording sessions into the same store at the same time."""
    with open_store(url) as store:
        for i in range(N_PER_WRITER):
            folder = Path(root) / f"{runner}-{i}"
            paths = session_folder(Path(root), folder.name, f"2026-01-{i + 1:02d}T08:00:00Z")
            store.record_session(read_session_folder(folder, runner, files=paths))
            # Both also touch one shared runner: the write-write conflict case.
            store.upsert_runner("squad", notes=f"{runner} {i}")


def test_two_processes_writing_at_once_do_not_corrupt_the_store(store_url: str, tmp_path: Path):
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_writer, args=(store_url, name, str(tmp_path)))
        for name in ("alice", "bob")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0, 0]
    with open_store(store_url) as store:
        counts = store.session_counts()
        assert counts == {"alice": N_PER_WRITER, "bob": N_PER_WRITER, "squad": 0}
        for name in ("alice", "bob"):
            for s in store.sessions(name):
                assert len(s.metrics) == 3 and len(s.findings) == 1
        if store.url.get_backend_name() == "sqlite":
            with store.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


# ---------------------------------------------------------------------- deletion
def count_rows(url: str) -> dict[str, int]:
    engine = create_engine(resolve_store_url(url))
    try:
        with engine.connect() as conn:
            return {t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar() for t in TABLES}
    finally:
        engine.dispose()


def test_deleting_a_runner_removes_their_rows_and_files_only(store_url: str, tmp_path: Path):
    with open_store(store_url) as store:
        for runner, n in (("gone", 2), ("kept", 1)):
            for i in range(n):
                paths = session_folder(tmp_path, f"{runner}{i}", f"2026-02-0{i + 1}T10:00:00Z")
                store.record_session(
                    read_session_folder(tmp_path / f"{runner}{i}", runner, files=paths)
                )
        # The dashboard's notes are written later; a stranger's file shares a result folder.
        (tmp_path / "gone0" / "session_notes.json").write_text("{}")
        (tmp_path / "gone1" / "my_own.txt").write_text("not gaitlab's")
        before = count_rows(store_url)
        kept_files = sorted((tmp_path / "kept0").iterdir())
        done = store.delete_runner("gone")
        assert [r.code for r in store.runners()] == ["kept"]
        assert len(store.sessions("kept")) == 1
    after = count_rows(store_url)
    # Each fixture session has 3 metric rows and 1 finding.
    # One-clip sessions have no session_clips rows (tests/store/test_multiclip.py has some).
    assert before == {"runners": 2, "sessions": 3, "metric_summaries": 9, "findings": 3,
                      "session_clips": 0}  # fmt: skip
    assert after == {"runners": 1, "sessions": 1, "metric_summaries": 3, "findings": 1,
                     "session_clips": 0}  # fmt: skip
    assert done.n_sessions == 2
    assert not (tmp_path / "gone0").exists()
    assert sorted(p.name for p in (tmp_path / "gone1").iterdir()) == ["my_own.txt"]
    assert done.dirs_removed == ((tmp_path / "gone0").resolve(),)
    assert len(done.files_removed) == 2 * 5 + 1  # 5 files a session, plus the notes
    assert any("my_own.txt" in k for k in done.kept)
    assert sorted((tmp_path / "kept0").iterdir()) == kept_files


# ---------------------------------------------------------------------- session numbers
def record(store, root: Path, runner: str, name: str) -> int:
    paths = session_folder(root, name, "2026-03-01T10:00:00Z")
    return store.record_session(read_session_folder(root / name, runner, files=paths))


def test_a_deleted_session_number_is_never_handed_out_again(store_url: str, tmp_path: Path):
    # A physio's note "see session #3" must not open another runner's session once the
    # runner of #3 is forgotten (SQLite's plain rowid would hand 3 out again).
    with open_store(store_url) as store:
        kept = record(store, tmp_path, "kept", "k0")
        gone = [record(store, tmp_path, "gone", f"g{i}") for i in range(2)]
        assert max(gone) > kept
        store.delete_runner("gone")
        new = record(store, tmp_path, "new", "n0")
        # Recording a folder again replaces its session under a new number, not an old one.
        again = record(store, tmp_path, "kept", "k0")
    assert new > max(gone)
    assert again > new


def test_0003_keeps_every_row_and_number_of_a_0002_store(tmp_path: Path):
    url = str(tmp_path / "old.sqlite")
    engine = create_engine(resolve_store_url(url))
    try:
        migrate.upgrade(engine, "0002")
    finally:
        engine.dispose()
    # Fill it with the 0002 code's tables as they are (the migration copies the sessions
    # table: its children must survive the copy).
    with open_store(url) as store:
        assert store.schema_version() == "0003"
        migrate.downgrade(store.engine, "0002")
        ids = [record(store, tmp_path, "r1", f"s{i}") for i in range(3)]
        before = count_rows(url)
        migrate.upgrade(store.engine)
        assert store.schema_version() == "0003"
        assert count_rows(url) == before
        assert [s.id for s in store.sessions("r1")] == ids
        assert all(len(s.metrics) == 3 and len(s.findings) == 1 for s in store.sessions("r1"))
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert before["sessions"] == 3 and before["metric_summaries"] == 9
