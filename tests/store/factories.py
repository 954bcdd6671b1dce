"""Small ``result.json`` folders with known numbers, for the store's tests.

Only the parts of a result the store reads are filled in; the values are chosen by the test,
so every expected number in a test is computed from its own inputs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Files a fixture result folder holds besides result.json (as gaitlab analyze writes them).
EXTRA_FILES = ("pose_series.npz", "report.html", "report.pdf", "strides.csv")


def metric(
    median: float | None,
    iqr: float | None = 1.0,
    n: int = 10,
    confidence: str = "high",
    unit: str = "deg",
) -> dict[str, Any]:
    """One metric block of ``kinematics.metrics``."""
    return {
        "unit": unit,
        "n": n if median is not None else 0,
        "median": median,
        "iqr": iqr if median is not None else None,
        "confidence": confidence if median is not None else "not_measurable",
        "reasons": [] if median is not None else ["needs another view"],
    }


def result_dict(
    created_utc: str,
    metrics: Mapping[str, dict[str, Any]],
    *,
    view: str = "side-left",
    clip: str = "run.mp4",
    sha256: str = "ab" * 32,
    findings: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A minimal gaitlab result."""
    return {
        "schema": "gaitlab.result",
        "schema_version": 1,
        "gaitlab_version": "0.1.0",
        "created_utc": created_utc,
        "request": {"view": "auto", "height_cm": None, "slowmo_factor": 1.0, "model": "full"},
        "clip": {"path": clip, "sha256": sha256},
        "pose": {"model": {"name": "full", "sha256": "cd" * 32}, "series_file": "pose_series.npz"},
        "kinematics": {
            "view": {"view": view},
            "metrics": dict(metrics),
            "settings": {"filter_hz": 8.0},
        },
        "findings": {"status": "findings", "findings": findings or [], "more_findings": []},
    }


def write_result_folder(folder: Path, result: Mapping[str, Any]) -> dict[str, Path]:
    """Write ``result.json`` and a few small output files; return output name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"result": folder / "result.json", "series": folder / "pose_series.npz"}
    paths["result"].write_text(json.dumps(result, indent=1))
    for name in EXTRA_FILES:
        (folder / name).write_bytes(f"{folder.name}:{name}".encode())
        paths.setdefault(Path(name).stem + Path(name).suffix.replace(".", "_"), folder / name)
    return paths
