"""The pose stage with and without decoding ahead: same results, and really no extra threads.

Batch workers run the pose stage in their calling thread only (``prefetch=False``): they
already run one clip per core. The landmarks, mask crops and waistband must not depend on
that choice.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from gaitlab.io.video import probe_video
from gaitlab.pose import passes
from gaitlab.pose.backend import FramePose, MediaPipeBackend, MediaPipeSettings
from gaitlab.pose.extract import PoseRun, PoseSettings, Segment, extract_pose
from tests.clipmaker import pattern_clip
from tests.conftest import MODEL, REPO
from tests.pose.fakes import fixed_pose, use_fake_model

SAMPLE = REPO / "sample_videos" / "synth_side_normal.mp4"


class ThreadSpy:
    """A fixed pose on every frame; records the threads alive while it runs."""

    seen: set[str] = set()  # noqa: RUF012 - shared by the instances of one test

    def __init__(self, model_path: Path, settings: MediaPipeSettings) -> None:
        self.with_masks = settings.with_masks

    def detect(self, rgb: np.ndarray, time_ms: int) -> FramePose | None:
        ThreadSpy.seen.update(t.name for t in threading.enumerate())
        return fixed_pose(rgb, self.with_masks, body_mask=False)

    def close(self) -> None:
        pass


@pytest.fixture
def fake_model(monkeypatch, tmp_path: Path) -> Path:
    ThreadSpy.seen = set()
    return use_fake_model(monkeypatch, tmp_path)


@pytest.mark.parametrize("prefetch", [True, False])
def test_prefetch_switch_reaches_the_decode_loop(tmp_path, fake_model, prefetch):
    clip = pattern_clip(tmp_path / "c.mp4", size=(320, 240), fps=25, duration_s=2.5)
    settings = PoseSettings(mediapipe=MediaPipeSettings(with_masks=True), waistband=True)
    series = extract_pose(
        clip,
        settings=settings,
        use_cache=False,
        run=PoseRun(workers=1, prefetch=prefetch),
        backend_factory=ThreadSpy,
    )
    assert series.n_frames == 63 and series.waistband is not None  # 2.5 s at 25 fps
    helpers = {name for name in ThreadSpy.seen if name.startswith("gaitlab-")}
    if prefetch:
        assert any(name.startswith("gaitlab-decode") for name in helpers)
    else:
        assert not helpers  # decoding and the waistband ran in the calling thread


@pytest.mark.integration
def test_mediapipe_results_do_not_depend_on_prefetch():
    # MediaPipe's tracking depends on every earlier frame, so any difference in what it was
    # given (a frame dropped, reordered or decoded differently) would show in the landmarks.
    info = probe_video(SAMPLE)
    rows = {}
    for prefetch in (True, False):
        backend = MediaPipeBackend(MODEL, MediaPipeSettings(with_masks=True))
        try:
            rows[prefetch] = passes.run_segment(
                backend,
                info,
                Segment(0.0, 0.0, 2.0),
                with_masks=True,
                with_waistband=True,
                prefetch=prefetch,
            )
        finally:
            backend.close()
    ahead, inline = rows[True], rows[False]
    assert len(ahead) == len(inline) == 120  # 2 s at 60 fps
    assert ahead.time_s == inline.time_s
    assert sum(xy is not None for xy in ahead.xy_px) >= 110
    np.testing.assert_array_equal(ahead.crops.array(), inline.crops.array())
    for name in ("xy_px", "visibility", "world_m", "origins"):
        for a, b in zip(getattr(ahead, name), getattr(inline, name), strict=True):
            if a is None or b is None:
                assert a is None and b is None
            else:
                np.testing.assert_array_equal(a, b)
    assert ahead.bands == inline.bands
