"""What the store holds, as plain frozen dataclasses, and how a ``result.json`` maps onto them.

:func:`session_from_result` is pure (a result document in, a :class:`SessionRecord` out); reading
the folder and hashing its files is :func:`read_session_folder`'s job.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gaitlab.hashing import file_sha256
from gaitlab.result import RESULT_FILE, SERIES_FILE, ResultDocument, ResultFolderError, read_result
from gaitlab.store.errors import StoreError

#: Blocks of ``result.json``'s findings stored per session, in rank order.


@dataclass(frozen=True)
class Runner:
    """A runner: who the sessions belong to.

    Attributes
    ----------
    code
        The identity the user gives (``--runner``, the manifest's runner column).
    height_cm
        Height in cm, when known.
    notes
        Free text.
    created_utc
        When the runner was first recorded.
    id
        Database key (None before insertion).
    """

    code: str
    height_cm: float | None = None
    notes: str = ""
    created_utc: datetime | None = None
    id: int | None = None


@dataclass(frozen=True)
class MetricSummary:
    """One metric of one session: the median over strides and its spread.

    Attributes
    ----------
    metric, unit
        Name and unit as in ``result.json`` (``hip_extension_deg``, ``deg``).
    median
        Median over strides (None when not measurable).
    spread_iqr
        Interquartile range over strides, in ``unit`` (None when unknown).
    n_strides
        Strides (or events) the median is taken over.
    confidence
        ``high``, ``medium``, ``low`` or ``not_measurable``.
    """

    metric: str
    unit: str
    median: float | None
    spread_iqr: float | None
    n_strides: int
    confidence: str


@dataclass(frozen=True)
class FindingSummary:
    """One finding of one session (the full text stays in ``result.json``).

    Attributes
    ----------
    rank
        1 = most important.
    finding_id, title, severity
        From the findings rules (``low_cadence``, ``Low cadence``, ``watch``).
    metric, value, unit, side, confidence
        The measurement that triggered it.
    """

    rank: int
    finding_id: str
    title: str
    severity: str
    metric: str | None = None
    value: float | None = None
    unit: str | None = None
    side: str | None = None
    confidence: str | None = None


@dataclass(frozen=True)
class SessionClipRecord:
    """One clip of a session of several clips (a side and a rear view of one run).

    Attributes
    ----------
    position
        Order the clips were given in (0 first).
    clip_path, clip_sha256, view
        The clip, its hash ("" when unreadable) and the view its metrics follow.
    status, error
        ``analysed`` or ``failed``, and why it failed.
    result_dir
        Absolute path of its own result folder (None when it failed).
    files
        The files gaitlab wrote there: output name -> file name.
    """

    position: int
    clip_path: str
    clip_sha256: str
    view: str
    status: str
    error: str = ""
    result_dir: str | None = None
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionRecord:
    """One analysed clip of one runner.

    Attributes
    ----------
    runner
        The runner's code.
    recorded_utc
        When the result was made (``result.json``'s ``created_utc``), timezone-aware.
    clip_path, clip_sha256
        The clip as analysed and the SHA-256 of its bytes.
    view
        The view analysed (``side-left``, ``rear``, ...).
    settings
        The analysis settings (request, pose model, kinematics settings), JSON-ready.
    gaitlab_version
        Version that made the result.
    result_dir
        Absolute path of the result folder.
    result_sha256
        SHA-256 of ``result.json`` when recorded.
    pose_series_path, pose_series_sha256
        The pose series file and its hash (None when absent).
    files
        Every file gaitlab wrote for this session: output name -> file name in ``result_dir``.
    physio_notes
        Free text.
    metrics, findings
        Per-metric summaries (result order) and findings (rank order).
    clips
        The clips of a session of several clips (empty for one clip: ``clip_path``).
    id
        Database key (None before insertion).
    """

    runner: str
    recorded_utc: datetime
    clip_path: str
    clip_sha256: str
    view: str
    settings: dict[str, Any]
    gaitlab_version: str
    result_dir: str
    result_sha256: str
    pose_series_path: str | None = None
    pose_series_sha256: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    physio_notes: str = ""
    metrics: tuple[MetricSummary, ...] = ()
    findings: tuple[FindingSummary, ...] = ()
    clips: tuple[SessionClipRecord, ...] = ()
    id: int | None = None

    def metric(self, name: str) -> MetricSummary | None:
        """The summary of metric ``name``, or None."""
        return next((m for m in self.metrics if m.metric == name), None)

    @property
    def result_path(self) -> Path:
        """Path of the session's ``result.json``."""
        return Path(self.result_dir) / self.files.get("result", RESULT_FILE)


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    f = float(value)
    return f if f == f and abs(f) != float("inf") else None


def parse_utc(text: str | None) -> datetime:
    """An ISO time as a timezone-aware UTC datetime (naive times are taken as UTC)."""
    if not text:
        raise StoreError("the result has no creation time (created_utc): not a gaitlab result")
    t = datetime.fromisoformat(text)
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def metric_summaries(result: ResultDocument) -> tuple[MetricSummary, ...]:
    """Per-metric summaries of a result, in the result's metric order."""
    return tuple(
        MetricSummary(
            metric=name,
            unit=m.unit,
            median=_float(m.median),
            spread_iqr=_float(m.iqr),
            n_strides=m.n,
            confidence=m.confidence.value,
        )
        for name, m in result.metrics.items()
    )


def finding_summaries(result: ResultDocument) -> tuple[FindingSummary, ...]:
    """The findings of a result (main ones, then the rest), ranked from 1."""
    return tuple(
        FindingSummary(
            rank=i,
            finding_id=f.id,
            title=f.label,
            severity=f.severity.value,
            metric=f.metric or None,
            value=_float(f.value),
            unit=f.unit or None,
            side=f.side,
            confidence=f.confidence.value,
        )
        for i, f in enumerate(result.reported_findings, start=1)
    )


def session_from_result(
    result: ResultDocument,
    *,
    runner: str,
    result_dir: str,
    result_sha256: str,
    files: Mapping[str, str],
    pose_series_sha256: str | None = None,
    physio_notes: str = "",
) -> SessionRecord:
    """The session a result document describes (pure: no file access).

    Raises
    ------
    StoreError
        When the result has no creation time.
    """
    view = result.kinematics.view.view if result.kinematics else result.request.view
    settings = result.kinematics.settings if result.kinematics else {}
    series_name = files.get("series")
    return SessionRecord(
        runner=runner,
        recorded_utc=parse_utc(result.created_utc),
        clip_path=result.clip.path,
        clip_sha256=result.clip.sha256,
        view=view or "unclear",
        settings={
            "request": result.request.to_dict(),
            "pose_model": result.pose.model.to_dict(),
            "kinematics": dict(settings),
        },
        gaitlab_version=result.gaitlab_version,
        result_dir=result_dir,
        result_sha256=result_sha256,
        pose_series_path=os.path.join(result_dir, series_name) if series_name else None,
        pose_series_sha256=pose_series_sha256 if series_name else None,
        files=dict(files),
        physio_notes=physio_notes,
        metrics=metric_summaries(result),
        findings=finding_summaries(result),
    )


def read_session_folder(
    result_dir: str | os.PathLike[str],
    runner: str,
    *,
    files: Mapping[str, str | os.PathLike[str]] | None = None,
    physio_notes: str = "",
) -> SessionRecord:
    """Read a result folder (``result.json``, hashes of it and of the pose series).

    Parameters
    ----------
    result_dir
        The folder ``gaitlab analyze`` or a batch wrote.
    runner
        The runner's code.
    files
        The files gaitlab wrote there (output name -> path, as
        :func:`gaitlab.report.write_outputs` returns). None = every file in the folder now,
        which is right only for a folder gaitlab owns (a batch's clip folder): deleting the
        runner deletes exactly these files.
    physio_notes
        Free text stored with the session.

    Raises
    ------
    StoreError
        No readable ``result.json`` in the folder.
    """
    folder = Path(result_dir).resolve()
    if files is None:
        # Keyed by file name (report.html and report.pdf share a stem), the two files other
        # code looks up by role under their output names.
        roles = {RESULT_FILE: "result", SERIES_FILE: "series"}
        names = {roles.get(p.name, p.name): p.name for p in _files(folder)}
    else:
        names = {str(k): Path(v).name for k, v in files.items()}
    names.setdefault("result", RESULT_FILE)
    result_path = folder / names["result"]
    if not result_path.is_file():
        raise StoreError(f"{result_path}: cannot read the result (no such file)")
    try:
        result = read_result(result_path)
    except ResultFolderError as exc:
        raise StoreError(f"cannot read the result: {exc.message}") from None
    if "series" not in names and (folder / SERIES_FILE).is_file():
        names["series"] = SERIES_FILE
    series = folder / names["series"] if "series" in names else None
    return session_from_result(
        result,
        runner=runner,
        result_dir=os.fspath(folder),
        result_sha256=file_sha256(result_path),
        files=names,
        pose_series_sha256=file_sha256(series) if series and series.is_file() else None,
        physio_notes=physio_notes,
    )


def _files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    except OSError as exc:
        raise StoreError(f"{folder}: cannot read the result folder ({exc})") from None
