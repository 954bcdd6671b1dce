"""Pelvic tilt from the waistband series: a hem at the hips is not a waistband."""

from __future__ import annotations

import numpy as np

from gaitlab.kinematics.pelvis import WAISTBAND_MIN_OFFSET_TRUNK, waistband_obliquity_deg

FPS = 60.0


def _series(offset_trunk: float) -> dict:
    t = np.arange(240) / FPS
    angle = 5.0 * np.sin(2.0 * np.pi * 1.4 * t)  # a stride-rate tilt, deg
    rng = np.random.default_rng(0)
    offset = offset_trunk + rng.normal(0.0, 0.05, t.size)  # landmark jitter seen on renders
    return {"angle_deg": angle, "ok": np.ones(t.size, bool), "time_s": t, "offset": offset}


def _run(s: dict, **kw):
    return waistband_obliquity_deg(
        s["angle_deg"],
        s["ok"],
        "rear",
        s["time_s"],
        lowpass_hz=8.0,
        max_gap_s=0.1,
        min_ok_share=0.6,
        offset_trunk=s["offset"],
        **kw,
    )


def test_edge_at_waist_height_gives_the_tilt() -> None:
    s = _series(0.28)  # where tucked waistbands sat on the development renders
    tilt, why = _run(s)
    assert why == ""
    # Rear view: obliquity = + edge angle; the 8 Hz low-pass keeps a 1.4 Hz swing.
    assert np.max(np.abs(tilt[30:-30] - s["angle_deg"][30:-30])) < 0.2


def test_edge_at_the_hips_is_a_hem_and_not_measured() -> None:
    tilt, why = _run(_series(0.0))  # where the untucked hems hung
    assert tilt is None
    assert why.startswith("top untucked")


def test_threshold_is_the_boundary() -> None:
    just_above = _run(_series(WAISTBAND_MIN_OFFSET_TRUNK + 0.02))[0]
    just_below = _run(_series(WAISTBAND_MIN_OFFSET_TRUNK - 0.02))[0]
    assert just_above is not None and just_below is None


def test_series_without_edge_heights_are_measured_as_before() -> None:
    s = _series(0.0)
    s["offset"] = None  # a pose series saved before the height was measured
    assert _run(s)[0] is not None
