"""Types of the findings stage: its input context, its settings and its results.

All frozen dataclasses; ``to_dict()`` gives the JSON-ready ``findings`` block of result.json
(NaN -> None).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gaitlab.findings.knowledge import Advice, Article, Band, Cue, Exercise, GuideItem, Reference
from gaitlab.result.vocab import Confidence, Severity

#: Severity levels of a finding, mildest first (the vocabulary is gaitlab.result's).
SEVERITIES: tuple[str, ...] = tuple(Severity)
#: Confidence levels as graded by the kinematics stage, worst first.
CONFIDENCES: tuple[str, ...] = tuple(Confidence)
#: Outcome of one rule on one clip (see :class:`Assessment`).
STATUSES: tuple[str, ...] = (
    "finding",  # out of band, confidence medium or high: reported
    "check",  # out of band but low confidence: "check with a better clip"
    "normal",  # inside the normal band
    "suppressed",  # out of band but made redundant by another finding
    "not_measurable",  # wrong view, too few strides, missing metric, ...
)


def _num(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


@dataclass(frozen=True)
class StrideTiming:
    """Event times of one stride (for the record; key frames use ``StrideValue.at_s``).

    Attributes
    ----------
    side
        ``left`` or ``right``.
    foot_strike_s, toe_off_s
        Event times (s) of this stride's stance.
    """

    side: str
    foot_strike_s: float
    toe_off_s: float


@dataclass(frozen=True)
class FindingsContext:
    """What the rules need to know about the clip besides the metrics.

    Attributes
    ----------
    view
        ``side-left``, ``side-right``, ``rear``, ``front`` or ``unclear``.
    capture_fps
        Sampling rate of the analysed pose series (Hz), from the timestamps. The
        kinematics stage grades timing below 60 fps as low confidence; the timing rules
        also need a left/right difference of more than ``min_frames`` frames of it.
    is_running
        The kinematics stage's running verdict; no findings unless True.
    activity
        ``running``, ``walking``, ``not_stepping`` or ``unknown``.
    running_reason
        The verdict in one sentence (shown when there is no running to assess).
    n_strides
        Number of strides detected.
    strides
        Stride event times (optional, for the record; key frames sit at the time each
        stride value was read, ``StrideValue.at_s``, e.g. the hip-extension peak).
    camera_roll_max_deg
        An upper bound (deg) on the camera's roll about its viewing axis, when known (e.g.
        from levelling the image against the scene); NaN when unknown, as it is for every
        clip until gaitlab levels the image from the scene. Rules that need a level camera
        are not measurable without it.
    """

    view: str
    capture_fps: float
    is_running: bool = True
    activity: str = "running"
    running_reason: str = ""
    n_strides: int = 0
    strides: tuple[StrideTiming, ...] = ()
    camera_roll_max_deg: float = math.nan


@dataclass(frozen=True)
class FindingsSettings:
    """Knobs of the findings engine.

    Attributes
    ----------
    max_findings
        Size of the ranked list shown first ("a handful"); the rest go to ``more_findings``.
    max_key_frames
        Key frames kept per finding (the most extreme strides).
    """

    max_findings: int = 5
    max_key_frames: int = 3

    def __post_init__(self) -> None:
        if self.max_findings < 1 or self.max_key_frames < 1:
            raise ValueError(
                "max_findings and max_key_frames must be >= 1, got "
                f"{self.max_findings} and {self.max_key_frames}"
            )


@dataclass(frozen=True)
class KeyFrame:
    """A moment of the clip that shows a finding.

    Attributes
    ----------
    time_s
        Time in the clip (s).
    side
        Stride side, or None.
    value
        The stride's value of the finding's metric.
    instant
        Gait instant the time stands for (``toe-off``, ``foot strike``, ...).
    """

    time_s: float
    side: str | None
    value: float
    instant: str


@dataclass(frozen=True)
class Evidence:
    """One measured number behind a finding.

    Attributes
    ----------
    metric
        Metric name.
    statistic
        ``median``, ``left median``, ``right median``, ``left - right``,
        ``symmetry index`` or ``constant lean``.
    value
        The number, in ``unit``.
    unit
        Unit of the value.
    confidence
        The metric's confidence.
    """

    metric: str
    statistic: str
    value: float
    unit: str
    confidence: str


@dataclass(frozen=True)
class Finding:
    """A deviation worth telling the runner about, with what to do.

    Attributes
    ----------
    id
        Rule or pattern id (``pelvic_drop``, ``arch_instead_of_hip_extension``).
    title
        Short title.
    category
        ``form``, ``asymmetry`` or ``pattern``.
    severity
        ``watch`` or ``high`` (for a check: what it would be with a trustworthy clip).
    side
        ``left``, ``right`` or None; ``side_note`` says how to read it.
    side_note
        E.g. "standing on the left leg (the right hip drops)"; "" when unsided.
    metric
        The banded metric (for a pattern: its first part's).
    value
        The banded value in ``unit``.
    unit
        Unit of ``value`` (``deg``, ``spm``, ``pct``, ...).
    band
        The normal / watch / high band with its sources.
    confidence
        ``high``, ``medium`` or ``low`` (low only in checks).
    confidence_reasons
        Why the confidence is not high.
    explanation
        For the runner.
    clinical
        For a physiotherapist.
    cues
        Running-form cues, best first.
    exercises
        Exercises, best first.
    sources
        Article keys cited by the explanation, cues and exercises (first = main source).
    refs
        Literature keys behind the explanation and the cues (research, not an article).
    key_frames
        Moments that show it, most extreme first.
    evidence
        The numbers behind it.
    parts
        For a pattern: the findings it combines.
    retake
        For a check: what to change when filming again.
    """

    id: str
    title: str
    category: str
    severity: str
    side: str | None
    side_note: str
    metric: str
    value: float
    unit: str
    band: Band
    confidence: str
    confidence_reasons: tuple[str, ...]
    explanation: str
    clinical: str
    cues: tuple[Cue, ...]
    exercises: tuple[Exercise, ...]
    sources: tuple[str, ...]
    key_frames: tuple[KeyFrame, ...]
    evidence: tuple[Evidence, ...]
    parts: tuple[Finding, ...] = ()
    retake: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()

    @property
    def key_times_s(self) -> tuple[float, ...]:
        """Times (s) of the key frames, most extreme first."""
        return tuple(k.time_s for k in self.key_frames)

    @property
    def excess(self) -> float:
        """How far beyond the watch edge the value lies, in watch-to-high spans (>= 0)."""
        return self.band.excess(self.value)

    @property
    def ids(self) -> tuple[str, ...]:
        """Ids of this finding and, for a pattern, of its parts."""
        return (self.id, *(p.id for p in self.parts))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready representation (NaN -> None)."""
        return {
            "id": self.id,
            "title": self.title,
            "category": self.category,
            "severity": self.severity,
            "side": self.side,
            "side_note": self.side_note,
            "metric": self.metric,
            "value": _num(self.value),
            "unit": self.unit,
            "band": _plain(self.band),
            "confidence": self.confidence,
            "confidence_reasons": list(self.confidence_reasons),
            "explanation": self.explanation,
            "clinical": self.clinical,
            "cues": [_plain(c) for c in self.cues],
            "exercises": [_plain(e) for e in self.exercises],
            "sources": list(self.sources),
            "refs": list(self.refs),
            "key_times_s": [_num(t) for t in self.key_times_s],
            "key_frames": [_plain(k) for k in self.key_frames],
            "evidence": [_plain(e) for e in self.evidence],
            "parts": [p.to_dict() for p in self.parts],
            "retake": list(self.retake),
        }


@dataclass(frozen=True)
class Assessment:
    """The outcome of one rule on one clip (one per rule and side), whatever it was.

    Attributes
    ----------
    finding_id
        Rule id.
    title
        The rule's title.
    metric
        The rule's metric.
    side
        ``left``, ``right`` or None.
    status
        One of :data:`STATUSES`.
    value
        The banded value (NaN when not measurable).
    unit
        Its unit.
    band
        ``normal``, ``watch`` or ``high`` ("" when not measurable).
    confidence
        The metric's confidence.
    reasons
        The metric's confidence reasons, or why it was suppressed / not measurable.
    """

    finding_id: str
    title: str
    metric: str
    side: str | None
    status: str
    value: float
    unit: str
    band: str
    confidence: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready representation (NaN -> None)."""
        return _plain(self)


@dataclass(frozen=True)
class FindingsReport:
    """Everything the findings stage says about one clip.

    Attributes
    ----------
    status
        ``findings`` (at least one), ``no_findings``, or ``not_running`` (nothing assessed).
    message
        One line summarising the status.
    findings
        Ranked findings, worst first, at most ``FindingsSettings.max_findings``.
    more_findings
        Further findings beyond the handful, same ranking.
    checks
        Out-of-band results too uncertain to report: "check with a better clip".
    assessments
        Every rule's outcome (normal, not measurable, ...), for tables and tests.
    pain_first
        "If it hurts now": what to do about pain, shown above the findings.
    general_advice, safety, filming_guide
        Carried by every report.
    articles
        The five articles by key (``sources`` of findings, cues, exercises and advice
        refer to these keys).
    references
        Literature and project notes behind the thresholds, by key (``band.*.refs``).
    """

    status: str
    message: str
    findings: tuple[Finding, ...]
    more_findings: tuple[Finding, ...]
    checks: tuple[Finding, ...]
    assessments: tuple[Assessment, ...]
    pain_first: tuple[Advice, ...]
    general_advice: tuple[Advice, ...]
    safety: tuple[Advice, ...]
    filming_guide: tuple[GuideItem, ...]
    articles: Mapping[str, Article]
    references: Mapping[str, Reference]

    def finding_ids(self) -> set[str]:
        """Ids of every reported finding, including the parts folded into patterns."""
        return {i for f in (*self.findings, *self.more_findings) for i in f.ids}

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready ``findings`` block of result.json.

        The articles appear under ``sources`` (key -> short name, publisher, file), the
        threshold references under ``references``.
        """
        return {
            "status": self.status,
            "message": self.message,
            "findings": [f.to_dict() for f in self.findings],
            "more_findings": [f.to_dict() for f in self.more_findings],
            "checks": [f.to_dict() for f in self.checks],
            "assessments": [a.to_dict() for a in self.assessments],
            "pain_first": [_plain(a) for a in self.pain_first],
            "general_advice": [_plain(a) for a in self.general_advice],
            "safety": [_plain(a) for a in self.safety],
            "filming_guide": [_plain(g) for g in self.filming_guide],
            "sources": {k: _plain(a) for k, a in self.articles.items()},
            "references": {k: _plain(r) for k, r in self.references.items()},
        }


def _plain(obj: Any) -> Any:
    """Dataclass -> dict with tuples as lists and non-finite floats as None.

    Fields marked ``metadata={"export": False}`` (the knowledge base's evidence phrases) are
    left out.
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {
            f.name: _plain(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if f.metadata.get("export", True)
        }
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, float):
        return _num(obj)
    return obj
