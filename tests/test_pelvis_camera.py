"""The perspective term of the pelvic drop (camera above or below the waistband) and the
same-stance truth of the population benchmark (``benchmarks/pelvis_camera.py``,
``benchmarks/population.py``; docs/metrics.md "Camera height", docs/accuracy.md).

The perspective formula is checked against a pinhole camera that projects a short level
segment (the waistband) turned by a known yaw: the answers are exact, no fitted constants.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.pelvis_camera import perspective_tilt_deg
from benchmarks.population import same_stances_truth_median


def _project(eye: np.ndarray, target: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Pinhole image coordinates (x right, y down, focal length 1) of world points.

    World: x forward (the runner's travel), y the runner's left, z up; the camera at ``eye``
    looks at ``target`` with no roll.
    """
    fwd = (target - eye) / np.linalg.norm(target - eye)
    right = np.cross(fwd, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    rel = points - eye
    depth = rel @ fwd
    return np.stack([rel @ right / depth, rel @ down / depth], axis=-1)


def _band_image_angle_deg(eye: np.ndarray, target: np.ndarray, yaw_deg: float) -> float:
    """Image angle (+ = image-right end lower) of a 2 mm level segment at (0, 0, 1) m."""
    yaw = np.radians(yaw_deg)
    left_dir = np.array([np.sin(yaw), np.cos(yaw), 0.0])  # right hip -> left hip
    centre = np.array([0.0, 0.0, 1.0])
    left, right = _project(
        eye, target, np.array([centre + 1e-3 * left_dir, centre - 1e-3 * left_dir])
    )
    return float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))


@pytest.mark.parametrize("height_m", [0.5, 0.8, 1.0, 1.3, 1.5])
@pytest.mark.parametrize("yaw_deg", [-8.0, -3.0, 0.0, 5.0, 10.0])
def test_perspective_tilt_matches_a_camera_aimed_at_the_band(
    height_m: float, yaw_deg: float
) -> None:
    # A rear camera 3.5 m behind, aimed at the band: sin of the elevation, exactly.
    eye = np.array([-3.5, 0.0, height_m])
    centre = np.array([0.0, 0.0, 1.0])
    elevation = np.degrees(np.arctan2(height_m - 1.0, 3.5))
    measured = _band_image_angle_deg(eye, centre, yaw_deg)
    assert measured == pytest.approx(float(perspective_tilt_deg(yaw_deg, elevation)), abs=1e-4)


def test_level_camera_reads_tan_and_the_two_stay_within_two_percent() -> None:
    # A level camera (looking horizontally) with the band below its centre: the line runs to
    # its vanishing point on the horizon, tan(yaw) tan(elevation).
    eye = np.array([-3.0, 0.0, 1.5])
    elevation = np.degrees(np.arctan2(0.5, 3.0))  # 9.5 deg
    measured = _band_image_angle_deg(eye, eye + np.array([1.0, 0.0, 0.0]), 8.0)
    expected = np.degrees(np.arctan(np.tan(np.radians(8.0)) * np.tan(np.radians(elevation))))
    assert measured == pytest.approx(expected, abs=1e-4)
    assert abs(measured / float(perspective_tilt_deg(8.0, elevation)) - 1.0) < 0.02


def test_perspective_tilt_signs_and_size() -> None:
    # Camera above, left hip ahead (farther from a camera behind): the far, left end is seen
    # higher, so the image-right end is lower (+), read as the left hip higher.
    assert perspective_tilt_deg(6.5, 8.0) > 0
    assert perspective_tilt_deg(6.5, -8.0) < 0
    assert perspective_tilt_deg(-6.5, 8.0) < 0
    assert perspective_tilt_deg(6.5, 0.0) == 0.0
    assert perspective_tilt_deg(0.0, 10.0) == 0.0
    # The development renders' pelvis turns 6.5 deg either way: 0.9 deg at 8 deg of elevation.
    assert float(perspective_tilt_deg(6.5, 8.0)) == pytest.approx(0.91, abs=0.01)


def _stance(side: str, strike_s: float, toe_off_s: float, drop: float) -> dict:
    return {
        "side": side,
        "foot_strike_s": strike_s,
        "toe_off_s": toe_off_s,
        "pelvic_drop_peak_rel_neutral_deg": drop,
    }


TRUTH = {
    "stances": [
        _stance("left", 0.0, 0.3, 13.0),
        _stance("right", 0.4, 0.7, 10.0),
        _stance("left", 0.8, 1.1, 13.0),
        _stance("right", 1.2, 1.5, 10.0),
        _stance("left", 1.6, 1.9, 13.0),
    ]
}
KEY = "pelvic_drop_peak_rel_neutral_deg"


def test_same_stances_truth_takes_the_median_over_the_measured_stances() -> None:
    # Truth over all five stances: 13 (three left). Measured: two of each side, strikes
    # 0.15 s late; the truth of those four stances has a median of 11.5.
    measured = [
        ("left", 0.15, 0.3),
        ("right", 0.55, 0.7),
        ("left", 0.95, 1.1),
        ("right", 1.35, 1.5),
    ]
    assert np.median([s[KEY] for s in TRUTH["stances"]]) == 13.0
    assert same_stances_truth_median(TRUTH, KEY, measured) == 11.5


def test_same_stances_truth_pairs_by_side_and_most_overlap() -> None:
    # A left stance spanning two true left stances goes to the one it overlaps most; a
    # stance that overlaps no true stance of its side is left out; none: NaN.
    truth = {
        "stances": [
            _stance("left", 0.0, 0.3, 4.0),
            _stance("left", 0.8, 1.1, 9.0),
            _stance("right", 0.4, 0.7, 2.0),
        ]
    }
    assert same_stances_truth_median(truth, KEY, [("left", 0.2, 0.85)]) == 4.0
    assert same_stances_truth_median(truth, KEY, [("left", 0.25, 1.0)]) == 9.0
    assert same_stances_truth_median(truth, KEY, [("right", 0.8, 1.1), ("left", 0.9, 1.0)]) == 9.0
    assert np.isnan(same_stances_truth_median(truth, KEY, [("right", 1.2, 1.4)]))
