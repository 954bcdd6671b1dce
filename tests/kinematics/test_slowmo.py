"""The slow-motion hint of a "not running" verdict, on clip descriptions with known answers."""

from __future__ import annotations

import math

import pytest

from gaitlab.kinematics.slowmo import factor_from_cadence, slowmo_hint, tagged_factor
from gaitlab.series import VideoInfo


def clip(fps: float, slowmo: float = 1.0, tag: float | None = None) -> VideoInfo:
    """A clip stored at ``fps``, analysed with ``--slowmo slowmo``, its capture rate tagged."""
    return VideoInfo(
        path="c.mp4", sha256="", width_px=640, height_px=360, rotation_deg=0, n_frames=300,
        duration_s=10.0, nominal_fps=fps, capture_fps=fps * slowmo,
        slowmo_factor=slowmo, codec="h264", container="mp4", vfr=False,
        tagged_capture_fps=tag, capture_fps_tag="com.android.capture.fps" if tag else "",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("cadence_spm", "factor"),
    [(82.0, 2), (42.0, 4), (21.0, 8), (60.0, None), (170.0, None), (math.nan, None)],
)
def test_factor_from_cadence_lands_in_the_running_range(cadence_spm, factor):
    # 82 x 2 = 164; 42 x 4 = 168; 21 x 8 = 168; 60 fits none of 120 / 240 / 480.
    assert factor_from_cadence(cadence_spm) == factor


def test_the_capture_rate_tag_gives_the_factor():
    assert tagged_factor(clip(30.0, tag=240.0)) == 8.0
    assert tagged_factor(clip(30.0, tag=30.0)) is None  # an ordinary recording tags 30 too
    assert tagged_factor(clip(30.0)) is None


def test_hint_prefers_the_tag_then_the_motion_then_the_stored_rate():
    tagged = slowmo_hint(clip(30.0, tag=240.0), 21.0, running_like=True)
    assert tagged.endswith("it is slow motion; analyse it again with --slowmo 8")
    moving = slowmo_hint(clip(30.0), 82.0, running_like=True)
    assert "slowed 2x, analyse it again with --slowmo 2 (164 steps/min)" in moving
    assert slowmo_hint(clip(30.0), 82.0, running_like=False) == ""  # walking: no hint
    high = slowmo_hint(clip(240.0), math.nan, running_like=False)
    assert "stored at 240 fps" in high and "--slowmo N" in high
    assert slowmo_hint(clip(30.0, slowmo=8.0, tag=240.0), 21.0, running_like=True) == ""
