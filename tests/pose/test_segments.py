"""Segment-parallel pose: planning, stitching, the cache key, and closeness to one pass."""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from gaitlab.io.video import keyframe_times_s, probe_video
from gaitlab.pose.backend import FramePose, MediaPipeBackend, MediaPipeSettings
from gaitlab.pose.extract import (
    DECODE_SHARE,
    CorePinning,
    FrameCost,
    PoseRun,
    PoseSettings,
    Segment,
    cache_key,
    decode_share,
    extract_pose,
    helper_cores,
    plan_segments,
    run_segments,
)
from gaitlab.pose.models import resolve_model
from tests.clipmaker import pattern_clip
from tests.conftest import MODEL, shared_clip
from tests.pose.fakes import fixed_pose, use_fake_model


class StatelessBackend:
    """A pose that depends only on the frame's time, never on earlier frames.

    With no tracking state, a segmented run must reproduce a single pass exactly, so any
    difference is a stitching bug. Every fourth 40 ms slot has no pose.
    """

    instances: ClassVar[list[StatelessBackend]] = []

    def __init__(self, model_path: Path, settings: MediaPipeSettings) -> None:
        self.with_masks = settings.with_masks
        self.times_ms: list[int] = []
        self.threads: set[str] = set()
        # Cores of the thread that builds it (the landmarker's threads would inherit them).
        self.cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
        StatelessBackend.instances.append(self)

    def detect(self, rgb: np.ndarray, time_ms: int) -> FramePose | None:
        self.times_ms.append(time_ms)
        self.threads.add(threading.current_thread().name)
        if (time_ms // 40) % 4 == 3:
            return None
        return fixed_pose(rgb, self.with_masks, shift=(time_ms % 1000) / 1000.0)

    def close(self) -> None:
        pass


@pytest.fixture
def fake_model(monkeypatch, tmp_path: Path) -> Path:
    StatelessBackend.instances = []
    return use_fake_model(monkeypatch, tmp_path)


# ------------------------------------------------------------------ planning
def test_segments_tile_the_clip_with_equal_work():
    segments = plan_segments(10.0, 2, overlap_s=1.0)
    assert segments == (Segment(0.0, 0.0, 5.5), Segment(4.5, 5.5, None))
    three = plan_segments(20.0, 3, overlap_s=1.0)
    assert [s.keep_from_s for s in three] == pytest.approx([0.0, 22 / 3, 22 / 3 + 19 / 3])
    work = [(s.end_s or 20.0) - s.start_s for s in three]
    assert work == pytest.approx([22 / 3] * 3)


def test_decoding_share_grows_with_the_clips_pixels() -> None:
    """Decoding alone over a whole frame's cost with the default :class:`FrameCost`: 1.7 of
    26 ms at 720x1280 and 3.8 of 31 ms at 1080x1920."""
    assert decode_share(720, 1280) == pytest.approx(1.7 / 26, abs=0.003)
    assert decode_share(1080, 1920) == pytest.approx(3.8 / 31, abs=0.003)
    assert DECODE_SHARE == decode_share(1920, 1080) == pytest.approx(0.124, abs=0.001)
    assert decode_share(3840, 2160) == pytest.approx(0.26, abs=0.01)
    assert decode_share(3840, 2160) < 1.85 / 4.6  # never above decoding's share of a pixel


def _work_s(segment: Segment, duration_s: float, keyframes_s: np.ndarray) -> float:
    """Inference seconds plus decode-only seconds (at DECODE_SHARE) of one segment."""
    decode_from = keyframes_s[keyframes_s <= segment.start_s + 1e-9].max()
    end = duration_s if segment.end_s is None else segment.end_s
    return end - segment.start_s + DECODE_SHARE * (segment.start_s - decode_from)


@pytest.mark.parametrize(
    ("duration_s", "workers", "keyframes_s"),
    [
        (12.0, 2, [0.0, 25 / 3]),  # the real treadmill clip: key frames at 0 and 8.33 s
        (12.0, 3, [0.0, 25 / 3]),
        (10.0, 2, np.arange(10.0)),  # a phone's 1 s key-frame interval
        (60.0, 2, np.arange(0.0, 60.0, 2.5)),
    ],
)
def test_segments_balance_decoding_from_the_key_frame_before_them(duration_s, workers, keyframes_s):
    keyframes_s = np.asarray(keyframes_s)
    segments = plan_segments(duration_s, workers, overlap_s=1.0, keyframes_s=keyframes_s)
    assert len(segments) == workers
    assert segments[0].start_s == segments[0].keep_from_s == 0.0 and segments[-1].end_s is None
    for a, b in itertools.pairwise(segments):
        assert a.end_s == b.keep_from_s and b.start_s == pytest.approx(b.keep_from_s - 1.0)
    work = [_work_s(s, duration_s, keyframes_s) for s in segments]
    assert max(work) - min(work) < 0.01  # equal to the millisecond the boundaries are kept to
    # Against the split that ignores key frames, the slowest segment does less.
    plain = plan_segments(duration_s, workers, overlap_s=1.0)
    assert max(work) <= max(_work_s(s, duration_s, keyframes_s) for s in plain) + 1e-9


def test_key_frames_where_the_windows_start_keep_the_plain_split():
    plain = plan_segments(10.0, 2, overlap_s=1.0)
    assert plan_segments(10.0, 2, overlap_s=1.0, keyframes_s=np.array([0.0, 4.5])) == plain


def test_short_clips_use_fewer_segments():
    assert plan_segments(4.0, 2) == (Segment(0.0, 0.0, None),)
    assert len(plan_segments(5.0, 2)) == 2  # each keeps 2 s
    assert len(plan_segments(8.0, 4)) == 3  # 4 would keep 1.75 s each
    assert plan_segments(60.0, 1) == (Segment(0.0, 0.0, None),)
    with pytest.raises(ValueError, match="workers"):
        plan_segments(10.0, 0)


def test_single_pass_keeps_its_old_cache_key_and_segments_change_it():
    settings = PoseSettings()
    one = plan_segments(10.0, 1)
    two = plan_segments(10.0, 2)
    assert cache_key("v", "m", settings, one) == cache_key("v", "m", settings)
    assert cache_key("v", "m", settings, two) != cache_key("v", "m", settings)


# ------------------------------------------------------------------ stitching
def test_segmented_run_equals_a_single_pass_for_a_stateless_backend(tmp_path, fake_model):
    clip = pattern_clip(tmp_path / "c.mp4", size=(320, 240), fps=25, duration_s=6.0)
    settings = PoseSettings(mediapipe=MediaPipeSettings(with_masks=True), waistband=True)
    one = extract_pose(
        clip,
        settings=settings,
        use_cache=False,
        run=PoseRun(workers=1),
        backend_factory=StatelessBackend,
    )
    StatelessBackend.instances = []
    two = extract_pose(
        clip,
        settings=settings,
        use_cache=False,
        run=PoseRun(workers=2),
        backend_factory=StatelessBackend,
    )
    assert len(StatelessBackend.instances) == 2
    first, second = StatelessBackend.instances
    assert first.threads.isdisjoint(second.threads)  # really run side by side
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) >= 2:
        # Each landmarker on a core of its own; the caller keeps all of them.
        assert len(first.cores) == len(second.cores) == 1
        assert first.cores != second.cores
        assert sorted(os.sched_getaffinity(0)) == cores
    segments = two.model.settings["segments"]
    assert len(segments) == 2 and one.model.settings["segments"][0]["end_s"] is None
    # The second landmarker saw the overlap's frames (warm-up) but they are not kept twice.
    boundary_ms = segments[1]["keep_from_s"] * 1000
    assert min(second.times_ms) < boundary_ms - 900
    assert max(first.times_ms) < boundary_ms
    np.testing.assert_array_equal(two.time_s, one.time_s)
    assert two.n_frames == 150 and np.all(np.diff(two.time_s) > 0)
    for name in ("xy_px", "depth_rel", "visibility", "world_m"):
        np.testing.assert_array_equal(getattr(two, name), getattr(one, name))
    np.testing.assert_array_equal(two.masks.prob, one.masks.prob)
    np.testing.assert_array_equal(two.masks.origin_px, one.masks.origin_px)
    np.testing.assert_array_equal(two.waistband.ok, one.waistband.ok)
    assert two.video.n_frames == one.video.n_frames


