"""Frames kept from the pose pass for the annotated video: the same frames as a decode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gaitlab.io import iter_frames, probe_video
from gaitlab.io.kept import KeptFrames, frames_with_kept
from gaitlab.io.video import Frame
from tests.clipmaker import pattern_clip

SIZE = (160, 120)  # (width, height) both passes ask for: half the clip's 320x240


def _frame_mb(size: tuple[int, int] = SIZE) -> float:
    return size[0] * size[1] * 3 / 1e6


def _keep_first(path: Path, n: int, rotation_size: tuple[int, int] = SIZE) -> KeptFrames:
    """A KeptFrames offered every frame of one decode, with room for ``n`` of them."""
    kept = KeptFrames(budget_mb=n * _frame_mb(rotation_size))
    for frame in iter_frames(probe_video(path), size=rotation_size, extra_sizes=((80, 60),)):
        kept.offer(frame)
    return kept


@pytest.mark.parametrize("n_kept", [0, 1, 37, 90])
def test_kept_then_decoded_frames_are_the_frames_of_one_decode(tmp_path: Path, n_kept: int):
    # 90 frames: all kept, nothing decoded again; 37: the decode resumes inside the clip.
    clip = pattern_clip(tmp_path / "c.mp4", duration_s=3.0)
    info = probe_video(clip)
    kept = _keep_first(clip, n_kept)
    assert len(kept) == n_kept
    got = list(frames_with_kept(info, SIZE, kept))
    want = list(iter_frames(info, size=SIZE))
    assert len(want) == 90
    assert [f.index for f in got] == list(range(90))
    assert [f.time_s for f in got] == [f.time_s for f in want]
    assert all(np.array_equal(g.rgb, w.rgb) for g, w in zip(got, want, strict=True))
    assert all(f.extra == () for f in got)  # the kept frames hold their picture only
    assert len(kept) == 0 and kept.nbytes == 0  # handed over, nothing held


def test_a_rotated_clip_keeps_its_upright_frames(tmp_path: Path):
    clip = pattern_clip(tmp_path / "r.mp4", duration_s=2.0, rotation_deg=90)
    info = probe_video(clip)
    upright = (120, 160)  # the flag turns the 320x240 picture upright: 240x320, halved
    kept = _keep_first(clip, 10, upright)
    got = list(frames_with_kept(info, upright, kept))
    want = list(iter_frames(info, size=upright))
    assert got[0].rgb.shape == (160, 120, 3)
    assert all(np.array_equal(g.rgb, w.rgb) for g, w in zip(got, want, strict=True))
    assert len(got) == len(want) == 60


def test_frames_of_another_size_are_not_used(tmp_path: Path):
    clip = pattern_clip(tmp_path / "c.mp4", duration_s=2.0)
    info = probe_video(clip)
    kept = _keep_first(clip, 30)
    other = (80, 60)
    got = list(frames_with_kept(info, other, kept))
    want = list(iter_frames(info, size=other))
    assert all(np.array_equal(g.rgb, w.rgb) for g, w in zip(got, want, strict=True))
    assert len(kept) == 0  # released all the same


def test_the_budget_and_the_order_end_the_keeping():
    rgb = np.zeros((10, 10, 3), dtype=np.uint8)  # 300 bytes
    kept = KeptFrames(budget_mb=1000 / 1e6)
    for i in range(5):
        kept.offer(Frame(index=i, time_s=i / 30, rgb=rgb))
    assert len(kept) == 3 and kept.nbytes == 900  # a fourth would pass 1000 bytes
    gap = KeptFrames()
    for i in (0, 1, 3, 4):  # a frame missing: the run from the first stops before it
        gap.offer(Frame(index=i, time_s=i / 30, rgb=rgb))
    assert len(gap) == 2


def test_a_long_clip_keeps_nothing():
    rgb = np.zeros((10, 10, 3), dtype=np.uint8)
    kept = KeptFrames(max_clip_frames=600)
    kept.expect(601)
    kept.offer(Frame(index=0, time_s=0.0, rgb=rgb))
    assert len(kept) == 0
    short = KeptFrames(max_clip_frames=600)
    short.expect(600)
    short.offer(Frame(index=0, time_s=0.0, rgb=rgb))
    assert len(short) == 1
