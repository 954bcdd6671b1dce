"""Population draw: seeded, within the stated ranges, and recorded in the truth and index."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pybullet")

from gaitlab.synth.clip import render_clip
from gaitlab.synth.figure import Outfit, hem_motion
from gaitlab.synth.population import (
    FRAME_RATES,
    KITS,
    add_params_to_truth,
    draw_clip,
    draw_population,
    write_index,
)
from gaitlab.synth.render import Camera


def test_same_seed_same_population_and_clips_do_not_depend_on_its_size(tmp_path: Path) -> None:
    a = draw_population(12, 5, tmp_path)
    b = draw_population(12, 5, tmp_path)
    assert [c.params for c in a] == [c.params for c in b]
    assert [c.spec for c in a] == [c.spec for c in b]
    # Clip 3 of a population of 12 is clip 3 of a population of 4.
    assert draw_population(4, 5, tmp_path)[3].params == a[3].params
    other = draw_population(12, 6, tmp_path)
    assert [c.params for c in other] != [c.params for c in a]


def test_drawn_values_stay_in_their_ranges(tmp_path: Path) -> None:
    clips = draw_population(200, 1, tmp_path)
    p = [c.params for c in clips]
    assert all(0.5 <= x["camera_height_m"] <= 1.5 for x in p)
    assert all(2.5 <= x["camera_distance_m"] <= 6.0 for x in p)
    assert all(abs(x["camera_roll_deg"]) <= 5.0 for x in p)
    assert all(abs(x["camera_yaw_deg"]) <= (30.0 if x["view_kind"] == "side" else 10.0) for x in p)
    assert all(250.0 <= x["runner_px"] <= 800.0 for x in p)
    assert all(x["fps"] in FRAME_RATES for x in p)
    assert all(480 <= min(x["width_px"], x["height_px"]) <= 1080 for x in p)
    assert all(18 <= x["crf"] <= 32 for x in p)
    # Every kind of kit, view, orientation, fault and normal clips all occur in 200 draws.
    assert {x["kit"] for x in p} == set(KITS)
    assert {x["view"] for x in p} == {"rear", "side-left", "side-right"}
    assert {x["orientation"] for x in p} == {"portrait", "landscape"}
    faults = {x["fault"] for x in p}
    assert {"normal", "pelvic_drop", "back_arch", "trunk_lean"} <= faults
    # A fault is only planted in a view that can see it.
    assert all(x["fault"] != "pelvic_drop" or x["view_kind"] == "rear" for x in p)
    for c in clips:
        o = c.spec.outfit
        if c.params["kit"] == "same_colour":
            assert o.shirt == o.shorts
        assert (o.top_fit == "untucked") == (c.params["kit"] == "untucked")
        if c.params["kit"] == "contrast":
            assert c.params["waist_contrast_lab"] >= 25.0


def test_runner_height_in_pixels_follows_from_the_field_of_view(tmp_path: Path) -> None:
    # The drawn runner height, turned into a field of view, projects back to that height.
    c = next(c for c in draw_population(30, 3, tmp_path) if abs(c.params["camera_yaw_deg"]) < 5)
    cam = replace(c.spec.camera, roll_deg=0.0, yaw_deg=0.0, target_height_m=None, height_m=0.81)
    head, feet = cam.project(np.array([[0.0, 0.0, 1.62], [0.0, 0.0, 0.0]]))
    assert abs(feet[1] - head[1]) == pytest.approx(c.params["runner_px"], rel=0.02)


def test_index_lists_every_clip(tmp_path: Path) -> None:
    clips = draw_population(5, 9, tmp_path)
    json_path, csv_path = write_index(clips, tmp_path)
    rows = json.loads(json_path.read_text())["clips"]
    assert [r["stem"] for r in rows] == [f"pop9_{i:03d}" for i in range(5)]
    assert rows[2]["camera_distance_m"] == clips[2].params["camera_distance_m"]
    with csv_path.open() as fh:
        table = list(csv.DictReader(fh))
    assert (
        len(table) == 5 and float(table[4]["camera_yaw_deg"]) == clips[4].params["camera_yaw_deg"]
    )


def test_untucked_hem_flaps_once_per_step_and_a_tucked_top_does_not() -> None:
    phase = np.linspace(0.0, 2.0, 801)
    dz, roll = hem_motion(phase, Outfit(top_fit="untucked", hem_bounce_m=0.02, hem_sway_deg=6.0))
    assert np.abs(dz).max() == pytest.approx(0.02, rel=0.01)
    assert np.abs(roll).max() == pytest.approx(6.0, rel=0.01)
    # Bounce: period half a stride (one step); sway: one stride.
    assert dz[:201] == pytest.approx(dz[200:401], abs=1e-12)
    assert roll[:401] == pytest.approx(roll[400:801], abs=1e-12)
    assert not np.allclose(roll[:201], roll[200:401])
    dz0, roll0 = hem_motion(phase, Outfit())
    assert not dz0.any() and not roll0.any()


def test_yawed_camera_stays_at_its_distance_and_aims_at_the_runner() -> None:
    cam = Camera(view="side-left", yaw_deg=30.0, distance_m=4.0, height_m=1.2, target_height_m=0.85)
    eye, target, _ = cam.eye_target_up()
    assert np.linalg.norm((eye - target)[:2]) == pytest.approx(4.0)
    assert np.degrees(np.arctan2(-eye[0], eye[1])) == pytest.approx(30.0)
    centre = cam.project(target[None])[0]
    assert centre == pytest.approx([cam.width_px / 2, cam.height_px / 2], abs=1e-6)


def test_truth_file_records_every_drawn_parameter(tmp_path: Path) -> None:
    clip = draw_clip(4, 0, tmp_path)
    # A tiny render of the drawn clip (size, rate and length cut for the test's sake).
    spec = replace(
        clip.spec,
        camera=replace(clip.spec.camera, width_px=160, height_px=160),
        fps=24.0,
        duration_s=1.0,
    )
    _, truth_path = render_clip(spec)
    add_params_to_truth(truth_path, clip.params)
    truth = json.loads(truth_path.read_text())
    assert truth["population"] == json.loads(json.dumps(clip.params))
    assert truth["spec"]["outfit"]["top_fit"] == clip.spec.outfit.top_fit
    assert truth["spec"]["scene"]["wall"] == clip.spec.scene.wall
    assert truth["camera"]["yaw_deg"] == clip.spec.camera.yaw_deg


def test_population_cli_refuses_bad_arguments_with_one_line(tmp_path: Path, capsys) -> None:
    from gaitlab.synth.cli import main

    assert main(["synth", "--population", "-1", "--out", str(tmp_path / "pop")]) == 2
    assert main(["synth", "--population", "3", "--out", str(tmp_path / "clip.mp4")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("gaitlab synth: ") for line in err)
    assert not (tmp_path / "pop").exists()
