"""The camera's roll from the scene: drawn lines of known angle, renders rolled 0-5 deg."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from gaitlab.imaging.level import LevelSettings, estimate_roll, line_votes
from gaitlab.kinematics.geometry import level_points


def _scene(roll_deg: float, size=(540, 960), runner: bool = True) -> np.ndarray:
    """A grey room (wall, floor edge, a door frame, a shelf) seen by a camera rolled by roll_deg."""
    h, w = size
    big = np.full((h * 2, w * 2), 170, np.uint8)
    big[int(h * 1.3) :, :] = 140  # floor below a level floor line
    cv2.line(big, (int(w * 0.9), int(h * 0.6)), (int(w * 0.9), int(h * 1.3)), 90, 4)  # door
    cv2.line(big, (int(w * 1.1), int(h * 0.6)), (int(w * 1.1), int(h * 1.3)), 90, 4)
    cv2.line(big, (int(w * 0.2), int(h * 0.8)), (int(w * 0.7), int(h * 0.8)), 60, 3)  # shelf
    if runner:
        # The runner's trunk, leaning 6 deg (within the plumb-vote band): it must not vote.
        x0, y0, n = w, int(h * 0.7), int(h * 0.55)
        x1 = x0 + round(n * math.tan(math.radians(6.0)))
        cv2.line(big, (x0, y0), (x1, y0 + n), 30, 16)
    # Rolling the camera clockwise by r turns the image content by +r (image y down).
    m = cv2.getRotationMatrix2D((w, h), -roll_deg, 1.0)
    rolled = cv2.warpAffine(big, m, (w * 2, h * 2), borderMode=cv2.BORDER_REPLICATE)
    return rolled[h // 2 : h // 2 + h, w // 2 : w // 2 + w]


RUNNER_BOX = (430.0, 180.0, 560.0, 480.0)


@pytest.mark.parametrize("roll_deg", [-4.0, -1.0, 0.0, 0.5, 2.0, 5.0])
def test_roll_of_a_drawn_room_is_recovered(roll_deg: float) -> None:
    frames = [_scene(roll_deg)] * 3
    est = estimate_roll(frames, [RUNNER_BOX] * 3)
    assert est.found
    assert est.roll_deg == pytest.approx(roll_deg, abs=0.2)
    assert 0.0 < est.uncertainty_deg < 1.0


def test_the_runner_does_not_vote() -> None:
    img = _scene(0.0)
    unmasked, _, _ = line_votes(img, None)
    masked, _, _ = line_votes(img, RUNNER_BOX)
    assert np.any(np.abs(np.abs(unmasked) - 6.0) < 0.5)  # the leaning trunk, found
    assert not np.any(np.abs(np.abs(masked) - 6.0) < 3.0)  # gone once masked
    assert np.all(np.abs(masked) < 1.0)  # only the level room votes


def test_a_blank_scene_gives_no_roll_and_says_why() -> None:
    blank = np.full((540, 960), 128, np.uint8)
    est = estimate_roll([blank, blank], [None, None])
    assert not est.found and math.isnan(est.uncertainty_deg)
    assert "no reference" in est.reason
    assert est.to_dict()["roll_deg"] is None


def test_plumb_lines_far_off_centre_do_not_vote() -> None:
    # Two leaning "verticals" near the frame edges, as a camera pitched up sees a room's
    # corners; nothing level. Too few central lines: no estimate rather than a wrong one.
    img = np.full((540, 960), 170, np.uint8)
    cv2.line(img, (40, 50), (80, 500), 60, 3)
    cv2.line(img, (920, 50), (880, 500), 60, 3)
    est = estimate_roll([img] * 3, [None] * 3)
    assert not est.found


def test_levelling_points_makes_a_rolled_level_line_level() -> None:
    roll = 3.0
    t = np.linspace(-300, 300, 7)
    line = np.column_stack(
        [480 + t * math.cos(math.radians(roll)), 270 + t * math.sin(math.radians(roll))]
    )
    flat = level_points(line, roll, (480.0, 270.0))
    assert np.allclose(flat[:, 1], 270.0, atol=1e-9)
    assert np.allclose(level_points(flat, -roll, (480.0, 270.0)), line)
    assert np.isnan(level_points(np.array([[np.nan, 1.0]]), roll, (0.0, 0.0))).any()


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        LevelSettings(max_tilt_deg=60.0)


@pytest.mark.parametrize("view", ["rear", "side-left"])
@pytest.mark.parametrize("roll_deg", [0.0, 1.5, 3.0, 5.0])
def test_rendered_runner_on_a_rolled_camera(view: str, roll_deg: float) -> None:
    pytest.importorskip("pybullet")
    from gaitlab.synth.render import Camera, ClipSpec, Renderer, pose_arrays, synthesize_clip

    spec = ClipSpec.from_preset(
        "normal",
        "unused.mp4",
        camera=Camera(view=view, width_px=960, height_px=540, roll_deg=roll_deg),
        fps=30,
        duration_s=0.5,
        seed=3,
    )
    syn = synthesize_clip(spec)
    origins, quats = pose_arrays(syn.pose)
    px = spec.camera.project(syn.pose.points_m())
    frames, boxes = [], []
    with Renderer(spec.camera, spec.outfit) as renderer:
        for i in range(0, syn.pose.n, 5):
            rgb, _ = renderer.render(origins[i], quats[i])
            frames.append(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY))
            p = px[i]
            boxes.append((p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()))
    est = estimate_roll(frames, boxes)
    # The target: within 1 deg on renders rolled 0-5 deg.
    assert est.found
    assert abs(est.roll_deg - roll_deg) <= 1.0, est
