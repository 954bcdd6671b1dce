import numpy as np
import pytest

from gaitlab.kinematics import angles as ang

from .stickrunner import RunnerSpec, make_run


def p(x, y):
    return np.array([x, y], float)


def test_trunk_lean_sign_forward_positive():
    hip = p(0, 0)
    assert ang.trunk_lean_deg(hip, p(0, 1)) == pytest.approx(0)
    assert ang.trunk_lean_deg(hip, p(np.tan(np.radians(10)), 1)) == pytest.approx(10)
    assert ang.trunk_lean_deg(hip, p(-1, 1)) == pytest.approx(-45)


def test_thigh_angles_and_extension():
    hip = p(0, 0)
    knee_behind = p(-np.sin(np.radians(20)), -np.cos(np.radians(20)))
    assert ang.thigh_angle_deg(hip, knee_behind) == pytest.approx(-20)
    assert ang.thigh_extension_deg(hip, knee_behind) == pytest.approx(20)


@pytest.mark.parametrize("lean", [-5.0, 0.0, 8.0, 25.0])
@pytest.mark.parametrize("thigh_ext", [-30.0, 0.0, 15.0])
def test_hip_extension_is_thigh_extension_minus_lean(lean, thigh_ext):
    hip = p(0.3, 1.0)
    sh = hip + 0.5 * p(np.sin(np.radians(lean)), np.cos(np.radians(lean)))
    knee = hip + 0.45 * p(np.sin(np.radians(-thigh_ext)), -np.cos(np.radians(-thigh_ext)))
    assert ang.hip_extension_deg(hip, sh, hip, knee) == pytest.approx(thigh_ext - lean)


@pytest.mark.parametrize("flex", [0.0, 15.0, 45.0, 110.0])
@pytest.mark.parametrize("thigh", [-20.0, 10.0, 60.0])
def test_knee_flexion_and_shank(flex, thigh):
    hip = p(0, 0)
    knee = hip + p(np.sin(np.radians(thigh)), -np.cos(np.radians(thigh)))
    shank = thigh - flex
    ankle = knee + p(np.sin(np.radians(shank)), -np.cos(np.radians(shank)))
    assert ang.knee_flexion_deg(hip, knee, ankle) == pytest.approx(flex)
    assert ang.shank_angle_deg(knee, ankle) == pytest.approx(shank)


def test_hyperextension_is_negative():
    assert ang.knee_flexion_deg(p(0, 0), p(0, -1), p(0.1, -2)) < 0


def test_frontal_angles_signs():
    # frontal frame: +X = runner's right
    left, right = p(-0.1, 0.02), p(0.1, 0.0)
    assert ang.pelvic_obliquity_deg(left, right) == pytest.approx(np.degrees(np.arctan2(0.02, 0.2)))
    assert ang.pelvic_obliquity_deg(p(-0.1, 0), p(0.1, 0.03)) < 0
    assert ang.lateral_trunk_lean_deg(p(0, 0), p(0.1, 1)) > 0


def test_analysis_frames_make_angles_facing_independent():
    xy = np.array([[[100.0, 200.0], [130.0, 100.0]]])
    right = ang.to_sagittal(xy, 1.0)
    left = ang.to_sagittal(xy * np.array([-1, 1]), -1.0)
    np.testing.assert_allclose(right, left)
    np.testing.assert_allclose(ang.to_frontal(xy, "rear")[..., 0], xy[..., 0])
    np.testing.assert_allclose(ang.to_frontal(xy, "front")[..., 0], -xy[..., 0])
    with pytest.raises(ValueError):
        ang.to_frontal(xy, "side-left")


def test_wrap():
    np.testing.assert_allclose(ang.wrap_deg([190.0, -190.0, 180.0, 0.0]), [-170, 170, 180, 0])


@pytest.mark.parametrize("view,facing", [("side-right", 1.0), ("side-left", -1.0)])
def test_series_angles_match_stick_runner_truth(view, facing):
    run = make_run(RunnerSpec(view=view, trunk_lean_deg=11.0))
    got = ang.sagittal_angles(ang.to_sagittal(run.series.xy_px, facing))
    for name, truth in run.angles.items():
        np.testing.assert_allclose(got[name], truth, atol=1e-6, err_msg=name)


def test_series_pelvic_obliquity_matches_truth_from_behind():
    run = make_run(RunnerSpec(view="rear", pelvic_drop_deg=8.0))
    got = ang.frontal_angles(ang.to_frontal(run.series.xy_px, "rear"))
    np.testing.assert_allclose(got["pelvic_obliquity_deg"], run.obliquity_deg, atol=1e-6)
    np.testing.assert_allclose(got["lateral_trunk_lean_deg"], 0.0, atol=1e-9)
