"""Pelvic tilt from the hips' silhouette: drawn masks turned by a known angle, and the
agreement check between the silhouette and the waistband edge."""

from __future__ import annotations

import numpy as np
import pytest

from gaitlab.kinematics.pelvis import (
    MAX_CUE_DIFFERENCE_DEG,
    cue_agreement,
    waistband_obliquity_deg,
)
from gaitlab.kinematics.silhouette import silhouette_tilt_deg
from gaitlab.landmarks import INDEX
from gaitlab.result.kinematics import PelvisCues

CROP_H, CROP_W = 256, 192  # gaitlab.pose.masks.MASK_CROP_SHAPE


def hips_mask(tilt_deg: float, arm_rows: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A rear silhouette of waist, hips and thighs in a mask crop, turned about the mid-hip.

    In the pelvis' frame (``u`` across, ``v`` down from the mid-hip, crop px; trunk 80 px)
    the half-width is 20 px at the waist (``v`` = -36), widens smoothly to 27 px at the
    hips (``v`` = 0) and the thighs go on below; the trunk above the waist is upright. The
    pelvic part is turned by ``tilt_deg`` (+ = image-right end lower), the analytic answer.
    ``arm_rows`` > 0 lays a hand against the right side over that many rows.
    """
    trunk = 80.0
    mid_hip = np.array([96.0, 150.0])
    yy, xx = np.mgrid[0:CROP_H, 0:CROP_W].astype(float)
    dx, dy = xx - mid_hip[0], yy - mid_hip[1]
    c, s = np.cos(np.radians(tilt_deg)), np.sin(np.radians(tilt_deg))
    u, v = c * dx + s * dy, -s * dx + c * dy
    k = np.clip((v + 36.0) / 36.0, 0.0, 1.0)
    half = 20.0 + 7.0 * (3 * k**2 - 2 * k**3)  # smoothstep from waist to hips
    pelvis = (np.abs(u) <= half) & (v >= -40.0) & (v <= 30.0)
    chest = (np.abs(dx) <= 21.0) & (dy >= -trunk - 10) & (dy < -36.0)
    inside = pelvis | chest
    if arm_rows:
        arm = (dx > 24.0) & (dx < 40.0) & (dy > -20.0) & (dy < -20.0 + arm_rows)
        inside |= arm
    prob = np.where(inside, 255, 0).astype(np.uint8)
    xy = np.full((33, 2), np.nan)
    for name, u0 in (("left_hip", -12.0), ("right_hip", 12.0)):
        xy[INDEX[name]] = mid_hip + np.array([c * u0, s * u0])
    xy[INDEX["left_shoulder"]] = mid_hip + np.array([-18.0, -trunk])
    xy[INDEX["right_shoulder"]] = mid_hip + np.array([18.0, -trunk])
    return prob, xy


@pytest.mark.parametrize("tilt_deg", [-12.0, -6.0, 0.0, 4.0, 9.0])
def test_known_tilt_of_the_hips_outline_is_recovered(tilt_deg):
    # The outline's edges are whole pixels: over the 27 px of flare a pixel of mismatch
    # between the sides is about 1 deg, averaged over the ~40 rows that carry the flare.
    prob, xy = hips_mask(tilt_deg)
    assert silhouette_tilt_deg(prob, xy) == pytest.approx(tilt_deg, abs=1.0)


def test_an_arm_against_the_side_is_left_out():
    prob, xy = hips_mask(6.0, arm_rows=6)
    assert silhouette_tilt_deg(prob, xy) == pytest.approx(6.0, abs=1.0)


def test_no_landmarks_or_no_person_gives_nan():
    prob, xy = hips_mask(0.0)
    bad = xy.copy()
    bad[INDEX["left_hip"]] = np.nan
    assert np.isnan(silhouette_tilt_deg(prob, bad))
    assert np.isnan(silhouette_tilt_deg(np.zeros_like(prob), xy))


def _swinging_tilt(n: int, seed: int) -> np.ndarray:
    t = np.arange(n) / 60.0
    rng = np.random.default_rng(seed)
    return 6.0 * np.sin(2 * np.pi * 1.3 * t) + rng.normal(0.0, 0.7, n)


def test_an_edge_that_moves_with_the_hips_agrees():
    hips = _swinging_tilt(200, 1)
    edge = hips + 2.5 + np.random.default_rng(2).normal(0.0, 0.7, hips.size)
    a = cue_agreement(edge, np.ones(hips.size, bool), hips)
    # Two cues with 0.7 deg noise each: |difference| has a median of about 0.67 deg.
    assert a.both_frames == 200
    assert a.median_difference_deg < 1.2
    assert a.correlation > 0.9
    assert not a.silhouette_measures


def test_a_hem_that_sways_against_the_hips_is_not_measured():
    # A loose hem swings +-8 deg once per stride, out of phase with the pelvis.
    hips = _swinging_tilt(200, 3)
    t = np.arange(200) / 60.0
    hem = 8.0 * np.sin(2 * np.pi * 0.65 * t + 1.0)
    a = cue_agreement(hem, np.ones(200, bool), hips)
    assert a.median_difference_deg > MAX_CUE_DIFFERENCE_DEG
    tilt, why = waistband_obliquity_deg(
        hem,
        np.ones(200, bool),
        "rear",
        t,
        lowpass_hz=10.0,
        max_gap_s=0.1,
        min_ok_share=0.6,
        agreement=a,
    )
    assert tilt is None
    assert why.startswith("top untucked")


def test_too_few_shared_frames_give_no_verdict():
    hips = _swinging_tilt(50, 4)
    ok = np.zeros(50, bool)
    ok[:5] = True
    a = cue_agreement(hips, ok, hips)
    assert a.both_frames == 5 and np.isnan(a.median_difference_deg)


def test_the_agreement_block_reads_back_typed():
    hips = _swinging_tilt(120, 5)
    a = cue_agreement(hips + 1.0, np.ones(120, bool), hips)
    block = PelvisCues.from_dict(a.to_dict())
    assert block.both_frames == 120 and block.silhouette_measures is False
    assert block.median_difference_deg == pytest.approx(a.median_difference_deg, abs=0.005)
    assert block.max_difference_deg == MAX_CUE_DIFFERENCE_DEG
