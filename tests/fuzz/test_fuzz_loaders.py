"""Fuzzing the loaders: corrupted clips and pose-series files must give a GaitlabError or load.

Hypothesis mutates a small valid file (byte flips, truncation, inserted junk). Any exception
other than our own user-facing errors is a bug. CI runs a bounded number of cases; set
``GAITLAB_FUZZ_EXAMPLES`` (e.g. 2000) for a longer run.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaitlab.errors import GaitlabError
from gaitlab.io import iter_frames, probe_video
from gaitlab.io.video import VideoLimits
from gaitlab.series import PoseSeries
from tests.clipmaker import pattern_clip
from tests.test_series import make_series

EXAMPLES = int(os.environ.get("GAITLAB_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=os.environ.get("CI") == "true",
)


@pytest.fixture(scope="module")
def seed_clip(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("fuzz") / "seed.mp4"
    return pattern_clip(path, size=(160, 144), fps=10, duration_s=2.5).read_bytes()


@pytest.fixture(scope="module")
def seed_series(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("fuzz") / "seed.npz"
    return make_series(6).save(path).read_bytes()


mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "truncate", "insert", "zero"]),
        st.floats(0, 1, allow_nan=False),
        st.binary(min_size=1, max_size=64),
    ),
    min_size=1,
    max_size=4,
)


def mutate(data: bytes, ops) -> bytes:
    buf = bytearray(data)
    for kind, where, junk in ops:
        if not buf:
            break
        i = min(int(where * len(buf)), len(buf) - 1)
        if kind == "flip":
            buf[i] ^= junk[0] or 0xFF
        elif kind == "truncate":
            del buf[i:]
        elif kind == "insert":
            buf[i:i] = junk
        else:
            buf[i : i + len(junk)] = bytes(len(junk[: len(buf) - i]))
    return bytes(buf)


@FUZZ
@given(ops=mutations)
def test_video_loader_never_raises_anything_but_our_errors(tmp_path, seed_clip, ops):
    path = tmp_path / "fuzzed.mp4"
    path.write_bytes(mutate(seed_clip, ops))
    try:
        info = probe_video(path, limits=VideoLimits(min_duration_s=0.5, min_short_side_px=16))
        for frame in iter_frames(info):
            assert frame.rgb.ndim == 3
    except GaitlabError as exc:
        assert exc.message and "\n" not in exc.message


@FUZZ
@given(ops=mutations)
def test_series_loader_never_raises_anything_but_our_errors(tmp_path, seed_series, ops):
    path = tmp_path / "fuzzed.npz"
    path.write_bytes(mutate(seed_series, ops))
    try:
        series = PoseSeries.load(path)
    except GaitlabError as exc:
        assert exc.message and "\n" not in exc.message
    else:
        assert series.xy_px.shape == (series.n_frames, 33, 2)
        assert np.all(np.diff(series.time_s) > 0)


def test_mutate_changes_the_file(seed_clip):
    assert mutate(seed_clip, [("truncate", 0.5, b"x")]) == seed_clip[: len(seed_clip) // 2]
