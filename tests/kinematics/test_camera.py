"""Camera classification and treadmill vs overground against the ground.

Truth: the stick runner overground (crossing the frame at running speed) re-framed by a
virtual camera that pans to keep the hips centred, so the background streams past at the
runner's speed; and the treadmill runner with a still or shaking camera.
"""

import dataclasses

import numpy as np
import pytest

from gaitlab.kinematics import analyze_kinematics
from gaitlab.kinematics.camera import classify_camera
from gaitlab.landmarks import INDEX

from .stickrunner import RunnerSpec, make_run

HIPS = [INDEX["left_hip"], INDEX["right_hip"]]


def _panned(spec: RunnerSpec):
    """The run re-framed by a camera panning with the hips, and the background's shifts."""
    run = make_run(spec)
    xy = run.series.xy_px
    hip_x = xy[:, HIPS, 0].mean(axis=1)
    # A smooth pan (1 s running mean of the hips): the camera cannot follow each bounce.
    k = int(spec.fps)
    pan = np.convolve(np.pad(hip_x, k // 2, mode="edge"), np.ones(k) / k, mode="valid")[
        : hip_x.size
    ]
    framed = xy.copy()
    framed[..., 0] -= (pan - pan[0])[:, None]
    shift = np.full((xy.shape[0], 2), np.nan)
    shift[1:, 0] = -np.diff(pan)  # the background moves against the pan
    shift[1:, 1] = 0.0
    return dataclasses.replace(run.series, xy_px=framed), shift


def test_panning_overground_runner_is_not_on_a_treadmill():
    spec = RunnerSpec(view="side-right", treadmill=False, duration_s=6.0, fps=30.0)
    series, shift = _panned(spec)
    fooled = analyze_kinematics(series)
    assert fooled.treadmill is True  # the runner stays in frame: the image alone is fooled
    a = analyze_kinematics(series, camera_shift_px=shift)
    assert a.camera.kind == "panning"
    assert a.treadmill is False
    leg_px = (spec.thigh_m + spec.shank_m) * spec.px_per_m
    # The background streams past at the running speed (3.2 m/s = 3.3 leg lengths/s).
    assert abs(a.camera.pan_speed_leg_s) == pytest.approx(
        spec.speed_m_s * spec.px_per_m / leg_px, rel=0.1
    )
    assert a.camera.runner_speed_leg_s > 2.0
    assert a.running.is_running and a.cadence.cadence_spm == pytest.approx(170.0, abs=1.0)
    assert a.to_dict()["camera"]["kind"] == "panning"


def test_static_camera_treadmill_stays_a_treadmill():
    spec = RunnerSpec(view="side-right", duration_s=6.0, fps=30.0)
    series = make_run(spec).series
    shift = np.zeros((series.n_frames, 2))
    shift[0] = np.nan
    a = analyze_kinematics(series, camera_shift_px=shift)
    assert a.camera.kind == "static" and a.treadmill is True


def test_shaking_camera_is_handheld():
    rng = np.random.default_rng(5)
    n = 300
    t = np.arange(n) / 30
    shift = np.column_stack([rng.normal(0, 2.0, n), rng.normal(0, 2.0, n)])
    shift[0] = np.nan
    cam = classify_camera(t, shift, np.full(n, 500.0), 400.0)
    assert cam.kind == "handheld"


def test_too_little_background_is_unknown():
    n = 100
    shift = np.full((n, 2), np.nan)
    cam = classify_camera(np.arange(n) / 30, shift, np.full(n, 500.0), 400.0)
    assert cam.kind == "unknown" and "too little background" in cam.reason


def test_wrong_shape_is_refused():
    series = make_run(RunnerSpec(duration_s=3.0)).series
    with pytest.raises(ValueError, match="camera_shift_px must have shape"):
        analyze_kinematics(series, camera_shift_px=np.zeros((3, 2)))
