"""Result documents of known values for the session tests.

Each is the real synthetic runner's result (see tests/store/factories.py) with the view,
metric summaries, cadence and findings the test sets, so every expected number in a test
comes from its own inputs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from gaitlab.findings import evaluate_findings
from gaitlab.jsonsafe import to_json_ready
from gaitlab.kinematics.definitions import METRICS
from gaitlab.result import Finding, ResultDocument
from tests.findings.factories import context
from tests.findings.factories import metric as engine_metric
from tests.store.factories import engine_findings, metric, real_result, result_dict


def summary(name: str, median: float | None, confidence: str = "high", n: int = 10) -> dict:
    """A metric summary of ``name`` with its catalogue unit and view."""
    d = METRICS[name]
    return metric(median, confidence=confidence, n=n, unit=d.unit) | {"view": d.view}


def clip_result(
    view: str,
    medians: Mapping[str, float | None],
    *,
    cadence_spm: float | None = None,
    findings: Sequence[Finding] | None = None,
    confidence: Mapping[str, str] | None = None,
    clip: str = "run.mp4",
    running: bool = True,
) -> ResultDocument:
    """A result of ``view`` with these metric medians (None = not measurable).

    ``findings`` default to what the findings engine reports for the measurable medians.
    """
    conf = confidence or {}
    metrics = {n: summary(n, v, conf.get(n, "high")) for n, v in medians.items()}
    if findings is None:
        findings = engine_findings({n: v for n, v in medians.items() if v is not None})
    doc = ResultDocument.from_dict(
        result_dict("2026-12-07T10:00:00+00:00", metrics, view=view, clip=clip, findings=findings)
    )
    kin = doc.kinematics
    assert kin is not None
    kin = dataclasses.replace(
        kin,
        cadence=dataclasses.replace(kin.cadence, cadence_spm=cadence_spm),
        running=dataclasses.replace(kin.running, is_running=running),
    )
    return dataclasses.replace(doc, kinematics=kin)


def finding_ids(findings: Sequence[Any]) -> list[tuple[str, str | None]]:
    """(id, side) of each finding, in order."""
    return [(f.finding.id, f.finding.side) for f in findings]


def sided_findings(values: Mapping[str, tuple[float, float]]) -> tuple[Finding, ...]:
    """What the findings engine reports for metrics of these (left, right) medians."""
    report = evaluate_findings(
        {n: engine_metric(n, left=left, right=right) for n, (left, right) in values.items()},
        context(),
    )
    block = ResultDocument.from_dict(
        {**real_result().to_dict(), "findings": to_json_ready(report.to_dict())}
    ).findings
    assert block is not None
    return block.reported
