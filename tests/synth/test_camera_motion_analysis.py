"""gaitlab on rendered panning and pass-by clips: real MediaPipe inference, no mocks.

Each clip is 2.5-3 s of a runner with no stride-to-stride variation, so the true cadence
is the same over any stretch of it (150 steps/min for the bundled run) and comparing it
with what gaitlab measured on the steps it saw is fair.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("pybullet")
pytest.importorskip("mediapipe")

from gaitlab.pipeline import AnalysisRequest, analyze_clip
from gaitlab.synth.camera_path import CameraMotion, runner_start_x_m
from gaitlab.synth.clip import render_clip
from gaitlab.synth.deviations import NORMAL_RUN
from gaitlab.synth.render import Camera, ClipSpec, Scene

MODEL = Path(__file__).resolve().parents[2] / "models" / "pose_landmarker_full.task"
pytestmark = pytest.mark.skipif(not MODEL.is_file(), reason="pose model not built")


def _render_and_analyse(folder: Path, kind: str, view: str, fps: float) -> tuple[Any, dict]:
    import json

    cam = Camera(
        view=view,
        width_px=480,
        height_px=270,
        height_m=1.0,
        distance_m=5.0,
        fov_deg=40.0,
        target_height_m=0.85,
        far_m=150.0,
    )
    half_width_m = cam.distance_m * np.tan(np.radians(cam.fov_deg / 2)) * 480 / 270
    duration_s = 3.0
    start = runner_start_x_m(kind, view, half_width_m, cam.distance_m, duration_s, lead_s=-0.3)
    motion = CameraMotion(
        kind=kind,
        start_x_m=start,
        shake_deg=0.3 if kind == "panning" else 0.0,
        shake_seed=5,
        follow_hz=1.0,
        damping=0.5,
        lag_s=0.15,
    )
    spec = ClipSpec(
        out_path=folder / f"{kind}.mp4",
        camera=cam,
        fps=fps,
        duration_s=duration_s,
        seed=11,
        deviations=NORMAL_RUN.plus(stride_variability=0.0),
        # A textured room: the camera's motion is read from the background.
        scene=Scene(wall="bricks", floor="checker", clutter=3, texture_seed=4),
        camera_motion=motion,
    )
    video, truth_path = render_clip(spec)
    analysis = analyze_clip(video, AnalysisRequest(), cache_dir=folder / "pose")
    return analysis, json.loads(truth_path.read_text())


@pytest.fixture(scope="module")
def panning(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict]:
    return _render_and_analyse(tmp_path_factory.mktemp("pan"), "panning", "side-left", 30.0)


@pytest.fixture(scope="module")
def pass_by(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, dict]:
    return _render_and_analyse(tmp_path_factory.mktemp("passby"), "pass-by", "side-right", 30.0)


def _camera_class(analysis: Any) -> str:
    cam = analysis.to_dict()["kinematics"].get("camera")
    return cam if isinstance(cam, str) else str((cam or {}).get("kind"))


def test_panning_clip_is_classed_panning_and_overground(panning) -> None:
    analysis, truth = panning
    assert truth["camera_motion"]["kind"] == "panning"
    assert _camera_class(analysis) == "panning"
    assert analysis.kinematics.treadmill is False
    assert analysis.kinematics.running.is_running


@pytest.mark.xfail(
    strict=True,
    reason="kinematics: panning cadence 151.4 vs 150.0 steps/min at 30 fps (141.5 at 60 fps) "
    "on gaitlab 38e9763; reported to the kinematics work, not fixed here",
)
def test_panning_clip_cadence_within_one_step_per_minute(panning) -> None:
    analysis, truth = panning
    assert float(analysis.kinematics.cadence.cadence_spm) == pytest.approx(
        truth["cadence_spm"], abs=1.0
    )


def test_pass_by_clip_is_overground_from_a_static_camera(pass_by) -> None:
    analysis, truth = pass_by
    assert truth["camera_motion"]["kind"] == "pass-by"
    assert _camera_class(analysis) == "static"
    assert analysis.kinematics.treadmill is False
    # The runner is in frame for part of the clip only: crossing, then gone.
    xy = np.asarray(truth["frames"]["points"]["mid_hip"]["xy_px"])
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < truth["video"]["width_px"])
    assert 0.2 < inside.mean() < 0.9
