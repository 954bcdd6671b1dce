"""The result document: ``result.json`` typed, checked and read in one place.

- :mod:`gaitlab.result.vocab`: the vocabularies (severity, confidence, units and their display
  forms) and the result folder's file names, each defined once;
- :mod:`gaitlab.result.schema`: the shape check of a parsed file (:func:`check_result`) and
  :class:`ResultFolderError` (exit code 4);
- :mod:`gaitlab.result.document`: :class:`ResultDocument` (request, clip, pose) and
  :mod:`gaitlab.result.kinematics`, :mod:`gaitlab.result.findings`: its other blocks, all
  frozen dataclasses on :class:`gaitlab.result.block.Block`.

The pipeline writes a :class:`ResultDocument`; reports, dashboard, batch, store and the CLI
read one with :func:`read_result` (a folder's file) or :func:`parse_result` (a parsed object).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gaitlab.result.document import (
    Clip,
    People,
    PoseModel,
    PoseSummary,
    Request,
    ResultDocument,
)
from gaitlab.result.findings import (
    Advice,
    Article,
    Assessment,
    Band,
    Cue,
    Edge,
    Evidence,
    Exercise,
    Finding,
    Findings,
    GuideItem,
    KeyFrame,
    Reference,
)
from gaitlab.result.kinematics import (
    NO_KINEMATICS,
    Cadence,
    Cleaning,
    Event,
    EventDetection,
    Kinematics,
    MetricSummary,
    MetricValue,
    Running,
    Stride,
    View,
)
from gaitlab.result.schema import (
    RESULT_SCHEMA,
    RESULT_SCHEMA_VERSION,
    ResultFolderError,
    check_result,
)
from gaitlab.result.vocab import (
    KINEMATICS_SERIES_FILE,
    RESULT_FILE,
    SERIES_FILE,
    Confidence,
    Severity,
    Unit,
    unit_label,
    unit_short,
    unit_suffix,
)


def parse_result(document: Any, source: str | Path = RESULT_FILE) -> ResultDocument:
    """A parsed ``result.json`` as a :class:`ResultDocument`, once its shape is checked.

    Raises
    ------
    ResultFolderError
        As :func:`check_result`: not a result, another schema version, a wrong shape.
    """
    return ResultDocument.from_dict(check_result(document, source))


def read_result(path: str | Path) -> ResultDocument:
    """Read ``path`` (a result folder or its ``result.json``).

    Raises
    ------
    ResultFolderError
        No such file, not JSON, not a result, another schema version or a wrong shape: the
        message says which, in one line.
    """
    path = Path(path)
    if path.is_dir():
        folder, path = path, path / RESULT_FILE
        if not path.is_file():
            raise ResultFolderError(
                f"{folder}: no {RESULT_FILE} here; run `gaitlab analyze CLIP --out {folder}` first"
            )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultFolderError(f"{path}: not a readable result ({exc})") from None
    return parse_result(document, path)


def result_json(document: ResultDocument | Mapping[str, Any]) -> str:
    """The text of ``result.json``: indented, no NaN (JSON has none: missing is null)."""
    data = document.to_dict() if isinstance(document, ResultDocument) else document
    return json.dumps(data, indent=2, allow_nan=False)


__all__ = [
    "KINEMATICS_SERIES_FILE",
    "NO_KINEMATICS",
    "RESULT_FILE",
    "RESULT_SCHEMA",
    "RESULT_SCHEMA_VERSION",
    "SERIES_FILE",
    "Advice",
    "Article",
    "Assessment",
    "Band",
    "Cadence",
    "Cleaning",
    "Clip",
    "Confidence",
    "Cue",
    "Edge",
    "Event",
    "EventDetection",
    "Evidence",
    "Exercise",
    "Finding",
    "Findings",
    "GuideItem",
    "KeyFrame",
    "Kinematics",
    "MetricSummary",
    "MetricValue",
    "People",
    "PoseModel",
    "PoseSummary",
    "Reference",
    "Request",
    "ResultDocument",
    "ResultFolderError",
    "Running",
    "Severity",
    "Stride",
    "Unit",
    "View",
    "check_result",
    "parse_result",
    "read_result",
    "result_json",
    "unit_label",
    "unit_short",
    "unit_suffix",
]
