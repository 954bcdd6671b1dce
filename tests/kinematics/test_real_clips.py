"""Real clips from ../shared/clips through pose extraction and kinematics (slow).

Targets from the clip's ground truth (zzzhushi_male_side_treadmill.groundtruth.json):
cadence 168.9 +- 0.5 spm measured from raw pixels, plausible contact time 180-320 ms and
duty factor 25-48 %. Skipped when ../shared is absent.
"""

from __future__ import annotations

import json

import pytest

from gaitlab.kinematics import analyze_kinematics
from tests.conftest import shared_clip

pytestmark = [pytest.mark.integration, pytest.mark.shared]

TREADMILL = "zzzhushi_male_side_treadmill.mp4"
WALKING = "sports2d_demo4_walking_side_indoor.mp4"


def _series(name: str, cache, with_masks: bool = False):
    pose = pytest.importorskip("gaitlab.pose")
    settings = pose.PoseSettings(mediapipe=pose.MediaPipeSettings(with_masks=with_masks))
    return pose.extract_pose(shared_clip(name), settings=settings, cache_dir=cache)


@pytest.fixture(scope="module")
def cache(shared_pose_cache):
    return shared_pose_cache


@pytest.fixture(scope="module")
def treadmill(cache):
    return analyze_kinematics(_series(TREADMILL, cache))


def test_treadmill_clip_view_and_setting(treadmill):
    a = treadmill
    assert a.view.view == "side-left" and a.view.confidence > 0.8
    assert a.treadmill is True and a.direction.travel == "image_left"
    assert a.running.is_running, a.running.reason


def test_treadmill_clip_cadence_matches_ground_truth(treadmill):
    gt = json.loads(shared_clip("zzzhushi_male_side_treadmill.groundtruth.json").read_text())[
        "cadence_spm"
    ]["value"]
    assert treadmill.cadence.cadence_spm == pytest.approx(gt, abs=1.0)
    assert treadmill.metrics["cadence_spm"].median == pytest.approx(gt, abs=1.0)
    assert treadmill.cadence.agree  # events agree with the periodicity estimate


def test_treadmill_clip_timing_in_plausible_bands(treadmill):
    m = treadmill.metrics
    assert 0.180 <= m["contact_time_s"].median <= 0.320
    assert 25.0 <= m["duty_factor_pct"].median <= 48.0
    assert m["flight_time_s"].median > 0
    # 30 fps clip: timing is flagged, angles are not.
    assert m["contact_time_s"].confidence == "low"
    assert m["contact_time_s"].n >= 20


def test_treadmill_clip_angles_plausible(treadmill):
    m = treadmill.metrics
    assert 0.0 < m["trunk_lean_deg"].median < 15.0
    assert -5.0 < m["hip_extension_deg"].median < 25.0
    assert m["hip_extension_deg"].n >= 20
    assert not m["pelvic_drop_deg"].measurable
    json.dumps(treadmill.to_dict(), allow_nan=False)


def test_walking_clip_is_not_running(cache):
    a = analyze_kinematics(_series(WALKING, cache))
    assert not a.running.is_running
    assert "not running" in a.running.reason
    assert a.metrics == {}
