"""The camera's motion and roll are taken in the one pose pass: one decode, the same numbers.

Before, the camera's motion came from a second decode of the whole clip at 480 px and the
roll from frames read again afterwards. The pass now decodes each frame once at the model's
size and at the sizes those measures want (``iter_frames(extra_sizes=...)``); the numbers
must equal what the separate decodes give, which is still the fallback (a series cached
before, several landmarkers).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from gaitlab import pipeline
from gaitlab.io import sampling
from gaitlab.io import video as video_mod
from gaitlab.pose import passes
from gaitlab.pose import scene as scene_mod
from gaitlab.pose.backend import FramePose, MediaPipeSettings
from gaitlab.pose.extract import PoseRun, PoseSettings, extract_pose
from gaitlab.pose.scene import measure_camera_roll
from tests.clipmaker import pattern_clip
from tests.conftest import REPO
from tests.pose.fakes import fixed_pose, use_fake_model

SAMPLE = REPO / "sample_videos" / "synth_side_normal.mp4"


class MovingBackend:
    """A known pose drifting right over the clip (so the runner's box moves between frames)."""

    def __init__(self, model_path: Path, settings: MediaPipeSettings) -> None:
        self.with_masks = settings.with_masks

    def detect(self, rgb: np.ndarray, time_ms: int) -> FramePose | None:
        return fixed_pose(rgb, self.with_masks, shift=time_ms / 1000.0)

    def close(self) -> None:
        pass


@pytest.fixture
def fake_model(monkeypatch, tmp_path: Path) -> Path:
    return use_fake_model(monkeypatch, tmp_path)


def _series(clip: Path, **run: object):
    return extract_pose(
        clip,
        settings=PoseSettings(waistband=True),
        use_cache=False,
        backend_factory=MovingBackend,
        run=PoseRun(**run),
    )


def _same(a: np.ndarray, b: np.ndarray) -> None:
    np.testing.assert_array_equal(a, b)  # NaN where the other has NaN, else bit-equal


@pytest.fixture
def pattern(tmp_path: Path) -> Path:
    """A clip with corners to track (the synthetic samples' backgrounds have none)."""
    return pattern_clip(tmp_path / "pattern.mp4", size=(960, 540), duration_s=2.0)


@pytest.mark.parametrize("prefetch", [True, False])
def test_the_pass_measures_the_camera_as_a_second_decode_does(fake_model, pattern, prefetch):
    series = _series(pattern, prefetch=prefetch)
    assert series.camera_motion is not None
    measured = series.camera_motion
    assert np.isfinite(measured.shift_px[1:]).all(axis=1).mean() > 0.5  # really measured
    assert np.isfinite(measured.runner_change[1:]).all()
    again = pipeline.camera_shifts(dataclasses.replace(series, camera_motion=None))
    assert again is not None
    _same(measured.shift_px, again[0])
    _same(measured.runner_change, again[1])


def test_the_pass_keeps_the_roll_frames_a_separate_read_gives(fake_model):
    series = _series(SAMPLE)
    assert series.camera_roll is not None
    assert series.camera_roll.found  # the sample's horizon gives lines
    reread = measure_camera_roll(series)  # reads its frames from the clip
    assert series.camera_roll.to_dict() == reread.to_dict()


def test_a_rotated_clip_gives_the_same_measures_in_the_pass(fake_model, tmp_path):
    clip = pattern_clip(tmp_path / "turned.mp4", size=(640, 360), duration_s=2.5, rotation_deg=90)
    series = _series(clip)
    assert series.video.rotation_deg in (90, 270)
    assert series.camera_motion is not None
    again = pipeline.camera_shifts(dataclasses.replace(series, camera_motion=None))
    assert again is not None
    _same(series.camera_motion.shift_px, again[0])
    assert series.camera_roll.to_dict() == measure_camera_roll(series).to_dict()


def test_the_clip_is_decoded_once(fake_model, monkeypatch):
    opened: list[str] = []
    real_open = video_mod._open_container

    def counting_open(path):
        opened.append(Path(path).name)
        return real_open(path)

    decoded = [0]
    real_iter = video_mod.iter_frames

    def counting_iter(*args, **kwargs):
        for frame in real_iter(*args, **kwargs):
            decoded[0] += 1
            yield frame

    monkeypatch.setattr(video_mod, "_open_container", counting_open)
    monkeypatch.setattr(sampling, "_open_container", counting_open)
    monkeypatch.setattr(passes, "iter_frames", counting_iter)
    monkeypatch.setattr(pipeline, "iter_frames", counting_iter)
    monkeypatch.setattr(scene_mod, "read_frames", lambda *a: pytest.fail("frames read again"))
    series = _series(SAMPLE)
    shifts = pipeline.camera_shifts(series)
    assert shifts is not None
    assert decoded[0] == series.n_frames  # every frame once, by the pass
    # The probe and the pass open the clip; nothing else does.
    assert len(opened) == 2


def test_several_landmarkers_fall_back_to_measuring_after_the_pass(fake_model):
    series = _series(SAMPLE, workers=2, min_segment_s=1.0)
    assert len(series.model.settings["segments"]) == 2
    assert series.camera_motion is None  # segment rows are not the series' rows
    assert pipeline.camera_shifts(series) is not None  # measured by a second decode


def test_the_camera_motion_is_saved_with_the_series(fake_model, tmp_path):
    series = _series(SAMPLE)
    loaded = type(series).load(series.save(tmp_path / "s.npz"))
    assert loaded.camera_motion is not None
    _same(loaded.camera_motion.shift_px, series.camera_motion.shift_px)
    _same(loaded.camera_motion.runner_change, series.camera_motion.runner_change)


def test_the_clip_size_frame_is_made_only_for_the_roll_rows(fake_model, monkeypatch):
    # The camera's pictures come from the model's frame; a full-size copy of every frame
    # (~2 ms a 720p frame) is made only for the rows the roll reads.
    made: list[int] = []
    real_iter = video_mod.iter_frames

    def recording_iter(*args, **kwargs):
        for frame in real_iter(*args, **kwargs):
            if frame.extra:
                made.append(frame.index)
            yield frame

    monkeypatch.setattr(passes, "iter_frames", recording_iter)
    monkeypatch.setattr(scene_mod, "read_frames", lambda *a: pytest.fail("frames read again"))
    series = _series(SAMPLE)
    assert made == sorted(scene_mod.roll_picks(np.ones(series.n_frames, bool)).tolist())
    assert len(made) == scene_mod.ROLL_FRAMES
    assert series.camera_roll is not None and series.camera_roll.found
