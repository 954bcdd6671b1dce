import numpy as np
import pytest

from gaitlab.kinematics.geometry import leg_length_px
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.kinematics.view import detect_direction, detect_view

from .stickrunner import RunnerSpec, make_run

S = KinematicsSettings()


def _view(spec):
    run = make_run(spec)
    s = run.series
    leg = leg_length_px(s.xy_px)
    v = detect_view(s.time_s, s.xy_px, s.visibility, leg, S)
    return run, v, detect_direction(s.time_s, s.xy_px, leg, v, S)


@pytest.mark.parametrize("view", ["side-left", "side-right", "rear", "front"])
@pytest.mark.parametrize("noise_px", [0.0, 3.0])
def test_view_classified(view, noise_px):
    _, v, _ = _view(RunnerSpec(view=view, noise_px=noise_px, seed=7))
    assert v.view == view
    assert v.confidence > 0.8
    assert v.source == "auto"


def test_oblique_is_unclear():
    _, v, _ = _view(RunnerSpec(view="oblique"))
    assert v.view == "unclear" and v.confidence == 0.0
    assert "oblique" in v.reason


def test_user_override_wins_and_keeps_detection():
    run = make_run(RunnerSpec(view="side-right"))
    s = run.series
    v = detect_view(s.time_s, s.xy_px, s.visibility, 400.0, S, override="rear")
    assert (v.view, v.source, v.detected_view, v.confidence) == ("rear", "user", "side-right", 1.0)
    with pytest.raises(ValueError):
        detect_view(s.time_s, s.xy_px, s.visibility, 400.0, S, override="diagonal")


@pytest.mark.parametrize("true_view", ["side-left", "side-right"])
def test_user_says_side_and_facing_is_detected(true_view):
    # Even on an oblique-looking clip, "side" from the user keeps the clip's own facing.
    s = make_run(RunnerSpec(view=true_view)).series
    v = detect_view(s.time_s, s.xy_px, s.visibility, leg_length_px(s.xy_px), S, override="side")
    assert (v.view, v.source) == (true_view, "user")


@pytest.mark.parametrize(
    "view,travel", [("side-left", "image_left"), ("side-right", "image_right")]
)
def test_direction_and_treadmill(view, travel):
    _, _, d = _view(RunnerSpec(view=view))
    assert d.travel == travel and d.treadmill is True
    assert np.all(d.facing == (1.0 if view == "side-right" else -1.0))


def test_overground_runner_crosses_frame():
    _, v, d = _view(RunnerSpec(view="side-left", treadmill=False, duration_s=3.0))
    assert v.view == "side-left"
    assert d.treadmill is False and d.travel == "image_left"
    assert d.drift_speed_leg_s > 2.0


def test_rear_treadmill_and_travel():
    _, _, d = _view(RunnerSpec(view="rear"))
    assert d.travel == "away_from_camera" and d.treadmill is True
