"""result.json read back: a newer schema is refused, a wrong shape is not a readable result."""

from __future__ import annotations

import copy
import json

import pytest

from gaitlab.result import RESULT_SCHEMA_VERSION, ResultFolderError, check_result


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> dict:
    """The result.json of a synthetic analysis, as the pipeline writes it."""
    from gaitlab.jsonsafe import to_json_ready
    from tests.report.synthetic import synthetic_analysis

    analysis = synthetic_analysis(tmp_path_factory.mktemp("r"))
    return json.loads(json.dumps(to_json_ready(analysis.to_dict()), allow_nan=False))


def test_what_the_pipeline_writes_is_readable(result: dict):
    assert check_result(result) == result
    assert result["schema_version"] == RESULT_SCHEMA_VERSION


def test_a_newer_schema_is_refused_with_what_to_do(result: dict):
    newer = {**result, "schema_version": RESULT_SCHEMA_VERSION + 1}
    with pytest.raises(ResultFolderError, match="written by a newer gaitlab") as exc:
        check_result(newer, "r/result.json")
    assert exc.value.message.endswith("update gaitlab to read it") and exc.value.exit_code == 4


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r["clip"].pop("width_px"), "clip.width_px is missing"),
        (lambda r: r["clip"].update(width_px=12.5), "clip.width_px must be a whole number >= 1"),
        (lambda r: r["pose"].update(detection_rate=True), "pose.detection_rate must be a number"),
        (lambda r: r["kinematics"]["strides"][0].update(side="middle"),
         "kinematics.strides[0].side must be one of left, right, got the text 'middle'"),
        (lambda r: r["kinematics"]["events"][0].update(time_s=None),
         "kinematics.events[0].time_s must be a number, got null"),
        (lambda r: r["kinematics"].update(metrics=[]), "kinematics.metrics must be an object"),
        (lambda r: r.update(findings="none"), "findings must be an object, got the text"),
        (lambda r: r["findings"].update(findings={}), "findings.findings must be a list"),
    ],
)  # fmt: skip
def test_a_wrong_shape_names_the_first_bad_field(result: dict, edit, message):
    doc = copy.deepcopy(result)
    edit(doc)
    with pytest.raises(ResultFolderError) as exc:
        check_result(doc, "result.json")
    assert exc.value.message.startswith("result.json: not a readable result (")
    assert message in exc.value.message


def test_an_older_schema_is_refused_with_what_to_do(result: dict):
    older = {**result, "schema_version": RESULT_SCHEMA_VERSION - 1}
    with pytest.raises(ResultFolderError, match="written by an older gaitlab") as exc:
        check_result(older, "r/result.json")
    assert exc.value.message.endswith("analyse the clip again") and exc.value.exit_code == 4


@pytest.mark.parametrize("severity", ["medium", "severe", "info", "WATCH", ""])
def test_a_severity_outside_the_vocabulary_is_not_readable(result: dict, severity: str):
    doc = copy.deepcopy(result)
    finding = (doc["findings"]["findings"] or doc["findings"]["checks"])[0]
    finding["severity"] = severity
    with pytest.raises(ResultFolderError, match="severity must be one of watch, high"):
        check_result(doc, "result.json")
