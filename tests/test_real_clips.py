"""Hand labels of the real clips, and gaitlab's answers on those clips checked against them.

The labels (``benchmarks/labels/*.json``) were made by stepping through the frames and
looking at the feet; ``benchmarks/clip_labels.py`` reads and scores them, the same code the
benchmark (``benchmarks/real_clips.py``) uses. Two groups of tests:

* the labels files themselves: format, plausibility (strikes and toe-offs alternate like
  running steps), and, when the clips are present, that each file describes the very clip
  it names (SHA-256, frame count and frame rate as OpenCV reads them); plus the label
  arithmetic (cadence fit, event matching) on cases with a known answer;
* acceptance checks on real MediaPipe inference (``integration``, ``shared``): every running
  clip is called running and no clip without running is; the reported cadence is within
  ``max(2, 2 x label uncertainty)`` steps/min of the labels on every clip whose labels make
  it a target (running in real time, at least 4 labelled steps); every rear-view running clip
  reports a cadence; foot strikes are within one frame of the labels on >= 85 % of the
  labelled strikes on static side clips and >= 75 % on panning ones (real time only). Each
  clip is analysed once per module (private pose cache).

Checks that the code on main (e5e36bf) fails are ``xfail(strict=True)`` with the reason:
when the fix lands they turn into XPASS failures and the mark must be removed.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.clip_labels import (
    LABELS_DIR,
    MIN_STEPS_FOR_CADENCE,
    ClipLabels,
    Event,
    LabelError,
    all_labels,
    alternation_problems,
    cadence_from_strikes,
    load_labels,
    score_events,
    sha256_of,
)
from gaitlab.errors import GaitlabError
from gaitlab.pipeline import AnalysisRequest, ClipAnalysis, analyze_clip
from tests.conftest import shared_clip

LABELS = {lab.stem: lab for lab in all_labels()}
RUNNING = sorted(s for s, lab in LABELS.items() if lab.is_running)
NOT_RUNNING = sorted(s for s, lab in LABELS.items() if not lab.is_running)
CADENCE_TARGETS = sorted(s for s, lab in LABELS.items() if lab.cadence_is_target)
REAR_RUNNING = sorted(s for s in RUNNING if LABELS[s].view == "rear")
#: Share of labelled foot strikes a detected strike must be within 1 frame of (the issue's
#: targets), per camera class; for side-view running clips in real time.
STRIKE_TARGETS = {"static": 0.85, "panning": 0.75}
STRIKE_CLIPS = sorted(
    s
    for s in RUNNING
    if LABELS[s].view == "side" and LABELS[s].real_time and LABELS[s].camera in STRIKE_TARGETS
)
#: The running clips the labelling covered (a labels file must not silently disappear).
EXPECTED_RUNNING = {
    "zzzhushi_male_side_treadmill",
    "radluy_side_overground_running_openpose_overlay",
    "radluy_rear_overground_running_openpose_overlay",
    "sports2d_demo3_running_side_overground",
    "sports2d_demo2_sprint_side_panning_3people",
    "betterforerunner_side_track_panning_screenrec",
    "hato72_sprint_side_track_wide",
}


def _xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"known gap: {reason}")


#: Failures of the code on main, measured with benchmarks/real_clips.py (gaitlab 0.1.0,
#: commit e5e36bf; the radluy side clip's verdict and cadence fixed by commit 271c4dc, the
#: slow-motion panning clip's verdict by commit b388c20, the panning sprint re-measured at
#: commit 4b83592; the rear pass-by's cadence fixed on branch rearcad by detrending its
#: drift with a local line, commit e92898c);
#: docs/real_clips.md has the full table.
RUNNING_XFAIL = {
    "sports2d_demo2_sprint_side_panning_3people": _xfail(
        "panning camera on a sprint: 'no periodic stepping', also with the band reaching "
        "300 steps/min and the camera's motion taken out (commit 4b83592)"
    ),
    "hato72_sprint_side_track_wide": _xfail(
        "small runner crossing a wide static shot, 3x slow motion: verdict 'unknown', also "
        "with the zoomed re-detection (29 of its 183 small-runner frames re-detected)"
    ),
}
CADENCE_XFAIL = {
    "sports2d_demo2_sprint_side_panning_3people": _xfail(
        "panning sprint: no cadence (about 287 labelled)"
    ),
}
STRIKE_XFAIL = {
    "zzzhushi_male_side_treadmill": _xfail(
        "28 of 33 labelled strikes (84.8 %) have a detected strike within 1 frame; target 85 %"
    ),
    "radluy_side_overground_running_openpose_overlay": _xfail(
        "pass-by clip: 3 of the 5 labelled strikes within 1 frame (60 %; target 85 %)"
    ),
    "sports2d_demo3_running_side_overground": _xfail(
        "one-stride pass-by at 480x352: 2 of its 3 labelled strikes within 1 frame"
    ),
    "sports2d_demo2_sprint_side_panning_3people": _xfail("panning sprint: no events detected"),
}
REAR_CADENCE_XFAIL: dict[str, pytest.MarkDecorator] = {}


def _params(stems: list[str], marks: dict[str, pytest.MarkDecorator]) -> list:
    return [pytest.param(s, id=s, marks=[marks[s]] if s in marks else []) for s in stems]


# --------------------------------------------------------------------------- the labels
def test_every_running_clip_has_labels():
    assert EXPECTED_RUNNING <= set(RUNNING)
    # And the verdict-only clips are there too (no events, but the right answer).
    assert {"sports2d_demo4_walking_side_indoor", "sports2d_demo_walk_side_plus_jumps_2people"} <= (
        set(NOT_RUNNING)
    )


@pytest.mark.parametrize("stem", sorted(LABELS))
def test_labels_file_is_plausible(stem: str):
    lab = LABELS[stem]
    assert lab.labelled_by == "hand-labelled by stepping through frames"
    assert lab.date == "2026-12-07"
    assert alternation_problems(lab) == []
    if lab.is_running:
        assert len(lab.foot_strikes) >= 3 and lab.toe_offs, "a running clip needs its events"
        assert lab.labelled_frames is not None
        first, last = lab.labelled_frames
        assert all(first <= e.frame <= last for e in (*lab.foot_strikes, *lab.toe_offs))
        # A labelled step is a running step: 0.15-0.6 s of real time. Slow-motion clips
        # say so in their playback note and are held to clip time scaled by 4 at most.
        slow = not lab.real_time
        step_s = lab.cadence.frames_per_step / lab.fps
        assert 0.15 <= step_s <= (2.4 if slow else 0.6), step_s
    else:
        assert lab.foot_strikes == () and lab.toe_offs == () and lab.cadence is None
    if lab.cadence_is_target:
        assert lab.is_running and lab.visible_steps >= MIN_STEPS_FOR_CADENCE
        assert lab.real_time


@pytest.mark.shared
@pytest.mark.parametrize("stem", sorted(LABELS))
def test_labels_file_describes_its_clip(stem: str):
    lab = LABELS[stem]
    clip = shared_clip(lab.clip)
    assert sha256_of(clip) == lab.sha256
    cap = cv2.VideoCapture(str(clip))
    try:
        fps = cap.get(cv2.CAP_PROP_FPS)
        n = 0
        while cap.grab():
            n += 1
    finally:
        cap.release()
    assert n == lab.frame_count
    assert fps == pytest.approx(lab.fps, abs=1e-5)


def test_zzzhushi_labels_agree_with_the_clips_own_ground_truth():
    # The clip's authors measured 168.9 +/- 0.5 steps/min from raw pixel motion (no pose
    # model); the strikes labelled by eye must give the same cadence within both errors.
    cad = LABELS["zzzhushi_male_side_treadmill"].cadence
    assert abs(cad.value_spm - 168.9) <= 0.5 + 2 * cad.uncertainty_spm
    # Left (near) and right (far) strikes were labelled separately and must interleave.
    sides = [e.side for e in LABELS["zzzhushi_male_side_treadmill"].foot_strikes]
    assert all(a != b for a, b in itertools.pairwise(sides))


def test_cadence_fit_is_exact_on_regular_strikes():
    cad = cadence_from_strikes([5 + 10 * k for k in range(9)], fps=30.0)
    assert cad.value_spm == pytest.approx(180.0)
    assert cad.frames_per_step == pytest.approx(10.0)
    assert cad.steps == 8
    # One-frame precision over 8 steps: SE(slope) = 1 / sqrt(sum (i - 4)^2) = 1 / sqrt(60).
    assert cad.uncertainty_spm == pytest.approx(180.0 / 10.0 / math.sqrt(60), abs=0.01)
    assert cadence_from_strikes([3, 14], fps=30.0) is None


def test_cadence_fit_moves_less_than_the_end_points_when_one_label_is_late():
    frames = [5 + 10 * k for k in range(9)]
    frames[-1] += 1  # the last strike labelled one frame late
    fitted = cadence_from_strikes(frames, fps=30.0).value_spm
    end_points = 60 * 30.0 / ((frames[-1] - frames[0]) / 8)
    assert abs(fitted - 180.0) < abs(end_points - 180.0)
    assert fitted < 180.0


def test_events_match_the_nearest_detection_of_the_same_side():
    labels = [Event(10, "left", True), Event(21, "right", True), Event(40, None, False)]
    detected = [(11, "left"), (20, "left"), (23, "right"), (39, "right")]
    score = score_events(labels, detected, tolerance_frames=1)
    # 10 <- 11 (left, 1 frame); 21 has right 23 only (2 frames; left 20 does not count);
    # 40 without a side takes right 39.
    assert (score.labelled, score.within) == (3, 2)
    assert score.share == pytest.approx(2 / 3)
    assert score.offsets_frames == (1, 2, -1) and score.median_offset_frames == 1.0
    assert score_events(labels, [], tolerance_frames=1).within == 0
    assert math.isnan(score_events([], detected).share)


def test_alternation_check_catches_impossible_labels():
    lab = LABELS["zzzhushi_male_side_treadmill"]
    strikes = list(lab.foot_strikes)
    strikes[1] = dataclasses.replace(strikes[1], side=strikes[0].side)  # two rights in a row
    assert any("in a row" in p for p in alternation_problems(_with(lab, foot_strikes=strikes)))
    toe_offs = sorted([*lab.toe_offs, Event(lab.foot_strikes[3].frame + 1, "left", True)],
                      key=lambda e: e.frame)  # fmt: skip
    assert alternation_problems(_with(lab, toe_offs=toe_offs)) != []


def _with(lab: ClipLabels, **events: list[Event]) -> ClipLabels:
    return dataclasses.replace(lab, **{k: tuple(v) for k, v in events.items()})


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["foot_strikes"].append({"frame": 10**6, "side": None, "sure": True}),
         "outside"),
        (lambda d: d["foot_strikes"].__setitem__(0, {"frame": 6, "side": "up", "sure": True}),
         "'side'"),
        (lambda d: d["cadence"].__setitem__("value_spm", 84.3), "does not match"),
        (lambda d: d.pop("sha256"), "sha256"),
        (lambda d: d.__setitem__("view", "top"), "'view'"),
    ],
)  # fmt: skip
def test_a_broken_labels_file_is_refused_with_a_message(
    tmp_path: Path, edit: Callable[[dict], object], message: str
):
    data = json.loads((LABELS_DIR / "zzzhushi_male_side_treadmill.json").read_text())
    edit(data)
    path = tmp_path / "zzzhushi_male_side_treadmill.json"
    path.write_text(json.dumps(data))
    with pytest.raises(LabelError, match=message):
        load_labels(path)


# --------------------------------------------------------------------------- gaitlab on them
@pytest.fixture(scope="module")
def analysed(shared_pose_cache: Path) -> Callable[[str], ClipAnalysis]:
    """Analyse a labelled clip once per module (default request, the run's pose cache).

    Returns a function of the clip stem giving the analysis, or raising the GaitlabError
    gaitlab raised for that clip.
    """
    cache = shared_pose_cache
    done: dict[str, ClipAnalysis | GaitlabError] = {}

    def get(stem: str) -> ClipAnalysis:
        if stem not in done:
            clip = shared_clip(LABELS[stem].clip)
            try:
                done[stem] = analyze_clip(clip, AnalysisRequest(), cache_dir=cache)
            except GaitlabError as exc:
                done[stem] = exc
        result = done[stem]
        if isinstance(result, GaitlabError):
            raise result
        return result

    return get


def _reported_cadence(analysis: ClipAnalysis) -> float:
    metric = analysis.kinematics.metrics.get("cadence_spm")
    if metric is None or metric.confidence == "not_measurable":
        return math.nan
    return float(metric.median)


@pytest.mark.integration
@pytest.mark.shared
@pytest.mark.parametrize("stem", _params(RUNNING, RUNNING_XFAIL))
def test_running_clip_is_called_running(stem: str, analysed):
    running = analysed(stem).kinematics.running
    assert running.is_running, f"{running.activity}: {running.reason}"


@pytest.mark.integration
@pytest.mark.shared
@pytest.mark.parametrize("stem", NOT_RUNNING)
def test_clip_without_running_is_not_called_running(stem: str, analysed):
    try:
        running = analysed(stem).kinematics.running
    except GaitlabError:
        return  # refused with a message (too short, ...): not called running either
    assert not running.is_running, f"{LABELS[stem].activity} clip called {running.activity}"


@pytest.mark.integration
@pytest.mark.shared
@pytest.mark.parametrize("stem", _params(CADENCE_TARGETS, CADENCE_XFAIL))
def test_reported_cadence_matches_the_labels(stem: str, analysed):
    label = LABELS[stem].cadence
    tolerance = max(2.0, 2 * label.uncertainty_spm)
    reported = _reported_cadence(analysed(stem))
    assert abs(reported - label.value_spm) <= tolerance, (reported, label.value_spm)


@pytest.mark.integration
@pytest.mark.shared
@pytest.mark.parametrize("stem", _params(REAR_RUNNING, REAR_CADENCE_XFAIL))
def test_rear_view_running_clip_reports_cadence(stem: str, analysed):
    assert math.isfinite(_reported_cadence(analysed(stem)))


@pytest.mark.integration
@pytest.mark.shared
@pytest.mark.parametrize("stem", _params(STRIKE_CLIPS, STRIKE_XFAIL))
def test_foot_strikes_are_within_one_frame_of_the_labels(stem: str, analysed):
    lab = LABELS[stem]
    events = analysed(stem).kinematics.events.events
    detected = [(e.frame, e.side) for e in events if e.kind == "foot_strike"]
    score = score_events(lab.foot_strikes, detected, tolerance_frames=1)
    assert score.share >= STRIKE_TARGETS[lab.camera], f"{score.within}/{score.labelled}"


#: Share of labelled toe-offs with a detected toe-off of the same side within 1 frame, as
#: reached with the toe-off from the shoe's silhouette (gaitlab/kinematics/sole.py,
#: docs/real_clips.md): 31 of 34 on the treadmill clip (2 of 34 from the toe landmark; the
#: issue's target for static side clips is 75 %), 3 of 5 on the pass-by clip (1 of 5).
TOE_OFF_FLOORS = {
    "zzzhushi_male_side_treadmill": 0.85,
    "radluy_side_overground_running_openpose_overlay": 0.6,
}


@pytest.mark.integration
@pytest.mark.shared
@pytest.mark.parametrize("stem", sorted(TOE_OFF_FLOORS))
def test_toe_offs_are_within_one_frame_of_the_labels(stem: str, analysed):
    lab = LABELS[stem]
    events = analysed(stem).kinematics.events.events
    detected = [(e.frame, e.side) for e in events if e.kind == "toe_off"]
    score = score_events(lab.toe_offs, detected, tolerance_frames=1)
    assert score.share >= TOE_OFF_FLOORS[stem], f"{score.within}/{score.labelled}"
    # No systematic early toe-off left (it was -3 frames from the toe landmark).
    assert abs(score.median_offset_frames) <= 1, score.offsets_frames


TREADMILL = "zzzhushi_male_side_treadmill"


@pytest.mark.integration
@pytest.mark.shared
def test_treadmill_contact_time_matches_the_labels(analysed):
    # The labels give each contact exactly: first frame off minus first frame on (median
    # 0.300 s over 33 stances at 30 fps). From the toe landmark it read 0.188 s; from the
    # shoe's silhouette 0.272 s: within 1.5 frames of the labels.
    lab = LABELS[TREADMILL]
    contacts = []
    for fs in lab.foot_strikes:
        later = [e.frame for e in lab.toe_offs if e.side == fs.side and e.frame > fs.frame]
        if later:
            contacts.append((min(later) - fs.frame) / lab.fps)
    labelled_s = float(np.median(contacts))
    assert 0.29 <= labelled_s <= 0.31
    reported_s = analysed(TREADMILL).kinematics.metrics["contact_time_s"].median
    assert abs(reported_s - labelled_s) <= 1.5 / lab.fps, (reported_s, labelled_s)


ONE_STRIDE = "sports2d_demo3_running_side_overground"


@pytest.mark.integration
@pytest.mark.shared
def test_a_one_stride_pass_by_reports_its_few_steps_at_low_confidence(analysed):
    # 1.6 s, the runner in frame for about 1.1 s (3 labelled strikes, one stride): analysed,
    # not refused; cadence and contact time at low confidence, saying how few steps.
    lab = LABELS[ONE_STRIDE]
    metrics = analysed(ONE_STRIDE).kinematics.metrics
    cadence = metrics["cadence_spm"]
    assert cadence.confidence == "low"
    # The labels' own cadence is uncertain (+-14 steps/min from two steps): within 2 sigma.
    assert abs(cadence.median - lab.cadence.value_spm) <= 2 * lab.cadence.uncertainty_spm
    for name in ("cadence_spm", "contact_time_s"):
        m = metrics[name]
        assert m.confidence == "low"
        assert any("complete step" in r for r in m.reasons), (name, m.reasons)


SLOW_PANNING = "betterforerunner_side_track_panning_screenrec"


@pytest.mark.integration
@pytest.mark.shared
def test_a_slow_motion_replay_is_running_in_slow_motion_without_timings(analysed):
    # A panning slow-motion replay: frames 0-34 one frozen picture, then every sixth frame
    # repeats the one before (labels file), one step about 37 frames (48.8 steps/min of
    # clip time). Running, said to be slow motion, no cadence or timing reported.
    lab = LABELS[SLOW_PANNING]
    k = analysed(SLOW_PANNING).kinematics
    assert k.running.is_running and "slow motion" in k.running.reason
    assert "--slowmo" in k.running.reason
    for name in ("cadence_spm", "contact_time_s", "flight_time_s"):
        assert k.metrics[name].confidence == "not_measurable", name
    assert k.metrics["knee_flexion_strike_deg"].confidence != "not_measurable"
    # The clip-time rhythm is the labelled one (no halving or doubling), within 10 %.
    assert abs(k.cadence.cadence_spm - lab.cadence.value_spm) <= 0.1 * lab.cadence.value_spm
    notes = " ".join(k.notes)
    assert "frames 0-34" in notes
    # (271 - 35) / 6 = 39 repeats from frame 35 on; a few more where the replay starts.
    repeats = int(notes.split(" of 271 frames repeat")[0].rsplit(" ", 1)[-1])
    assert 36 <= repeats <= 46, repeats
    assert k.camera is not None and k.camera.kind == "panning" and k.treadmill is False
