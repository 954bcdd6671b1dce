"""Large frames are scaled down for the pose model and the landmarks scaled back.

The fake model below places its points at fixed fractions of whatever frame it is handed
(as MediaPipe's normalised landmarks are), so the landmarks stored in clip pixels must not
depend on the size the frames were given at, and the mask crops must map back onto the
same body box in clip pixels.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gaitlab.io.video import probe_video
from gaitlab.pose.backend import FramePose, MediaPipeSettings
from gaitlab.pose.extract import PoseSettings, cache_key, extract_pose, model_frame_size
from tests.clipmaker import pattern_clip
from tests.pose.fakes import fixed_pose, use_fake_model


class SizeSpy:
    """A fixed pose at fractions of the frame; records the frame sizes it was handed."""

    shapes: set[tuple[int, ...]] = set()  # noqa: RUF012 - shared by the instances of one test

    def __init__(self, model_path: Path, settings: MediaPipeSettings) -> None:
        self.with_masks = settings.with_masks

    def detect(self, rgb: np.ndarray, time_ms: int) -> FramePose | None:
        SizeSpy.shapes.add(rgb.shape)
        # Relative depth comes on the x pixel scale of the frame handed over, as MediaPipe's.
        return replace(fixed_pose(rgb, self.with_masks), depth_rel=np.full(33, 0.1 * rgb.shape[1]))

    def close(self) -> None:
        pass


@pytest.fixture
def fake_model(monkeypatch, tmp_path: Path) -> Path:
    SizeSpy.shapes = set()
    return use_fake_model(monkeypatch, tmp_path)


def _info(tmp_path: Path, size: tuple[int, int], rotation_deg: int | None = None):
    clip = pattern_clip(
        tmp_path / f"c{size[0]}x{size[1]}r{rotation_deg}.mp4",
        size=size,
        fps=10,
        duration_s=2.5,
        rotation_deg=rotation_deg,
    )
    return probe_video(clip)


def test_model_frame_size_scales_only_frames_larger_than_the_limit(tmp_path):
    assert model_frame_size(_info(tmp_path, (1280, 720)), 960) == (960, 540)
    # A portrait phone clip (stored landscape, rotation flag): the long side is its height.
    assert model_frame_size(_info(tmp_path, (1280, 720), rotation_deg=90), 960) == (540, 960)
    assert model_frame_size(_info(tmp_path, (960, 540)), 960) is None
    assert model_frame_size(_info(tmp_path, (640, 480)), 960) is None
    assert model_frame_size(_info(tmp_path, (1280, 720)), None) is None


def test_limit_below_the_models_own_input_is_refused():
    with pytest.raises(ValueError, match="max_side_px must be at least"):
        PoseSettings(max_side_px=200)


def test_cache_key_follows_the_size_given_to_the_model_not_the_setting():
    base = PoseSettings()
    # A clip no larger than either limit: same frames to the model, same key.
    assert cache_key("v", "m", base) == cache_key("v", "m", replace(base, max_side_px=None))
    assert cache_key("v", "m", base) != cache_key("v", "m", base, model_size=(960, 540))
    assert cache_key("v", "m", base, model_size=(960, 540)) != cache_key(
        "v", "m", base, model_size=(1280, 720)
    )


@pytest.mark.parametrize("rotation_deg", [None, 90])
def test_landmarks_and_mask_crops_are_in_clip_pixels_at_any_model_size(
    tmp_path, fake_model, rotation_deg
):
    clip = pattern_clip(
        tmp_path / "big.mp4", size=(1600, 900), fps=10, duration_s=2.5, rotation_deg=rotation_deg
    )
    width, height = (1600, 900) if rotation_deg is None else (900, 1600)
    settings = PoseSettings(mediapipe=MediaPipeSettings(with_masks=True), waistband=True)
    scaled = extract_pose(clip, settings=settings, use_cache=False, backend_factory=SizeSpy)
    model_shape = (540, 960, 3) if rotation_deg is None else (960, 540, 3)
    assert SizeSpy.shapes == {model_shape}
    assert scaled.model.settings["model_size_px"] == [model_shape[1], model_shape[0]]

    SizeSpy.shapes = set()
    full = extract_pose(
        clip,
        settings=replace(settings, max_side_px=None),
        use_cache=False,
        backend_factory=SizeSpy,
    )
    assert SizeSpy.shapes == {(height, width, 3)}
    assert full.model.settings["model_size_px"] == [width, height]

    # The fake's points sit at fixed fractions of the frame: in clip pixels they agree.
    expected = fixed_pose(np.zeros((height, width, 3), np.uint8), False).xy_px
    for series in (scaled, full):
        assert series.video.width_px == width and series.video.height_px == height
        np.testing.assert_allclose(series.xy_px[0], expected, atol=1e-9)
        # The mask's body box is x 0.3-0.6, y 0.2-0.9 of the frame, in either size.
        rows, cols = np.nonzero(series.masks.prob[3] > 127)
        corners = np.array([[cols.min(), rows.min()], [cols.max() + 1, rows.max() + 1]])
        box = series.masks.to_image_px(3, corners)
        np.testing.assert_allclose(
            box, [[0.3 * width, 0.2 * height], [0.6 * width, 0.9 * height]], atol=0.02 * width
        )
        np.testing.assert_allclose(series.depth_rel[0], 0.1 * width)
