"""Planted deviations move their metric by the planted amount, measured from true joint centres."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("pybullet")

from gaitlab.synth import truth
from gaitlab.synth.deviations import NORMAL_RUN, PRESETS, Deviations
from gaitlab.synth.gait import synthesize

DURATION_S = 3.0
TIMES_S = np.arange(0, DURATION_S, 1 / 30)


def _stances(loop, schedule, dev: Deviations, seed: int = 3):
    syn = synthesize(
        loop, replace(dev, stride_variability=0.0), TIMES_S, seed=seed, schedule=schedule
    )
    t, pose = syn.dense
    angles = truth.frame_angles(pose)
    events = truth.contact_events(t, pose)
    return syn, truth.stance_metrics(t, angles, events, 0.0, DURATION_S), events


def _median(stances, key: str, side: str | None = None) -> float:
    return float(np.median([s[key] for s in stances if side in (None, s["side"])]))


@pytest.mark.parametrize("drop_deg", [-6.0, 4.0, 10.0])
def test_pelvic_drop_measures_planted(run_loop, run_schedule, drop_deg: float) -> None:
    _, base, _ = _stances(run_loop, run_schedule, NORMAL_RUN)
    _, planted, _ = _stances(run_loop, run_schedule, NORMAL_RUN.plus(pelvic_drop_deg=drop_deg))
    assert len(base) == len(planted) >= 6
    for b, p in zip(base, planted, strict=True):
        assert p["pelvic_drop_peak_deg"] - b["pelvic_drop_peak_deg"] == pytest.approx(
            drop_deg, abs=0.5
        )


def test_pelvic_drop_one_side_only(run_loop, run_schedule) -> None:
    _, base, _ = _stances(run_loop, run_schedule, NORMAL_RUN)
    _, planted, _ = _stances(run_loop, run_schedule, NORMAL_RUN.plus(pelvic_drop_left_deg=8.0))
    for b, p in zip(base, planted, strict=True):
        expected = 8.0 if p["side"] == "left" else 0.0
        assert p["pelvic_drop_peak_deg"] - b["pelvic_drop_peak_deg"] == pytest.approx(
            expected, abs=0.5
        )


def test_hip_extension_reduction(run_loop, run_schedule) -> None:
    _, base, _ = _stances(run_loop, run_schedule, NORMAL_RUN)
    _, planted, _ = _stances(run_loop, run_schedule, NORMAL_RUN.plus(hip_extension_deg=-10.0))
    for key in ("hip_extension_peak_deg", "thigh_extension_peak_deg"):
        assert _median(planted, key) - _median(base, key) == pytest.approx(-10.0, abs=0.5)
    # Contacts are unchanged (the knee keeps the ankle height): no scuffing, same timing.
    assert [s["foot_strike_s"] for s in planted] == [s["foot_strike_s"] for s in base]


def test_trunk_lean_moves_lean_not_pelvis_or_arch(run_loop, run_schedule) -> None:
    syn0, base, _ = _stances(run_loop, run_schedule, NORMAL_RUN)
    syn1, planted, _ = _stances(run_loop, run_schedule, NORMAL_RUN.plus(trunk_lean_deg=12.0))
    a0, a1 = truth.frame_angles(syn0.pose), truth.frame_angles(syn1.pose)
    assert np.allclose(a1["trunk_lean_deg"] - a0["trunk_lean_deg"], 12.0, atol=0.05)
    assert np.allclose(a1["pelvic_obliquity_deg"], a0["pelvic_obliquity_deg"], atol=0.05)
    assert np.allclose(a1["trunk_pelvis_angle_deg"], a0["trunk_pelvis_angle_deg"], atol=0.05)
    assert np.allclose(a1["thigh_extension_l_deg"], a0["thigh_extension_l_deg"], atol=0.05)
    assert _median(planted, "hip_extension_peak_deg") - _median(
        base, "hip_extension_peak_deg"
    ) == pytest.approx(-12.0, abs=0.5)


def test_back_arch_moves_arch_not_lean(run_loop, run_schedule) -> None:
    syn0, _, _ = _stances(run_loop, run_schedule, NORMAL_RUN)
    syn1, _, _ = _stances(run_loop, run_schedule, NORMAL_RUN.plus(back_arch_deg=15.0))
    a0, a1 = truth.frame_angles(syn0.pose), truth.frame_angles(syn1.pose)
    assert np.allclose(a1["trunk_pelvis_angle_deg"] - a0["trunk_pelvis_angle_deg"], 15.0, atol=0.05)
    assert np.allclose(a1["trunk_lean_deg"], a0["trunk_lean_deg"], atol=0.05)
    assert np.allclose(a1["hip_extension_r_deg"], a0["hip_extension_r_deg"], atol=0.05)
    assert np.allclose(a1["pelvic_obliquity_deg"], a0["pelvic_obliquity_deg"], atol=0.05)
    # The lumbar and thoracic joints did bend (the chest is extended relative to the pelvis).
    assert np.median(a1["lumbar_extension_deg"] - a0["lumbar_extension_deg"]) > 10.0


def test_overstride(run_loop, run_schedule) -> None:
    _, base, _ = _stances(run_loop, run_schedule, NORMAL_RUN)
    _, planted, _ = _stances(run_loop, run_schedule, NORMAL_RUN.plus(overstride_cm=8.0))
    for b, p in zip(base, planted, strict=True):
        assert p["overstride_cm"] - b["overstride_cm"] == pytest.approx(8.0, abs=0.5)


def test_cadence_scale(run_loop, run_schedule) -> None:
    _, _, events = _stances(run_loop, run_schedule, NORMAL_RUN)
    assert truth.cadence_spm(events, 0.0, DURATION_S) == pytest.approx(150.0, abs=0.5)
    _, _, events = _stances(run_loop, run_schedule, NORMAL_RUN.plus(cadence_scale=1.1))
    assert truth.cadence_spm(events, 0.0, DURATION_S) == pytest.approx(165.0, abs=0.8)


def test_feet_locked_to_floor(run_loop, run_schedule) -> None:
    syn, stances, _ = _stances(run_loop, run_schedule, PRESETS["limited_hip_extension"][1])
    t, pose = syn.dense
    for side in ("l", "r"):
        z = pose.sole_points_m(side)[..., 2].min(axis=1)
        assert z.min() > -1e-9  # never through the floor
        inside = run_schedule.in_stance(side, syn.strides.phase_at(t))
        assert np.abs(z[inside]).max() < 1e-9  # exactly on it during stance
    # Alternating steps, 2 per stride.
    sides = [s["side"] for s in stances]
    assert all(a != b for a, b in itertools.pairwise(sides))


def test_variability_is_seeded(run_loop, run_schedule) -> None:
    dev = NORMAL_RUN
    a = synthesize(run_loop, dev, TIMES_S, seed=5, schedule=run_schedule)
    b = synthesize(run_loop, dev, TIMES_S, seed=5, schedule=run_schedule)
    c = synthesize(run_loop, dev, TIMES_S, seed=6, schedule=run_schedule)
    assert np.array_equal(a.pose.rot, b.pose.rot)
    assert not np.allclose(a.pose.rot, c.pose.rot)
    durations = np.diff(a.strides.start_s)
    assert durations.std() > 0  # strides differ


def test_normal_preset_in_normal_bands(run_loop, run_schedule) -> None:
    _, stances, events = _stances(run_loop, run_schedule, NORMAL_RUN)
    assert 3.0 <= _median(stances, "trunk_lean_mean_deg") <= 12.0
    assert _median(stances, "pelvic_drop_peak_deg") < 5.0
    assert 5.0 <= _median(stances, "hip_extension_peak_deg") <= 15.0
    assert 140 <= truth.cadence_spm(events, 0, DURATION_S) <= 190


def test_truth_has_gaitlab_metric_definitions(run_loop, run_schedule) -> None:
    """Stride-mean trunk lean, stride time and peak stance knee flexion, as gaitlab defines them."""
    _, stances, events = _stances(run_loop, run_schedule, NORMAL_RUN)
    for st in stances:
        side = "l" if st["side"] == "left" else "r"
        later = [fs for fs, _ in events[side] if fs > st["foot_strike_s"]]
        if later:
            assert st["stride_time_s"] == pytest.approx(later[0] - st["foot_strike_s"], abs=2e-3)
            assert np.isfinite(st["trunk_lean_stride_mean_deg"])
        else:
            assert st["stride_time_s"] is None and st["trunk_lean_stride_mean_deg"] is None
        assert st["knee_flexion_peak_stance_deg"] >= st["knee_flexion_mid_stance_deg"] - 1e-6
        assert st["knee_flexion_peak_stance_deg"] >= st["knee_flexion_at_strike_deg"] - 1e-6
