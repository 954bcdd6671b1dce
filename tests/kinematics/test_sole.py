"""Toe-off from the shoe's pixels: drawn foot masks with a known lift frame.

The sole point is the bottom edge of the lowest mask pixel under a foot, so on a drawn
shoe whose bottom row is known it is that row exactly; the toe-off moves to the frame the
drawn sole leaves the ground line.
"""

from __future__ import annotations

import numpy as np
import pytest

from gaitlab.kinematics.sole import (
    SOLE_LIFT_FRAC_LEG,
    SOLE_MIN_MEDIAN_SHIFT_STRIDE,
    sole_height_frac_leg,
    sole_lifts,
    sole_points_px,
    sole_toe_offs,
)
from gaitlab.landmarks import INDEX, N_LANDMARKS
from gaitlab.series import MaskCrops

CROP_H, CROP_W = 256, 192  # gaitlab.pose.masks.MASK_CROP_SHAPE
GROUND_ROW = 200  # last mask row of a planted shoe (its bottom edge is at y = 201)
FPS = 30.0
LIFT_FRAME = 12  # first frame the drawn left shoe is off the ground
LIFT_PX_PER_FRAME = 6


def _feet(n: int) -> tuple[MaskCrops, np.ndarray]:
    """Two drawn shoes (crop = image: origin 0, scale 1) and their landmarks.

    The left shoe (x 60-90) stands on the ground until frame ``LIFT_FRAME - 1`` and rises
    ``LIFT_PX_PER_FRAME`` px a frame from then on; the right shoe (x 120-150) stays planted.
    Each shoe's heel and toe landmarks sit 8 px above its sole, inside the shoe, as
    MediaPipe's do.
    """
    prob = np.zeros((n, CROP_H, CROP_W), dtype=np.uint8)
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    for i in range(n):
        lift = max(0, i - LIFT_FRAME + 1) * LIFT_PX_PER_FRAME
        for side, (x0, x1), dy in (("left", (60, 90), lift), ("right", (120, 150), 0)):
            bottom = GROUND_ROW - dy
            prob[i, bottom - 14 : bottom + 1, x0 : x1 + 1] = 255
            xy[i, INDEX[f"{side}_heel"]] = (x0 + 3, bottom - 8)
            xy[i, INDEX[f"{side}_foot_index"]] = (x1 - 3, bottom - 8)
            xy[i, INDEX[f"{side}_ankle"]] = (x0 + 8, bottom - 20)
    masks = MaskCrops(origin_px=np.zeros((n, 2)), scale=np.ones(n), prob=prob)
    return masks, xy


def test_sole_point_is_the_drawn_shoes_bottom_edge():
    masks, xy = _feet(20)
    sole = sole_points_px(masks, xy)
    assert sole.shape == (20, 2, 2)
    expected_left = GROUND_ROW + 1 - np.maximum(0, np.arange(20) - LIFT_FRAME + 1) * 6
    np.testing.assert_allclose(sole[:, 0, 1], expected_left)
    np.testing.assert_allclose(sole[:, 1, 1], GROUND_ROW + 1)
    # x: the middle of the lowest row of each shoe.
    np.testing.assert_allclose(sole[:, 0, 0], 75.5)
    np.testing.assert_allclose(sole[:, 1, 0], 135.5)


def test_a_foot_beside_a_planted_foot_does_not_read_planted():
    # The left shoe lifted, its box widened to reach the right shoe: the right shoe's
    # columns are nearer the right foot's heel-toe span, so they are not the left's.
    masks, xy = _feet(20)
    sole = sole_points_px(masks, xy, beside_foot=3.0)
    assert sole[19, 0, 1] == GROUND_ROW + 1 - 8 * 6


def test_a_missing_mask_or_foot_gives_nan():
    masks, xy = _feet(4)
    xy[2, INDEX["left_heel"]] = np.nan
    masks.scale[3] = np.nan
    sole = sole_points_px(masks, xy)
    assert np.isnan(sole[2, 0]).all() and np.isfinite(sole[2, 1]).all()
    assert np.isnan(sole[3]).all()


