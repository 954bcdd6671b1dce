"""Oblique side views: the camera's turn off square is estimated and its foreshortening stated.

Truth: the stick runner seen by a camera turned ``yaw_deg`` toward the runner's back; its
shoulders (0.70 trunk lengths wide) then show ``0.70 sin(yaw)`` apart in the image.
"""

import numpy as np
import pytest

from gaitlab.kinematics import analyze_kinematics

from .stickrunner import RunnerSpec, make_run


@pytest.mark.parametrize("yaw_deg", [0.0, 10.0, 20.0, 25.0, 30.0])
def test_oblique_yaw_is_estimated_from_the_shoulders(yaw_deg):
    a = analyze_kinematics(make_run(RunnerSpec(view="side-right", yaw_deg=yaw_deg)).series)
    assert a.view.is_side and a.running.is_running
    # The stick runner's shoulders are exact (no MediaPipe spread to take off), so the
    # estimate reads low by design: asin(sqrt((0.70 sin a)^2 - 0.15^2) / 0.68).
    r = 0.70 * np.sin(np.radians(yaw_deg))
    expected = np.degrees(np.arcsin(np.sqrt(max(0.0, r**2 - 0.15**2)) / 0.68))
    assert a.view.oblique_yaw_deg == pytest.approx(expected, abs=1.5)
    assert a.view.oblique_yaw_deg <= yaw_deg + 1.5
    noted = [n for n in a.notes if "off square" in n]
    lean = a.metrics["trunk_lean_deg"]
    if a.view.oblique_yaw_deg >= 20.0:
        short_pct = 100 * (1 - np.cos(np.radians(a.view.oblique_yaw_deg)))
        assert noted and f"about {short_pct:.0f} % short" in noted[0]
        assert lean.confidence == "medium" and any("off square" in r for r in lean.reasons)
        # The cadence is not foreshortened.
        assert not any("off square" in r for r in a.metrics["cadence_spm"].reasons)
    else:
        assert not noted and lean.confidence == "high"


def test_oblique_yaw_is_nan_for_frontal_views():
    a = analyze_kinematics(make_run(RunnerSpec(view="rear", duration_s=4.0)).series)
    assert np.isnan(a.view.oblique_yaw_deg)
    assert a.to_dict()["view"]["oblique_yaw_deg"] is None
