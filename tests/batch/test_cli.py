"""The ``batch`` subcommand: arguments, exit codes, output, progress display."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import pytest

from gaitlab.batch.cli import EXIT_CLIPS_FAILED, add_batch_parser, run_batch_cli, settings_from_args
from gaitlab.batch.inputs import BatchInputError
from gaitlab.batch.progress import LogProgress, NullProgress, TerminalProgress, make_progress
from gaitlab.batch.row import ClipRow
from tests.batch.conftest import subprocess_env
from tests.conftest import REPO


def run_module(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = subprocess_env()
    return subprocess.run(
        [sys.executable, "-m", "gaitlab", "batch", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
    )  # fmt: skip


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="gaitlab")
    add_batch_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["batch", *argv])


def test_parser_defaults_and_settings(tmp_path: Path):
    args = parse("a.mp4", "folder", "--out", str(tmp_path))
    assert args.func is run_batch_cli
    assert args.inputs == ["a.mp4", "folder"]
    settings = settings_from_args(args)
    assert settings.jobs is None and settings.executor == "local" and settings.use_cache
    assert settings.request.view == "auto" and settings.request.pose.model == "full"
    args = parse("x", "--out", "o", "--jobs", "3", "--view", "rear", "--height-cm", "180",
                 "--slowmo", "4", "--executor", "ray", "--ray-address", "auto",
                 "--retry-failed", "--no-cache", "--cache-dir", "c", "--reports", "--video",
                 "--blur-faces")  # fmt: skip
    s = settings_from_args(args)
    assert (s.outputs.reports, s.outputs.video, s.outputs.blur_faces) == (True, True, True)
    assert not settings.outputs.reports and not settings.outputs.video
    assert (s.jobs, s.executor, s.ray_address, s.retry_failed, s.use_cache) == (
        3, "ray", "auto", True, False,
    )  # fmt: skip
    assert (s.request.view, s.request.height_cm, s.request.pose.slowmo_factor) == ("rear", 180, 4)
    with pytest.raises(SystemExit):
        parse("x")  # --out is required


def test_pose_max_side_option_reaches_the_request():
    from gaitlab.pipeline import AnalysisRequest

    default = settings_from_args(parse("x", "--out", "o")).request.pose
    assert default == AnalysisRequest().pose and default.max_side_px == 960
    full = settings_from_args(parse("x", "--out", "o", "--pose-max-side", "full")).request.pose
    assert full.max_side_px is None
    assert settings_from_args(parse("x", "--out", "o", "--pose-max-side", "1280")).request.pose
    for bad in ("100", "big"):
        with pytest.raises(SystemExit):
            parse("x", "--out", "o", "--pose-max-side", bad)


def test_corrupt_only_batch_exits_7_with_plain_log_lines(tmp_path: Path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "broken.mp4").write_bytes(b"\x00" * 2048)
    proc = run_module(str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert proc.returncode == EXIT_CLIPS_FAILED, proc.stderr
    assert "batch     1 clips: 0 ok, 1 failed (1 scored now, 0 already done)" in proc.stdout
    assert "failed    broken.mp4: " in proc.stdout
    assert "--retry-failed" in proc.stdout
    err = proc.stderr.splitlines()
    assert err[0] == "gaitlab batch: 1 clips: 0 already done, 1 to score with 1 local worker"
    assert err[1].startswith("gaitlab batch: [1/1] FAILED broken.mp4: ")
    assert "\r" not in proc.stderr  # no progress bar when not a terminal
    assert (tmp_path / "out" / "scores.csv").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["missing_folder"], "missing_folder: no such file or folder"),
        (["IN", "--jobs", "0"], "--jobs: must be a whole number between 1 and 4096, got 0"),
        (["IN", "--ray-address", "auto"], "--ray-address needs --executor ray"),
        (["IN", "--height-cm", "20"], "--height-cm: must be a number between 100 and 250"),
        (["IN", "--view", "diagonal"], "view must be one of"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path, args, fragment):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.mp4").write_bytes(b"x")
    args = [str(tmp_path / "in") if a == "IN" else a for a in args]
    proc = run_module(*args, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gaitlab: error: ") and fragment in lines[0]


def test_ray_missing_is_a_usage_error(monkeypatch):
    from gaitlab.batch.executors import RayExecutor
    from tests.batch.fakes import fake_scorer

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(BatchInputError, match=r"pip install 'gaitlab\[cluster\]'"):
        RayExecutor(2, fake_scorer)


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_choice_and_terminal_bars():
    assert isinstance(make_progress(io.StringIO()), LogProgress)
    assert isinstance(make_progress(FakeTTY()), TerminalProgress)
    assert isinstance(make_progress(FakeTTY(), quiet=True), NullProgress)
    stream = FakeTTY()
    bars = TerminalProgress(stream)
    bars.start(total=5, done_before=2, to_score=3, workers=2, where="local")
    bars.clip_started(0, "a.mp4")
    bars.clip_frames(0, 50, 100)
    bars.clip_finished(0, "a.mp4", ClipRow(key="k", sha256="", status="ok", n_frames=100))
    bars.clip_finished(1, "b.mp4", ClipRow(key="k", sha256="", status="error", error="b.mp4: bad"))
    bars.note("a note")
    bars.close()
    text = stream.getvalue()
    assert "5 clips: 2 already done, 3 to score with 2 local workers" in text
    assert "worker 1: a.mp4 frame 50/100 (50 %)" in text
    assert "FAILED b.mp4: bad" in text and "1 failed" in text and "a note" in text
    assert "2/3" in text


def test_parser_module_is_light_and_agrees_with_the_runner():
    # The main command builds its parser at every start; the analysis stack must not load.
    code = (
        "import sys, gaitlab.batch.cli, gaitlab.batch; "
        "assert 'gaitlab.pipeline' not in sys.modules, sorted(sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=subprocess_env(), capture_output=True)
    assert proc.returncode == 0, proc.stderr
    from gaitlab.batch.cli import EXECUTOR_CHOICES
    from gaitlab.batch.orchestrate import EXECUTORS

    assert EXECUTOR_CHOICES == EXECUTORS


def test_public_names_resolve():
    import gaitlab.batch as batch

    assert batch.run_batch.__module__ == "gaitlab.batch.orchestrate"
    assert all(getattr(batch, name) is not None for name in batch.__all__)
    with pytest.raises(AttributeError):
        batch.nothing_here  # noqa: B018
