"""Corrections in a result folder: ``corrections.json``, re-analysis, labels export."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from gaitlab import __version__
from gaitlab.files import write_text_atomic
from gaitlab.kinematics.corrections import CorrectionError, Corrections
from gaitlab.pipeline import AnalysisRequest, ClipAnalysis, analyze_series, write_result
from gaitlab.report import ReportData, write_outputs
from gaitlab.result import RESULT_FILE, SERIES_FILE, ResultDocument, read_result, result_json
from gaitlab.series import PoseSeries

#: The reviewer's edits, beside result.json.
CORRECTIONS_FILE = "corrections.json"
CORRECTIONS_SCHEMA = "gaitlab.corrections"


def load_corrections(result_dir: str | Path) -> Corrections:
    """The saved corrections of a result folder (none when there is no file).

    Raises
    ------
    CorrectionError
        When ``corrections.json`` is there but unreadable.
    """
    path = Path(result_dir) / CORRECTIONS_FILE
    if not path.is_file():
        return Corrections()
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorrectionError(f"{path}: not readable ({exc})") from None
    if not isinstance(doc, dict) or doc.get("schema") != CORRECTIONS_SCHEMA:
        raise CorrectionError(f"{path}: not a gaitlab corrections file")
    return Corrections.from_dict(doc)


def save_corrections(result_dir: str | Path, corrections: Corrections) -> Path:
    """Write ``corrections.json`` (atomically) and return its path."""
    doc = {
        "schema": CORRECTIONS_SCHEMA,
        "schema_version": 1,
        "gaitlab_version": __version__,
        **corrections.to_dict(),
    }
    return write_text_atomic(Path(result_dir) / CORRECTIONS_FILE, json.dumps(doc, indent=2))


def read_saved_result(result_dir: Path) -> tuple[ResultDocument, PoseSeries]:
    """A result folder's checked result document and its pose series.

    Raises
    ------
    gaitlab.result.ResultFolderError, gaitlab.series.SeriesFileError
        When either is missing or unreadable (exit code 4).
    """
    result = read_result(result_dir)
    series_name = result.pose.series_file or SERIES_FILE
    return result, PoseSeries.load(result_dir / series_name)


def apply_corrections(
    result_dir: str | Path,
    corrections: Corrections,
    *,
    keyframes: bool = True,
    reports: bool = True,
    clip_path: str | Path | None = None,
) -> ClipAnalysis:
    """Re-analyse a result folder's saved pose series with ``corrections`` and rewrite it.

    Kinematics and findings are recomputed from ``pose_series.npz`` with the recorded view
    and height (no pose inference); result.json, the plots, exports and (with ``reports``)
    the HTML/PDF reports are rewritten, key frames redrawn when the clip is still where it
    was (else kept), and the annotated video kept as it is (its event marks are the
    machine's; ``gaitlab report --video`` redraws it). The edits are saved in
    ``corrections.json`` only once they applied, so a bad edit leaves the folder unchanged.

    Raises
    ------
    CorrectionError
        When an edit does not fit the detected events (exit code 2).
    ResultFolderError, gaitlab.series.SeriesFileError
        When the folder has no readable result or pose series (exit code 4).
    """
    out = Path(result_dir)
    result, series = read_saved_result(out)
    request = AnalysisRequest(
        view=result.request.view or "auto",
        height_cm=result.request.height_cm,
        corrections=corrections,
    )
    analysis = analyze_series(series, request)
    write_result(analysis, out)
    # The session happened when the clip was analysed: keep that date (history and trends
    # order sessions by it) and say when it was corrected.
    fixed = read_result(out)
    fixed = dataclasses.replace(
        fixed,
        created_utc=result.created_utc or fixed.created_utc,
        extra={**fixed.extra, "corrected_utc": fixed.created_utc},
    )
    write_text_atomic(out / RESULT_FILE, result_json(fixed))
    write_outputs(
        ReportData.from_analysis(analysis), out, video=False, keyframes=keyframes,
        reports=reports, clip_path=clip_path,
    )  # fmt: skip
    save_corrections(out, corrections)
    return analysis


def labels_document(result: ResultDocument, corrections: Corrections) -> dict[str, Any]:
    """The result's events in the labels format of ``benchmarks/labels/<clip>.json``.

    ``sure`` is true for the events the reviewer placed (moved or added) and false for
    those left as detected: a reviewer who did not touch an event has not said it is right.

    Parameters
    ----------
    result
        The result document after the corrections were applied.
    corrections
        The edits it includes.
    """
    placed = corrections.placed()
    events = sorted(
        (e for e in result.events if e.frame is not None), key=lambda e: int(e.frame or 0)
    )

    def of(kind: str) -> list[dict[str, Any]]:
        return [
            {"frame": int(e.frame or 0), "side": e.side,
             "sure": (e.side, kind, int(e.frame or 0)) in placed}
            for e in events
            if e.kind == kind
        ]  # fmt: skip

    return {
        "clip": Path(result.clip.path).name,
        "sha256": result.clip.sha256 or None,
        "frame_count": result.clip.n_frames,
        "fps": result.clip.capture_fps,
        "foot_strikes": of("foot_strike"),
        "toe_offs": of("toe_off"),
        "source": f"gaitlab {__version__} events, {corrections.summary() or 'not corrected'}",
    }
