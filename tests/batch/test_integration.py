"""End to end with real MediaPipe: real and synthetic clips, a corrupt file, reruns,
SIGKILL in the middle, and Ray against the local pool."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from gaitlab.batch.orchestrate import BatchSettings, run_batch
from gaitlab.pipeline import analyze_clip
from gaitlab.report import write_outputs
from gaitlab.series import PoseSeries
from tests.batch.conftest import CORRUPT_NAME, subprocess_env
from tests.batch.test_orchestrate import read_csv
from tests.conftest import REPO

pytestmark = pytest.mark.integration


def _records(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "records").glob("*.json"))}


@pytest.fixture(scope="module")
def local_run(clip_folder: Path, tmp_path_factory):
    base = tmp_path_factory.mktemp("local_batch")
    settings = BatchSettings(out_dir=base / "out", jobs=2, cache_dir=base / "cache")
    report = run_batch([clip_folder], settings)
    return base, report


def test_batch_gives_a_row_per_clip_and_an_error_row_for_the_corrupt_one(clip_folder, local_run):
    base, report = local_run
    out = base / "out"
    n = len(list(clip_folder.iterdir()))
    assert (report.n_inputs, report.n_ok, report.n_failed, report.n_pending) == (n, n - 1, 1, 0)
    rows = read_csv(out / "scores.csv")
    assert len(rows) == n
    bad = [r for r in rows if r["status"] == "error"]
    assert [r["clip"] for r in bad] == [CORRUPT_NAME]
    assert (bad[0]["error_kind"], bad[0]["exit_code"]) == ("input", "4")
    assert "not a readable video" in bad[0]["error"]
    assert bad[0]["result_dir"] == ""

    # Each clip's folder is what `gaitlab analyze` writes (same files, same result).
    ok = [r for r in rows if r["status"] == "ok"]
    single = base / "single"
    analysis = analyze_clip(clip_folder / ok[0]["clip"], cache_dir=base / "cache")
    write_outputs(analysis, single, video=False, keyframes=False, reports=False)
    first_folder = out / ok[0]["result_dir"]
    assert sorted(p.name for p in first_folder.iterdir()) == sorted(
        p.name for p in single.iterdir()
    )
    for row in ok:
        folder = out / row["result_dir"]
        result = json.loads((folder / "result.json").read_text())
        assert result["clip"]["sha256"] == row["sha256"]
        assert int(row["n_frames"]) == result["clip"]["n_frames"] > 0
        assert float(row["detection_rate"]) == result["pose"]["detection_rate"]
        assert PoseSeries.load(folder / "pose_series.npz").n_frames == result["clip"]["n_frames"]
        # Every metric the result holds has its median and confidence columns.
        for name, metric in result.get("kinematics", {}).get("metrics", {}).items():
            median = row[f"{name}_median"]
            assert median == ("" if metric["median"] is None else repr(metric["median"]))
            assert row[f"{name}_confidence"] == str(metric["confidence"])
    single_result = json.loads((single / "result.json").read_text())
    first = json.loads((out / ok[0]["result_dir"] / "result.json").read_text())
    for block in ("clip", "pose", "request"):
        assert first[block] == single_result[block]

    table = pq.read_table(out / "scores.parquet")
    assert table.num_rows == n and table.column_names == list(rows[0])
    page = (out / "summary.html").read_text()
    assert page.index(CORRUPT_NAME) < page.index("Metrics across the cohort")


def test_second_run_does_no_inference(clip_folder, local_run):
    base, _ = local_run
    out = base / "out"
    before = _records(out)
    csv_before = (out / "scores.csv").read_bytes()
    fresh_cache = base / "fresh_cache"
    report = run_batch([clip_folder], BatchSettings(out_dir=out, jobs=2, cache_dir=fresh_cache))
    assert (report.n_scored, report.n_skipped) == (0, report.n_inputs)
    # No clip reached the pose stage: an empty cache stayed empty.
    assert not fresh_cache.exists() or not any(fresh_cache.iterdir())
    assert _records(out) == before
    assert (out / "scores.csv").read_bytes() == csv_before


def test_sigkill_and_restart_finish_every_clip_exactly_once(clip_folder, tmp_path: Path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    cmd = [
        sys.executable, "-m", "gaitlab", "batch", str(clip_folder), "--out", str(out),
        "--jobs", "2", "--cache-dir", str(cache),
    ]  # fmt: skip
    env = subprocess_env()
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not (out / "records").is_dir() or not any((out / "records").glob("*.json")):
        assert proc.poll() is None, "the batch ended before it could be killed"
        assert time.monotonic() < deadline, "no clip finished in time"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the dispatcher and its worker processes
    proc.wait(timeout=30)
    done_at_kill = _records(out)
    n = len(list(clip_folder.iterdir()))
    assert 1 <= len(done_at_kill) < n
    kept = {}
    for record in done_at_kill.values():
        rel = json.loads(record)["result_dir"]
        if rel:
            kept[rel] = (out / rel / "result.json").stat().st_mtime_ns

    second = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 7, second.stderr  # finished; the corrupt clip failed
    counts = re.search(r"\((\d+) scored now, (\d+) already done\)", second.stdout)
    assert counts is not None, second.stdout
    assert tuple(map(int, counts.groups())) == (n - len(done_at_kill), len(done_at_kill))
    after = _records(out)
    assert len(after) == n
    assert {k: after[k] for k in done_at_kill} == done_at_kill
    for rel, mtime in kept.items():
        assert (out / rel / "result.json").stat().st_mtime_ns == mtime
    rows = read_csv(out / "scores.csv")
    assert sorted(r["status"] for r in rows) == ["error"] + ["ok"] * (n - 1)
    assert len({r["result_dir"] for r in rows if r["result_dir"]}) == n - 1
    assert sorted(p.name for p in (out / "clips").iterdir()) == sorted(
        Path(r["result_dir"]).name for r in rows if r["result_dir"]
    )  # no half-written folder left behind


def test_ray_gives_the_same_scores_as_local(clip_folder, local_run, tmp_path: Path):
    pytest.importorskip("ray")
    base, _ = local_run
    settings = BatchSettings(
        out_dir=tmp_path / "out", jobs=2, executor="ray", cache_dir=tmp_path / "cache"
    )
    report = run_batch([clip_folder], settings)
    assert report.n_scored == report.n_inputs  # every clip ran as a Ray task
    ray_csv = (tmp_path / "out" / "scores.csv").read_text()
    assert ray_csv == (base / "out" / "scores.csv").read_text()
