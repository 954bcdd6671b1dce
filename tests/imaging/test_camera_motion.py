"""The background's shift between frames, with the runner and a static overlay left out.

Truth: a textured scene translated by a known number of pixels between two frames, with a
"runner" (a bright block) moving the other way and a player's control bar that stays put.
"""

import numpy as np
import pytest

from gaitlab.imaging.camera_motion import background_mask, scene_shift_px, scene_shifts_px
from gaitlab.landmarks import N_LANDMARKS

H, W = 360, 480


def _scene(rng: np.random.Generator) -> np.ndarray:
    # Blurred noise: corners everywhere, smooth enough for optical flow.
    import cv2

    big = rng.integers(0, 255, (H + 80, W + 200), dtype=np.uint8)
    return cv2.GaussianBlur(big, (0, 0), 2.0)


def _frame(scene: np.ndarray, pan_px: int, runner_x: int) -> np.ndarray:
    f = scene[40 : 40 + H, 100 + pan_px : 100 + pan_px + W].copy()
    f[120:300, runner_x : runner_x + 60] = 230  # the runner
    f[: int(0.1 * H)] = 20  # a still control bar with text-like corners
    f[5:25:4, 10:470:6] = 250
    return f


def _runner_xy(runner_x: int) -> np.ndarray:
    xy = np.full((N_LANDMARKS, 2), np.nan)
    xy[:, 0] = np.linspace(runner_x, runner_x + 60, N_LANDMARKS)
    xy[:, 1] = np.linspace(120, 300, N_LANDMARKS)
    return xy


@pytest.mark.parametrize("pan_px", [0, 3, -5, 12])
def test_shift_is_the_background_not_the_runner_or_overlay(pan_px):
    rng = np.random.default_rng(7)
    scene = _scene(rng)
    a, b = _frame(scene, 0, 200), _frame(scene, pan_px, 190)  # the runner moves 10 px left
    dx, dy, n = scene_shift_px(a, b, background_mask(a.shape, _runner_xy(200)))
    # Panning the view right by p px moves the background p px left.
    assert dx == pytest.approx(-pan_px, abs=0.2)
    assert dy == pytest.approx(0.0, abs=0.2)
    assert n >= 20


def test_mask_leaves_out_the_runner_and_the_edges():
    m = background_mask((H, W), _runner_xy(200))
    assert m[200, 230] == 0 and m[200, 400] == 255
    assert m[2, 400] == 0 and m[H - 2, 400] == 0


def test_a_blank_picture_gives_no_measurement():
    a = np.full((H, W), 128, dtype=np.uint8)
    dx, _, n = scene_shift_px(a, a, background_mask(a.shape, _runner_xy(200)))
    assert np.isnan(dx) and n == 0


def test_clip_shifts_are_in_the_landmarks_pixels():
    # Frames decoded at half size: shifts come back at full size, row 0 unmeasured.
    import cv2

    rng = np.random.default_rng(3)
    scene = _scene(rng)
    pans = [0, 4, 8, 12]
    frames = [
        (i / 30, cv2.cvtColor(_frame(scene, p, 200), cv2.COLOR_GRAY2RGB))
        for i, p in enumerate(pans)
    ]
    t = np.arange(4) / 30
    xy = np.repeat(_runner_xy(200)[None] * 2.0, 4, axis=0)
    out, change = scene_shifts_px(iter(frames), t, xy, 0.5)
    assert np.isnan(out[0]).all() and np.isnan(change[0])
    np.testing.assert_allclose(out[1:, 0], -8.0, atol=0.4)
    # The "runner" block stands still and fills its box but for its last row and column,
    # where the panning background shows: a small change.
    assert np.all(change[1:] < 2.0)


def test_a_moving_runner_changes_its_box():
    import cv2

    rng = np.random.default_rng(3)
    scene = _scene(rng)
    a = cv2.cvtColor(_frame(scene, 0, 200), cv2.COLOR_GRAY2RGB)
    b = cv2.cvtColor(_frame(scene, 0, 215), cv2.COLOR_GRAY2RGB)  # 15 px on
    xy = np.stack([_runner_xy(200), _runner_xy(215)])
    _, change = scene_shifts_px(iter([(0.0, a), (1 / 30, b)]), np.arange(2) / 30, xy, 1.0)
    assert change[1] > 10.0


def test_a_repeated_picture_does_not_change_the_runner_box():
    import cv2

    rng = np.random.default_rng(3)
    f = cv2.cvtColor(_frame(_scene(rng), 0, 200), cv2.COLOR_GRAY2RGB)
    t = np.arange(3) / 30
    xy = np.repeat(_runner_xy(200)[None], 3, axis=0)
    _, change = scene_shifts_px(iter([(0.0, f), (1 / 30, f), (2 / 30, f)]), t, xy, 1.0)
    np.testing.assert_array_equal(change[1:], 0.0)
