"""Gait-cycle normalisation against series whose per-stride shape is known analytically."""

import numpy as np
import pytest

from gaitlab.kinematics.cycles import (
    CYCLE_PCT,
    StrideWindow,
    gait_cycles,
    mask_unphysical,
    normalise_stride,
    stride_windows,
)
from gaitlab.kinematics.events import EventDetection, GaitEvent, build_strides

FPS = 120.0


def shape_deg(phase: np.ndarray) -> np.ndarray:
    """A knee-like curve over the cycle (phase 0-1): two bumps, 20-70 deg."""
    return 45.0 - 25.0 * np.cos(2 * np.pi * phase) + 10.0 * np.sin(4 * np.pi * phase)


def strides_with_varying_durations(seed: int = 7) -> tuple[np.ndarray, list[StrideWindow]]:
    """Left strides of 0.62-0.78 s back to back, toe-off at 35 % of each."""
    rng = np.random.default_rng(seed)
    durations = rng.uniform(0.62, 0.78, size=8)
    starts = 0.1 + np.concatenate([[0.0], np.cumsum(durations)[:-1]])
    ws = [
        StrideWindow(i, "left", float(a), float(a + 0.35 * d), float(a + d))
        for i, (a, d) in enumerate(zip(starts, durations, strict=True))
    ]
    t = np.arange(0.0, starts[-1] + durations[-1] + 0.2, 1.0 / FPS)
    return t, ws


def series_over(t: np.ndarray, ws: list[StrideWindow]) -> np.ndarray:
    y = np.full_like(t, np.nan)
    for w in ws:
        # Periodic shape: the last stride runs on a few frames into the next cycle.
        inside = (t >= w.foot_strike_s) & (t <= w.next_foot_strike_s + 3 / FPS)
        phase = (t[inside] - w.foot_strike_s) / (w.next_foot_strike_s - w.foot_strike_s)
        y[inside] = shape_deg(phase)
    return y


def test_mean_recovers_the_per_stride_shape_whatever_the_stride_duration():
    t, ws = strides_with_varying_durations()
    cycles = gait_cycles(t, {"left_knee_flexion_deg": series_over(t, ws)}, ws)
    c = cycles[("left_knee_flexion_deg", "left")]
    truth = shape_deg(CYCLE_PCT / 100.0)
    assert c.curves_deg.shape == (8, 101)
    # Linear interpolation at 120 fps of a curve with |y''| <= ~(2 pi)^2 * 25 / T^2 + ...:
    # the error bound is h^2/8 max|y''| ~ 0.1 deg for 0.7 s strides.
    assert np.nanmax(np.abs(c.mean_deg - truth)) < 0.15
    assert np.nanmax(c.sd_deg) < 0.1
    assert c.mean_toe_off_pct == pytest.approx(35.0)
    assert list(c.n_per_point) == [8] * 101


def test_spread_is_the_strides_standard_deviation():
    t, ws = strides_with_varying_durations()
    base = series_over(t, ws)
    # Stride i shifted by +i deg: the spread at every point is the SD of 0..7.
    shifted = base.copy()
    for w in ws:
        inside = (t > w.foot_strike_s) & (t < w.next_foot_strike_s)
        shifted[inside] += w.index
    c = gait_cycles(t, {"left_knee_flexion_deg": shifted}, ws)[("left_knee_flexion_deg", "left")]
    inner = slice(2, 99)  # the end points are shared with the neighbouring stride
    assert c.sd_deg[inner] == pytest.approx(np.full(97, np.std(np.arange(8), ddof=1)), abs=0.02)
    assert c.mean_deg[inner] == pytest.approx(shape_deg(CYCLE_PCT[inner] / 100) + 3.5, abs=0.15)


def test_side_series_uses_its_own_strides_and_whole_body_series_both():
    ws = [
        StrideWindow(0, "left", 0.0, 0.25, 0.7),
        StrideWindow(1, "right", 0.35, 0.6, 1.05),
    ]
    t = np.arange(0.0, 1.2, 1 / FPS)
    angles = {"left_knee_flexion_deg": t * 0 + 30.0, "trunk_lean_deg": t * 0 + 8.0}
    cycles = gait_cycles(t, angles, ws)
    assert set(cycles) == {
        ("left_knee_flexion_deg", "left"),
        ("trunk_lean_deg", "left"),
        ("trunk_lean_deg", "right"),
    }
    assert cycles[("trunk_lean_deg", "right")].strides == (ws[1],)


