"""The waistband edge is left out on a side-on clip and complete on any other.

Truth: poses of known shoulder width (a stand-in backend), so the width ratio of every frame
is known; the edges of a run with the gate must equal those of a run that measures every
frame whenever the clip is not side-on, because they are found on the same pixels with the
same landmarks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gaitlab.landmarks import INDEX
from gaitlab.pose import band_gate, passes
from gaitlab.pose.backend import FramePose, MediaPipeSettings
from gaitlab.pose.band_gate import BandGate, width_ratio
from gaitlab.pose.extract import PoseRun, PoseSettings, extract_pose
from tests.conftest import REPO
from tests.pose.fakes import fixed_pose, use_fake_model

SAMPLE = REPO / "sample_videos" / "synth_side_normal.mp4"


def _pose_with_ratio(ratio: float) -> np.ndarray:
    """Landmarks whose shoulders are ``ratio`` trunk lengths apart (trunk 100 px upright)."""
    xy = np.full((33, 2), 300.0)
    xy[INDEX["left_shoulder"]] = (300 + 50 * ratio, 200)
    xy[INDEX["right_shoulder"]] = (300 - 50 * ratio, 200)
    xy[INDEX["left_hip"]] = (310, 300)
    xy[INDEX["right_hip"]] = (290, 300)
    return xy


def test_width_ratio_is_shoulder_width_over_trunk_length():
    assert width_ratio(_pose_with_ratio(0.7)) == pytest.approx(0.7)
    assert np.isnan(width_ratio(None))
    assert np.isnan(width_ratio(np.full((33, 2), np.nan)))


def test_a_side_on_clip_stops_after_the_first_frames_and_is_not_caught_up():
    gate = BandGate()
    wanted = [gate.wants(i, _pose_with_ratio(0.15)) for i in range(100)]
    assert wanted == [True] * band_gate.MIN_FRAMES + [False] * (100 - band_gate.MIN_FRAMES)
    assert gate.catch_up_rows() == {}


def test_a_clip_that_turns_to_the_camera_gets_every_left_out_frame_back():
    gate = BandGate()
    for i in range(60):
        gate.wants(i, _pose_with_ratio(0.15))
    for i in range(60, 200):  # from behind for the rest: median 0.7
        gate.wants(i, _pose_with_ratio(0.7))
    # The running median says side-on until the frames from behind are half of those seen
    # (frame 120); every frame left out till then is measured after the pass.
    assert sorted(gate.catch_up_rows()) == list(range(band_gate.MIN_FRAMES, 120))


def test_a_rear_clip_is_measured_on_every_frame():
    gate = BandGate()
    assert all(gate.wants(i, _pose_with_ratio(0.65)) for i in range(100))
    assert gate.skipped == {}


def test_frames_without_a_pose_are_not_measured_nor_caught_up():
    gate = BandGate()
    assert not gate.wants(0, None)
    assert gate.catch_up_rows() == {}


class TurningBackend:
    """Side-on (shoulders overlapping) for the first 3 s, then from behind."""

    def __init__(self, model_path: Path, settings: MediaPipeSettings) -> None:
        self.with_masks = settings.with_masks

    def detect(self, rgb: np.ndarray, time_ms: int) -> FramePose | None:
        pose = fixed_pose(rgb, self.with_masks, shift=time_ms / 1000.0)
        if time_ms > 3000:
            w = rgb.shape[1]
            pose.xy_px[INDEX["left_shoulder"], 0] -= 0.12 * w
            pose.xy_px[INDEX["right_shoulder"], 0] += 0.12 * w
        return pose

    def close(self) -> None:
        pass


class SideBackend(TurningBackend):
    def detect(self, rgb: np.ndarray, time_ms: int) -> FramePose | None:
        return fixed_pose(rgb, self.with_masks, shift=time_ms / 1000.0)


def _edges(monkeypatch, backend, gate: bool, prefetch: bool = True):
    """The series and the (frame digest, landmarks) of every edge found."""
    found: list[tuple[int, bytes]] = []
    real = passes.waistband_line

    def spy(rgb, xy):
        found.append((hash(rgb.tobytes()), xy.tobytes()))
        return real(rgb, xy)

    monkeypatch.setattr(passes, "waistband_line", spy)
    if not gate:
        monkeypatch.setattr(passes, "BandGate", lambda: BandGate(side_ratio_max=-1.0))
    series = extract_pose(
        SAMPLE,
        settings=PoseSettings(waistband=True),
        use_cache=False,
        backend_factory=backend,
        run=PoseRun(prefetch=prefetch),
    )
    monkeypatch.undo()
    return series, found


@pytest.mark.parametrize("prefetch", [True, False])
def test_a_turning_clip_has_the_edges_of_every_frame(monkeypatch, tmp_path, prefetch):
    use_fake_model(monkeypatch, tmp_path)
    gated, found = _edges(monkeypatch, TurningBackend, gate=True, prefetch=prefetch)
    use_fake_model(monkeypatch, tmp_path)
    every, found_every = _edges(monkeypatch, TurningBackend, gate=False, prefetch=prefetch)
    assert len(found_every) == every.n_frames  # the stand-in finds a pose in every frame
    assert found != found_every  # some were left out in the pass and found after it ...
    assert sorted(found) == sorted(found_every)  # ... on the same pixels and landmarks
    for name in ("angle_deg", "ok", "inlier_share", "contrast", "offset_trunk"):
        np.testing.assert_array_equal(
            getattr(gated.waistband, name), getattr(every.waistband, name)
        )


def test_a_side_on_clip_finds_the_edge_on_its_first_frames_only(monkeypatch, tmp_path):
    use_fake_model(monkeypatch, tmp_path)
    series, found = _edges(monkeypatch, SideBackend, gate=True)
    assert len(found) == band_gate.MIN_FRAMES
    assert not series.waistband.ok[band_gate.MIN_FRAMES :].any()
    assert series.camera_motion is not None  # the scene measures still see every frame
