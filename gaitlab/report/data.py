"""What every report output is built from: :class:`ReportData`, and how to get one.

One container, two ways in, so a report rebuilt from a saved result is the same report:

- :meth:`ReportData.from_analysis` takes a live :class:`~gaitlab.pipeline.ClipAnalysis`;
- :meth:`ReportData.from_result_dir` reloads ``result.json`` + ``pose_series.npz`` (+ the
  per-frame kinematics arrays this package saves as ``kinematics_series.npz``).

Both end in the same shape: the typed result document (:class:`gaitlab.result.ResultDocument`,
exactly what ``result.json`` holds) for everything summary-like, plus the per-frame arrays the
drawings and plots need (cleaned landmarks, angle series, facing), which result.json does not
carry.

The findings block is laid out for the report by :func:`findings_view`: article keys resolved
to titles, advice as text with its keys. When the findings stage did not run the report says
so and still shows the safety notice; the "If it hurts now" block is always shown (from the
packaged knowledge base when a result predates it).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gaitlab.files import atomic_path
from gaitlab.findings import load_knowledge_base
from gaitlab.jsonsafe import to_json_ready
from gaitlab.result import (
    KINEMATICS_SERIES_FILE,
    RESULT_FILE,
    SERIES_FILE,
    Advice,
    Event,
    Findings,
    Kinematics,
    MetricSummary,
    ResultDocument,
    ResultFolderError,
    Stride,
    read_result,
)
from gaitlab.result import Band as ResultBand
from gaitlab.result import Finding as ResultFinding
from gaitlab.series import PoseSeries

log = logging.getLogger(__name__)

#: Layout version of :data:`KINEMATICS_SERIES_FILE`.
KINEMATICS_SERIES_VERSION = 1

#: Shown when the findings stage supplied no safety text (docs/advice.md, paraphrased).
DEFAULT_SAFETY: tuple[str, ...] = (
    "gaitlab measures movement; it does not diagnose.",
    "See a professional when pain is sharp, persistent, or limits your daily life.",
    "Groin pain that gets worse with running can be a stress fracture; clicking or locking "
    "in the hip can be a labral tear: have these checked before training on.",
)


# ---------------------------------------------------------------------- findings view
@dataclass(frozen=True)
class Citation:
    """An article cited by a fix: a short key (``"004"``), its title and an optional URL."""

    key: str
    title: str
    url: str = ""

    @property
    def label(self) -> str:
        """What the report prints: the title, else the key."""
        return self.title or self.key


@dataclass(frozen=True)
class Exercise:
    """A fix: name, how to do it, and the articles it comes from."""

    name: str
    how: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportFinding:
    """One finding as the report shows it: cues as text, exercises with their dose."""

    id: str
    title: str
    severity: str
    side: str | None
    metric: str
    value: float
    unit: str
    confidence: str
    explanation: str
    cues: tuple[str, ...] = ()
    exercises: tuple[Exercise, ...] = ()
    sources: tuple[str, ...] = ()
    key_times_s: tuple[float, ...] = ()
    band: ResultBand = field(default_factory=ResultBand)


@dataclass(frozen=True)
class FindingsBlock:
    """Ranked findings, what to do if it hurts, advice, safety and the sources they cite.

    Attributes
    ----------
    available
        False when the findings stage did not run (the report says so).
    pain_first
        "If it hurts now" items with their article keys (always present).
    references
        Literature and project notes by key, for the band edges' sources.
    """

    findings: tuple[ReportFinding, ...] = ()
    general_advice: tuple[tuple[str, tuple[str, ...]], ...] = ()
    safety: tuple[tuple[str, tuple[str, ...]], ...] = tuple((s, ()) for s in DEFAULT_SAFETY)
    citations: dict[str, Citation] = field(default_factory=dict)
    available: bool = False
    message: str = ""
    pain_first: tuple[tuple[str, tuple[str, ...]], ...] = ()
    references: Mapping[str, Any] = field(default_factory=dict)

    def cite(self, keys: Sequence[str]) -> str:
        """``"[title; title]"`` for source keys (unknown keys are printed as given)."""
        labels = [self.citations[k].label if k in self.citations else k for k in keys]
        return "; ".join(labels)


def _advice(item: Advice) -> tuple[str, tuple[str, ...]]:
    """An advice item as ``(text, article keys)``, its title leading the text."""
    text = f"{item.title}: {item.text}" if item.title and item.text else item.text or item.title
    return text, item.sources


def _report_finding(f: ResultFinding) -> ReportFinding:
    how = (" ".join(x for x in (e.how, e.purpose, e.dose) if x) for e in f.exercises)
    return ReportFinding(
        id=f.id,
        title=f.label,
        severity=f.severity.value,
        side=f.side,
        metric=f.metric,
        value=float("nan") if f.value is None else float(f.value),
        unit=f.unit,
        confidence=f.confidence.value,
        explanation=f.explanation,
        cues=tuple(c.text for c in f.cues),
        exercises=tuple(
            Exercise(e.name, text, e.sources) for e, text in zip(f.exercises, how, strict=True)
        ),
        sources=tuple(dict.fromkeys([*f.sources, *(k for c in f.cues for k in c.sources)])),
        key_times_s=tuple(float(t) for t in f.times_s),
        band=f.band,
    )


def findings_view(block: Findings | None) -> FindingsBlock:
    """The findings block of a result laid out for the report.

    Parameters
    ----------
    block
        The result's findings block; None when the findings stage did not run.
    """
    citations: dict[str, Citation] = {}
    if block is None:
        return FindingsBlock(
            pain_first=_pain_first(None, citations), citations=citations, available=False
        )
    for key, article in block.sources.items():
        citations[key] = Citation(key, article.short_name or key)
    for key, ref in block.references.items():
        citations[key] = Citation(key, ref.short_name or ref.citation or key)
    return FindingsBlock(
        findings=tuple(_report_finding(f) for f in block.reported),
        general_advice=tuple(_advice(a) for a in block.general_advice),
        safety=tuple(_advice(a) for a in block.safety) or FindingsBlock().safety,
        citations=citations,
        available=True,
        message=block.message,
        pain_first=_pain_first(block, citations),
        references=dict(block.references),
    )


def _pain_first(
    block: Findings | None, citations: dict[str, Citation]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The block's "If it hurts now" items, else the packaged knowledge base's.

    Results saved before the block existed still get it: it does not depend on the clip.
    """
    if block is not None and block.pain_first:
        return tuple(_advice(a) for a in block.pain_first)
    # A broken knowledge base is a bug to surface, not a reason to drop the pain advice.
    fallback = Findings.from_dict(
        {"status": "", "findings": [], **load_knowledge_base().pain_first_block()}
    )
    for key, article in fallback.sources.items():
        citations.setdefault(key, Citation(key, article.short_name))
    return tuple(_advice(a) for a in fallback.pain_first)