def test_artefact_outside_the_physical_range_is_masked_not_averaged():
    t, ws = strides_with_varying_durations()
    y = series_over(t, ws)
    # The last frames of stride 3 read -100 deg (a leg traced upside down).
    w = ws[3]
    bad = (t > w.foot_strike_s + 0.9 * (w.next_foot_strike_s - w.foot_strike_s)) & (
        t < w.next_foot_strike_s
    )
    y[bad] = -100.0
    c = gait_cycles(t, {"left_knee_flexion_deg": y}, ws)[("left_knee_flexion_deg", "left")]
    assert np.nanmin(c.curves_deg) > 10.0  # the shape never goes below ~14.6 deg
    assert np.isnan(c.curves_deg[3, 92:100]).all()
    # The other strides still give the mean there.
    assert np.nanmax(np.abs(c.mean_deg - shape_deg(CYCLE_PCT / 100))) < 0.15
    assert c.n_per_point[95] == 7


def test_mask_unphysical_uses_the_range_without_side_prefix():
    v = np.array([-100.0, -15.0, 40.0, 165.0, 170.0, np.nan])
    out = mask_unphysical("left_knee_flexion_deg", v)
    assert np.isnan(out[[0, 4, 5]]).all()
    assert out[[1, 2, 3]] == pytest.approx([-15.0, 40.0, 165.0])
    assert mask_unphysical("no_such_series", v)[0] == -100.0


def test_gap_in_the_pose_is_not_bridged():
    t = np.linspace(0.0, 0.9, 10)
    y = np.arange(10.0)
    y[4:6] = np.nan
    out = normalise_stride(t, y, 0.0, 0.9, n_points=10)
    assert np.isnan(out[[4, 5]]).all()
    assert out[[0, 1, 2, 3, 6, 7, 8, 9]] == pytest.approx([0, 1, 2, 3, 6, 7, 8, 9])
    # Half-way between frames: interpolated, except next to the gap.
    half = normalise_stride(t, y, 0.0, 0.9, n_points=19)
    assert half[[1, 5]] == pytest.approx([0.5, 2.5])
    assert np.isnan(half[[7, 8, 9, 10, 11]]).all()
    assert half[13] == pytest.approx(6.5)
    # Beyond the clip: NaN, not the last value repeated.
    assert np.isnan(normalise_stride(t, y, 0.5, 1.5, n_points=11)[-1])


def test_stride_boundaries_come_from_known_events():
    """Events at known times -> strides -> windows cut exactly at those foot strikes."""

    def ev(side, kind, t):
        return GaitEvent(side, kind, t, round(t * FPS))

    events = (
        ev("left", "foot_strike", 0.10),
        ev("left", "toe_off", 0.34),
        ev("right", "foot_strike", 0.45),
        ev("right", "toe_off", 0.69),
        ev("left", "foot_strike", 0.80),
        ev("left", "toe_off", 1.04),
        ev("right", "foot_strike", 1.15),
        ev("left", "foot_strike", 1.50),
    )
    det = EventDetection(events, None, False, 1.0, ())
    ws = stride_windows(build_strides(det))
    assert [(w.side, w.foot_strike_s, w.next_foot_strike_s) for w in ws] == [
        ("left", 0.10, 0.80),
        ("right", 0.45, 1.15),
        ("left", 0.80, 1.50),
    ]
    assert ws[0].toe_off_pct == pytest.approx(100 * 0.24 / 0.70)
    # From result.json's dicts, the same windows.
    as_dicts = [
        {"side": w.side, "foot_strike_s": w.foot_strike_s, "toe_off_s": w.toe_off_s,
         "next_foot_strike_s": w.next_foot_strike_s}
        for w in ws
    ]  # fmt: skip
    assert stride_windows(as_dicts) == ws


def test_a_stride_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="not after its foot strike"):
        stride_windows([{"side": "left", "foot_strike_s": 1.0, "toe_off_s": None,
                         "next_foot_strike_s": 0.5}])  # fmt: skip
