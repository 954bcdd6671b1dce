"""The fallback cadence's half/double guard, on landmark series with a known cadence.

The series are built here from two rhythms with analytic answers: the hips bounce once per
step (``step_hz``) and the feet lift alternately, one foot per stride (``step_hz / 2``).
The leg labels are swapped in a random half of the frames (as MediaPipe does on small or
far runners), so the legs' own rhythm is too weak and the fallback of
:func:`estimate_cadence` gives the cadence; one foot lifting far higher than the other puts
a once-per-stride rhythm into the feet's spacing, which pulls the fallback an octave low.
"""

import numpy as np
import pytest

from gaitlab.kinematics.cadence import OCTAVE_MARGIN, estimate_cadence, octave_guard
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.landmarks import INDEX

S = KinematicsSettings()
LEG = ("knee", "ankle", "heel", "foot_index")


def _landmarks(
    step_hz: float,
    lift_px: tuple[float, float],
    bounce_noise_px: float,
    swap_share: float = 0.5,
    fps: float = 30.0,
    duration_s: float = 8.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Rear-view landmarks (+Y up, px): a 4 px bounce at ``step_hz``, feet alternating."""
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, duration_s, 1.0 / fps)
    n = t.size
    xy = np.zeros((n, 33, 2))
    bounce = 4.0 * np.cos(2 * np.pi * step_hz * t) + rng.normal(0.0, bounce_noise_px, n)
    stride_phase = np.sin(np.pi * step_hz * t)  # + for the left foot's swing, - the right's
    lift = {
        "left": lift_px[0] * np.clip(stride_phase, 0.0, None),
        "right": lift_px[1] * np.clip(-stride_phase, 0.0, None),
    }
    for side, sign in (("left", -1.0), ("right", 1.0)):
        xy[:, INDEX[f"{side}_shoulder"]] = np.column_stack([np.full(n, 20 * sign), 160 + bounce])
        xy[:, INDEX[f"{side}_hip"]] = np.column_stack([np.full(n, 15 * sign), 100 + bounce])
        xy[:, INDEX[f"{side}_knee"]] = np.column_stack([np.full(n, 13 * sign), 50 + lift[side]])
        for part in LEG[1:]:
            y = lift[side] + rng.normal(0.0, 0.3, n)
            xy[:, INDEX[f"{side}_{part}"]] = np.column_stack([np.full(n, 12 * sign), y])
    swapped = rng.random(n) < swap_share
    left = [INDEX[f"left_{p}"] for p in LEG]
    right = [INDEX[f"right_{p}"] for p in LEG]
    out = xy.copy()
    out[np.ix_(swapped, left)] = xy[np.ix_(swapped, right)]
    out[np.ix_(swapped, right)] = xy[np.ix_(swapped, left)]
    return t, out


def test_bounce_at_2_8_hz_and_legs_at_1_4_hz_give_168_not_84():
    # One foot lifts 10x higher than the other: the feet's spacing repeats once per stride
    # (1.4 Hz) and, with a noisy bounce, the fallback's own peak is the stride rate.
    t, xy = _landmarks(2.8, lift_px=(20.0, 2.0), bounce_noise_px=2.0)
    est = estimate_cadence(t, xy, S, sagittal=False)
    assert est.limbs_periodicity < S.periodicity_min  # the fallback is the one used
    assert "fallback's 84.0 steps/min" in est.note  # the trap bites: it read half
    assert est.cadence_spm == pytest.approx(168.0, abs=0.5)
    assert est.stride_hz == pytest.approx(1.4, abs=0.005)
    assert est.check == "resolved"
    assert "taken instead" in est.note
    assert est.bounce_spm == pytest.approx(168.0, abs=0.5)


def test_consistent_rhythms_leave_the_fallback_alone():
    # Same runner, a clean bounce: the fallback's peak is the step rate and no octave
    # rival exists, so the plain fallback stands.
    t, xy = _landmarks(2.8, lift_px=(20.0, 2.0), bounce_noise_px=1.0)
    est = estimate_cadence(t, xy, S, sagittal=False)
    assert est.check == "bounce_only"
    assert est.cadence_spm == pytest.approx(168.0, abs=0.5)
    assert "octave" not in est.note


def _peaked_at(true_spm: float, height: float = 1.0, width_spm: float = 3.0):
    """Evidence with one peak at ``true_spm`` (steps/min) and a small floor elsewhere."""

    def evidence(spm: float) -> float:
        return 0.1 + height * float(np.exp(-0.5 * ((spm - true_spm) / width_spm) ** 2))

    return evidence


def test_a_doubled_fallback_is_halved_back_with_the_evidence():
    # The fallback read 336 (double 168); the bounce's own peak is at 168.
    spm, check, note = octave_guard(336.0, (float("nan"), 168.0), _peaked_at(168.0), (1.0, 6.0))
    assert spm == pytest.approx(168.0)
    assert check == "resolved"
    assert "168.0 is taken instead" in note and "336.0" in note


def test_a_halved_fallback_is_doubled_back_with_the_evidence():
    spm, check, _ = octave_guard(84.0, (170.0, 166.0), _peaked_at(168.0), (1.0, 5.0))
    assert spm == pytest.approx(168.0)
    assert check == "resolved"


def test_evidence_too_close_to_call_is_reported_as_a_disagreement():
    # Both octaves have the same support: the better (by a hair) is reported, and the
    # check says the two disagree, which caps the cadence's confidence at low.
    def evidence(spm: float) -> float:
        return 1.0 if spm == 84.0 else 1.0 / (0.5 * (1 + OCTAVE_MARGIN))

    spm, check, note = octave_guard(84.0, (168.0, float("nan")), evidence, (1.0, 5.0))
    assert (spm, check) == (84.0, "disagree")
    assert "too close to be sure" in note


def test_no_rival_outside_the_band_or_off_the_octave():
    evidence = _peaked_at(168.0)
    # A rival at 2x would be 5.6 Hz, above a 5 Hz band: no rival.
    assert octave_guard(168.0, (336.0, float("nan")), evidence, (1.0, 5.0))[1] == "bounce_only"
    # 1.5x is not an octave: no rival.
    assert octave_guard(168.0, (252.0, 112.0), evidence, (1.0, 5.0))[1] == "bounce_only"
