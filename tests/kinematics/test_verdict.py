"""The running verdict's guard for clips with a rhythm but no complete stride."""

from __future__ import annotations

import pytest

from gaitlab.kinematics.verdict import STEP_TIME_TOLERANCE, steps_seen

STEP_S = 60.0 / 174.0  # one step at 174 steps/min


def test_a_single_strike_is_no_step():
    # The balancing clip's case: a periodogram peak and one foot strike.
    assert steps_seen([(0.5, "left")], STEP_S) == 0


def test_alternating_strikes_one_step_apart_are_steps():
    strikes = [(0.2, "left"), (0.2 + STEP_S, "right"), (0.2 + 2 * STEP_S, "left")]
    assert steps_seen(strikes, STEP_S) == 2


def test_strikes_of_one_foot_or_far_off_the_step_time_are_not_steps():
    same_foot = [(0.2, "left"), (0.2 + STEP_S, "left")]
    assert steps_seen(same_foot, STEP_S) == 0
    off = (1.0 + STEP_TIME_TOLERANCE + 0.05) * STEP_S
    assert steps_seen([(0.2, "left"), (0.2 + off, "right")], STEP_S) == 0
    near = (1.0 + STEP_TIME_TOLERANCE - 0.05) * STEP_S
    assert steps_seen([(0.2, "left"), (0.2 + near, "right")], STEP_S) == 1


@pytest.mark.parametrize("order", [1, -1])
def test_strikes_are_taken_in_time_order(order):
    strikes = [(0.2, "left"), (0.2 + STEP_S, "right")][::order]
    assert steps_seen(strikes, STEP_S) == 1
