"""What every report output is built from: :class:`ReportData`, and how to get one.

One container, two ways in, so a report rebuilt from a saved result is the same report:

- :meth:`ReportData.from_analysis` takes a live :class:`~gaitlab.pipeline.ClipAnalysis`;
- :meth:`ReportData.from_result_dir` reloads ``result.json`` + ``pose_series.npz`` (+ the
  per-frame kinematics arrays this package saves as ``kinematics_series.npz``).

Both end in the same shape: the JSON-ready result (exactly what ``result.json`` holds, with
its ``kinematics`` and ``findings`` blocks) for everything summary-like, plus the per-frame
arrays the drawings and plots need (cleaned landmarks, angle series, facing), which
result.json does not carry.

Findings adapter
----------------
The findings stage's block is read leniently by :func:`normalise_findings` (a list of
findings, or a mapping with ``findings``/``items``, ``pain_first``, ``general_advice`` and
``safety``; exercises and sources as strings or mappings), so the report keeps working while
that API settles. When no block is present the report says so and still shows the safety
notice; the "If it hurts now" block is always shown (from the packaged knowledge base when a
result predates it).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gaitlab.files import atomic_path
from gaitlab.findings import load_knowledge_base
from gaitlab.jsonsafe import to_json_ready
from gaitlab.resultfile import RESULT_FILE, ResultFolderError, check_result
from gaitlab.series import PoseSeries

log = logging.getLogger(__name__)

#: File names inside a result folder (result.json and the series belong to the pipeline).
SERIES_FILE = "pose_series.npz"
KINEMATICS_SERIES_FILE = "kinematics_series.npz"
KINEMATICS_SERIES_VERSION = 1

#: Shown when the findings stage supplied no safety text (docs/advice.md, paraphrased).
DEFAULT_SAFETY: tuple[str, ...] = (
    "gaitlab measures movement; it does not diagnose.",
    "See a professional when pain is sharp, persistent, or limits your daily life.",
    "Groin pain that gets worse with running can be a stress fracture; clicking or locking "
    "in the hip can be a labral tear: have these checked before training on.",
)


# ---------------------------------------------------------------------- findings adapter
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
    """One finding as the report shows it (see the module doc for the accepted input)."""

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
    band: Mapping[str, Any] = field(default_factory=dict)


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
        Literature and project notes by key, as result.json has them (``kind``,
        ``short_name``, ...), for the band edges' sources.
    """

    findings: tuple[ReportFinding, ...] = ()
    general_advice: tuple[tuple[str, tuple[str, ...]], ...] = ()
    safety: tuple[tuple[str, tuple[str, ...]], ...] = tuple((s, ()) for s in DEFAULT_SAFETY)
    citations: dict[str, Citation] = field(default_factory=dict)
    available: bool = False
    message: str = ""
    pain_first: tuple[tuple[str, tuple[str, ...]], ...] = ()
    references: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def cite(self, keys: Sequence[str]) -> str:
        """``"[title; title]"`` for source keys (unknown keys are printed as given)."""
        labels = [self.citations[k].label if k in self.citations else k for k in keys]
        return "; ".join(labels)


def _as_str_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        return [v]
    return [str(x) for x in v]


def _source_keys(v: Any, citations: dict[str, Citation]) -> tuple[str, ...]:
    """Source references as keys, registering any inline citation mappings."""
    if v is None:
        return ()
    items = [v] if isinstance(v, str | Mapping) else list(v)
    keys = []
    for s in items:
        if isinstance(s, Mapping):
            key = str(s.get("id") or s.get("key") or s.get("short_name") or s.get("title", "?"))
            title = str(s.get("title") or s.get("short_name") or s.get("name") or "")
            citations.setdefault(key, Citation(key, title, str(s.get("url") or "")))
            keys.append(key)
        else:
            keys.append(str(s))
    return tuple(keys)


def _text_item(v: Any, citations: dict[str, Citation]) -> tuple[str, tuple[str, ...]]:
    """An advice/safety/cue item: a string, or a mapping with title/text and sources."""
    if isinstance(v, Mapping):
        text = str(v.get("text") or v.get("advice") or "")
        title = str(v.get("title") or "")
        if title and text:
            text = f"{title}: {text}"
        return text or title, _source_keys(v.get("sources", v.get("source")), citations)
    return str(v), ()


def _exercise(v: Any, citations: dict[str, Citation]) -> Exercise:
    if isinstance(v, Mapping):
        name = str(v.get("name") or v.get("title") or v.get("id") or "exercise")
        how = " ".join(
            str(v[k]) for k in ("how", "purpose", "description", "dose", "text") if v.get(k)
        )
        return Exercise(name, how, _source_keys(v.get("sources", v.get("source")), citations))
    return Exercise(str(v))