def test_the_lift_is_where_the_drawn_sole_leaves_the_ground():
    n = 30
    t = np.arange(n) / FPS
    masks, xy = _feet(n)
    leg_px = 100.0
    y_up = -sole_points_px(masks, xy)[:, 0, 1]
    h = sole_height_frac_leg(t, y_up, 0.7, leg_px)
    # Heights: 0 through frame LIFT_FRAME - 1, then 0.06, 0.12, ... leg lengths.
    np.testing.assert_allclose(h[:LIFT_FRAME], 0.0)
    np.testing.assert_allclose(h[LIFT_FRAME], 0.06)
    # The sole crosses SOLE_LIFT_FRAC_LEG = 0.1 between LIFT_FRAME and the next frame
    # (0.06 -> 0.12): 2/3 of the way. The landmark toe-off 3 frames early (what
    # MediaPipe's toe point gives on real footage) does not move the lift.
    assert SOLE_LIFT_FRAC_LEG == 0.1
    early = (LIFT_FRAME - 3) / FPS
    [lift] = sole_lifts(t, h, [(0.0, early)], 0.7)
    assert abs(lift - (LIFT_FRAME + 2 / 3) / FPS) < 1e-9


def test_a_lift_that_would_join_the_next_stance_is_not_one():
    # Sole down until frame 20 (another foot's pixels, or swapped landmarks): a toe-off
    # there would leave under 0.3 stride of swing before the next strike at frame 25.
    n = 40
    t = np.arange(n) / FPS
    h = np.where(np.arange(n) < 21, 0.0, 0.5)
    lifts = sole_lifts(t, h, [(0.0, 10 / FPS), (25 / FPS, 32 / FPS)], 0.7)
    assert np.isnan(lifts[0])
    assert np.isnan(sole_lifts(t, np.full(n, np.nan), [(0.0, 10 / FPS)], 0.7)).all()


def _contacts(shift_s: float) -> tuple[dict, dict]:
    # Two feet, three stances each (stride 0.7 s), every lift ``shift_s`` after the toe-off.
    contacts = {
        "left": [(0.0, 0.25), (0.7, 0.95), (1.4, 1.65)],
        "right": [(0.35, 0.6), (1.05, 1.3), (1.75, 2.0)],
    }
    lifts = {side: np.array([to + shift_s for _, to in c]) for side, c in contacts.items()}
    return contacts, lifts


def test_toe_offs_move_to_the_lifts_when_the_landmarks_leave_the_shoe_early():
    # Lifts 0.1 stride (70 ms) after the landmarks' toe-offs: over the 0.08 stride from
    # which the clip's landmarks have left the shoe; every toe-off moves, strikes stay.
    contacts, lifts = _contacts(0.07)
    lifts["right"][1] = np.nan  # no lift seen in one stance: that toe-off stays
    out, median_s = sole_toe_offs(contacts, lifts, 0.7)
    assert median_s == pytest.approx(0.07)
    assert [fs for fs, _ in out["left"]] == [fs for fs, _ in contacts["left"]]
    assert [to for _, to in out["left"]] == pytest.approx([0.32, 1.02, 1.72])
    assert [to for _, to in out["right"]] == pytest.approx([0.67, 1.3, 2.07])


def test_toe_offs_stay_when_the_lifts_lag_by_the_masks_own_delay():
    # 35 ms (0.05 stride): what rendered runners show, where the landmarks are right.
    contacts, lifts = _contacts(0.035)
    out, median_s = sole_toe_offs(contacts, lifts, 0.7)
    assert out is contacts and median_s == pytest.approx(0.035)
    assert 0.035 < SOLE_MIN_MEDIAN_SHIFT_STRIDE * 0.7 < 0.07


def test_a_lift_too_far_from_its_toe_off_is_not_taken():
    contacts, lifts = _contacts(0.07)
    lifts["left"][0] = 0.25 + 0.3 * 0.7  # beyond 0.25 stride
    out, _ = sole_toe_offs(contacts, lifts, 0.7)
    assert out["left"][0] == (0.0, 0.25)
