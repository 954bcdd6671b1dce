"""Levelling for the camera roll: a stick runner seen by a rolled camera reads as a level one."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from gaitlab.kinematics import KinematicsSettings, analyze_kinematics
from gaitlab.kinematics.geometry import level_points
from gaitlab.kinematics.level import camera_level
from gaitlab.series import CameraRoll

from .stickrunner import RunnerSpec, make_run


def _rolled(series, roll_deg: float, uncertainty_deg: float = 0.3):
    """The series as a camera rolled by ``roll_deg`` sees it, with the roll it would read."""
    centre = (0.5 * series.video.width_px, 0.5 * series.video.height_px)
    xy = level_points(series.xy_px, -roll_deg, centre)  # rolling is levelling's inverse
    found = CameraRoll(roll_deg, uncertainty_deg, 20, 8, 1.0)
    return dataclasses.replace(series, xy_px=xy, camera_roll=found)


LATERAL = ("lateral_trunk_lean_deg", "foot_midline_offset_pct_leg")
SAGITTAL = ("trunk_lean_deg", "shank_angle_strike_deg", "hip_extension_deg")


@pytest.mark.parametrize("roll_deg", [-4.0, 3.0])
def test_rear_view_angles_match_a_level_camera(roll_deg: float) -> None:
    level = analyze_kinematics(make_run(RunnerSpec(view="rear")).series)
    rolled = analyze_kinematics(_rolled(make_run(RunnerSpec(view="rear")).series, roll_deg))
    assert rolled.camera_level.applied
    for name in LATERAL:
        assert rolled.metrics[name].median == pytest.approx(level.metrics[name].median, abs=0.2)
    # The image landmarks (drawn on the video) stay as filmed.
    assert not np.allclose(rolled.landmarks_px, level.landmarks_px, equal_nan=True)


def test_side_view_angles_match_a_level_camera() -> None:
    level = analyze_kinematics(make_run(RunnerSpec()).series)
    rolled = analyze_kinematics(_rolled(make_run(RunnerSpec()).series, 3.0))
    for name in SAGITTAL:
        assert rolled.metrics[name].median == pytest.approx(level.metrics[name].median, abs=0.3)


def test_without_levelling_the_roll_tilts_trunk_lean() -> None:
    # The same rolled clip with an uncertain roll is not levelled: trunk lean is off by about
    # the roll, which is why the roll is measured at all.
    level = analyze_kinematics(make_run(RunnerSpec()).series)
    unsure = analyze_kinematics(_rolled(make_run(RunnerSpec()).series, 3.0, uncertainty_deg=2.0))
    assert not unsure.camera_level.applied
    assert "disagree" in unsure.camera_level.reason
    diff = unsure.metrics["trunk_lean_deg"].median - level.metrics["trunk_lean_deg"].median
    assert abs(diff) == pytest.approx(3.0, abs=0.5)


def test_decisions_and_the_bound_handed_to_the_findings() -> None:
    series = make_run(RunnerSpec(duration_s=2.5)).series
    settings = KinematicsSettings()
    assert not camera_level(series, settings).applied  # not measured
    none = dataclasses.replace(
        series, camera_roll=CameraRoll(math.nan, math.nan, 0, 0, math.nan, "no lines")
    )
    assert camera_level(none, settings).reason == "no lines"
    ok = camera_level(_rolled(series, 2.0, 0.4), settings)
    assert ok.applied and ok.residual_roll_max_deg == pytest.approx(0.8)
    assert ok.to_dict()["roll_deg"] == pytest.approx(2.0)
    assert math.isnan(camera_level(series, settings).residual_roll_max_deg)