def _float(v: Any) -> float:
    try:
        return float(v) if v is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def normalise_findings(block: Any) -> FindingsBlock:
    """Read the findings stage's output into a :class:`FindingsBlock`.

    Parameters
    ----------
    block
        None (stage not run), an object with ``to_dict()``, a list of findings, or a mapping
        with ``findings`` (or ``items``), ``general_advice`` (or ``advice``), ``safety`` and
        ``sources`` (a list or a key -> citation mapping). Each finding is a mapping or an
        object with the attributes of :class:`ReportFinding`.
    """
    if block is None:
        citations: dict[str, Citation] = {}
        return FindingsBlock(
            pain_first=_pain_first(None, citations), citations=citations, available=False
        )
    if hasattr(block, "to_dict"):
        block = block.to_dict()
    if isinstance(block, list | tuple):
        block = {"findings": list(block)}
    if not isinstance(block, Mapping):
        raise TypeError(f"findings block must be a mapping or a list, got {type(block).__name__}")
    citations = {}
    for src in (block.get("sources") or block.get("articles") or block.get("citations") or {},
                block.get("references") or {}):  # fmt: skip
        if isinstance(src, Mapping):
            for k, v in src.items():
                if isinstance(v, Mapping):
                    title = v.get("title") or v.get("short_name") or v.get("citation") or k
                    citations[str(k)] = Citation(str(k), str(title), str(v.get("url") or ""))
                else:
                    citations[str(k)] = Citation(str(k), str(v))
        else:
            _source_keys(src, citations)
    findings = []
    raw = list(block.get("findings", block.get("items", [])) or [])
    raw += list(block.get("more_findings") or [])
    for f in raw:
        if not isinstance(f, Mapping):
            f = dataclasses.asdict(f) if dataclasses.is_dataclass(f) else vars(f)
        cues = [_text_item(c, citations) for c in f.get("cues") or []]
        key_times = [t for t in (f.get("key_times_s") or []) if t is not None]
        if not key_times:
            key_times = [
                k["time_s"] for k in f.get("key_frames") or []
                if isinstance(k, Mapping) and k.get("time_s") is not None
            ]  # fmt: skip
        findings.append(
            ReportFinding(
                id=str(f.get("id", "")),
                title=str(f.get("title") or f.get("id") or "finding"),
                severity=str(f.get("severity", "")),
                side=f.get("side") if f.get("side") in ("left", "right") else None,
                metric=str(f.get("metric", "")),
                value=_float(f.get("value")),
                unit=str(f.get("unit", "")),
                confidence=str(f.get("confidence", "")),
                explanation=str(f.get("explanation", "")),
                cues=tuple(text for text, _ in cues),
                exercises=tuple(_exercise(e, citations) for e in f.get("exercises") or []),
                sources=tuple(
                    dict.fromkeys(
                        [
                            *_source_keys(f.get("sources"), citations),
                            *(k for _, keys in cues for k in keys),
                        ]
                    )
                ),
                key_times_s=tuple(float(t) for t in key_times),
                band=f.get("band") if isinstance(f.get("band"), Mapping) else {},
            )
        )
    advice = [
        _text_item(a, citations) for a in block.get("general_advice", block.get("advice", [])) or []
    ]
    safety_raw = block.get("safety")
    if isinstance(safety_raw, Mapping):
        safety = [(t, ()) for t in _as_str_list(safety_raw.get("items") or safety_raw.get("text"))]
        if safety_raw.get("disclaimer"):
            safety.insert(0, (str(safety_raw["disclaimer"]), ()))
    elif isinstance(safety_raw, str):
        safety = [(safety_raw, ())]
    else:
        safety = [_text_item(x, citations) for x in safety_raw or []]
    references = block.get("references")
    return FindingsBlock(
        findings=tuple(findings),
        general_advice=tuple(advice),
        safety=tuple(safety) or FindingsBlock().safety,
        citations=citations,
        available=True,
        message=str(block.get("message") or ""),
        pain_first=_pain_first(block, citations),
        references=dict(references) if isinstance(references, Mapping) else {},
    )


