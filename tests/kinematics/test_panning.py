"""A moving camera, repeated and frozen pictures, slow motion: known answers on the stick runner.

Truth:

- the stick runner overground, filmed once by a still camera and once by a camera that
  follows it unevenly (a pan that lags and surges, plus a vertical shake). A camera's
  motion is a translation of the whole picture, so against the ground (image position
  minus the scene's offset) both films are the same run: the same cadence, the same
  events, the same bounce;
- a run filmed at 120 fps and played at 30 fps: 4x slow motion. Its clip-time cadence is a
  quarter of the run's; the run itself does not change;
- the runner box's grey-level change from frame to frame with planted freezes and repeats.
"""

import dataclasses
import re

import numpy as np
import pytest

from gaitlab.kinematics import analyze_kinematics
from gaitlab.kinematics.camera import scene_offset_px
from gaitlab.kinematics.edits import (
    REPEAT_SLOWMO_MIN,
    frozen_frames,
    repeat_factor,
    repeated_frames,
    scene_cuts,
    without_freezes,
)
from gaitlab.landmarks import INDEX

from .stickrunner import RunnerSpec, make_run

HIPS = [INDEX["left_hip"], INDEX["right_hip"]]


def _filmed_by_moving_camera(series, fps: float):
    """The run as a camera that follows it unevenly and shakes sees it, and the shifts.

    The camera keeps the hips near the centre through a 1 s running mean (it cannot follow
    each step), surges +-40 px at 0.7 Hz (a hand that lags and catches up) and shakes
    +-12 px vertically at 2.3 Hz (near the step rate, where it would spoil the bounce).
    """
    xy = series.xy_px
    n = xy.shape[0]
    t = np.arange(n) / fps
    hip_x = xy[:, HIPS, 0].mean(axis=1)
    k = int(fps)
    follow = np.convolve(np.pad(hip_x, k // 2, mode="edge"), np.ones(k) / k, mode="valid")[:n]
    cam_x = follow - follow[0] + 40.0 * np.sin(2 * np.pi * 0.7 * t)
    cam_y = 12.0 * np.sin(2 * np.pi * 2.3 * t)
    framed = xy.copy()
    framed[..., 0] -= cam_x[:, None]
    framed[..., 1] -= cam_y[:, None]
    shift = np.full((n, 2), np.nan)
    # The scene moves against the camera.
    shift[1:, 0] = -np.diff(cam_x)
    shift[1:, 1] = -np.diff(cam_y)
    return dataclasses.replace(series, xy_px=framed), shift


def _still(n: int) -> np.ndarray:
    shift = np.zeros((n, 2))
    shift[0] = np.nan
    return shift


def _strikes(a) -> dict[str, np.ndarray]:
    return {
        side: np.array([e.time_s for e in a.events.of(side, "foot_strike")])
        for side in ("left", "right")
    }


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_uneven_pan_and_shake_give_the_still_cameras_cadence_and_events(fps):
    run = make_run(
        RunnerSpec(view="side-right", treadmill=False, duration_s=6.0, fps=fps, noise_px=0.5)
    )
    still = analyze_kinematics(run.series, camera_shift_px=_still(run.series.n_frames))
    moving_series, shift = _filmed_by_moving_camera(run.series, fps)
    moving = analyze_kinematics(moving_series, camera_shift_px=shift)
    assert still.camera.kind == "static"
    assert moving.camera.kind in ("panning", "handheld")
    assert moving.running.is_running and not moving.treadmill
    assert moving.cadence.cadence_spm == pytest.approx(still.cadence.cadence_spm, abs=0.5)
    assert moving.cadence.cadence_spm == pytest.approx(170.0, abs=1.5)
    ref, got = _strikes(still), _strikes(moving)
    frame = 1.0 / fps
    for side in ("left", "right"):
        assert got[side].size == ref[side].size >= 4
        assert np.max(np.abs(got[side] - ref[side])) <= frame + 1e-9
    # The bounce is the body's: the camera's shake is taken out with the camera's motion.
    osc = "vertical_oscillation_pct_leg"
    assert moving.metrics[osc].median == pytest.approx(still.metrics[osc].median, abs=0.3)


def test_uneven_pan_without_its_shifts_reads_the_camera_not_the_runner():
    # The same film with no camera measurement: the shake (2.3 Hz, ~138 steps/min) sits in
    # the hips' height, which is what the compensation removes. This pins that the
    # comparison above is not trivially true.
    fps = 30.0
    run = make_run(RunnerSpec(view="side-right", treadmill=False, duration_s=6.0, fps=fps))
    moving_series, shift = _filmed_by_moving_camera(run.series, fps)
    with_shift = analyze_kinematics(moving_series, camera_shift_px=shift)
    without = analyze_kinematics(moving_series)
    osc = "vertical_oscillation_pct_leg"
    assert abs(without.metrics[osc].median - with_shift.metrics[osc].median) > 1.0


def test_scene_offset_is_the_cumulative_shift_and_bridges_unmeasured_pairs():
    shift = np.array([[np.nan, np.nan], [2.0, 1.0], [np.nan, np.nan], [4.0, -1.0], [1.0, 0.0]])
    off = scene_offset_px(shift)
    # The missing pair takes the mean of its neighbours (3, 0).
    np.testing.assert_allclose(off[:, 0], [0, 2, 5, 9, 10])
    np.testing.assert_allclose(off[:, 1], [0, 1, 1, 0, 0])


def test_slow_motion_is_running_without_a_cadence_and_the_factor_restores_it():
    # A run filmed at 120 fps and played at 30 fps: 4x slower, 42.5 steps/min of clip time.
    run = make_run(RunnerSpec(view="side-right", duration_s=4.0, fps=120.0))
    slowed = dataclasses.replace(run.series, time_s=run.series.time_s * 4.0)
    a = analyze_kinematics(slowed)
    assert a.running.is_running and a.running.activity == "running" and a.running.slow_motion
    assert "slow motion" in a.running.reason and "--slowmo" in a.running.reason
    # 170 / 42.5 = 4.0: the guess from a typical running cadence.
    assert "about 4.0x" in a.running.reason
    assert a.cadence.cadence_spm == pytest.approx(42.5, abs=0.5)
    for name in ("cadence_spm", "contact_time_s", "flight_time_s"):
        assert a.metrics[name].confidence == "not_measurable"
        assert "--slowmo" in a.metrics[name].reasons[0]
    # Angles and shares do not depend on the time scale: measured as in real time. (The
    # filters' cut-offs are in Hz of clip time, so the slowed film is filtered less; the
    # duty factor, from the events, moves by a point or two: 37.0 against 35.7 in real
    # time, truth 34.0.)
    real = analyze_kinematics(run.series)
    assert real.running.is_running and not real.running.slow_motion
    for name in ("knee_flexion_strike_deg", "trunk_lean_deg"):
        assert a.metrics[name].median == pytest.approx(real.metrics[name].median, abs=0.5)
    assert a.metrics["duty_factor_pct"].median == pytest.approx(100 * run.spec.duty, abs=3.5)
    assert real.cadence.cadence_spm == pytest.approx(170.0, abs=1.0)
    assert any("slow motion" in n for n in a.notes)


def test_standing_still_in_slow_motion_is_not_running():
    run = make_run(RunnerSpec(standing=True, duration_s=4.0, fps=120.0, noise_px=0.5))
    slowed = dataclasses.replace(run.series, time_s=run.series.time_s * 4.0)
    assert not analyze_kinematics(slowed).running.is_running


# ---------------------------------------------------------------- frozen and repeated frames
def _box_change(n: int, rng: np.random.Generator) -> np.ndarray:
    """A running body's box change: 15-40 grey levels per frame (row 0 unmeasured)."""
    change = rng.uniform(15.0, 40.0, n)
    change[0] = np.nan
    return change


def test_a_freeze_and_every_sixth_frame_repeated_are_found_and_counted():
    rng = np.random.default_rng(22)
    n, fps = 300, 30.0
    t = np.arange(n) / fps
    change = _box_change(n, rng)
    change[1:35] = rng.uniform(0.05, 0.3, 34)  # frames 0-34: one picture (1.1 s)
    planted = np.arange(40, n, 6)  # 25 fps recorded at 30: each sixth frame repeats
    change[planted] = rng.uniform(0.05, 0.9, planted.size)
    frozen = frozen_frames(t, change)
    assert np.flatnonzero(frozen).tolist() == list(range(1, 35))
    assert np.flatnonzero(repeated_frames(t, change)).tolist() == planted.tolist()
    # (n - 35) frames outside the freeze, one in six a repeat: 6/5 = 1.2 frames per picture.
    assert repeat_factor(t, change) == pytest.approx(1.2, abs=0.03)
    run = make_run(RunnerSpec(duration_s=n / fps, fps=fps))
    edited, note = without_freezes(run.series, change)
    left_out = frozen | repeated_frames(t, change)
    assert np.isnan(edited.xy_px[left_out]).all()
    assert np.isfinite(edited.xy_px[~left_out]).all()
    assert "frames 0-34" in note and "34 of 300 frames left out" in note
    assert f"{planted.size} of 300 frames repeat the picture before them" in note
    assert "another frame rate" in note


def test_each_picture_shown_three_times_is_slow_motion_by_repetition():
    rng = np.random.default_rng(3)
    n, fps = 180, 30.0
    t = np.arange(n) / fps
    change = _box_change(n, rng)
    repeats = np.array([i for i in range(1, n) if i % 3 != 0])
    change[repeats] = rng.uniform(0.05, 0.5, repeats.size)
    assert repeat_factor(t, change) == pytest.approx(3.0, abs=0.05)
    assert repeat_factor(t, change) >= REPEAT_SLOWMO_MIN
    _, note = without_freezes(make_run(RunnerSpec(duration_s=n / fps, fps=fps)).series, change)
    assert "shown about 3.0 times: slow motion by repetition" in note


def test_smooth_motion_at_a_high_frame_rate_is_not_a_repeat():
    # At 240 fps a body's box may change by under one grey level in every frame; nothing
    # stands out against its neighbours, so nothing is a repeat.
    rng = np.random.default_rng(8)
    n = 480
    t = np.arange(n) / 240.0
    change = rng.uniform(0.5, 1.2, n)
    change[0] = np.nan
    assert not repeated_frames(t, change).any()
    assert not frozen_frames(t, change).any()


def test_a_stray_duplicate_is_kept():
    # Two identical first frames and one doubled image later in a 90-frame clip (2 of 89
    # measured frames): no habit of the clip, nothing left out.
    rng = np.random.default_rng(4)
    n, fps = 90, 30.0
    change = _box_change(n, rng)
    change[[1, 40]] = 0.2
    assert repeated_frames(np.arange(n) / fps, change).sum() == 2
    series = make_run(RunnerSpec(duration_s=n / fps, fps=fps)).series
    edited, note = without_freezes(series, change)
    assert note == "" and edited is series


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_a_sprint_followed_by_a_moving_camera_reads_its_cadence(fps):
    # A sprinter at 290 steps/min (4.8 Hz, contact 0.10 s, 9 m/s): above a 240 steps/min
    # search band, so once "no periodic stepping"; at 30 fps about 6 frames per step.
    spec = RunnerSpec(
        cadence_spm=290.0,
        contact_s=0.10,
        speed_m_s=9.0,
        x_fs_m=0.3,
        view="side-right",
        treadmill=False,
        duration_s=4.0,
        fps=fps,
        noise_px=0.5,
    )
    series, shift = _filmed_by_moving_camera(make_run(spec).series, fps)
    a = analyze_kinematics(series, camera_shift_px=shift)
    assert a.running.is_running and not a.treadmill
    assert a.metrics["cadence_spm"].median == pytest.approx(290.0, abs=2.0)


def test_slow_motion_by_repetition_gives_the_repetition_as_the_factor():
    # A 170 steps/min run at 30 fps with each picture shown 3 times (56.7 steps/min of clip
    # time): running in slow motion, slowed 3x, 170 steps/min in real time.
    run = make_run(RunnerSpec(view="side-right", duration_s=4.0, fps=30.0))
    src = run.series
    pick = np.repeat(np.arange(src.n_frames), 3)
    n = pick.size
    shown = dataclasses.replace(
        src,
        time_s=np.arange(n) / 30.0,
        xy_px=src.xy_px[pick],
        visibility=src.visibility[pick],
        world_m=src.world_m[pick],
        depth_rel=src.depth_rel[pick],
    )
    rng = np.random.default_rng(9)
    change = np.where(np.arange(n) % 3 == 0, rng.uniform(15.0, 40.0, n), 0.1)
    change[0] = np.nan
    a = analyze_kinematics(shown, runner_change=change)
    assert a.running.is_running
    found = re.search(
        r"shown about 3\.0 times: slowed about 3x, (\d+) steps/min in real", a.running.reason
    )
    assert found, a.running.reason
    assert int(found.group(1)) == pytest.approx(170, abs=3)
    assert a.metrics["cadence_spm"].confidence == "not_measurable"


# ---------------------------------------------------------------- scene cuts
def test_a_scene_cut_is_found_and_the_longest_shot_analysed():
    # Two shots of the same run spliced: frames 0-99, then a cut to another framing (the
    # runner 600 px further right) for frames 100-299. At the cut the background is lost
    # and the runner's box changes far more than in the frames around it.
    fps = 30.0
    run = make_run(RunnerSpec(view="side-right", duration_s=10.0, fps=fps, noise_px=0.5))
    series = run.series
    xy = series.xy_px.copy()
    xy[100:, :, 0] += 600.0
    cut_series = dataclasses.replace(series, xy_px=xy)
    n = series.n_frames
    rng = np.random.default_rng(12)
    change = _box_change(n, rng)
    change[100] = 120.0
    shift = _still(n)
    shift[100] = np.nan
    a = analyze_kinematics(cut_series, camera_shift_px=shift, runner_change=change)
    note = next(x for x in a.notes if "scene cut" in x)
    assert "1 scene cut(s) at frame(s) 100" in note
    assert "the longest shot (frames 100-299) is analysed, frames 0-99 left out" in note
    assert a.running.is_running and a.cadence.cadence_spm == pytest.approx(170.0, abs=1.5)
    # Every strike is inside the shot analysed.
    strikes = [e.frame for e in a.events.events if e.kind == "foot_strike"]
    assert strikes and min(strikes) >= 100


def test_a_fast_pan_is_not_a_cut():
    # The background lost for a frame while the runner moves smoothly: no cut.
    n = 60
    hip = np.column_stack([np.linspace(100, 400, n), np.full(n, 300.0)])
    change = np.full(n, 20.0)
    change[0] = np.nan
    shift = _still(n)
    shift[30] = np.nan
    change[30] = 90.0
    assert not scene_cuts(hip, 200.0, shift, change).any()
    hip[30:, 0] += 400.0  # the runner jumps two leg lengths too: a cut
    assert np.flatnonzero(scene_cuts(hip, 200.0, shift, change)).tolist() == [30]
