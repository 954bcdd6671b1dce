"""Pose extraction: assembling the series, mask crops, the cache, and real inference."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from gaitlab.errors import NoRunnerFound
from gaitlab.pose import extract as extract_mod
from gaitlab.pose import passes
from gaitlab.pose.backend import FramePose, MediaPipeSettings
from gaitlab.pose.extract import MASK_CROP_SHAPE, PoseSettings, extract_pose
from gaitlab.pose.masks import mask_crop
from tests.clipmaker import pattern_clip, timed_clip
from tests.conftest import MODEL, shared_clip
from tests.pose.fakes import fixed_pose, use_fake_model


class FakeBackend:
    """Returns a known pose on every other frame, and records how often it ran."""

    calls = 0

    def __init__(self, model_path: Path, settings: MediaPipeSettings) -> None:
        self.with_masks = settings.with_masks
        self.times_ms: list[int] = []

    def detect(self, rgb: np.ndarray, time_ms: int) -> FramePose | None:
        FakeBackend.calls += 1
        self.times_ms.append(time_ms)
        if len(self.times_ms) % 2 == 0:
            return None
        return fixed_pose(rgb, self.with_masks)

    def close(self) -> None:
        pass


@pytest.fixture
def fake_model(monkeypatch, tmp_path: Path) -> Path:
    return use_fake_model(monkeypatch, tmp_path)


def test_series_rows_follow_frames_and_missing_poses_are_nan(tmp_path, fake_model, cache_dir):
    clip = pattern_clip(tmp_path / "c.mp4", size=(320, 240), fps=25, duration_s=2.4)
    series = extract_pose(clip, cache_dir=cache_dir, backend_factory=FakeBackend)
    assert series.n_frames == 60
    np.testing.assert_allclose(series.time_s, np.arange(60) / 25, atol=1e-6)
    assert series.detected.tolist() == [i % 2 == 0 for i in range(60)]
    assert np.isnan(series.xy_px[1]).all() and (series.visibility[1] == 0).all()
    assert series.xy_px[0, 0, 0] == pytest.approx(0.3 * 320)
    assert series.detection_rate == pytest.approx(0.5)
    assert series.model.sha256 == extract_mod.file_sha256(fake_model)


def test_mask_crop_maps_back_to_image_pixels():
    mask = np.zeros((400, 300), np.float32)
    mask[100:300, 120:180] = 1.0  # a 60 x 200 px "person"
    xy = np.array([[130.0, 110.0], [170.0, 290.0]])
    origin, scale, crop = mask_crop(mask, xy)
    assert crop.shape == MASK_CROP_SHAPE and crop.dtype == np.uint8
    rows, cols = np.nonzero(crop > 127)
    top_left = origin + np.array([cols.min(), rows.min()]) / scale
    bottom_right = origin + np.array([cols.max() + 1, rows.max() + 1]) / scale
    np.testing.assert_allclose(top_left, [120, 100], atol=1.5 / scale)
    np.testing.assert_allclose(bottom_right, [180, 300], atol=1.5 / scale)


def test_masks_are_stored_as_crops(tmp_path, fake_model, cache_dir):
    clip = pattern_clip(tmp_path / "c.mp4", size=(320, 240), duration_s=2.1)
    settings = PoseSettings(mediapipe=MediaPipeSettings(with_masks=True))
    series = extract_pose(clip, settings=settings, cache_dir=cache_dir, backend_factory=FakeBackend)
    assert series.masks is not None
    assert series.masks.prob.shape == (series.n_frames, *MASK_CROP_SHAPE)
    assert np.isnan(series.masks.scale[1]) and series.masks.prob[1].max() == 0
    assert series.masks.prob[0].max() == 255


def test_second_run_reads_the_cache_and_does_no_inference(tmp_path, fake_model, cache_dir):
    clip = pattern_clip(tmp_path / "c.mp4", size=(320, 240), duration_s=2.1)
    first = extract_pose(clip, cache_dir=cache_dir, backend_factory=FakeBackend)

    def no_inference(*args):
        raise AssertionError("inference ran although the result was cached")

    copy = tmp_path / "renamed.mp4"
    copy.write_bytes(clip.read_bytes())
    second = extract_pose(copy, cache_dir=cache_dir, backend_factory=no_inference)
    np.testing.assert_array_equal(second.time_s, first.time_s)
    np.testing.assert_allclose(second.xy_px, first.xy_px, atol=1e-4)  # stored as float32
    assert second.video.path == str(copy)

    # Any setting that changes the output misses the cache.
    FakeBackend.calls = 0
    extract_pose(
        clip,
        settings=PoseSettings(mediapipe=MediaPipeSettings(min_tracking_confidence=0.7)),
        cache_dir=cache_dir,
        backend_factory=FakeBackend,
    )
    assert FakeBackend.calls == first.n_frames


def test_no_person_in_any_frame(tmp_path, fake_model, cache_dir):
    class Nobody(FakeBackend):
        def detect(self, rgb, time_ms):
            return None

    clip = pattern_clip(tmp_path / "empty_scene.mp4", duration_s=2.1)
    with pytest.raises(NoRunnerFound, match="no person found in any of 63 frames"):
        extract_pose(clip, cache_dir=cache_dir, backend_factory=Nobody)
    assert not list(cache_dir.glob("*.npz")) if cache_dir.exists() else True


# ------------------------------------------------------------------ real inference
@pytest.mark.integration
@pytest.mark.shared
def test_real_treadmill_clip_with_mediapipe(cache_dir):
    if not MODEL.exists():
        pytest.fail(f"bundled model missing: {MODEL}")
    clip = shared_clip("zzzhushi_male_side_treadmill.mp4")
    series = extract_pose(clip, cache_dir=cache_dir)
    assert (series.video.width_px, series.video.height_px) == (720, 1280)
    assert series.n_frames == 360
    assert series.sample_rate_hz == pytest.approx(30.0, abs=0.01)
    assert series.detection_rate >= 0.95
    # The runner fills the middle of a portrait frame: hips between the shoulders and ankles.
    med = np.nanmedian(series.xy_px, axis=0)
    assert med[11, 1] < med[23, 1] < med[27, 1]
    assert 0 < med[23, 0] < 720

    def no_inference(*args):
        raise AssertionError("inference ran although the result was cached")

    again = extract_pose(clip, cache_dir=cache_dir, backend_factory=no_inference)
    assert again.n_frames == 360


def test_a_frame_stamped_hours_late_allocates_nothing_for_the_hours(
    tmp_path, fake_model, cache_dir, monkeypatch
):
    # 3 s at 30 fps, then one frame stamped 10 hours later: the time span is 36000 s, which
    # at 30 fps once sized a mask-crop buffer of 1.08 million crops (49 GiB, MemoryError).
    times = [*(i / 30 for i in range(90)), 36000.0]
    clip = timed_clip(tmp_path / "late.mp4", times, size=(320, 240), time_base=Fraction(1, 1000))
    capacities: list[int] = []

    class RecordingBuffer(passes.CropBuffer):
        def __init__(self, capacity: int = 0) -> None:
            capacities.append(capacity)
            super().__init__(capacity)

    monkeypatch.setattr(passes, "CropBuffer", RecordingBuffer)
    settings = PoseSettings(mediapipe=MediaPipeSettings(with_masks=True), max_people=1)
    series = extract_pose(clip, settings=settings, use_cache=False, backend_factory=FakeBackend)
    assert series.n_frames == 90 and series.masks.prob.shape[0] == 90
    assert series.video.part_end_s is not None and series.video.gaps_s[0][1] == 36000.0
    assert max(capacities) <= 90 + 8  # the frames that exist, plus the usual slack
