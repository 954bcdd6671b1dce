"""Corpus cases about who is in the clip, through the real command and the dashboard.

Real MediaPipe inference on real or generated video (no mocks). Each case asserts what the
user is told: the CLI's exit code and its one-line message (or the summary line), and the
dashboard's notice for the same result.

- two people (``sports2d_demo_walk_side_plus_jumps_2people.mp4``, looked at frame by frame):
  a man stands on a box from the start, jumps down at ~6.3 s and lands on the grass at the
  right; a woman walks in from the right edge at ~1.9 s and leaves at the left edge at
  ~6.7 s. Nobody runs. The periodic mover is the woman, so she is followed (and only she:
  none of the followed frames are before she enters or after she leaves), the result says
  several people were seen and the verdict is "not running".
- the runner leaves the frame: the real treadmill clip, whose picture slides left after
  4 s so that the runner exits at the left edge by 4.5 s and the rest shows no one.
- no person: FFmpeg's moving test pattern.
- walking: ``sports2d_demo4_walking_side_indoor.mp4`` gives "not running".
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from gaitlab.cli import main
from gaitlab.dashboard import cards
from gaitlab.dashboard.run import run_analysis
from gaitlab.errors import NoRunnerFound
from gaitlab.io.video import iter_frames, probe_video
from gaitlab.pipeline import AnalysisRequest
from gaitlab.result import ResultDocument
from tests.clipmaker import pattern_clip
from tests.conftest import shared_clip

pytestmark = [pytest.mark.integration]

FAST = ["--no-video", "--no-report", "--no-keyframes"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pose-cache")


def analyze(clip: Path, out: Path, cache: Path, capsys) -> tuple[int, str, str, dict | None]:
    """Run ``gaitlab analyze``; return exit code, stdout, stderr and result.json (or None)."""
    code = main(["analyze", str(clip), "--out", str(out), "--cache-dir", str(cache), *FAST])
    captured = capsys.readouterr()
    result_path = out / "result.json"
    result = json.loads(result_path.read_text()) if result_path.exists() else None
    return code, captured.out, captured.err, result


def people_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("people    ")]


# ---------------------------------------------------------------------- two people
@pytest.mark.shared
def test_two_people_follows_the_walker_and_says_so(tmp_path, cache, capsys):
    clip = shared_clip("sports2d_demo_walk_side_plus_jumps_2people.mp4")
    code, out, err, result = analyze(clip, tmp_path / "res", cache, capsys)
    assert code == 0, err
    assert "Traceback" not in err
    people = result["pose"]["people"]
    assert people["mode"] == "multi"
    assert "jumped" in people["why"]  # MediaPipe's one-person track switched people
    # Two people: the man's track breaks while he flips off the box (a new identity lands on
    # the grass a second later, alike in size and clothes), so three identities are one
    # woman and one man found again.
    assert people["people_seen"] == 2
    assert len(people["found_again"]) == 1
    (followed,) = people["followed"]
    runner = next(p for p in people["people"] if p["id"] == followed)
    assert runner["role"] == "runner"
    # The woman: enters at ~1.9 s, leaves at ~6.7 s.
    assert 1.5 <= runner["first_s"] <= 2.3 and 6.2 <= runner["last_s"] <= 7.0
    # The followed landmarks are hers only: no frame before she enters (the man on the box)
    # or after she leaves (the man on the grass), and she moves right to left. She steps out
    # from behind the tree at the right from ~1.35 s: the zoomed re-detection finds her from
    # 1.37 s (checked on frame 41: the landmarks' box is hers, half hidden by the trunk,
    # 1460-1560 px across; the man stands on the box at the left), the whole-frame model from
    # ~1.9 s.
    series = np.load(tmp_path / "res" / "pose_series.npz")
    time_s, hip_x = series["time_s"], series["xy_px"][:, 23, 0]
    seen = ~np.isnan(hip_x)
    assert time_s[seen].min() >= 1.3 and time_s[seen].max() <= 7.0
    assert np.all(hip_x[seen & (time_s < 1.9)] > 1400)  # at the tree, not on the box
    assert seen.sum() >= 0.8 * ((time_s >= 2.0) & (time_s <= 6.6)).sum()
    assert np.polyfit(time_s[seen], hip_x[seen], 1)[0] < -200  # px/s, leftwards
    # The user is told: several people, who was followed, and that nobody runs.
    lines = people_lines(out)
    assert lines and "several people were seen: 2 (3 tracks: 1 of them someone lost and" in lines[0]
    assert "1 other person ignored" in lines[0]
    assert "followed the largest, most periodic mover" in lines[0]
    assert "verdict   this is not running" in out
    item = next(
        i for i in cards.clip_quality(ResultDocument.from_dict(result)) if i.label == "Runner found"
    )
    assert "people were seen" in item.note and not item.ok
    level, message = cards.run_status(ResultDocument.from_dict(result))
    assert level == "warning" and "does not look like running" in message


# ---------------------------------------------------------------------- runner leaves
def runner_leaves(src: Path, dst: Path, *, visible_s: float, slide_s: float, end_s: float) -> Path:
    """Copy ``src`` up to ``end_s``; after ``visible_s`` the picture slides left out of frame.

    Over ``slide_s`` the content moves left by the frame width (the runner exits at the left
    edge), and the vacated area repeats the frame's rightmost column, so no one is left.
    """
    frames = iter_frames(probe_video(src), end_s=end_s)  # upright, rotation applied
    with av.open(str(dst), "w") as out:
        enc = out.add_stream("libx264", rate=30)
        enc.pix_fmt = "yuv420p"
        enc.options = {"crf": "23", "preset": "ultrafast"}
        for i, frame in enumerate(frames):
            rgb = frame.rgb
            h, w = rgb.shape[:2]
            if i == 0:
                enc.width, enc.height = w, h
            shift = int(np.clip((frame.time_s - visible_s) / slide_s, 0.0, 1.0) * w)
            if shift:
                rgb = np.concatenate([rgb[:, shift:], np.repeat(rgb[:, -1:], shift, axis=1)], 1)
            for packet in enc.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in enc.encode():
            out.mux(packet)
    return dst


@pytest.mark.shared
def test_runner_leaving_the_frame_is_reported_with_metrics_from_the_visible_part(
    tmp_path, cache, capsys
):
    clip = runner_leaves(
        shared_clip("zzzhushi_male_side_treadmill.mp4"),
        tmp_path / "leaves.mp4",
        visible_s=4.0,
        slide_s=0.5,
        end_s=8.0,
    )
    code, out, err, result = analyze(clip, tmp_path / "res", cache, capsys)
    assert code == 0, err
    people = result["pose"]["people"]
    assert people["mode"] == "single"  # one person who walks off: no identity jump
    (note,) = people["notes"]
    # Gone from ~4.3 s (partly out) to the end at 8.0 s.
    assert "the runner is out of frame or not found for" in note and "to the end" in note
    gone_s = float(note.split("not found for ")[1].split(" s")[0])
    assert 3.2 <= gone_s <= 4.0
    assert f"people    {note}" in out.splitlines()
    # Metrics come from strides inside the visible part: the cadence of its 4 s matches the
    # whole clip's ground truth (168.9 steps/min, from raw pixel motion).
    strides = result["kinematics"]["strides"]
    assert strides and all(s["next_foot_strike_s"] <= 4.6 for s in strides)
    assert result["kinematics"]["cadence"]["cadence_spm"] == pytest.approx(168.9, abs=2.0)
    item = next(
        i for i in cards.clip_quality(ResultDocument.from_dict(result)) if i.label == "Runner found"
    )
    assert "out of frame" in item.note and not item.ok


# ---------------------------------------------------------------------- nobody
def test_clip_without_a_person_gives_exit_code_6(tmp_path, cache, capsys):
    clip = pattern_clip(tmp_path / "shapes.mp4", size=(640, 360), duration_s=3.0)
    code, _out, err, result = analyze(clip, tmp_path / "res", cache, capsys)
    assert code == 6 and result is None
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == (
        "gaitlab: error: shapes.mp4: no person found in any of 90 frames; film the whole "
        "body, side-on or from behind, 3-5 m away, in good light"
    )
    # The dashboard gets the same error (it shows its message as a notice).
    with pytest.raises(NoRunnerFound, match="no person found in any of 90 frames"):
        run_analysis(clip, AnalysisRequest(), tmp_path / "dash", cache_dir=cache, video=False)


# ---------------------------------------------------------------------- walking
@pytest.mark.shared
def test_walking_clip_is_not_running(tmp_path, cache, capsys):
    clip = shared_clip("sports2d_demo4_walking_side_indoor.mp4")
    code, out, err, result = analyze(clip, tmp_path / "res", cache, capsys)
    assert code == 0, err
    verdict = [line for line in out.splitlines() if line.startswith("verdict   ")]
    assert len(verdict) == 1 and "this is not running" in verdict[0]
    assert result["kinematics"]["running"]["is_running"] is False
    assert result["kinematics"]["metrics"] == {}
    assert result["pose"]["people"]["mode"] == "single"  # one walker: the fast path
    level, message = cards.run_status(ResultDocument.from_dict(result))
    assert level == "warning" and "does not look like running" in message
