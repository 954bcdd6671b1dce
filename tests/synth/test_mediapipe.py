"""MediaPipe finds the synthetic runner and its landmarks sit near the true joints."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pybullet")
pytest.importorskip("mediapipe")

from gaitlab.synth.clip import render_clip
from gaitlab.synth.evaluate import check_clip
from gaitlab.synth.render import Camera, ClipSpec

MODEL = Path(__file__).resolve().parents[2] / "models" / "pose_landmarker_full.task"


@pytest.mark.integration
@pytest.mark.skipif(not MODEL.is_file(), reason="models/pose_landmarker_full.task not built")
@pytest.mark.parametrize(("view", "preset"), [("side-left", "normal"), ("rear", "pelvic_drop")])
def test_mediapipe_detects_runner(view: str, preset: str, tmp_path: Path) -> None:
    spec = ClipSpec.from_preset(
        preset,
        tmp_path / f"{view}.mp4",
        camera=Camera(view=view, width_px=640, height_px=360),
        fps=30,
        duration_s=2.5,
        seed=4,
    )
    video, truth = render_clip(spec)
    result = check_clip(video, truth, MODEL)
    assert result.detection_rate >= 0.98
    # Hips and knees within a few percent of the ~190 px figure (measured: 2-5 px median).
    for name in ("left_hip", "right_hip", "left_knee", "right_knee", "left_shoulder"):
        assert result.median_error_best_px[name] < 12.0, (name, result.median_error_best_px)
