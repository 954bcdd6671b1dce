"""Undoing the pose tracker's One-Euro smoothing: exact on the filter's own output."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gaitlab.kinematics.desmooth import (
    MEDIAPIPE_POSE,
    one_euro_filter,
    tracker_smoothing,
    tracker_timestamps_s,
    undo_one_euro,
)

from .stickrunner import RunnerSpec, make_run


def limb_like(fps: float, noise_px: float, seconds: float = 8.0, seed: int = 1) -> tuple:
    """33 landmarks swinging at a running stride frequency (5-80 px), plus white noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * fps)) / fps
    amp = rng.uniform(5, 80, size=(1, 33, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(1, 33, 2))
    rest = 300 + 100 * rng.normal(size=(1, 33, 2))
    xy = rest + amp * np.sin(2 * np.pi * 1.4 * t[:, None, None] + phase)
    return t, xy + noise_px * rng.normal(size=xy.shape)


def test_tracker_timestamps_are_the_whole_milliseconds_mediapipe_was_given():
    t = np.array([0.0, 1 / 60, 2 / 60, 2 / 60 + 1e-4])
    assert tracker_timestamps_s(t).tolist() == [0.0, 0.017, 0.033, 0.034]


@pytest.mark.parametrize("fps", [30.0, 60.0, 240.0])
def test_undo_recovers_the_filters_input(fps):
    t, x = limb_like(fps, noise_px=0.0)
    y = one_euro_filter(x, t, MEDIAPIPE_POSE)
    lag = np.abs(y - x)
    assert np.median(lag) > 1.0  # the filter really moves the points (px)
    err = np.abs(undo_one_euro(y, t, MEDIAPIPE_POSE) - x)
    assert np.median(err) < 1e-6
    assert np.percentile(err, 99) < 0.1


def test_undo_with_landmark_noise_is_far_closer_than_the_smoothed_points():
    # With 0.5 px of noise a step can have up to three raw values that explain it; the
    # beam search keeps the smooth path. Measured: median 1e-4 px, 99th percentile 0.9 px
    # against a smoothing of 2.8 px median.
    t, x = limb_like(60.0, noise_px=0.5)
    y = one_euro_filter(x, t, MEDIAPIPE_POSE)
    err = np.abs(undo_one_euro(y, t, MEDIAPIPE_POSE) - x)
    assert np.median(np.abs(y - x)) > 2.0
    assert np.median(err) < 0.01
    assert np.percentile(err, 99) < 1.5


def test_gaps_and_restarts_start_the_filter_afresh():
    t, x = limb_like(60.0, noise_px=0.0, seconds=4.0)
    x[100:110] = np.nan  # the tracker lost the runner: it restarts at frame 110
    restart = np.zeros(t.size, dtype=bool)
    restart[160] = True  # a second landmarker took over here
    y = one_euro_filter(x, t, MEDIAPIPE_POSE, restart)
    assert np.array_equal(y[110], x[110]) and np.array_equal(y[160], x[160])
    back = undo_one_euro(y, t, MEDIAPIPE_POSE, restart)
    assert np.isnan(back[100:110]).all()
    ok = np.isfinite(x).all(axis=(1, 2))
    assert np.percentile(np.abs(back - x)[ok], 99) < 0.05
    # Ignoring the restart misreads the frames after it.
    wrong = undo_one_euro(y, t, MEDIAPIPE_POSE)
    assert np.abs(wrong[160:165] - x[160:165]).max() > 1.0


def test_which_series_were_smoothed_by_the_tracker():
    series = make_run(RunnerSpec(view="side-left")).series
    assert tracker_smoothing(series) is None  # a synthetic runner: nothing to undo

    model = replace(
        series.model,
        backend="mediapipe.tasks.PoseLandmarker(VIDEO)",
        settings={
            "mediapipe": {"num_poses": 1},
            "segments": [
                {"start_s": 0.0, "keep_from_s": 0.0, "end_s": 2.5},
                {"start_s": 1.5, "keep_from_s": 2.5, "end_s": None},
            ],
        },
    )
    params, restart = tracker_smoothing(replace(series, model=model, people={"mode": "single"}))
    assert params == MEDIAPIPE_POSE
    assert np.flatnonzero(restart).tolist() == [int(np.searchsorted(series.time_s, 2.5))]
    # Several poses per frame: MediaPipe does not smooth.
    assert tracker_smoothing(replace(series, model=model, people={"mode": "multi"})) is None
