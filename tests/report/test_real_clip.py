"""All outputs of a real treadmill clip (MediaPipe inference: slow, needs ../shared)."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

from gaitlab.pipeline import analyze_clip
from gaitlab.report import rebuild_reports, write_outputs
from tests.conftest import shared_clip

pytestmark = [pytest.mark.integration, pytest.mark.shared]


def test_real_side_clip_produces_every_output(tmp_path: Path, cache_dir: Path) -> None:
    clip = shared_clip("zzzhushi_male_side_treadmill.mp4")
    analysis = analyze_clip(clip, cache_dir=cache_dir)
    paths = write_outputs(analysis, tmp_path / "out", blur_faces=True)
    keys = ("result", "series", "video", "frames_csv", "strides_csv", "trc", "mot", "html", "pdf")
    for key in (*keys, "plot_angles", "keyframe_left_toe_off", "keyframe_right_toe_off"):
        assert paths[key].is_file() and paths[key].stat().st_size > 0, key
    result = json.loads(paths["result"].read_text())
    assert result["kinematics"]["view"]["view"].startswith("side")
    with av.open(str(paths["video"])) as c:
        s = c.streams.video[0]
        assert (s.width, s.height) == (540, 960)  # 720x1280 portrait scaled to a 960 px long side
        assert s.frames == result["pose"]["n_frames"]
    rebuilt = rebuild_reports(tmp_path / "out")
    assert rebuilt["html"] == paths["html"]