def test_segments_are_planned_with_the_clips_own_decoding_share(tmp_path, fake_model):
    # x264's default key-frame interval (250) leaves one key frame, at 0 s, in 6 s at 25 fps.
    clip = pattern_clip(tmp_path / "c.mp4", size=(200, 150), fps=25, duration_s=6.0)
    series = extract_pose(
        clip, use_cache=False, run=PoseRun(workers=2), backend_factory=StatelessBackend
    )
    info = probe_video(clip)
    keyframes_s = keyframe_times_s(info)
    assert keyframes_s.tolist() == [0.0]
    planned = plan_segments(
        info.duration_s, 2, keyframes_s=keyframes_s, decode_share=decode_share(200, 150)
    )
    recorded = series.model.settings["segments"]
    assert [s["keep_from_s"] for s in recorded] == [s.keep_from_s for s in planned]
    as_1080p = plan_segments(info.duration_s, 2, keyframes_s=keyframes_s)
    # Decoding 200x150 frames is nearly free: the second landmarker keeps more of the clip.
    assert planned[1].keep_from_s < as_1080p[1].keep_from_s - 0.1


def test_progress_is_reported_from_the_calling_thread(tmp_path, fake_model):
    clip = pattern_clip(tmp_path / "c.mp4", size=(200, 150), fps=25, duration_s=6.0)
    calls: list[tuple[int, int, str]] = []
    extract_pose(
        clip,
        use_cache=False,
        run=PoseRun(workers=2),
        backend_factory=StatelessBackend,
        progress=lambda done, total: calls.append((done, total, threading.current_thread().name)),
    )
    assert calls[-1][:2] == (150, 150)
    assert {name for *_, name in calls} == {threading.current_thread().name}


