"""``gaitlab analyze side.mp4 rear.mp4``: one session from two sample clips, real MediaPipe.

The two clips are analysed once per test module (their poses in the run's pose cache, reused by the
failure cases so that they cost no inference again).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gaitlab.cli import main
from gaitlab.result import read_result
from gaitlab.session.folder import read_session
from gaitlab.store import open_store
from tests.conftest import REPO

SIDE = REPO / "sample_videos" / "synth_side_normal.mp4"
REAR = REPO / "sample_videos" / "synth_rear_pelvic_drop.mp4"


def _truth(clip: Path) -> dict:
    return json.loads(clip.with_suffix(".truth.json").read_text())


@pytest.fixture(scope="module")
def cache(shared_pose_cache: Path) -> Path:
    return shared_pose_cache


@pytest.fixture(scope="module")
def session_dir(tmp_path_factory, cache) -> Path:
    out = tmp_path_factory.mktemp("session") / "run"
    store = out.parent / "store.sqlite"
    code = main(["analyze", str(SIDE), str(REAR), "--out", str(out), "--cache-dir", str(cache),
                 "--runner", "r1", "--store", str(store), "--quiet"])  # fmt: skip
    assert code == 0
    return out


@pytest.mark.integration
def test_each_metric_from_the_view_that_measures_it(session_dir: Path):
    session = read_session(session_dir)
    assert session.status == "complete"
    assert [c.view for c in session.clips] == ["side-left", "rear"]
    side = read_result(session_dir / session.clips[0].folder / "result.json")
    rear = read_result(session_dir / session.clips[1].folder / "result.json")
    drop = session.metrics["pelvic_drop_deg"]
    assert session.clips[drop.clip].view == "rear"
    assert drop.median == rear.metrics["pelvic_drop_deg"].median
    hip = session.metrics["hip_extension_deg"]
    assert session.clips[hip.clip].view == "side-left"
    assert hip.median == side.metrics["hip_extension_deg"].median
    # Both clips time the contacts; the side clip's is the one used.
    assert session.clips[session.metrics["contact_time_s"].clip].view == "side-left"


@pytest.mark.integration
def test_cadences_agree_with_the_truth(session_dir: Path):
    session = read_session(session_dir)
    truth = [_truth(SIDE)["cadence_spm"], _truth(REAR)["cadence_spm"]]
    assert session.cadence.agree is True
    # Each within the worst single-clip cadence error of docs/accuracy.md (1.7 steps/min).
    for measured, expected in zip(session.cadence.values_spm, truth, strict=True):
        assert measured == pytest.approx(expected, abs=1.7)


@pytest.mark.integration
def test_pelvic_drop_finding_from_the_rear_clip_once(session_dir: Path):
    session = read_session(session_dir)
    keys = [(f.finding.id, f.finding.side) for f in session.findings]
    assert len(keys) == len(set(keys))
    drops = [f for f in session.findings if f.finding.id == "pelvic_drop"]
    assert drops, "the planted pelvic drop is a finding of the session"
    assert all(session.clips[f.clip].view == "rear" for f in drops)


@pytest.mark.integration
def test_report_shows_both_videos_and_key_frames(session_dir: Path):
    html = (session_dir / "session_report.html").read_text()
    for clip in read_session(session_dir).clips:
        video = f"{clip.folder}/annotated.mp4"
        assert f"src='{video}'" in html and (session_dir / video).is_file()
        frames = re.findall(rf"src='({re.escape(clip.folder)}/keyframe_[^']+\.png)'", html)
        assert frames and all((session_dir / f).is_file() for f in frames)
    assert "pelvic_drop_deg" in html and "synth_rear_pelvic_drop.mp4 (rear)" in html
    # The rear clip's picture of its pelvic-drop finding is shown with it.
    assert re.search(r"src='synth_rear_pelvic_drop/finding_0[12]_pelvic_drop\.png'", html)


@pytest.mark.integration
def test_stored_once_with_both_clips(session_dir: Path):
    with open_store(str(session_dir.parent / "store.sqlite")) as db:
        (stored,) = db.sessions("r1")
    assert stored.view == "side-left+rear"
    assert [c.status for c in stored.clips] == ["analysed", "analysed"]
    assert (
        stored.metric("pelvic_drop_deg").median
        == read_session(session_dir).metrics["pelvic_drop_deg"].median
    )


@pytest.mark.integration
def test_a_corrupt_clip_keeps_the_other(tmp_path: Path, cache: Path, capsys):
    bad = tmp_path / "rear.mp4"
    bad.write_bytes(b"\0" * 4096)
    out = tmp_path / "s"
    code = main(["analyze", str(SIDE), str(bad), "--out", str(out), "--cache-dir", str(cache),
                 "--no-video", "--no-keyframes", "--no-report", "--quiet"])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 4
    assert len(err) == 1 and err[0].startswith("gaitlab: error: rear.mp4: ")
    assert "the session keeps synth_side_normal.mp4" in err[0]
    session = read_session(out)
    assert session.status == "partial"
    assert [c.status for c in session.clips] == ["analysed", "failed"]
    assert session.clips[1].exit_code == 4
    assert (out / session.clips[0].folder / "result.json").is_file()
    assert any(m.startswith("rear.mp4 could not be analysed") for m in session.missing)


def test_the_same_clip_twice_is_a_usage_error(tmp_path: Path, capsys):
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(SIDE.read_bytes())
    code = main(["analyze", str(SIDE), str(copy), "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "are the same clip" in err[0]
    assert not (tmp_path / "s").exists()  # refused before any work


def test_view_option_with_several_clips_is_a_usage_error(tmp_path: Path, capsys):
    code = main(["analyze", str(SIDE), str(REAR), "--view", "side", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--view side names one clip's view" in err[0]
