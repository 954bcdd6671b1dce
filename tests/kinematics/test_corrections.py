"""A reviewer's event corrections, applied by the kinematics stage (stick runner, known timing)."""

import numpy as np
import pytest

from gaitlab.kinematics import analyze_kinematics
from gaitlab.kinematics.corrections import CorrectionError, Corrections, EventEdit

from .stickrunner import RunnerSpec, make_run

SPEC = RunnerSpec(fps=60.0, duration_s=6.0, contact_s=0.24)


@pytest.fixture(scope="module")
def run():
    return make_run(SPEC)


@pytest.fixture(scope="module")
def detected(run):
    return analyze_kinematics(run.series)


def strike_and_toe_off(analysis, side="left", k=2):
    """Frames of the k-th stride of ``side``: its foot strike and toe-off."""
    s = [s for s in analysis.strides if s.side == side][k]
    t = analysis.time_s
    return int(np.argmin(abs(t - s.foot_strike_s))), int(np.argmin(abs(t - s.toe_off_s)))


def contact_of(analysis, side, fs_frame):
    for v in analysis.metrics["contact_time_s"].values:
        if v.side == side and round(v.time_s * SPEC.fps) == fs_frame:
            return v.value
    raise AssertionError(f"no {side} stride at frame {fs_frame}")


def test_moving_a_toe_off_changes_that_strides_contact_time_by_the_move(run, detected):
    fs, to = strike_and_toe_off(detected)
    strike_s = [s for s in detected.strides if s.side == "left"][2].foot_strike_s
    fixed = analyze_kinematics(
        run.series, corrections=Corrections((EventEdit("move", "left", "toe_off", to, to + 3),))
    )
    # The reviewer's toe-off is at its frame's time (detected ones fall between frames):
    # three frames (50 ms at 60 fps) later than the detected one's frame.
    assert contact_of(fixed, "left", fs) == pytest.approx(detected.time_s[to + 3] - strike_s)
    assert contact_of(fixed, "left", fs) - contact_of(detected, "left", fs) == pytest.approx(
        3 / SPEC.fps, abs=0.5 / SPEC.fps
    )
    # The other strides unchanged.
    fs2, _ = strike_and_toe_off(detected, k=3)
    assert contact_of(fixed, "left", fs2) == pytest.approx(contact_of(detected, "left", fs2))
    moved = [e for e in fixed.events.events if e.kind == "toe_off" and e.frame == to + 3]
    assert len(moved) == 1 and moved[0].side == "left" and not moved[0].inferred
    block = fixed.to_dict()
    assert block["corrections"]["summary"] == "1 event corrected by the reviewer"
    assert "1 event corrected by the reviewer" in block["notes"]


def test_deleting_a_foot_strike_merges_two_strides_which_the_length_check_drops(run, detected):
    fs, _ = strike_and_toe_off(detected, k=2)
    fixed = analyze_kinematics(
        run.series, corrections=Corrections((EventEdit("delete", "left", "foot_strike", fs),))
    )
    left_before = [s for s in detected.strides if s.side == "left"]
    left_after = [s for s in fixed.strides if s.side == "left"]
    # The two strides either side of the strike had two toe-offs between their ends: gone.
    assert len(left_after) == len(left_before) - 2
    assert all(round(s.foot_strike_s * SPEC.fps) != fs for s in left_after)


def test_excluding_a_stride_drops_it_from_every_metric_and_undo_restores_it(run, detected):
    fs, _ = strike_and_toe_off(detected, side="right", k=1)
    c = Corrections().added(EventEdit("exclude_stride", "right", "foot_strike", fs))
    fixed = analyze_kinematics(run.series, corrections=c)
    assert len(fixed.strides) == len(detected.strides) - 1
    values = fixed.metrics["contact_time_s"].values
    assert all(not (v.side == "right" and round(v.time_s * SPEC.fps) == fs) for v in values)
    assert c.summary() == "1 stride excluded by the reviewer"
    undone = analyze_kinematics(run.series, corrections=c.undone())
    assert len(undone.strides) == len(detected.strides)
    assert undone.to_dict()["corrections"]["edits"] == []


def test_adding_then_json_round_trip(run, detected):
    fs, to = strike_and_toe_off(detected)
    c = Corrections(
        (EventEdit("delete", "left", "toe_off", to), EventEdit("add", "left", "toe_off", to + 2))
    )
    assert Corrections.from_dict(c.to_dict()) == c
    assert c.placed() == {("left", "toe_off", to + 2)}
    fixed = analyze_kinematics(run.series, corrections=c)
    strike_s = [s for s in detected.strides if s.side == "left"][2].foot_strike_s
    assert contact_of(fixed, "left", fs) == pytest.approx(detected.time_s[to + 2] - strike_s)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("move", "left", "toe_off", 1, 5), "nearest are at frames"),
        (("delete", "right", "foot_strike", 10_000), "the clip has frames 0-"),
        (("exclude_stride", "left", "foot_strike", 2), "no left stride starts there"),
    ],
)
def test_an_edit_that_does_not_fit_says_what_is_there(run, edit, message):
    with pytest.raises(CorrectionError, match=message):
        analyze_kinematics(run.series, corrections=Corrections((EventEdit(*edit),)))


def test_malformed_edits_are_refused_with_a_usage_error():
    with pytest.raises(CorrectionError, match="target frame"):
        EventEdit("move", "left", "toe_off", 3)
    with pytest.raises(CorrectionError, match="side"):
        EventEdit("add", "middle", "toe_off", 3)
    with pytest.raises(CorrectionError, match="not a readable correction"):
        Corrections.from_dict({"edits": [{"action": "add", "side": "left", "frame": 2.5}]})
    assert CorrectionError("x").exit_code == 2
