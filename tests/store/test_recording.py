"""``gaitlab analyze --runner`` and a batch manifest's runner column record sessions.

Real pose inference on a 2.5 s cut of a synthetic sample clip, once: the batch then reuses the
pose cache. The stored summaries are checked against the result.json files the runs wrote.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaitlab.cli import main
from gaitlab.store import open_store
from tests.batch.conftest import trim
from tests.conftest import REPO

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("recording")
    return trim(REPO / "sample_videos" / "synth_side_normal.mp4", folder / "side.mp4", None)


def stored_matches_result(session, result_dir: Path) -> None:
    result = json.loads((result_dir / "result.json").read_text())
    metrics = result["kinematics"]["metrics"]
    assert [m.metric for m in session.metrics] == list(metrics)
    for m in session.metrics:
        assert (m.median, m.spread_iqr, m.n_strides, m.confidence) == (
            metrics[m.metric]["median"],
            metrics[m.metric]["iqr"],
            metrics[m.metric]["n"],
            metrics[m.metric]["confidence"],
        )
    assert session.clip_sha256 == result["clip"]["sha256"]
    assert session.view == result["kinematics"]["view"]["view"]


def test_analyze_and_batch_record_sessions(clip: Path, tmp_path: Path, capsys):
    store = str(tmp_path / "store.sqlite")
    cache = str(tmp_path.parent / "pose-cache")
    out = tmp_path / "one"
    code = main([
        "analyze", str(clip), "--out", str(out), "--runner", "r1", "--height-cm", "175",
        "--store", store, "--cache-dir", cache, "--no-video", "--no-report",
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "session   #1 of runner r1" in capsys.readouterr().out
    with open_store(store) as db:
        (first,) = db.sessions("r1")
        assert db.runner("r1").height_cm == 175.0
    stored_matches_result(first, out)
    assert first.files["result"] == "result.json" and "html" not in first.files
    assert Path(first.pose_series_path).is_file()

    manifest = tmp_path / "runs.csv"
    manifest.write_text(f"path,runner\n{clip},r1\n{clip.with_name('gone.mp4')},r2\n")
    code = main([
        "batch", str(manifest), "--out", str(tmp_path / "batch"), "--jobs", "1",
        "--store", store, "--cache-dir", cache, "--quiet",
    ])  # fmt: skip
    assert code == 7  # the missing clip failed; the other was scored and recorded
    with open_store(store) as db:
        sessions = db.sessions("r1")
        assert [r.code for r in db.runners()] == ["r1"]  # no session for a failed clip
    assert len(sessions) == 2
    batch_dir = Path(sessions[1].result_dir)
    assert batch_dir.parent == (tmp_path / "batch" / "clips").resolve()
    stored_matches_result(sessions[1], batch_dir)


def test_two_batch_workers_record_into_one_store(clip: Path, tmp_path: Path, capsys):
    # Two different clips (the second mirrored), two worker processes, one SQLite store: both
    # workers write their session at about the same time.
    other = trim(clip, tmp_path / "mirrored.mp4", "hflip")
    store = str(tmp_path / "store.sqlite")
    manifest = tmp_path / "runs.csv"
    manifest.write_text(f"path,runner\n{clip},ra\n{other},rb\n")
    code = main([
        "batch", str(manifest), "--out", str(tmp_path / "batch"), "--jobs", "2",
        "--store", store, "--cache-dir", str(tmp_path / "cache"), "--quiet",
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    with open_store(store) as db:
        assert [r.code for r in db.runners()] == ["ra", "rb"]
        for code_ in ("ra", "rb"):
            (session,) = db.sessions(code_)
            stored_matches_result(session, Path(session.result_dir))
    import sqlite3

    with sqlite3.connect(store) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_same_clip_for_two_runners_is_a_session_of_each(clip: Path, tmp_path: Path, capsys):
    # A result folder is one session of one runner, so the clip is scored for each runner
    # into its own folder (the pose cache makes the second cheap), and both histories get it.
    store = str(tmp_path / "store.sqlite")
    manifest = tmp_path / "runs.csv"
    manifest.write_text(f"path,runner\n{clip},ra\n{clip},rb\n")
    args = [
        "batch", str(manifest), "--out", str(tmp_path / "batch"), "--jobs", "1",
        "--store", store, "--cache-dir", str(tmp_path.parent / "pose-cache"), "--quiet",
    ]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    with open_store(store) as db:
        (a,) = db.sessions("ra")
        (b,) = db.sessions("rb")
    assert a.result_dir != b.result_dir and a.clip_sha256 == b.clip_sha256
    for s in (a, b):
        stored_matches_result(s, Path(s.result_dir))
    # A second run finds both done: nothing scored, no session recorded twice.
    assert main(args) == 0
    with open_store(store) as db:
        assert db.session_counts() == {"ra": 1, "rb": 1}