def test_a_failing_segment_raises(tmp_path, fake_model):
    class Failing(StatelessBackend):
        def detect(self, rgb, time_ms):
            if time_ms > 4000:
                raise RuntimeError("model crashed")
            return super().detect(rgb, time_ms)

    clip = pattern_clip(tmp_path / "c.mp4", size=(200, 150), fps=25, duration_s=6.0)
    with pytest.raises(RuntimeError, match="model crashed"):
        extract_pose(clip, use_cache=False, run=PoseRun(workers=2), backend_factory=Failing)


def test_run_options_set_the_overlap_and_the_frame_cost_of_the_plan(tmp_path, fake_model):
    # One key frame, at 0 s: the second landmarker decodes from 0 s to its window's start
    # at ``share`` of a frame's cost each. Equal work, D the duration, k the boundary:
    # k = D - (k - 1) + share * (k - 1), so k = (D + 1 - share) / (2 - share).
    clip = pattern_clip(tmp_path / "c.mp4", size=(200, 150), fps=25, duration_s=6.0)
    duration_s = probe_video(clip).duration_s
    cost = FrameCost(decode_only_ms_per_mpix=100.0)
    share = cost.decode_share(200, 150)
    assert share == pytest.approx(100.0 * 0.03 / (21.5 + 4.6 * 0.03))
    run = PoseRun(workers=2, frame_cost=cost)
    series = extract_pose(clip, use_cache=False, run=run, backend_factory=StatelessBackend)
    second = series.model.settings["segments"][1]
    expected = (duration_s + 1 - share) / (2 - share)
    assert second["keep_from_s"] == pytest.approx(expected, abs=1e-3)
    assert second["start_s"] == pytest.approx(expected - 1.0, abs=1e-3)

    run = PoseRun(workers=2, overlap_s=0.5, frame_cost=FrameCost(decode_only_ms_per_mpix=0.0))
    series = extract_pose(clip, use_cache=False, run=run, backend_factory=StatelessBackend)
    second = series.model.settings["segments"][1]
    assert second["keep_from_s"] == pytest.approx((duration_s + 0.5) / 2)  # decoding free
    assert second["start_s"] == pytest.approx(second["keep_from_s"] - 0.5)


