"""Choosing the runner among several people, on synthetic tracks with a known answer."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from gaitlab.landmarks import INDEX, N_LANDMARKS
from gaitlab.pose import extract as extract_mod
from gaitlab.pose.backend import FramePose, MediaPipeSettings
from gaitlab.pose.extract import PoseSettings, cache_key, extract_pose
from gaitlab.pose.people import (
    check_single_track,
    choose_runner,
    count_people,
    describe_people,
    foot_motion,
    link_tracks,
    periodicity,
)
from gaitlab.pose.people_report import absence_notes
from gaitlab.series import PoseSeries
from tests.clipmaker import pattern_clip

FPS = 30.0
TIME_S = np.arange(int(6 * FPS)) / FPS


def figure(cx: float, cy: float, size: float, swing: float) -> np.ndarray:
    """A (33, 2) pose of height ``size`` centred at (cx, cy), ankles ``swing`` sizes apart.

    Landmarks are spread from the head (top) to the feet (bottom); the ankles sit at the
    bottom, offset +-swing/2 sizes horizontally from the hips (as a leg swings).
    """
    xy = np.column_stack(
        [np.full(N_LANDMARKS, cx), np.linspace(cy - size / 2, cy + size / 2, N_LANDMARKS)]
    )
    for name in ("left_hip", "right_hip"):
        xy[INDEX[name]] = (cx, cy)
    for name, sign in (("left_ankle", 1.0), ("right_ankle", -1.0)):
        xy[INDEX[name]] = (cx + sign * swing * size / 2, cy + size / 2)
    return xy


def runner(t: float, cx: float = 300.0, size: float = 300.0) -> np.ndarray:
    """A treadmill runner: stays in place, legs swing at 1.4 strides/s (168 steps/min)."""
    return figure(cx, 400.0, size, 0.8 * np.sin(2 * np.pi * 1.4 * t))


def bystander(t: float, cx: float = 900.0, size: float = 420.0) -> np.ndarray:
    """A larger person standing still (tiny sway)."""
    return figure(cx, 420.0, size, 0.02 * np.sin(2 * np.pi * 0.3 * t))


def _people(candidates):
    tracks = link_tracks(candidates, TIME_S)
    return tracks, choose_runner(describe_people(candidates, tracks, TIME_S))


def _followed_xy(candidates, tracks, choice) -> np.ndarray:
    (tid,) = choice.followed
    return tracks.track_xy(candidates, tid)


def test_periodic_runner_beats_a_larger_static_bystander():
    candidates = [[bystander(t), runner(t)] for t in TIME_S]
    tracks, choice = _people(candidates)
    xy = _followed_xy(candidates, tracks, choice)
    # Every frame of the followed identity is the runner (hips at x = 300), none the bystander.
    np.testing.assert_allclose(xy[:, INDEX["left_hip"], 0], 300.0)
    roles = {p.role for p in choice.people}
    assert roles == {"runner", "bystander"}
    runner_p = next(p for p in choice.people if p.role == "runner")
    assert runner_p.periodicity > 0.9 and runner_p.n_frames == len(TIME_S)


def test_mediapipe_pose_order_swaps_do_not_swap_identities():
    rng = np.random.default_rng(3)
    candidates = []
    for t in TIME_S:
        poses = [bystander(t), runner(t)]
        rng.shuffle(poses)  # MediaPipe's order is not stable between frames
        candidates.append(poses)
    tracks, choice = _people(candidates)
    assert tracks.n_tracks == 2
    xy = _followed_xy(candidates, tracks, choice)
    np.testing.assert_allclose(xy[:, INDEX["left_hip"], 0], 300.0)


def test_walker_crossing_in_front_is_flagged_and_never_followed():
    # A smaller walker crosses the whole frame from x = 1200 to x = -200 at 233 px/s,
    # passing over the treadmill runner at x = 300 around t = 3.9 s.
    def walker(t: float) -> np.ndarray:
        return figure(1200.0 - 233.0 * t, 400.0, 240.0, 0.6 * np.sin(2 * np.pi * 0.9 * t))

    candidates = [[walker(t), runner(t)] if t < 5.9 else [runner(t)] for t in TIME_S]
    tracks, choice = _people(candidates)
    xy = _followed_xy(candidates, tracks, choice)
    seen = ~np.isnan(xy[:, 0, 0])
    np.testing.assert_allclose(xy[seen, INDEX["left_hip"], 0], 300.0)
    assert seen.mean() > 0.9  # only frames where the two overlap may be lost
    (tid,) = choice.followed
    uncertain = [i for i, amb in enumerate(tracks.ambiguous) if tid in amb]
    assert uncertain, "the crossing should make some frames uncertain"
    crossing_t = TIME_S[uncertain]
    assert crossing_t.min() > 3.0 and crossing_t.max() < 4.8


def test_duplicate_detections_do_not_make_a_second_person():
    shifted = [runner(t) + 5.0 for t in TIME_S]  # MediaPipe's second fit of the same person
    candidates = [
        [runner(t), shifted[i]] if i % 7 == 0 else [runner(t)] for i, t in enumerate(TIME_S)
    ]
    tracks, choice = _people(candidates)
    assert tracks.n_tracks == 1
    assert [p.role for p in choice.people] == ["runner"]


def test_nobody_long_enough_is_followed_by_no_one():
    candidates = [[runner(t)] if i < 5 else [] for i, t in enumerate(TIME_S)]
    _, choice = _people(candidates)
    assert choice.followed == ()
    assert "nobody was seen long enough" in choice.reason


# ------------------------------------------------------------------ counting people
#: Colours (CIELAB rows: torso, thighs, shins) of two outfits: a white shirt over black
#: shorts, and a dark green top over grey trousers. A darker copy of the first is the same
#: clothes in shade (L* down by 15, colour unchanged).
WHITE_BLACK = np.array([[90.0, 0.0, 0.0], [15.0, 0.0, 0.0], [60.0, 15.0, 20.0]])
GREEN_GREY = np.array([[35.0, -30.0, 20.0], [55.0, 0.0, -5.0], [55.0, 0.0, -5.0]])
IN_SHADE = WHITE_BLACK - np.array([15.0, 0.0, 0.0])


def _count(candidates, looks=None):
    tracks = link_tracks(candidates, TIME_S)
    described = describe_people(candidates, tracks, TIME_S)
    return tracks, count_people(candidates, tracks, TIME_S, described, looks)


def _lost_and_found(gap_s: float, moved_px: float):
    """A runner (300 px tall) seen until 2 s, lost ``gap_s``, found ``moved_px`` further right."""
    back = 2.0 + gap_s
    return [
        [runner(t)] if t < 2.0 else ([runner(t, cx=300.0 + moved_px)] if t >= back else [])
        for t in TIME_S
    ]


def test_a_person_lost_for_a_second_and_found_nearby_is_counted_once():
    # Lost 1 s (a flip off a box), found 1.5 body sizes away: within the 6.6 sizes a person
    # can cover in a second, the same size, the same clothes (in shade now).
    candidates = _lost_and_found(1.0, 450.0)
    looks = [
        [WHITE_BLACK if t < 2.0 else IN_SHADE] * len(c)
        for t, c in zip(TIME_S, candidates, strict=True)
    ]
    tracks, count = _count(candidates, looks)
    assert tracks.n_tracks == 2  # the linker ends an identity unseen for 1 s
    assert count.n_people == 1 and count.found_again == ((0, 1),)


@pytest.mark.parametrize(
    ("gap_s", "moved_px", "second_look", "why"),
    [
        (1.0, 450.0, GREEN_GREY, "dressed differently (CIELAB distance 66 > 30)"),
        (0.2, 1500.0, WHITE_BLACK, "5 body sizes in 0.2 s: further than a person runs"),
        (2.5, 450.0, WHITE_BLACK, "gone longer than 2 s"),
    ],
)
def test_someone_else_appearing_later_is_another_person(gap_s, moved_px, second_look, why):
    candidates = _lost_and_found(gap_s, moved_px)
    looks = [
        [WHITE_BLACK if t < 2.0 else second_look] * len(c)
        for t, c in zip(TIME_S, candidates, strict=True)
    ]
    _, count = _count(candidates, looks)
    assert count.n_people == 2, why
    assert count.found_again == ()


def test_people_seen_together_are_never_one_person():
    # Alike in every way but seen in the same frames: the bystander stands still, the runner
    # runs; a third, short identity (a flicker of 5 frames) is not a person.
    candidates = [
        [runner(t), runner(t, cx=900.0)] + ([bystander(t)] if i < 5 else [])
        for i, t in enumerate(TIME_S)
    ]
    _, count = _count(candidates)
    assert count.n_people == 2


def test_single_track_check_continuous_runner_is_kept():
    xy = np.array([runner(t) for t in TIME_S])
    xy[40:45] = np.nan  # a few missed frames are not a jump
    check = check_single_track(xy, TIME_S)
    assert not check.suspicious and check.jump_times_s == ()
    assert check.motion == pytest.approx(0.8, abs=0.1)


def test_single_track_check_finds_a_jump_to_another_person():
    xy = np.array([runner(t) if t < 2.0 else bystander(t) for t in TIME_S])
    check = check_single_track(xy, TIME_S)
    assert check.suspicious
    assert check.jump_times_s == (pytest.approx(2.0, abs=1 / FPS),)
    assert "jumped at 2.0 s" in check.describe()


def test_single_track_check_flags_a_static_person():
    check = check_single_track(np.array([bystander(t) for t in TIME_S]), TIME_S)
    assert check.static and check.suspicious
    assert "barely moves" in check.describe()


def test_periodicity_and_motion_of_runner_and_bystander():
    run = np.array([runner(t) for t in TIME_S])
    still = np.array([bystander(t) for t in TIME_S])
    assert periodicity(run, TIME_S) > 0.9
    assert foot_motion(still) < 0.05 < 0.5 < foot_motion(run)


def test_absence_notes_say_when_the_runner_left_the_frame():
    detected = TIME_S < 3.5
    (note,) = absence_notes(detected, TIME_S)
    assert "out of frame or not found for 2.5 s (3.5-6.0 s, to the end, 42% of the clip)" in note
    assert absence_notes(np.ones_like(detected), TIME_S) == ()


# ------------------------------------------------------------------ in the pose stage
class SwitchingBackend:
    """A MultiPoseBackend that behaves like MediaPipe with a bystander in frame.

    With ``num_poses=1`` it follows the runner for the first 1.5 s, then jumps to a larger,
    static bystander (the identity switch MediaPipe makes when it loses the runner). With
    more poses it returns both, in an order that alternates between frames, each with a mask
    that covers only that person's box. Positions are given on the 1280x720 clip and, like
    a real model's, scale with the frame it is handed (the pose stage gives it 960x540).
    """

    def __init__(self, model_path, settings) -> None:
        self.num_poses = settings.num_poses
        self.with_masks = settings.with_masks

    def _pose(self, xy: np.ndarray, shape: tuple[int, ...]) -> FramePose:
        xy = xy * (shape[1] / 1280.0)
        mask = None
        if self.with_masks:
            mask = np.zeros(shape[:2], np.float32)
            (x0, y0), (x1, y1) = xy.min(0).astype(int), xy.max(0).astype(int)
            mask[max(y0, 0) : y1, max(x0, 0) : x1] = 1.0
        return FramePose(xy, np.zeros(33), np.full(33, 0.9), np.zeros((33, 3)), mask)

    def detect(self, rgb: np.ndarray, time_ms: int) -> FramePose | None:
        t = time_ms / 1000.0
        return self._pose(runner(t) if t < 1.5 else bystander(t), rgb.shape)

    def detect_all(self, rgb: np.ndarray, time_ms: int) -> list[FramePose]:
        t = time_ms / 1000.0
        poses = [self._pose(runner(t), rgb.shape), self._pose(bystander(t), rgb.shape)]
        return poses[:: 1 if (time_ms // 33) % 2 else -1]

    def close(self) -> None:
        pass


def test_pose_stage_follows_the_runner_and_keeps_their_masks(tmp_path, monkeypatch):
    model = tmp_path / "fake.task"
    model.write_bytes(b"not a real model")
    monkeypatch.setattr(extract_mod, "resolve_model", lambda name: model)
    clip = pattern_clip(tmp_path / "c.mp4", size=(1280, 720), fps=30, duration_s=3.0)
    settings = PoseSettings(mediapipe=MediaPipeSettings(with_masks=True), waistband=True)
    series = extract_pose(
        clip, settings=settings, use_cache=False, backend_factory=SwitchingBackend
    )
    # The runner's hips (x = 300) in every frame, never the bystander's (x = 900).
    np.testing.assert_allclose(series.xy_px[:, INDEX["left_hip"], 0], 300.0)
    # The stored mask crops are the runner's: they map back onto the runner's box.
    rows, cols = np.nonzero(series.masks.prob[45] > 127)
    left_px = series.masks.to_image_px(45, np.array([[cols.min(), rows.min()]]))[0, 0]
    assert left_px == pytest.approx(runner(45 / 30).min(0)[0], abs=3.0)
    people = series.people
    assert people["mode"] == "multi" and "jumped at 1.5 s" in people["why"]
    assert people["people_seen"] == 2
    assert sorted(p["role"] for p in people["people"]) == ["bystander", "runner"]
    assert people["notes"][0].startswith("several people were seen: 2; followed the largest")
    # Disabling the check keeps the one-person pass, jump and all.
    one = extract_pose(
        clip,
        settings=PoseSettings(mediapipe=MediaPipeSettings(with_masks=True), max_people=1),
        use_cache=False,
        backend_factory=SwitchingBackend,
    )
    assert one.people["mode"] == "single"
    assert one.xy_px[-1, INDEX["left_hip"], 0] == pytest.approx(900.0)

    # The report is saved with the series; files written before it load with None.
    path = series.save(tmp_path / "s.npz")
    assert PoseSeries.load(path).people == people
    old = PoseSeries(**{**{f: getattr(series, f) for f in _FIELDS}, "people": None})
    assert PoseSeries.load(old.save(tmp_path / "old.npz")).people is None


def test_people_check_setting_is_part_of_the_cache_key():
    base = PoseSettings()
    assert cache_key("v", "m", base) != cache_key("v", "m", replace(base, max_people=1))
    assert cache_key("v", "m", base) != cache_key(
        "v", "m", replace(base, mediapipe=replace(base.mediapipe, num_poses=2))
    )


_FIELDS = ("time_s", "xy_px", "depth_rel", "visibility", "world_m", "video", "model", "masks")