# ---------------------------------------------------------------------- the container
@dataclass(frozen=True)
class ReportData:
    """Everything the report outputs need for one clip.

    Attributes
    ----------
    result
        The result document (what ``result.json`` holds), with its ``kinematics`` block when
        the kinematics stage ran.
    series
        The raw pose series (world landmarks, visibility, masks, clip metadata).
    landmarks_px : (n, 33, 2) float
        Cleaned image landmarks (raw ones when kinematics did not run).
    angles
        Per-frame angle series, name -> (n,) degrees.
    facing : (n,) float or None
        +1 runner faces image-right, -1 image-left (side view), NaN unknown.
    swapped : (n,) bool
        Frames whose leg labels the cleaning repaired.
    findings
        The findings block laid out for the report (:func:`findings_view`).
    notes
        Remarks about how this report was made (e.g. the clip could not be found).
    """

    result: ResultDocument
    series: PoseSeries
    landmarks_px: np.ndarray
    angles: dict[str, np.ndarray]
    facing: np.ndarray | None
    swapped: np.ndarray
    findings: FindingsBlock
    notes: tuple[str, ...] = ()

    # ------------------------------------------------------------ convenience views
    @property
    def time_s(self) -> np.ndarray:
        """(n,) capture times."""
        return self.series.time_s

    @property
    def kinematics(self) -> Kinematics | None:
        """The result's kinematics block (None when the stage did not run)."""
        return self.result.kinematics

    @property
    def view(self) -> str:
        """``side-left``, ``side-right``, ``rear``, ``front`` or ``unclear``."""
        return self.result.view or "unclear"

    @property
    def is_side(self) -> bool:
        """True for a side view."""
        return self.view.startswith("side")

    @property
    def is_frontal(self) -> bool:
        """True for a rear or front view."""
        return self.view in ("rear", "front")

    @property
    def events(self) -> list[Event]:
        """Gait events, time-ordered."""
        return sorted(self.result.events, key=lambda e: e.time_s)

    @property
    def strides(self) -> list[Stride]:
        """Strides, time-ordered."""
        return sorted(self.result.strides, key=lambda s: s.foot_strike_s)

    @property
    def metrics(self) -> Mapping[str, MetricSummary]:
        """Metric name -> its summary."""
        return self.result.metrics

    @property
    def near_side(self) -> str | None:
        """The leg nearer the camera in side view, when known."""
        return self.kinematics.near_side if self.kinematics is not None else None

    # ------------------------------------------------------------ constructors
    @classmethod
    def from_analysis(cls, analysis: Any) -> ReportData:
        """Build from a live :class:`~gaitlab.pipeline.ClipAnalysis` (findings included)."""
        return cls._from_parts(analysis.to_document(), analysis.series, analysis.kinematics)

    @classmethod
    def _from_parts(cls, result: ResultDocument, series: PoseSeries, kin: Any) -> ReportData:
        findings = findings_view(result.findings)
        if kin is None:
            return cls(
                result, series, series.xy_px, {}, None,
                np.zeros(series.n_frames, dtype=bool), findings,
            )  # fmt: skip
        return cls(
            result=result,
            series=series,
            landmarks_px=np.asarray(kin.landmarks_px, dtype=float),
            angles={k: np.asarray(v, dtype=float) for k, v in kin.angle_series.items()},
            facing=np.asarray(kin.direction.facing, dtype=float),
            swapped=np.asarray(kin.swapped, dtype=bool),
            findings=findings,
        )

    @classmethod
    def from_result_dir(cls, result_dir: str | Path) -> ReportData:
        """Reload a result folder written by :func:`gaitlab.report.write_outputs`.

        Uses ``kinematics_series.npz`` for the per-frame arrays when present; otherwise (or
        when result.json has no kinematics block) re-runs the kinematics stage on the saved
        pose series (fast: no pose inference) with the recorded view and height.

        Raises
        ------
        ResultFolderError
            When result.json is missing, unreadable, of the wrong shape or from another
            schema version (:func:`gaitlab.result.read_result`).
        gaitlab.series.SeriesFileError
            When pose_series.npz is missing or unreadable.
        """
        d = Path(result_dir)
        # A newer schema or a block of the wrong shape is refused before any value is used.
        result = read_result(d)
        series_name = result.pose.series_file or SERIES_FILE
        series = PoseSeries.load(d / series_name)
        if series.n_frames != result.pose.n_frames:
            raise ResultFolderError(
                f"{d / series_name}: {series.n_frames} frames, but {RESULT_FILE} describes "
                f"{result.pose.n_frames}: the two files are not from the same analysis"
            )
        saved = d / KINEMATICS_SERIES_FILE
        if result.kinematics is not None and saved.is_file():
            arrays = load_kinematics_series(saved, series.n_frames)
            if arrays is not None:
                xy, angles, facing, swapped = arrays
                return cls(
                    result, series, xy, angles, facing, swapped, findings_view(result.findings)
                )
        # Recompute the per-frame arrays (and the block, if absent) from the saved landmarks.
        # Imported here: a result folder with its saved arrays reloads without the analysis
        # stack (SciPy, the findings) in memory.
        from gaitlab.kinematics.corrections import Corrections
        from gaitlab.pipeline import AnalysisRequest, analyze_series

        # A reviewer's corrections (gaitlab.corrections) are part of the result.
        saved = result.kinematics.corrections if result.kinematics is not None else None
        kin = analyze_series(
            series,
            AnalysisRequest(
                view=result.request.view or "auto",
                height_cm=result.request.height_cm,
                corrections=Corrections.from_dict(saved),
            ),
        ).kinematics
        notes: tuple[str, ...] = ()
        if result.kinematics is None:
            result = dataclasses.replace(
                result, kinematics=Kinematics.from_dict(to_json_ready(kin.to_dict()))
            )
            notes = ("kinematics recomputed from the saved pose series",)
        data = cls._from_parts(result, series, kin)
        return dataclasses.replace(data, notes=notes)


