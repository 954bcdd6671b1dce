"""Panning and pass-by cameras: the draw, the overground runner's truth and the warped room."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pybullet")

from gaitlab.synth.camera_path import CameraMotion, camera_angles, runner_start_x_m
from gaitlab.synth.cli import add_synth_parser, run_synth
from gaitlab.synth.clip import render_clip
from gaitlab.synth.population import (
    PopulationSettings,
    add_params_to_truth,
    draw_clip,
    draw_population,
    rendered_as_drawn,
)
from gaitlab.synth.render import Camera, ClipSpec, Renderer, Scene, synthesize_clip

V1 = PopulationSettings(version=1)

#: Parameters of clips rendered and documented before camera motion was drawn, as their
#: truth files recorded them (seeds 2026 and 7373). Clips 2026/2 and 7373/0 are drawn
#: pass-by and panning now: their other parameters must not have moved.
RECORDED: dict[tuple[int, int], dict[str, object]] = {
    (2026, 2): {
        "view": "rear",
        "kit": "contrast",
        "fault": "pelvic_drop",
        "fps": 60,
        "width_px": 1280,
        "crf": 30,
        "motion_seed": 565075380,
        "camera_distance_m": 3.483,
        "camera_roll_deg": 0.58,
        "camera_fov_deg": 60.101,
        "outfit_shirt": (0.467, 0.479, 0.542),
        "scene_texture_seed": 1709687799,
    },
    (2026, 3): {
        "view": "side-left",
        "kit": "contrast",
        "fault": "limited_hip_extension",
        "fps": 30,
        "width_px": 1920,
        "crf": 27,
        "motion_seed": 390183707,
        "camera_distance_m": 4.441,
        "camera_roll_deg": -3.41,
        "camera_fov_deg": 40.904,
        "outfit_shirt": (0.075, 0.075, 0.195),
        "scene_texture_seed": 785291097,
    },
    (7373, 0): {
        "view": "side-right",
        "kit": "same_colour",
        "fault": "limited_hip_extension",
        "fps": 60,
        "width_px": 1280,
        "crf": 25,
        "motion_seed": 598413035,
        "camera_distance_m": 5.012,
        "camera_roll_deg": -0.79,
        "camera_fov_deg": 33.054,
        "outfit_shirt": (0.438, 0.457, 0.379),
        "scene_texture_seed": 23306486,
    },
    (7373, 17): {
        "view": "rear",
        "kit": "contrast",
        "fault": "normal",
        "fps": 60,
        "width_px": 1920,
        "crf": 18,
        "motion_seed": 1590747211,
        "camera_distance_m": 5.826,
        "camera_roll_deg": -3.3,
        "camera_fov_deg": 40.362,
        "outfit_shirt": (0.68, 0.477, 0.147),
        "scene_texture_seed": 370382890,
    },
}


@pytest.mark.parametrize("key", sorted(RECORDED))
def test_clips_rendered_before_camera_motion_keep_every_parameter(
    key: tuple[int, int], tmp_path: Path
) -> None:
    seed, index = key
    v1, v2 = draw_clip(seed, index, tmp_path, V1), draw_clip(seed, index, tmp_path)
    for name, value in RECORDED[key].items():
        assert v1.params[name] == value, name
        assert v2.params[name] == value, name
    assert v1.params["camera_motion"] == "static"
    # Version 2 differs from version 1 by the camera motion alone.
    common = {k: v for k, v in v1.params.items() if k != "population_version"}
    assert {k: v2.params[k] for k in common if k != "camera_motion"} == {
        k: v for k, v in common.items() if k != "camera_motion"
    }
    spec2 = replace(v2.spec, camera_motion=v1.spec.camera_motion, camera=v1.spec.camera)
    assert spec2 == v1.spec
    assert replace(v2.spec.camera, far_m=v1.spec.camera.far_m) == v1.spec.camera
    now = {(2026, 2): "pass-by", (7373, 0): "panning"}.get(key, "static")
    assert v2.params["camera_motion"] == now


def test_camera_motion_draw_is_seeded_recorded_and_by_view(tmp_path: Path) -> None:
    clips = draw_population(200, 1, tmp_path)
    again = draw_population(200, 1, tmp_path)
    assert [c.spec.camera_motion for c in clips] == [c.spec.camera_motion for c in again]
    kinds = {"side": [], "rear": []}
    for c in clips:
        p, motion = c.params, c.spec.camera_motion
        kinds[p["view_kind"]].append(motion.kind)
        assert p["camera_motion"] == motion.kind
        assert p["population_version"] == 2
        if motion.overground:
            # Every parameter of the motion is recorded with the clip.
            assert {k: p[f"camera_motion_{k}"] for k in motion.to_dict() if k != "kind"} == {
                k: v for k, v in motion.to_dict().items() if k != "kind"
            }
    side, rear = np.array(kinds["side"]), np.array(kinds["rear"])
    # 60/20/20 % of ~100 side clips and 70/30 % of ~100 rear clips: within +-12 points.
    assert abs(np.mean(side == "static") - 0.6) < 0.12
    assert abs(np.mean(side == "panning") - 0.2) < 0.12
    assert abs(np.mean(side == "pass-by") - 0.2) < 0.12
    assert "panning" not in set(rear) and abs(np.mean(rear == "pass-by") - 0.3) < 0.12


def test_a_clip_rendered_by_another_draw_is_not_reused(tmp_path: Path) -> None:
    clip = next(c for c in draw_population(12, 7373, tmp_path) if c.spec.camera_motion.overground)
    old = draw_clip(7373, clip.index, tmp_path, V1)
    truth = tmp_path / "x.truth.json"
    truth.write_text(json.dumps({"schema_version": 1}))
    add_params_to_truth(truth, old.params)
    assert rendered_as_drawn(truth, old.params)
    assert not rendered_as_drawn(truth, clip.params)
    # A version-1 truth that predates the recorded version is the same static clip.
    legacy = {k: v for k, v in old.params.items() if k != "population_version"}
    add_params_to_truth(truth, legacy)
    assert rendered_as_drawn(truth, replace_version(old.params, 2))
    assert not rendered_as_drawn(tmp_path / "missing.truth.json", old.params)


def replace_version(params: dict, version: int) -> dict:
    """The same parameters under another population version."""
    return {**params, "population_version": version}


def test_panning_follow_lags_then_overshoots() -> None:
    # A runner that jumps from straight ahead to 30 deg left: the hand turns late, passes
    # 30 deg (damping 0.4 overshoots by exp(-pi z / sqrt(1 - z^2)) = 25 %) and settles.
    t = np.arange(0.0, 4.0, 0.01)
    eye, forward = np.array([0.0, 5.0, 1.0]), np.array([0.0, -1.0, 0.0])
    angle = np.where(t < 1.0, 0.0, np.radians(30.0))
    runner = np.stack([5.0 * np.tan(angle), np.zeros_like(t), np.ones_like(t)], axis=1)
    motion = CameraMotion(kind="panning", follow_hz=1.0, damping=0.4, lag_s=0.2)
    pan, tilt, roll = camera_angles(motion, eye, forward, t, runner)
    assert np.all(tilt == 0) and np.all(roll == 0)
    assert abs(pan[-1] - 30.0) < 0.5  # settled
    assert abs(pan[np.searchsorted(t, 1.19)]) < 0.01  # still unmoved within the lag
    assert 1.2 < pan.max() / 30.0 < 1.3


def _heel_anchored(truth: dict, name: str) -> list[np.ndarray]:
    """Per stance of one foot: frames where its heel is the lower end by over 1 cm."""
    pts = truth["frames"]["points"]
    heel = np.asarray(pts[f"{name}_heel"]["xyz_m"])
    toe = np.asarray(pts[f"{name}_foot_index"]["xyz_m"])
    t = np.asarray(truth["frames"]["time_s"])
    out = []
    for ev in truth["events"][name]:
        inside = (t >= ev["foot_strike_s"]) & (t < ev["toe_off_s"])
        frames = np.flatnonzero(inside & (toe[:, 2] - heel[:, 2] > 0.01))
        if len(frames) >= 2:
            out.append(heel[frames])
    return out


@pytest.fixture(scope="module")
def small_panning_truth(tmp_path_factory: pytest.TempPathFactory) -> dict:
    cam = Camera(view="side-left", width_px=192, height_px=108, distance_m=4.0, far_m=150.0)
    spec = ClipSpec(
        out_path=tmp_path_factory.mktemp("pan") / "pan.mp4",
        camera=cam,
        fps=60.0,
        duration_s=1.5,
        seed=4,
        camera_motion=CameraMotion(kind="panning", start_x_m=-2.3, shake_deg=0.3, shake_seed=1),
    )
    _, truth_path = render_clip(spec)
    return json.loads(truth_path.read_text())


def test_panning_truth_keeps_the_planted_heel_still_on_the_floor(small_panning_truth) -> None:
    truth = small_panning_truth
    stances = _heel_anchored(truth, "left") + _heel_anchored(truth, "right")
    assert len(stances) >= 2
    for heel in stances:
        # No belt: the heel stands still to a millimetre while the foot rests on it ...
        assert np.ptp(heel[:, :2], axis=0).max() <= 0.001
    # ... while the runner covers ground at the speed its strides give.
    speed = truth["camera_motion"]["ground_speed_m_per_s"]
    assert 2.8 <= speed <= 4.5
    hip = np.asarray(truth["frames"]["points"]["mid_hip"]["xyz_m"])
    assert hip[-1, 0] - hip[0, 0] == pytest.approx(speed * truth["frames"]["time_s"][-1], 0.01)


def test_treadmill_belt_carries_the_planted_heel_back(tmp_path: Path) -> None:
    spec = ClipSpec(out_path=tmp_path / "x.mp4", fps=60.0, duration_s=1.5, seed=4)
    syn = synthesize_clip(spec)
    assert syn.travel_m is not None and not np.any(syn.travel_m)
    heel = syn.pose.points_m(("left_heel",))[:, 0]
    toe = syn.pose.points_m(("left_foot_index",))[:, 0]
    flat = np.flatnonzero((toe[:, 2] - heel[:, 2] > 0.01) & (heel[:, 2] < 0.03))
    run = np.split(flat, np.flatnonzero(np.diff(flat) > 1) + 1)[0]
    assert len(run) >= 3
    # 3+ frames at 60 fps on a belt near 3 m/s: centimetres, not a millimetre.
    assert np.ptp(heel[run, 0]) > 0.02


def test_panning_truth_projects_each_frame_with_its_own_camera(small_panning_truth) -> None:
    truth = small_panning_truth
    cam_frames = truth["frames"]["camera"]
    proj = np.asarray(truth["camera"]["projection_matrix"])
    w, h = truth["video"]["width_px"], truth["video"]["height_px"]
    pts = truth["frames"]["points"]["mid_hip"]
    xyz, xy = np.asarray(pts["xyz_m"]), np.asarray(pts["xy_px"])
    pan = np.asarray(cam_frames["pan_deg"])
    assert np.ptp(pan) > 20.0  # the phone turned to follow
    for i in range(0, len(xyz), 7):
        clip = proj @ np.asarray(cam_frames["view_matrix"][i]) @ np.append(xyz[i], 1.0)
        ndc = clip[:3] / clip[3]
        expect = ((ndc[0] + 1) * 0.5 * w, (1 - ndc[1]) * 0.5 * h)
        assert xy[i] == pytest.approx(expect, abs=0.02)
    # Followed: the runner stays in frame although they cover several metres.
    assert (xy[:, 0] > 0).all() and (xy[:, 0] < w).all()


def test_room_warped_for_a_turned_camera_matches_a_direct_render() -> None:
    # Ambient light only: the picture then does not depend on where the light is, and a
    # direct render with the turned camera is the exact reference.
    scene = Scene(wall="stripes", floor="checker", clutter=3, texture_seed=2, ambient=1.0)
    scene = replace(scene, diffuse=0.0)
    base = Camera(view="side-left", width_px=320, height_px=180, distance_m=4.0, far_m=150.0)
    turned = replace(base, pan_deg=27.0, tilt_deg=1.5, roll_deg=2.0)
    span = (-4.0, 4.0)
    with Renderer(base, scene=scene, overground_x_m=span, frame_cameras=[turned]) as r:
        warped = r._room_seen_by(turned).astype(int)
    with Renderer(turned, scene=scene, overground_x_m=span) as r:
        direct = r.background.astype(int)
    diff = np.abs(warped - direct).max(axis=2)
    # Resampled, not re-rasterised: equal but for edge pixels of the bricks and tiles.
    assert np.median(diff) <= 2
    assert np.mean(diff > 40) < 0.03


def test_overground_start_positions() -> None:
    # Panning passes square to the camera mid-clip; a side pass-by enters 0.5 m past the edge.
    assert runner_start_x_m("panning", "side-left", 2.0, 4.0, 3.0, 3.0) == -4.5
    assert runner_start_x_m("pass-by", "side-right", 2.0, 4.0, 3.0, 3.0, lead_s=0.5) == -4.0
    assert runner_start_x_m("pass-by", "rear", 2.0, 4.0, 3.0, 3.0, lead_s=0.5) == 1.5
    assert runner_start_x_m("static", "rear", 2.0, 4.0, 3.0) == 0.0


def test_cli_refuses_an_overground_walk(tmp_path: Path, capsys) -> None:
    parser = argparse.ArgumentParser()
    add_synth_parser(parser.add_subparsers())
    out = str(tmp_path / "w.mp4")
    args = parser.parse_args(
        ["synth", "--out", out, "--motion", "walk", "--camera-motion", "pass-by"]
    )
    assert run_synth(args) == 2
    err = capsys.readouterr().err.strip()
    assert err == "gaitlab synth: an overground runner needs a running motion, not a walk"


def test_population_version_is_checked() -> None:
    with pytest.raises(ValueError, match="population version"):
        PopulationSettings(version=3)
