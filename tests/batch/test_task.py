"""Keys, result folder names, and flattening a result into one row."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from gaitlab.batch.flatten import flatten_result, review_reasons
from gaitlab.batch.inputs import ClipInput
from gaitlab.batch.records import FileStore
from gaitlab.batch.row import ClipRow
from gaitlab.batch.task import ClipTask, result_folder_name, settings_dict, task_key
from gaitlab.pipeline import AnalysisRequest
from gaitlab.result import ResultDocument
from tests.store.factories import engine_findings, metric, result_dict

SHA = "ab" * 32


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.mp4",
        "/abs/path/clip.mp4",
        "..mp4",
        ".hidden.mov",
        "a/b\\c.mp4",
        "....",
        "",
        "跑步 side view (1).MOV",
        "x" * 300 + ".mp4",
        "con.mp4",
        "name with\nnewline\x00.mp4",
    ],
)
def test_result_folder_name_is_safe_and_stays_inside_the_output(tmp_path: Path, name: str):
    folder = result_folder_name(name, "k1")
    assert "/" not in folder and "\\" not in folder and "\x00" not in folder
    assert not folder.startswith(".")
    assert len(folder) <= 48 + 11
    root = tmp_path / "clips"
    assert (root / folder).resolve().parent == root.resolve()


def test_result_folder_name_keeps_readable_stem_and_separates_same_names():
    assert result_folder_name("runs/Anna_side-01.mp4", "k1").startswith("Anna_side-01-")
    assert result_folder_name("a/clip.mp4", "k1") != result_folder_name("b/clip.mp4", "k2")
    assert result_folder_name("跑步.mp4", "k").startswith("跑步-")


def test_key_follows_content_and_every_setting():
    base = settings_dict(AnalysisRequest(), "m" * 64)
    key = task_key(SHA, base)
    assert key == task_key(SHA, settings_dict(AnalysisRequest(), "m" * 64))
    assert key.startswith(SHA[:24])
    assert key != task_key("cd" * 32, base)
    assert key != task_key(SHA, settings_dict(AnalysisRequest(view="rear"), "m" * 64))
    assert key != task_key(SHA, settings_dict(AnalysisRequest(height_cm=180), "m" * 64))
    assert key != task_key(SHA, settings_dict(AnalysisRequest(), "n" * 64))


def test_task_and_row_pickle_and_round_trip(tmp_path: Path):
    task = ClipTask(
        key="k",
        sha256=SHA,
        clip=ClipInput(path=tmp_path / "a.mp4", runner_id="r1"),
        request=AnalysisRequest(view="side"),
        result_dir=str(tmp_path / "out"),
        result_rel="clips/a",
        store=FileStore(tmp_path / "records"),
    )
    assert pickle.loads(pickle.dumps(task)) == task
    row = ClipRow(key="k", sha256=SHA, status="ok", columns={"a_median": 1.5}, review=["x"])
    assert ClipRow.from_dict({**row.to_dict(), "added_later": 1}) == row


#: A real result with chosen numbers: four metrics, and the engine's verdict on a cadence of
#: 149.3 steps/min (below the 150 watch edge).
RESULT = result_dict(
    "2026-12-07T10:00:00+00:00",
    {
        "trunk_lean_deg": metric(7.25, 1.0, 12, "high"),
        "hip_extension_deg": metric(4.0, 1.0, 12, "low"),
        "pelvic_drop_deg": metric(None),
        "cadence_spm": metric(171.0, 2.0, 12, "medium", "spm"),
    },
    findings=engine_findings({"cadence_spm": 149.3}),
)


def test_flatten_takes_every_metric_in_result_order():
    doc = ResultDocument.from_dict(RESULT)
    row = flatten_result(doc)
    assert list(row)[:6] == [
        "width_px", "height_px", "rotation_deg", "n_frames", "duration_s", "capture_fps",
    ]  # fmt: skip
    assert row["detection_rate"] == doc.pose.detection_rate
    assert (row["view"], row["view_confidence"]) == ("side-left", doc.kinematics.view.confidence)
    metric_cols = [
        c for c in row if c.endswith(("_median", "_confidence")) and c != "view_confidence"
    ]
    assert metric_cols == [
        "trunk_lean_deg_median",
        "trunk_lean_deg_confidence",
        "hip_extension_deg_median",
        "hip_extension_deg_confidence",
        "pelvic_drop_deg_median",
        "pelvic_drop_deg_confidence",
        "cadence_spm_median",
        "cadence_spm_confidence",
    ]
    assert row["trunk_lean_deg_median"] == 7.25
    assert row["pelvic_drop_deg_median"] is None
    assert row["pelvic_drop_deg_confidence"] == "not_measurable"
    assert row["n_findings"] == 1
    assert row["findings"] == "low_cadence (watch)"


def test_flatten_of_a_result_without_kinematics_or_findings_has_quality_only():
    doc = ResultDocument.from_dict(result_dict("2026-12-07T10:00:00+00:00", None, findings=None))
    row = flatten_result(doc)
    assert "view" not in row and "n_findings" not in row
    assert not [c for c in row if c.endswith("_median")]
    assert row["n_frames"] == doc.clip.n_frames


def test_review_reasons():
    row = flatten_result(ResultDocument.from_dict(RESULT))
    reasons = review_reasons("ok", "", row)
    assert reasons == [
        "low confidence: hip_extension_deg",
        "findings: low_cadence (watch)",
    ]
    poor = {**row, "detection_rate": 0.5, "view_confidence": 0.3, "n_findings": 0}
    assert review_reasons("ok", "", poor)[:2] == [
        "pose found in only 50% of frames",
        "view uncertain (30%)",
    ]
    assert review_reasons("error", "bad.mp4: empty", {}) == ["failed: bad.mp4: empty"]
    assert review_reasons("ok", "", {"detection_rate": 1.0}) == []
