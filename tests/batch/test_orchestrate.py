"""The batch runner over the local process pool, with a fake pose stage (no MediaPipe)."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gaitlab.batch import orchestrate as runner_module
from gaitlab.batch.inputs import BatchInputError
from gaitlab.batch.orchestrate import BatchSettings, rebuild_outputs, run_batch
from gaitlab.batch.progress import LogProgress
from gaitlab.batch.task import ClipOutputs
from gaitlab.errors import InvalidOption, ModelError
from gaitlab.findings import normal
from gaitlab.findings.knowledge import (
    KnowledgeBase,
    KnowledgeBaseError,
    parse_knowledge_base,
)
from tests.batch.conftest import subprocess_env
from tests.batch.fakes import fake_clip, fake_scorer, inference_count, metric
from tests.conftest import REPO
from tests.store.factories import engine_findings


def make_clips(folder: Path) -> dict[str, Path]:
    return {
        "good1": fake_clip(
            folder / "good1.mp4",
            metrics={
                "trunk_lean_deg": metric(7.0),
                "cadence_spm": metric(170),
            },
            findings=[],
            n_frames=40,
        ),
        "good2": fake_clip(
            folder / "sub" / "good2.mov",
            metrics={"trunk_lean_deg": metric(15.0, "low"), "pelvic_drop_deg": metric(6.0)},
            findings=[f.to_dict() for f in engine_findings({"cadence_spm": 149.3})],
            n_frames=50,
        ),
        "plain": fake_clip(folder / "plain.mp4", n_frames=20),  # no kinematics block
        "bad": fake_clip(folder / "bad.mp4", error="unreadable"),
        "bug": fake_clip(folder / "bug.mp4", bug=True),
    }


def settings(tmp_path: Path, **kw) -> BatchSettings:
    return BatchSettings(out_dir=tmp_path / "out", jobs=2, cache_dir=tmp_path / "cache", **kw)


def run(tmp_path: Path, inputs, **kw):
    progress = kw.pop("progress", None)
    return run_batch(inputs, settings(tmp_path, **kw), progress=progress, scorer=fake_scorer)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_batch_records_every_clip_and_failures_do_not_stop_it(tmp_path: Path):
    make_clips(tmp_path / "in")
    report = run(tmp_path, [tmp_path / "in"])
    out = tmp_path / "out"
    assert (report.n_inputs, report.n_scored, report.n_ok, report.n_failed) == (5, 5, 3, 2)
    rows = {r["clip"]: r for r in read_csv(out / "scores.csv")}
    assert list(rows) == ["bad.mp4", "bug.mp4", "good1.mp4", "plain.mp4", "good2.mov"]
    assert (rows["bad.mp4"]["status"], rows["bad.mp4"]["error_kind"]) == ("error", "input")
    assert rows["bad.mp4"]["exit_code"] == "4"
    assert "not a readable video" in rows["bad.mp4"]["error"]
    assert (rows["bug.mp4"]["error_kind"], rows["bug.mp4"]["exit_code"]) == ("internal", "1")
    assert rows["bug.mp4"]["error"] == "internal error: ZeroDivisionError: fake bug"
    # Metric columns come from whatever the results hold.
    assert rows["good1.mp4"]["trunk_lean_deg_median"] == "7.0"
    assert rows["good2.mov"]["pelvic_drop_deg_median"] == "6.0"
    assert rows["plain.mp4"]["trunk_lean_deg_median"] == ""
    assert rows["good2.mov"]["needs_review"] == "true"
    assert rows["good1.mp4"]["needs_review"] == "false"
    for name in ("good1.mp4", "plain.mp4", "good2.mov"):
        folder = out / rows[name]["result_dir"]
        assert folder.parent == out / "clips"
        assert json.loads((folder / "result.json").read_text())["schema"] == "gaitlab.result"
    assert len(list((out / "records").glob("*.json"))) == 5
    assert (out / "scores.parquet").exists() and (out / "summary.html").exists()
    # The internal error keeps its traceback in the record, not in the table.
    record = json.loads((out / "records" / f"{rows['bug.mp4']['key']}.json").read_text())
    assert "ZeroDivisionError" in record["traceback"]
    assert "traceback" not in rows["bug.mp4"]


def test_rerun_scores_nothing_and_retry_failed_rescores_only_failures(tmp_path: Path):
    make_clips(tmp_path / "in")
    run(tmp_path, [tmp_path / "in"])
    first = inference_count(tmp_path / "cache")
    csv_before = (tmp_path / "out" / "scores.csv").read_bytes()
    again = run(tmp_path, [tmp_path / "in"])
    assert (again.n_scored, again.n_skipped) == (0, 5)
    assert inference_count(tmp_path / "cache") == first
    assert (tmp_path / "out" / "scores.csv").read_bytes() == csv_before
    retry = run(tmp_path, [tmp_path / "in"], retry_failed=True)
    assert (retry.n_scored, retry.n_skipped) == (2, 3)
    counts = inference_count(tmp_path / "cache")
    assert counts["bug.mp4"] == 2 and counts["good1.mp4"] == 1
    assert "bad.mp4" not in counts  # fails before inference


def test_identical_content_is_scored_once_and_settings_make_new_work(tmp_path: Path):
    a = fake_clip(tmp_path / "in" / "a.mp4", metrics={}, salt="same")
    b = tmp_path / "in" / "copy_of_a.mp4"
    b.write_bytes(a.read_bytes())
    report = run(tmp_path, [tmp_path / "in"])
    assert (report.n_inputs, report.n_scored) == (2, 1)
    assert report.rows[0]["result_dir"] == report.rows[1]["result_dir"]
    rear = run(tmp_path, [tmp_path / "in"], request=runner_module.AnalysisRequest(view="rear"))
    assert rear.n_scored == 1  # a new setting is new work
    assert inference_count(tmp_path / "cache") == {"a.mp4": 2}


def test_optional_reports_are_a_setting_of_their_own(tmp_path: Path):
    fake_clip(tmp_path / "in" / "a.mp4", metrics={})
    plain = run(tmp_path, [tmp_path / "in"])
    with_reports = run(tmp_path, [tmp_path / "in"], outputs=ClipOutputs(reports=True))
    assert with_reports.n_scored == 1
    folders = [tmp_path / "out" / r.rows[0]["result_dir"] for r in (plain, with_reports)]
    assert folders[0] != folders[1]
    assert not (folders[0] / "report.html").exists() and (folders[1] / "report.html").exists()


def test_manifest_identity_overrides_and_missing_file(tmp_path: Path):
    fake_clip(tmp_path / "in" / "a.mp4", metrics={})
    manifest = tmp_path / "runs.csv"
    manifest.write_text(
        "path,runner_id,view,height_cm,label\n"
        "in/a.mp4,r1,side,180,before\n"
        "in/a.mp4,r1,rear,180,after\n"  # same file, another view: its own key and folder
        "in/missing.mp4,r2,,,\n"
    )
    report = run(tmp_path, [manifest])
    rows = report.rows
    assert [r["runner_id"] for r in rows] == ["r1", "r1", "r2"]
    assert [r["view_requested"] for r in rows] == ["side", "rear", "auto"]
    assert rows[0]["height_cm"] == 180.0 and rows[0]["label"] == "before"
    assert rows[0]["key"] != rows[1]["key"] and rows[0]["result_dir"] != rows[1]["result_dir"]
    assert (rows[2]["status"], rows[2]["exit_code"]) == ("error", 4)
    assert "no such file" in rows[2]["error"]
    assert report.n_scored == 2


def test_worker_crash_is_retried_alone_then_recorded(tmp_path: Path):
    for i in range(3):
        fake_clip(tmp_path / "in" / f"ok{i}.mp4", metrics={}, sleep_s=0.3)
    fake_clip(tmp_path / "in" / "crash.mp4", crash=True)
    log = io.StringIO()
    report = run(tmp_path, [tmp_path / "in"], progress=LogProgress(log))
    rows = {r["clip"]: r for r in report.rows}
    assert rows["crash.mp4"]["error_kind"] == "internal"
    assert "worker process died" in rows["crash.mp4"]["error"]
    assert all(rows[f"ok{i}.mp4"]["status"] == "ok" for i in range(3))
    # The crashing clip ran twice (the second time alone); nothing else was lost.
    assert inference_count(tmp_path / "cache")["crash.mp4"] == 2
    assert "trying it again on its own" in log.getvalue()
    assert len(list((tmp_path / "out" / "records").glob("*.json"))) == 4


def test_plain_progress_lines_and_frame_progress(tmp_path: Path):
    for i in range(3):
        fake_clip(tmp_path / "in" / f"c{i}.mp4", n_frames=10, sleep_s=0.6)

    class Recorder(LogProgress):
        def __init__(self, stream):
            super().__init__(stream)
            self.frames: list[tuple[int, int, int]] = []

        def clip_frames(self, slot, done, total):
            self.frames.append((slot, done, total))

    log = io.StringIO()
    progress = Recorder(log)
    run(tmp_path, [tmp_path / "in"], progress=progress, frame_progress=True)
    lines = log.getvalue().splitlines()
    assert lines[0] == "gaitlab batch: 3 clips: 0 already done, 3 to score with 2 local workers"
    assert [line.split("]")[0] for line in lines[1:]] == [
        "gaitlab batch: [1/3",
        "gaitlab batch: [2/3",
        "gaitlab batch: [3/3",
    ]
    assert "ETA" in lines[1] and "ETA" not in lines[3]
    assert progress.frames and all(slot in (0, 1) for slot, _, _ in progress.frames)
    assert (10, 10) in {(d, t) for _, d, t in progress.frames}


def test_missing_model_fails_once_before_any_clip(tmp_path: Path, monkeypatch):
    fake_clip(tmp_path / "in" / "a.mp4")

    def no_model(name):
        raise ModelError("bundled model file is missing")

    monkeypatch.setattr(runner_module, "resolve_model", no_model)
    with pytest.raises(ModelError):
        run(tmp_path, [tmp_path / "in"])
    assert not (tmp_path / "out" / "records").exists()


def test_two_batches_cannot_share_an_output_folder(tmp_path: Path):
    import fcntl

    fake_clip(tmp_path / "in" / "a.mp4")
    (tmp_path / "out").mkdir()
    with open(tmp_path / "out" / ".lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        with pytest.raises(BatchInputError, match="another gaitlab batch"):
            run(tmp_path, [tmp_path / "in"])


def test_bad_settings_are_usage_errors(tmp_path: Path):
    with pytest.raises(BatchInputError, match="executor"):
        BatchSettings(out_dir=tmp_path, executor="slurm")
    with pytest.raises(InvalidOption, match="jobs must be a whole number between 1 and 4096"):
        BatchSettings(out_dir=tmp_path, jobs=0)
    with pytest.raises(BatchInputError, match="--ray-address needs --executor ray"):
        BatchSettings(out_dir=tmp_path, ray_address="auto")


def test_tables_can_be_rebuilt_from_the_records(tmp_path: Path):
    make_clips(tmp_path / "in")
    run(tmp_path, [tmp_path / "in"])
    out = tmp_path / "out"
    expected = (out / "scores.csv").read_bytes()
    for name in ("scores.csv", "scores.parquet", "summary.html"):
        (out / name).unlink()
    assert rebuild_outputs(out) == out / "scores.csv"
    assert (out / "scores.csv").read_bytes() == expected
    assert (out / "summary.html").exists() and (out / "scores.parquet").exists()


def _records(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "records").glob("*.json"))}


def test_sigkill_mid_batch_loses_nothing_finished(tmp_path: Path):
    n = 6
    for i in range(n):
        fake_clip(tmp_path / "in" / f"c{i}.mp4", metrics={}, sleep_s=1.0)
    out, cache = tmp_path / "out", tmp_path / "cache"
    cmd = [
        sys.executable,
        "-c",
        "from tests.batch.fakes import run_fake_batch_main; run_fake_batch_main()",
        str(tmp_path / "in"),
        str(out),
        str(cache),
        "2",
    ]
    env = subprocess_env()
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not (out / "records").is_dir() or not any((out / "records").glob("*.json")):
        assert proc.poll() is None, "the batch ended before it could be killed"
        assert time.monotonic() < deadline, "no clip finished in time"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the dispatcher and its workers, at once
    proc.wait(timeout=30)
    done_at_kill = _records(out)
    assert 1 <= len(done_at_kill) < n

    second = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary == {"scored": n - len(done_at_kill), "skipped": len(done_at_kill)}
    after = _records(out)
    assert len(after) == n
    # What was finished before the kill was kept as it was, not scored again.
    assert {k: after[k] for k in done_at_kill} == done_at_kill
    # Clips finished before the kill went through the pose stage once, in all.
    counts = inference_count(cache)
    finished_first = [json.loads(v)["result_dir"] for v in done_at_kill.values()]
    for result_dir in finished_first:
        stem = Path(result_dir).name.rsplit("-", 1)[0]
        assert counts[f"{stem}.mp4"] == 1
    rows = read_csv(out / "scores.csv")
    assert [r["status"] for r in rows] == ["ok"] * n
    assert not list((out / "clips").glob(".*")) and not list((out / "records").glob(".*"))


def test_a_broken_knowledge_base_fails_the_summary_loudly(tmp_path: Path, monkeypatch):
    # The summary's normal bands come from the knowledge base: a broken one is a packaging
    # bug to surface, never a summary with its bands silently left out.
    make_clips(tmp_path / "in")
    run(tmp_path, [tmp_path / "in"])
    broken = tmp_path / "knowledge_base.toml"
    broken.write_text("schema_version = 1\n[[findings]]\nid = 'x'\n", encoding="utf-8")

    def load_broken() -> KnowledgeBase:
        return parse_knowledge_base(broken.read_text(encoding="utf-8"), origin=str(broken))

    monkeypatch.setattr(normal, "load_knowledge_base", load_broken)
    with pytest.raises(KnowledgeBaseError, match="schema_version"):
        rebuild_outputs(tmp_path / "out")
