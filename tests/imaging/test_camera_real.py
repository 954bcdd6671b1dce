"""The camera's motion on real clips from ../shared/clips (MediaPipe inference; slow).

Truth from watching the clips: the track clip is filmed by a phone panning with the runner
(the fence and trees stream past), the treadmill clip from a tripod. Skipped when ../shared
is absent.
"""

from __future__ import annotations

import pytest

from gaitlab.kinematics import analyze_kinematics
from tests.conftest import shared_clip

pytestmark = [pytest.mark.integration, pytest.mark.shared]


@pytest.fixture(scope="module")
def cache(shared_pose_cache):
    return shared_pose_cache


def _analyse(name: str, cache):
    pose = pytest.importorskip("gaitlab.pose")
    from gaitlab.pipeline import camera_shifts

    series = pose.extract_pose(shared_clip(name), cache_dir=cache)
    shift, change = camera_shifts(series)
    return analyze_kinematics(series, camera_shift_px=shift, runner_change=change)


def test_panning_track_clip_is_panning_and_overground(cache):
    a = _analyse("betterforerunner_side_track_panning_screenrec.mp4", cache)
    assert a.camera.kind == "panning"
    assert a.treadmill is False  # before: True (the runner stays in frame)
    # The screen recording opens on a paused player: ~1.1 s of one picture, left out.
    frozen = [n for n in a.notes if "picture stood still" in n]
    assert frozen and "frames 0-3" in frozen[0]


def test_tripod_treadmill_clip_is_static_and_a_treadmill(cache):
    a = _analyse("zzzhushi_male_side_treadmill.mp4", cache)
    assert a.camera.kind == "static"
    assert a.treadmill is True
    assert not any("picture stood still" in n for n in a.notes)