def _pain_first(
    block: Mapping[str, Any] | None, citations: dict[str, Citation]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The block's "If it hurts now" items, else the packaged knowledge base's.

    Results saved before the block existed still get it: it does not depend on the clip.
    """
    items = (block or {}).get("pain_first")
    if not items:
        # A broken knowledge base is a bug to surface, not a reason to drop the pain advice.
        fallback = load_knowledge_base().pain_first_block()
        items = fallback["pain_first"]
        for k, a in fallback["sources"].items():
            citations.setdefault(k, Citation(k, a["short_name"]))
    return tuple(_text_item(a, citations) for a in items)


# ---------------------------------------------------------------------- the container
@dataclass(frozen=True)
class ReportData:
    """Everything the report outputs need for one clip.

    Attributes
    ----------
    result
        JSON-ready result (the content of ``result.json``), including the ``kinematics``
        block when the kinematics stage ran.
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
        The findings block (normalised).
    notes
        Remarks about how this report was made (e.g. the clip could not be found).
    """

    result: dict[str, Any]
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
    def kinematics(self) -> dict[str, Any]:
        """The result's kinematics block (empty when the stage did not run)."""
        return self.result.get("kinematics") or {}

    @property
    def view(self) -> str:
        """``side-left``, ``side-right``, ``rear``, ``front`` or ``unclear``."""
        return str((self.kinematics.get("view") or {}).get("view") or "unclear")

    @property
    def is_side(self) -> bool:
        """True for a side view."""
        return self.view.startswith("side")

    @property
    def is_frontal(self) -> bool:
        """True for a rear or front view."""
        return self.view in ("rear", "front")

    @property
    def events(self) -> list[dict[str, Any]]:
        """Gait events (side, kind, time_s, frame, inferred), time-ordered."""
        return sorted(self.kinematics.get("events") or [], key=lambda e: e["time_s"])

    @property
    def strides(self) -> list[dict[str, Any]]:
        """Strides as in result.json, time-ordered."""
        return sorted(self.kinematics.get("strides") or [], key=lambda s: s["foot_strike_s"])

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """Metric name -> result.json metric block."""
        return dict(self.kinematics.get("metrics") or {})

    @property
    def near_side(self) -> str | None:
        """The leg nearer the camera in side view, when known."""
        return (self.kinematics.get("event_detection") or {}).get("near_side")

    # ------------------------------------------------------------ constructors
    @classmethod
    def from_analysis(cls, analysis: Any) -> ReportData:
        """Build from a live :class:`~gaitlab.pipeline.ClipAnalysis` (findings included)."""
        result = to_json_ready(analysis.to_dict())
        return cls._from_parts(result, analysis.series, analysis.kinematics, analysis.findings)

    @classmethod
    def _from_parts(
        cls, result: dict[str, Any], series: PoseSeries, kin: Any, findings: Any
    ) -> ReportData:
        if kin is None:
            return cls(
                result, series, series.xy_px, {}, None,
                np.zeros(series.n_frames, dtype=bool), normalise_findings(findings),
            )  # fmt: skip
        return cls(
            result=result,
            series=series,
            landmarks_px=np.asarray(kin.landmarks_px, dtype=float),
            angles={k: np.asarray(v, dtype=float) for k, v in kin.angle_series.items()},
            facing=np.asarray(kin.direction.facing, dtype=float),
            swapped=np.asarray(kin.swapped, dtype=bool),
            findings=normalise_findings(findings),
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
            When result.json is missing, unreadable, of the wrong shape or from a newer
            gaitlab (:func:`gaitlab.resultfile.check_result`).
        gaitlab.series.SeriesFileError
            When pose_series.npz is missing or unreadable.
        """
        d = Path(result_dir)
        path = d / RESULT_FILE
        if not path.is_file():
            raise ResultFolderError(
                f"{d}: no {RESULT_FILE} here; run `gaitlab analyze CLIP --out {d}` first"
            )
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ResultFolderError(f"{path}: not a readable result ({exc})") from None
        # A newer schema or a block of the wrong shape is refused before any value is used.
        result = check_result(result, path)
        series_name = (result.get("pose") or {}).get("series_file") or SERIES_FILE
        series = PoseSeries.load(d / series_name)
        if series.n_frames != result["pose"]["n_frames"]:
            raise ResultFolderError(
                f"{d / series_name}: {series.n_frames} frames, but {RESULT_FILE} describes "
                f"{result['pose']['n_frames']}: the two files are not from the same analysis"
            )
        findings = result.get("findings")
        saved = d / KINEMATICS_SERIES_FILE
        if result.get("kinematics") and saved.is_file():
            arrays = load_kinematics_series(saved, series.n_frames)
            if arrays is not None:
                xy, angles, facing, swapped = arrays
                return cls(
                    result, series, xy, angles, facing, swapped, normalise_findings(findings)
                )
        # Recompute the per-frame arrays (and the block, if absent) from the saved landmarks.
        # Imported here: a result folder with its saved arrays reloads without the analysis
        # stack (SciPy, the findings) in memory.
        from gaitlab.kinematics.corrections import Corrections
        from gaitlab.pipeline import AnalysisRequest, analyze_series

        request = result.get("request") or {}
        # A reviewer's corrections (gaitlab.corrections) are part of the result.
        edits = Corrections.from_dict((result.get("kinematics") or {}).get("corrections"))
        kin = analyze_series(
            series,
            AnalysisRequest(
                view=request.get("view") or "auto",
                height_cm=request.get("height_cm"),
                corrections=edits,
            ),
        ).kinematics
        notes: tuple[str, ...] = ()
        if not result.get("kinematics"):
            result = {**result, "kinematics": to_json_ready(kin.to_dict())}
            notes = ("kinematics recomputed from the saved pose series",)
        data = cls._from_parts(result, series, kin, findings)
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
