from __future__ import annotations

import numpy as np
import pytest

from gaitlab.dashboard.scrubber import FrameRenderer, angle_label, angles_at, phase_at
from gaitlab.errors import NotAFile
from gaitlab.io.sampling import read_frame
from gaitlab.io.video import iter_frames


def test_read_frame_returns_the_frame_the_pose_series_indexes(synthetic_data):
    info = synthetic_data.series.video
    wanted = {0, 1, 37, 64, synthetic_data.series.n_frames - 1}
    decoded = {f.index: f.rgb for f in iter_frames(info) if f.index in wanted}
    for i in sorted(wanted):
        np.testing.assert_array_equal(read_frame(info, float(synthetic_data.time_s[i])), decoded[i])


def test_read_frame_of_a_missing_clip_is_a_gaitlab_error(synthetic_data, tmp_path):
    import dataclasses

    info = dataclasses.replace(synthetic_data.series.video, path=str(tmp_path / "gone.mp4"))
    with pytest.raises(NotAFile, match="no such file"):
        read_frame(info, 0.0)


def test_renderer_draws_the_overlays_on_the_right_frame(synthetic_data):
    r = FrameRenderer(synthetic_data, max_side_px=320)
    a, b = r.render(10), r.render(60)
    assert a.shape == (240, 320, 3) and a.dtype == np.uint8
    assert not np.array_equal(a, b)
    raw = read_frame(synthetic_data.series.video, float(synthetic_data.time_s[10]))
    import cv2

    plain = cv2.resize(raw, (320, 240), interpolation=cv2.INTER_AREA)
    assert np.mean(np.any(a != plain, axis=-1)) > 0.01  # a skeleton was drawn
    with pytest.raises(IndexError):
        r.render(r.n_frames)


def test_angles_at_reads_the_per_frame_series(synthetic_data):
    i = 42
    readings = angles_at(synthetic_data, i)
    assert {a.name for a in readings} == set(synthetic_data.angles)
    for a in readings:
        assert a.value_deg == pytest.approx(synthetic_data.angles[a.name][i], nan_ok=True)
    assert readings[0].name == "trunk_lean_deg"  # unilateral first, then left before right
    assert readings[1].name.startswith("left_") and readings[2].name.startswith("right_")


def test_angle_labels_are_readable():
    assert angle_label("left_hip_extension_deg") == "Hip extension (left)"
    assert angle_label("trunk_lean_deg") == "Trunk lean"
    assert angle_label("right_new_thing_deg") == "New thing (right)"


def test_phase_follows_the_strides(synthetic_data):
    s = next(s for s in synthetic_data.strides if s.toe_off_s is not None)
    mid = 0.5 * (s.foot_strike_s + s.toe_off_s)
    i = int(np.argmin(np.abs(synthetic_data.time_s - mid)))
    assert phase_at(synthetic_data, i)[s.side] == "stance"
