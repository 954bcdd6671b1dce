"""Rendering: projected true joints land on the figure; clips and truth files are well formed."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pybullet")
av = pytest.importorskip("av")

from gaitlab.synth.cli import add_synth_parser, spec_from_args  # noqa: E402
from gaitlab.synth.clip import render_clip  # noqa: E402
from gaitlab.synth.render import (  # noqa: E402
    VIEWS,
    Camera,
    ClipSpec,
    Renderer,
    pose_arrays,
    sample_segment,
    synthesize_clip,
)
from gaitlab.synth.skeleton import POINT_NAMES  # noqa: E402

JOINTS = tuple(
    f"{s}_{j}" for s in ("left", "right") for j in ("hip", "knee", "ankle", "shoulder", "elbow")
)


@pytest.mark.parametrize("view", VIEWS)
def test_projected_joints_land_on_figure(view: str, tmp_path: Path) -> None:
    spec = ClipSpec.from_preset(
        "back_arch",
        tmp_path / "x.mp4",
        camera=Camera(view=view, width_px=480, height_px=270, roll_deg=3.0),
        fps=30,
        duration_s=0.9,
        seed=2,
    )
    syn = synthesize_clip(spec)
    origins, quats = pose_arrays(syn.pose)
    px = spec.camera.project(syn.pose.points_m())
    hits = []
    with Renderer(spec.camera, spec.outfit) as renderer:
        for i in range(0, syn.pose.n, 3):
            _, seg = renderer.render(origins[i], quats[i])
            hits.append(sample_segment(seg, px[i]) >= 0)
    hits = np.asarray(hits)
    # Every named point is a joint centre or a point inside the body: its pixel is figure.
    rates = dict(zip(POINT_NAMES, hits.mean(axis=0).round(2).tolist(), strict=True))
    assert hits.mean() >= 0.98, {k: v for k, v in rates.items() if v < 1}
    for name in JOINTS:
        assert hits[:, POINT_NAMES.index(name)].all(), name


def test_clip_and_truth_file(tmp_path: Path) -> None:
    spec = ClipSpec.from_preset(
        "pelvic_drop",
        tmp_path / "clip.mp4",
        camera=Camera(view="rear", width_px=320, height_px=180),
        fps=60,
        duration_s=1.0,
        seed=1,
    )
    video, truth_path = render_clip(spec)
    with av.open(str(video)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264"
        times = [float(f.pts * stream.time_base) for f in c.decode(stream)]
        assert stream.codec_context.pix_fmt == "yuv420p"
    assert len(times) == 60
    assert np.allclose(times, np.arange(60) / 60, atol=1e-6)
    truth = json.loads(truth_path.read_text())
    assert truth["schema_version"] == 1
    frames = truth["frames"]
    assert len(frames["time_s"]) == 60
    assert np.allclose(frames["time_s"], times, atol=1e-6)
    assert frames["points"]["left_hip"]["mediapipe_index"] == 23
    assert np.asarray(frames["points"]["right_knee"]["xy_px"]).shape == (60, 2)
    assert truth["spec"]["deviations"]["pelvic_drop_deg"] == pytest.approx(-3.0 + 8.0)
    assert truth["stances"], "a 1 s run has foot strikes"
    assert truth["camera"]["view"] == "rear"


def test_cli_arguments_build_spec(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_synth_parser(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(
        [
            "synth",
            "--out",
            str(tmp_path / "a.mp4"),
            "--preset",
            "normal",
            "--view",
            "rear",
            "--fps",
            "120",
            "--pelvic-drop-left",
            "5",
            "--trunk-lean",
            "2",
            "--shirt",
            "#00ff00",
            "--camera-roll-deg",
            "2",
            "--stride-variability",
            "0",
        ]
    )
    spec = spec_from_args(args)
    assert spec.camera.view == "rear" and spec.fps == 120
    assert spec.deviations.pelvic_drop_left_deg == 5.0
    assert spec.deviations.trunk_lean_deg == pytest.approx(-17.0 + 2.0)
    assert spec.deviations.stride_variability == 0.0
    assert spec.outfit.shirt == (0.0, 1.0, 0.0)
    assert args.func is not None


def test_a_clip_shorter_than_a_stride_gets_a_truth_file_with_nulls(tmp_path: Path) -> None:
    # No complete stride: the stride figures are unknown, written as null (JSON has no NaN),
    # not an internal error.
    spec = ClipSpec.from_preset(
        "normal",
        tmp_path / "short.mp4",
        camera=Camera(view="rear", width_px=160, height_px=90),
        fps=30,
        duration_s=0.4,
        seed=1,
    )
    _, truth_path = render_clip(spec)
    truth = json.loads(truth_path.read_text())
    assert truth["cadence_spm"] is None
    assert len(truth["frames"]["time_s"]) == 12