# ---------------------------------------------------------------------- per-frame arrays
def save_kinematics_series(data: ReportData, path: str | Path) -> Path:
    """Save the per-frame arrays result.json lacks (cleaned landmarks, angles, facing)."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {
        "format_version": np.array(KINEMATICS_SERIES_VERSION),
        "time_s": data.time_s,
        "landmarks_px": data.landmarks_px.astype(np.float64),
        "swapped": data.swapped.astype(bool),
        "facing": (
            data.facing if data.facing is not None else np.full(data.series.n_frames, np.nan)
        ),
        "angle_names": np.array(sorted(data.angles), dtype=str),
    }
    for name in sorted(data.angles):
        arrays[f"angle__{name}"] = data.angles[name].astype(np.float64)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)
    return path


def load_kinematics_series(
    path: Path, n_frames: int
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray] | None:
    """Read :func:`save_kinematics_series`'s file; None if stale or unreadable."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if int(z["format_version"]) != KINEMATICS_SERIES_VERSION:
                return None
            xy = z["landmarks_px"].astype(float)
            if xy.shape[0] != n_frames:
                return None
            angles = {str(k): z[f"angle__{k}"].astype(float) for k in z["angle_names"]}
            return xy, angles, z["facing"].astype(float), z["swapped"].astype(bool)
    except (OSError, KeyError, ValueError) as exc:
        log.warning("%s: unreadable (%s); recomputing kinematics", path.name, exc)
        return None
