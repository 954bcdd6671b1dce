"""Result folders with known numbers, for the store's tests.

Each result is a real one: the document the pipeline writes for a synthetic stick runner
(no pose inference), with the numbers the store reads set by the test (creation time, clip,
view, metric summaries) and findings from the findings engine run on metrics of known value.
So every expected number in a test is computed from its own inputs, and every shape is the
engines'.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gaitlab.findings import evaluate_findings
from gaitlab.jsonsafe import to_json_ready
from gaitlab.result import Confidence, Finding, ResultDocument, read_result, result_json
from tests.findings.factories import context
from tests.findings.factories import metric as engine_metric
from tests.report.synthetic import synthetic_analysis

#: Files a fixture result folder holds besides result.json (as gaitlab analyze writes them).
EXTRA_FILES = ("pose_series.npz", "report.html", "report.pdf", "strides.csv")


#: A file holding the synthetic runner's result.json, so spawned workers need not recompute it.
TEMPLATE_ENV = "GAITLAB_TEST_RESULT_TEMPLATE"


@functools.cache
def real_result() -> ResultDocument:
    """The result document of the synthetic stick runner (computed once per test process)."""
    saved = os.environ.get(TEMPLATE_ENV)
    if saved and Path(saved).is_file():
        return read_result(saved)
    with tempfile.TemporaryDirectory() as tmp:
        return synthetic_analysis(Path(tmp)).to_document()


def save_template(path: Path) -> Path:
    """Write the synthetic runner's result.json to ``path`` (see :data:`TEMPLATE_ENV`)."""
    path.write_text(result_json(real_result()), encoding="utf-8")
    return path


def metric(
    median: float | None,
    iqr: float | None = 1.0,
    n: int = 10,
    confidence: str = "high",
    unit: str = "deg",
) -> dict[str, Any]:
    """What a metric's summary says (applied to the real result by :func:`result_dict`)."""
    measured = median is not None
    return {
        "unit": unit,
        "n": n if measured else 0,
        "median": median,
        "iqr": iqr if measured else None,
        "confidence": Confidence(confidence if measured else "not_measurable"),
        "reasons": () if measured else ("needs another view",),
    }


def engine_findings(metric_medians: Mapping[str, float]) -> tuple[Finding, ...]:
    """What the findings engine reports for metrics with these medians (high confidence)."""
    report = evaluate_findings(
        {name: engine_metric(name, median=v) for name, v in metric_medians.items()}, context()
    )
    block = ResultDocument.from_dict(
        {**real_result().to_dict(), "findings": to_json_ready(report.to_dict())}
    ).findings
    assert block is not None
    return block.reported


def result_dict(
    created_utc: str,
    metrics: Mapping[str, Mapping[str, Any]] | None,
    *,
    view: str = "side-left",
    clip: str = "run.mp4",
    sha256: str = "ab" * 32,
    findings: Sequence[Finding | Mapping[str, Any]] | None = (),
    n_frames: int | None = None,
    detection_rate: float | None = None,
) -> dict[str, Any]:
    """The real synthetic result with these values, as ``result.json`` holds it.

    ``metrics`` replace the result's metric block (name -> :func:`metric`; None: no
    kinematics block, as when that stage did not run); ``findings`` replace its reported
    findings (None: no findings block).
    """
    real = real_result()
    assert real.kinematics is not None and real.findings is not None
    template = next(iter(real.metrics.values()))
    kinematics = None
    if metrics is not None:
        summaries = {
            name: dataclasses.replace(template, name=name, values=(), **values)
            for name, values in metrics.items()
        }
        # A shorter clip keeps only the events inside it (event frames index the clip).
        last = real.pose.n_frames if n_frames is None else n_frames
        kinematics = dataclasses.replace(
            real.kinematics,
            view=dataclasses.replace(real.kinematics.view, view=view),
            metrics=summaries,
            events=tuple(e for e in real.kinematics.events if (e.frame or 0) < last),
        )
    block = None
    if findings is not None:
        reported = tuple(f if isinstance(f, Finding) else Finding.from_dict(f) for f in findings)
        block = dataclasses.replace(real.findings, findings=reported, more_findings=(), checks=())
    pose = real.pose
    if n_frames is not None or detection_rate is not None:
        pose = dataclasses.replace(
            pose,
            n_frames=pose.n_frames if n_frames is None else n_frames,
            detection_rate=pose.detection_rate if detection_rate is None else detection_rate,
        )
    doc = dataclasses.replace(
        real,
        created_utc=created_utc,
        clip=dataclasses.replace(
            real.clip,
            path=clip,
            sha256=sha256,
            n_frames=real.clip.n_frames if n_frames is None else n_frames,
        ),
        pose=pose,
        kinematics=kinematics,
        findings=block,
    )
    return doc.to_dict()


def write_result_folder(folder: Path, result: Mapping[str, Any]) -> dict[str, Path]:
    """Write ``result.json`` and a few small output files; return output name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"result": folder / "result.json", "series": folder / "pose_series.npz"}
    paths["result"].write_text(result_json(ResultDocument.from_dict(result)))
    for name in EXTRA_FILES:
        (folder / name).write_bytes(f"{folder.name}:{name}".encode())
        paths.setdefault(Path(name).stem + Path(name).suffix.replace(".", "_"), folder / name)
    return paths
