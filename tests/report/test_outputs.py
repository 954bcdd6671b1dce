"""write_outputs / rebuild_reports on a synthetic run, and the findings adapter."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import av
import pytest

from gaitlab.findings import load_knowledge_base
from gaitlab.report import ReportData, ResultFolderError, findings_view, rebuild_reports
from gaitlab.report.data import DEFAULT_SAFETY
from gaitlab.report.frames import keyframe_specs
from gaitlab.result import read_result

EXPECTED = {
    "result", "series", "kinematics_series", "video", "frames_csv", "strides_csv", "trc", "mot",
    "html", "pdf", "plot_angles", "plot_per_stride", "plot_left_right", "plot_gait_cycle",
    "keyframe_left_foot_strike", "keyframe_left_midstance", "keyframe_left_toe_off",
    "keyframe_right_foot_strike", "keyframe_right_midstance", "keyframe_right_toe_off",
    "finding_01_overstride", "outputs",
}  # fmt: skip


def test_all_outputs_are_written(synthetic_outputs: dict[str, Path]) -> None:
    assert set(synthetic_outputs) == EXPECTED
    for name, path in synthetic_outputs.items():
        assert path.is_file() and path.stat().st_size > 0, name
    assert not list(synthetic_outputs["result"].parent.glob("*.tmp"))
    assert not list(synthetic_outputs["result"].parent.glob("*.part.mp4"))


def test_video_is_h264_yuv420p_with_every_frame(synthetic_outputs: dict[str, Path]) -> None:
    result = json.loads(synthetic_outputs["result"].read_text())
    with av.open(str(synthetic_outputs["video"])) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        assert s.width % 2 == 0 and s.height % 2 == 0
        assert max(s.width, s.height) <= 960
        times = [float(f.pts * f.time_base) for f in c.decode(s)]
    assert len(times) == result["pose"]["n_frames"]
    assert times[1] - times[0] == pytest.approx(1 / 30, abs=1e-3)


def test_result_json_carries_kinematics_and_findings(synthetic_outputs: dict[str, Path]) -> None:
    result = json.loads(synthetic_outputs["result"].read_text())
    assert result["kinematics"]["running"]["is_running"]
    # The stick runner lands 0.33 m ahead of the hip: the engine reports overstriding.
    assert [f["id"] for f in result["findings"]["findings"]] == ["overstride"]


def test_html_is_self_contained_and_escaped(synthetic_outputs: dict[str, Path]) -> None:
    html = synthetic_outputs["html"].read_text()
    assert "Overstriding" in html
    assert "The foot lands &lt;far&gt; ahead of the hips &amp; the shin" in html
    # Citations resolved to the articles' short names.
    assert "Running without pain: exercises for post-run hip relief" in html
    assert "See a professional" in html
    for external in ("http://", "https://", "<script", "<link", "@import"):
        assert external not in html
    assert 'src="data:image/jpeg;base64,' in html and 'src="data:image/png;base64,' in html
    assert 'src="annotated.mp4"' in html


def test_keyframes_follow_the_strides(synthetic_outputs: dict[str, Path]) -> None:
    data = ReportData.from_result_dir(synthetic_outputs["result"].parent)
    specs = {s.name: s for s in keyframe_specs(data)}
    for side in ("left", "right"):
        fs, mid, to = (
            specs[f"keyframe_{side}_{k}"].frame for k in ("foot_strike", "midstance", "toe_off")
        )
        assert fs <= mid <= to
        ev = {(e.kind, e.frame) for e in data.events if e.side == side}
        assert ("foot_strike", fs) in ev and ("toe_off", to) in ev
    # The finding's frame is a foot strike of its leg (the shank angle is read at strike).
    (finding,) = data.findings.findings
    f = specs["finding_01_overstride"]
    events = {(e.side, e.kind, e.frame) for e in data.events}
    assert (finding.side, "foot_strike", f.frame) in events


def test_rebuild_reports_without_pose(synthetic_outputs: dict[str, Path], tmp_path: Path) -> None:
    src = synthetic_outputs["result"].parent
    out = tmp_path / "copy"
    shutil.copytree(src, out)
    for p in ("report.html", "report.pdf", "frames.csv"):
        (out / p).unlink()
    paths = rebuild_reports(out)
    assert {"html", "pdf", "frames_csv", "keyframe_left_toe_off"} <= set(paths)
    assert (out / "frames.csv").read_text() == (src / "frames.csv").read_text()
    assert "Overstriding" in (out / "report.html").read_text()


def test_rebuild_when_the_clip_moved(
    synthetic_outputs: dict[str, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    src = synthetic_outputs["result"].parent
    out = tmp_path / "copy"
    shutil.copytree(src, out)
    result = json.loads((out / "result.json").read_text())
    series_clip = ReportData.from_result_dir(out).series.video.path
    moved = tmp_path / "elsewhere.mp4"
    shutil.copy(series_clip, moved)
    # Point the saved series at a path that does not exist.
    from dataclasses import replace

    data = ReportData.from_result_dir(out)
    replace(data.series, video=replace(data.series.video, path=str(tmp_path / "gone.mp4"))).save(
        out / "pose_series.npz"
    )
    with caplog.at_level(logging.WARNING):
        paths = rebuild_reports(out)
    assert "no longer at" in caplog.text
    assert "keyframe_left_toe_off" in paths  # reused from the folder
    assert "no longer at" in (out / "report.html").read_text()
    # With the clip's new path the frames are redrawn.
    (out / "keyframe_left_toe_off.png").unlink()
    paths = rebuild_reports(out, clip_path=moved)
    assert paths["keyframe_left_toe_off"].is_file()
    assert result["schema"] == "gaitlab.result"


def test_rebuild_recomputes_missing_kinematics(
    synthetic_outputs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "bare"
    out.mkdir()
    src = synthetic_outputs["result"].parent
    result = json.loads((src / "result.json").read_text())
    kin = result.pop("kinematics")
    (out / "result.json").write_text(json.dumps(result))
    shutil.copy(src / "pose_series.npz", out / "pose_series.npz")
    data = ReportData.from_result_dir(out)
    assert data.kinematics is not None
    assert len(data.kinematics.strides) == len(kin["strides"])
    for got, want in zip(data.kinematics.strides, kin["strides"], strict=True):
        # The saved pose series is float32, so events move by far less than a frame.
        assert got.foot_strike_s == pytest.approx(want["foot_strike_s"], abs=1e-4)
    assert data.notes == ("kinematics recomputed from the saved pose series",)


def test_missing_result_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ResultFolderError, match="gaitlab analyze"):
        rebuild_reports(tmp_path)


def test_findings_view_resolves_the_articles(synthetic_outputs: dict[str, Path]) -> None:
    kb = load_knowledge_base()
    empty = findings_view(None)
    assert not empty.available and [t for t, _ in empty.safety] == list(DEFAULT_SAFETY)
    block = findings_view(read_result(synthetic_outputs["result"]).findings)
    (f,) = block.findings
    # Each article key the finding cites is printed as that article's short name.
    assert f.sources[:2] == ("shop", "therapist")
    assert block.cite(f.sources[:2]) == "; ".join(
        kb.articles[k].short_name for k in ("shop", "therapist")
    )
    assert [t for t, _ in block.safety] == [f"{a.title}: {a.text}" for a in kb.safety]


def test_manifest_lists_every_output_written(synthetic_outputs: dict[str, Path]) -> None:
    folder = synthetic_outputs["result"].parent
    manifest = json.loads((folder / "outputs.json").read_text())
    assert manifest["schema"] == "gaitlab.outputs"
    listed = {k: p.name for k, p in sorted(synthetic_outputs.items()) if k != "outputs"}
    assert manifest["files"] == listed  # every output but the manifest itself


def test_a_new_analysis_removes_only_the_earlier_outputs_gaitlab_wrote(
    synthetic_outputs: dict[str, Path], tmp_path: Path
) -> None:
    from gaitlab.report.outputs import read_outputs_manifest, record_outputs

    folder = tmp_path / "out"
    shutil.copytree(synthetic_outputs["result"].parent, folder)
    (folder / "my_notes.txt").write_text("mine")
    (folder / "keyframe_mine.png").write_bytes(b"mine too")  # a look-alike gaitlab never wrote
    previous = read_outputs_manifest(folder)
    before = {p.name for p in folder.iterdir()}
    kept = {k: folder / v for k, v in previous.items() if k in ("result", "series", "html")}
    assert "outputs" not in previous
    removed = record_outputs(folder, kept, previous)
    assert {p.name for p in removed} == set(previous.values()) - {
        "result.json",
        "pose_series.npz",
        "report.html",
    }
    # Everything else stays: the user's files, and any file the manifest does not name.
    assert {p.name for p in folder.iterdir()} == before - {p.name for p in removed}
    assert {"keyframe_mine.png", "my_notes.txt", "result.json", "report.html"} <= before
    assert read_outputs_manifest(folder) == {k: p.name for k, p in kept.items()}


def test_a_tampered_manifest_names_nothing_outside_the_folder(tmp_path: Path) -> None:
    from gaitlab.report.outputs import read_outputs_manifest, record_outputs

    (tmp_path / "keep.txt").write_text("precious")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "outputs.json").write_text(
        json.dumps({"schema": "gaitlab.outputs", "files": {"a": "../keep.txt", "b": ".x"}})
    )
    previous = read_outputs_manifest(tmp_path / "out")
    assert previous == {}
    assert record_outputs(tmp_path / "out", {}, previous) == []
    assert (tmp_path / "keep.txt").read_text() == "precious"


def test_rebuild_with_no_keyframes_keeps_and_shows_them(
    synthetic_outputs: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "res"
    shutil.copytree(synthetic_outputs["result"].parent, folder)
    before = {p.name for p in folder.iterdir()}
    images_before = (folder / "report.html").read_text().count('src="data:image/')
    paths = rebuild_reports(folder, keyframes=False)
    assert {p.name for p in folder.iterdir()} == before  # nothing removed, nothing new
    assert "keyframe_left_toe_off" in paths and "video" in paths
    # The key frames are still in the rebuilt report (its images are inline).
    assert (folder / "report.html").read_text().count('src="data:image/') == images_before