def test_run_rejects_no_workers():
    with pytest.raises(ValueError, match="workers must be at least 1, got 0"):
        PoseRun(workers=0)


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs at least 2 CPUs",
)
def test_core_pinning_can_be_turned_off(tmp_path, fake_model):
    cores = sorted(os.sched_getaffinity(0))
    clip = pattern_clip(tmp_path / "c.mp4", size=(200, 150), fps=25, duration_s=6.0)
    off = CorePinning(landmarker=False, helpers=False, segments=False)
    for workers in (1, 2):
        StatelessBackend.instances = []
        run = PoseRun(workers=workers, pinning=off)
        extract_pose(clip, use_cache=False, run=run, backend_factory=StatelessBackend)
        assert len(StatelessBackend.instances) == workers
        assert all(b.cores == cores for b in StatelessBackend.instances)
    assert helper_cores(off) is None and helper_cores(CorePinning()) == cores[1:]


# ------------------------------------------------------------------ real inference
@pytest.mark.integration
@pytest.mark.shared
def test_real_segments_match_a_single_pass_closely():
    """MediaPipe tracks across frames, so after the boundary a segment is close, not equal.

    Measured on this clip: frames before the boundary are identical; after a 1 s warm-up the
    two runs differ by a median ~2 px (runner ~900 px tall), about the model's own
    frame-to-frame jitter: tracking never re-locks onto the exact same trajectory.
    """
    if not MODEL.exists():
        pytest.fail(f"bundled model missing: {MODEL}")
    info = probe_video(shared_clip("zzzhushi_male_side_treadmill.mp4"))
    settings = MediaPipeSettings()

    def make() -> MediaPipeBackend:
        return MediaPipeBackend(resolve_model("full"), settings)

    window = (Segment(0.0, 0.0, 6.0),)
    split = (Segment(0.0, 0.0, 3.0), Segment(2.0, 3.0, 6.0))
    t1, one, *_ = run_segments(make, info, window, with_masks=False)
    t2, two, *_ = run_segments(make, info, split, with_masks=False)
    np.testing.assert_array_equal(t1, t2)
    before = t1 < 3.0
    np.testing.assert_array_equal(two["xy_px"][before], one["xy_px"][before])
    body = [11, 12, 23, 24, 25, 26, 27, 28]  # shoulders, hips, knees, ankles
    dist = np.linalg.norm(two["xy_px"][~before][:, body] - one["xy_px"][~before][:, body], axis=2)
    height = np.nanmedian(np.ptp(one["xy_px"][:, :, 1], axis=1))
    assert np.isfinite(dist).mean() > 0.95
    assert np.nanmedian(dist) < 0.01 * height


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs at least 2 CPUs",
)
def test_a_lone_landmarker_is_built_on_one_core_and_the_caller_keeps_all(tmp_path, fake_model):
    cores = sorted(os.sched_getaffinity(0))
    extract_pose(
        pattern_clip(tmp_path / "c.mp4", size=(200, 150), fps=25, duration_s=2.0),
        use_cache=False,
        backend_factory=StatelessBackend,
    )
    (only,) = StatelessBackend.instances
    assert only.cores == cores[:1]
    assert sorted(os.sched_getaffinity(0)) == cores


@pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="needs at least 2 CPUs",
)
def test_decoding_and_the_waistband_run_off_a_lone_landmarkers_core(
    tmp_path, fake_model, monkeypatch
):
    from gaitlab.pose import passes

    cores = sorted(os.sched_getaffinity(0))
    seen: dict[str, list[int]] = {}
    real_iter, real_band = passes.iter_frames, passes.waistband_line

    def spy_iter(*args, **kwargs):
        # Runs in the decode-ahead thread, before the decoder opens.
        seen["decode"] = sorted(os.sched_getaffinity(0))
        yield from real_iter(*args, **kwargs)

    def spy_band(*args, **kwargs):
        seen["waistband"] = sorted(os.sched_getaffinity(0))
        return real_band(*args, **kwargs)

    monkeypatch.setattr(passes, "iter_frames", spy_iter)
    monkeypatch.setattr(passes, "waistband_line", spy_band)
    extract_pose(
        pattern_clip(tmp_path / "c.mp4", size=(200, 150), fps=25, duration_s=2.0),
        settings=PoseSettings(mediapipe=MediaPipeSettings(with_masks=True), waistband=True),
        use_cache=False,
        backend_factory=StatelessBackend,
    )
    (only,) = StatelessBackend.instances
    assert only.cores == cores[:1]
    assert seen == {"decode": cores[1:], "waistband": cores[1:]}
    assert sorted(os.sched_getaffinity(0)) == cores
