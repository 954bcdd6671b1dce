"""The ``gaitlab`` command: exit codes, one-line errors, and the analyze outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gaitlab.cli import main
from tests.clipmaker import pattern_clip
from tests.conftest import MODEL, REPO, shared_clip


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run the real command in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "gaitlab.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )


# Bad inputs (missing, empty, corrupt, audio-only, too short, too small, bad options, unusable
# --out, ...) and their one-line messages: the corpus in tests/robustness/test_bad_inputs.py.


def test_usage_error_exit_code(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze"])
    assert exc.value.code == 2


def test_bad_height_is_a_usage_error(tmp_path: Path, capsys):
    clip = pattern_clip(tmp_path / "c.mp4", duration_s=2.5)
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(clip), "--height-cm", "20"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one line, no usage text
    assert "--height-cm: must be a number between 100 and 250, got 20" in err


def test_workers_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "clip.mp4", "--workers", "0"])
    assert exc.value.code == 2
    assert "--workers: must be a whole number between 1 and 64, got 0" in capsys.readouterr().err


def test_pose_max_side_must_be_pixels_or_full(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", "clip.mp4", "--pose-max-side", "200"])
    assert exc.value.code == 2
    assert "--pose-max-side: must be at least 320 px (or 'full'), got 200" in (
        capsys.readouterr().err
    )


def test_cli_default_pose_max_side_is_the_pose_stages():
    from gaitlab.cli_options import POSE_MAX_SIDE_PX
    from gaitlab.pose.extract import MAX_SIDE_PX, PoseSettings

    assert POSE_MAX_SIDE_PX == MAX_SIDE_PX == PoseSettings().max_side_px


@pytest.mark.integration
def test_workers_split_the_clip_between_two_landmarkers(tmp_path: Path):
    clip = REPO / "sample_videos" / "synth_side_normal.mp4"  # 8 s: two segments of >= 2 s
    out = tmp_path / "out"
    proc = run_cli(
        "analyze", str(clip), "--out", str(out), "--workers", "2", "--quiet",
        "--no-video", "--no-keyframes", "--no-report", "--cache-dir", str(tmp_path / "cache"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "result.json").read_text())
    segments = result["pose"]["model"]["settings"]["segments"]
    assert len(segments) == 2 and segments[1]["keep_from_s"] == segments[0]["end_s"]
    assert result["pose"]["n_frames"] == 480  # every frame once, none lost at the seam


@pytest.mark.integration
@pytest.mark.shared
def test_analyze_real_clip_writes_result_and_prints_summary(tmp_path: Path):
    assert MODEL.exists(), f"bundled model missing: {MODEL}"
    clip = shared_clip("zzzhushi_male_side_treadmill.mp4")
    out = tmp_path / "res"
    proc = run_cli("analyze", str(clip), "--out", str(out), "--cache-dir", str(tmp_path / "c"))
    assert proc.returncode == 0, proc.stderr
    assert "720x1280 upright" in proc.stdout
    assert "360 frames" in proc.stdout
    assert "30.0 fps from timestamps" in proc.stdout
    # What to do if it hurts, above the findings; then every safety item.
    text = " ".join(proc.stdout.split())
    assert text.index("if it hurts now - Rest first:") < text.index("findings ")
    assert text.index("findings ") < text.index("safety - Groin pain:")
    for title in ("Clicking or locking:", "Spasms or tingling:", "What gaitlab is:"):
        assert title in text
    result = json.loads((out / "result.json").read_text())
    assert result["schema"] == "gaitlab.result" and result["schema_version"] == 1
    assert result["clip"]["n_frames"] == 360
    assert result["pose"]["detection_rate"] >= 0.95
    assert (out / "pose_series.npz").exists()
    # The portrait 720x1280 frames went to the model at 540x960 (the default limit).
    assert result["pose"]["model"]["settings"]["model_size_px"] == [540, 960]

    # --json prints the same result for scripts (and the cache makes it fast).
    proc = run_cli(
        "analyze", str(clip), "--out", str(out), "--cache-dir", str(tmp_path / "c"), "--json"
    )
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    assert printed["clip"]["sha256"] == result["clip"]["sha256"]


def test_a_closed_output_pipe_is_not_an_error():
    # `gaitlab models list | head -0`: the reader is gone before gaitlab writes.
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "gaitlab.cli", "models", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert "Error" not in err and "internal error" not in err, err
