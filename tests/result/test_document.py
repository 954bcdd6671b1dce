"""The typed result document: it reads what the pipeline writes and writes it back unchanged."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from gaitlab.findings import load_knowledge_base
from gaitlab.findings.knowledge import Band, Edge
from gaitlab.kinematics.definitions import METRICS
from gaitlab.pipeline import AnalysisRequest, analyze_clip, write_result
from gaitlab.result import (
    RESULT_FILE,
    Confidence,
    ResultDocument,
    ResultFolderError,
    Severity,
    Unit,
    parse_result,
    read_result,
    result_json,
)
from tests.report.synthetic import synthetic_analysis

SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"


@pytest.fixture(scope="module")
def synthetic_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the pipeline writes for a synthetic stick runner (no pose inference)."""
    base = tmp_path_factory.mktemp("synthetic")
    out = base / "out"
    write_result(synthetic_analysis(base), out)
    return out


def test_reading_and_writing_back_changes_no_byte(synthetic_folder: Path):
    text = (synthetic_folder / RESULT_FILE).read_text(encoding="utf-8")
    assert result_json(read_result(synthetic_folder)) == text


def test_the_blocks_are_typed(synthetic_folder: Path):
    doc = read_result(synthetic_folder)
    # The stick runner overstrides by construction: its one finding is a real engine output.
    assert doc.findings is not None and doc.findings.status == "findings"
    (finding,) = doc.findings.findings
    assert finding.id == "overstride"
    assert finding.severity is Severity.WATCH and finding.confidence is Confidence.HIGH
    assert all(isinstance(m.confidence, Confidence) for m in doc.metrics.values())
    assert doc.view == "side-right" and doc.kinematics is not None
    assert doc.kinematics.view.is_side and not doc.kinematics.view.is_frontal
    # Strides and events are the kinematics stage's: each stride starts at a foot strike.
    strikes = {(e.side, e.time_s) for e in doc.events if e.kind == "foot_strike"}
    assert doc.strides and all((s.side, s.foot_strike_s) in strikes for s in doc.strides)


def test_keys_a_block_does_not_model_are_kept(synthetic_folder: Path):
    data = json.loads((synthetic_folder / RESULT_FILE).read_text(encoding="utf-8"))
    data["clip"]["lens"] = "wide"
    data["kinematics"]["metrics"]["cadence_spm"]["trend"] = [1, 2]
    doc = parse_result(data)
    assert doc.clip.extra == {"lens": "wide"}
    assert doc.to_dict() == data


def test_a_folder_without_a_result_says_what_to_run(tmp_path: Path):
    with pytest.raises(ResultFolderError, match=r"no result\.json here; run `gaitlab analyze"):
        read_result(tmp_path)
    (tmp_path / RESULT_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ResultFolderError, match="not a readable result"):
        read_result(tmp_path)


def test_the_vocabularies_are_the_engines():
    # A finding's severity is the band edge it lies beyond: the knowledge base's edges.
    edges = {f.name for f in dataclasses.fields(Band) if f.type in ("Edge", Edge)}
    assert edges == {s.value for s in Severity}
    kb = load_knowledge_base()
    assert {r.max_severity for r in kb.findings} <= edges
    # Every metric's unit has a display form (no metric falls back to its raw name).
    assert {m.unit for m in METRICS.values()} <= {u.value for u in Unit}
    assert Unit("pct_leg").label == "% leg length" and Unit("deg").suffix == "°"


@pytest.mark.integration
@pytest.mark.parametrize("name", ["synth_side_normal", "synth_rear_normal"])
def test_a_sample_clip_result_round_trips(name: str, tmp_path: Path):
    analysis = analyze_clip(SAMPLES / f"{name}.mp4", AnalysisRequest(), cache_dir=tmp_path)
    path = write_result(analysis, tmp_path / "out")
    text = path.read_text(encoding="utf-8")
    doc = read_result(path)
    assert isinstance(doc, ResultDocument)
    assert result_json(doc) == text
    assert doc.pose.n_frames == analysis.series.n_frames
    assert len(doc.strides) == len(analysis.kinematics.strides)
    cues = doc.kinematics.pelvis_cues
    if name.startswith("synth_rear"):
        # The rear sample's tucked red/navy waistband moves with its hips' outline.
        assert cues is not None and cues.both_frames > 0 and not cues.silhouette_measures
        assert cues.median_difference_deg < cues.max_difference_deg
    else:
        assert cues is None


REPO = SAMPLES.parent


def _sources(*roots: str) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        path = REPO / root
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def test_no_reader_indexes_the_result_by_hand():
    # The document is read through gaitlab.result's dataclasses, nowhere else by key.
    offenders = [
        str(p.relative_to(REPO))
        for p in _sources("gaitlab", "app.py")
        if "result" not in p.relative_to(REPO).parts[1:2] and 'result["' in p.read_text()
    ]
    assert offenders == []


def test_no_severity_outside_the_vocabulary_is_named():
    # Spelled in two parts so that this test does not name it either.
    retired = "mod" + "erate"
    roots = ("gaitlab", "app.py", "tests")
    files = _sources(*roots) + sorted((REPO / "gaitlab").rglob("*.j2"))
    assert [str(p.relative_to(REPO)) for p in files if retired in p.read_text().lower()] == []
