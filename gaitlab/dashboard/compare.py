"""The dashboard's session comparison: reading an uploaded result and the table's rows.

The comparison itself (thresholds, verdicts) is :mod:`gaitlab.findings.change`.
"""

from __future__ import annotations

import json

from gaitlab.findings.change import MetricChange
from gaitlab.report.content import fmt_value
from gaitlab.result import ResultDocument, ResultFolderError
from gaitlab.result import parse_result as parse_document


class NotAResult(ValueError):
    """The file is not a gaitlab ``result.json``."""


def parse_result(content: bytes | str, name: str = "file") -> ResultDocument:
    """Read an uploaded ``result.json``.

    Raises
    ------
    NotAResult
        With a one-line message when it is not JSON, not a gaitlab result this gaitlab can
        read (another schema version, a wrong shape), or a result without metrics.
    """
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise NotAResult(f"{name} is not a JSON file: pick a gaitlab result.json") from None
    try:
        document = parse_document(data, name)
    except ResultFolderError as exc:
        raise NotAResult(exc.message) from None
    if not document.metrics:
        raise NotAResult(f"{name} has no measured metrics (the analysis found no strides)")
    return document


def change_rows(changes: list[MetricChange]) -> list[dict[str, str]]:
    """The comparison as table rows of text (values with units)."""
    rows = []
    for c in changes:
        sign = "+" if c.delta is not None and c.delta > 0 else ""
        rows.append(
            {
                "metric": c.metric,
                "before": fmt_value(c.before, c.unit),
                "after": fmt_value(c.after, c.unit),
                "change": f"{sign}{fmt_value(c.delta, c.unit)}" if c.delta is not None else "–",
                "counts when over": fmt_value(c.threshold, c.unit)
                if c.threshold is not None
                else "–",
                "basis": c.basis,
                "verdict": c.verdict,
                "note": c.note,
            }
        )
    return rows
