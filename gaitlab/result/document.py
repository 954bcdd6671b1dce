"""The result document as frozen dataclasses: what ``result.json`` holds, typed.

:class:`ResultDocument` is built by the pipeline from its stages' outputs and written with
:meth:`ResultDocument.to_dict`; every reader (reports, dashboard, batch tables, store, CLI)
gets one from :func:`gaitlab.result.read_result` or :meth:`ResultDocument.from_dict` and reads
attributes, never string keys.

Round trip: ``ResultDocument.from_dict(d).to_dict() == d`` key for key and in the same key
order for every document this gaitlab writes, so reading a result and writing it back
changes no byte. Numbers are kept exactly as parsed (no int/float coercion); lists become
tuples and come back as lists; severities and confidence levels become
:mod:`gaitlab.result.vocab` enums and come back as their strings. Keys a block does not model
(a later minor addition) are kept in its ``extra`` and written after the modelled ones.
Blocks that are provenance rather than content (the pose model's settings, the kinematics
settings, direction and body scale, each tracked person) are kept as read-only JSON objects.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from gaitlab.result.vocab import Confidence, Severity

Json = Any
Reader = Callable[[Json], Any]


def _tuple_of(read: Reader) -> Reader:
    return lambda items: tuple(read(v) for v in items)


def _mapping_of(read: Reader) -> Reader:
    return lambda items: {str(k): read(v) for k, v in items.items()}


def _plain(value: Any) -> Json:
    """A field's value as JSON: blocks as objects, tuples as lists, enums as their strings."""
    if isinstance(value, _Block):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, kw_only=True)
class _Block:
    """A JSON object of the result as a frozen dataclass.

    Subclasses list their keys as (keyword-only) fields, in the order the pipeline writes
    them, so :meth:`to_dict` gives the keys in that order; fields with a default may be absent
    from older files. ``_readers`` says how to read a field whose JSON
    value is not kept as parsed (a nested block, a list, an enum); a JSON null stays None.
    """

    extra: Mapping[str, Json] = field(default_factory=dict, repr=False)

    _readers: ClassVar[Mapping[str, Reader]] = {}

    @classmethod
    def from_dict(cls, data: Mapping[str, Json]) -> Self:
        """The block of a parsed (and checked, :func:`gaitlab.result.check_result`) object."""
        names = [f.name for f in dataclasses.fields(cls) if f.name != "extra"]
        values: dict[str, Any] = {}
        for name in names:
            if name in data:
                raw = data[name]
                read = cls._readers.get(name)
                values[name] = raw if read is None or raw is None else read(raw)
        extra = {k: v for k, v in data.items() if k not in values and k not in names}
        return cls(**values, extra=extra)

    def to_dict(self) -> dict[str, Json]:
        """The JSON object: modelled keys in field order, then ``extra``."""
        out = {
            f.name: _plain(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name != "extra"
        }
        out.update(_plain(self.extra))
        return out


# ---------------------------------------------------------------------- request, clip, pose
@dataclass(frozen=True, kw_only=True)
class Request(_Block):
    """What the user asked for.

    Attributes
    ----------
    view
        ``auto`` or the view the user gave.
    height_cm
        The runner's height, or None.
    slowmo_factor
        Slow-motion factor the user gave (1 = real time).
    model
        Pose model name.
    """

    view: str | None = None
    height_cm: float | None = None
    slowmo_factor: float | None = None
    model: str | None = None


@dataclass(frozen=True, kw_only=True)
class Clip(_Block):
    """The video as read (``gaitlab.io.video.VideoInfo``).

    Attributes
    ----------
    path
        Where the clip was read from.
    sha256
        Its content hash.
    width_px, height_px, rotation_deg
        Displayed frame size and the rotation applied.
    n_frames, duration_s
        Frames decoded and their time span (s).
    nominal_fps, capture_fps
        Frame rate from the container and at capture (Hz; slow motion undone).
    slowmo_factor
        Slow-motion factor applied.
    codec, container, vfr
        Stream codec, container and whether the frame rate varies.
    part_start_s, part_end_s, gaps_s, cut_note
        The continuous part analysed when the timestamps jump, the jumps, and a note.
    tagged_capture_fps, capture_fps_tag
        A capture rate found in the file's tags, and which tag.
    """

    path: str
    sha256: str = ""
    width_px: int
    height_px: int
    rotation_deg: int
    n_frames: int
    duration_s: float
    nominal_fps: float | None = None
    capture_fps: float | None
    slowmo_factor: float
    codec: str = ""
    container: str = ""
    vfr: bool = False
    part_start_s: float = 0.0
    part_end_s: float | None = None
    gaps_s: tuple[Json, ...] = ()
    cut_note: str = ""
    tagged_capture_fps: float | None = None
    capture_fps_tag: str = ""

    _readers: ClassVar[Mapping[str, Reader]] = {"gaps_s": tuple}


@dataclass(frozen=True, kw_only=True)
class PoseModel(_Block):
    """Provenance of the pose stage: model name and hash, backend and its settings."""

    name: str = ""
    sha256: str = ""
    backend: str = ""
    backend_version: str = ""
    settings: Mapping[str, Json] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class People(_Block):
    """Who was followed when several people may be in frame (``gaitlab.pose.people``).

    Attributes
    ----------
    mode, why
        How the runner was chosen, in a word and a sentence.
    people_seen
        People tracked.
    followed
        Track ids followed.
    reason
        Why others were not.
    uncertain_frames_spans_s
        ``[start, end]`` spans (s) where the runner's identity is uncertain.
    people
        Each tracked person (id, times, size, motion, score, role) as JSON.
    notes
        Remarks for the user (absences, a bystander, ...).
    found_again
        Frame pairs where the runner was found again.
    """

    mode: str = ""
    why: str = ""
    people_seen: int = 0
    followed: tuple[int, ...] = ()
    reason: str = ""
    uncertain_frames_spans_s: tuple[Json, ...] = ()
    people: tuple[Mapping[str, Json], ...] = ()
    notes: tuple[str, ...] = ()
    found_again: tuple[Json, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {
        "followed": tuple, "uncertain_frames_spans_s": tuple, "people": tuple, "notes": tuple,
        "found_again": tuple,
    }  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class PoseSummary(_Block):
    """What the pose stage found.

    Attributes
    ----------
    model
        Its provenance.
    n_frames, frames_with_pose, detection_rate
        Frames, frames with a pose, and their share (0-1).
    sample_rate_hz
        Rate of the pose series (Hz).
    series_file
        The series' file in the result folder.
    people
        The people-following record, None for series files written before it.
    """

    model: PoseModel = field(default_factory=PoseModel)
    n_frames: int
    frames_with_pose: int
    detection_rate: float
    sample_rate_hz: float | None = None
    series_file: str = "pose_series.npz"
    people: People | None = None

    _readers: ClassVar[Mapping[str, Reader]] = {
        "model": PoseModel.from_dict, "people": People.from_dict,
    }  # fmt: skip


# ---------------------------------------------------------------------- kinematics
@dataclass(frozen=True, kw_only=True)
class View(_Block):
    """The camera view: ``side-left``, ``side-right``, ``rear``, ``front`` or ``unclear``.

    Attributes
    ----------
    view
        The view the metrics follow.
    confidence
        Of the detection (0-1), None when unknown.
    source
        ``detected`` or ``user``.
    detected_view
        What detection said (when the user set the view).
    width_ratio
        Shoulder-to-hip width ratio behind the detection.
    reason
        The verdict in one sentence.
    """

    view: str
    confidence: float | None = None
    source: str = ""
    detected_view: str = ""
    width_ratio: float | None = None
    reason: str = ""

    @property
    def is_side(self) -> bool:
        """True for a side view."""
        return self.view.startswith("side")

    @property
    def is_frontal(self) -> bool:
        """True for a rear or front view."""
        return self.view in ("rear", "front")


@dataclass(frozen=True, kw_only=True)
class Running(_Block):
    """Whether the clip shows running: the verdict, the activity and why."""

    is_running: bool
    activity: str = ""
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Cadence(_Block):
    """Cadence (steps/min) from the periodicity and from the events, and whether they agree."""

    cadence_spm: float | None = None
    periodicity: float | None = None
    events_cadence_spm: float | None = None
    agree: bool | None = None


@dataclass(frozen=True, kw_only=True)
class Cleaning(_Block):
    """What the cleaning did to the landmarks (``gaitlab.kinematics.cleaning``).

    Attributes
    ----------
    sample_rate_hz
        Rate of the cleaned series (Hz).
    tracker_smoothing_undone
        The tracker's smoothing that was undone, as JSON (None when none was).
    frames_with_pose, low_visibility_points, outlier_points
        Frames with a pose; landmark points dropped as hardly visible or as outliers.
    gap_points_filled, gap_points_left
        Points filled across short gaps, and left empty.
    swap_frames_repaired, swap_share
        Frames whose leg labels were repaired, and their share (0-1).
    lowpass_hz, lowpass_order
        The zero-lag low-pass filter.
    steps
        Each step in one line.
    """

    sample_rate_hz: float | None = None
    tracker_smoothing_undone: Json = None
    frames_with_pose: int | None = None
    low_visibility_points: int | None = None
    outlier_points: int | None = None
    gap_points_filled: int | None = None
    gap_points_left: int | None = None
    swap_frames_repaired: int | None = None
    swap_share: float | None = None
    lowpass_hz: float | None = None
    lowpass_order: int | None = None
    steps: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"steps": tuple}


@dataclass(frozen=True, kw_only=True)
class Event(_Block):
    """A gait event: ``foot_strike`` or ``toe_off`` of one leg, at ``time_s`` (``frame``)."""

    side: str
    kind: str
    time_s: float
    frame: int | None = None
    inferred: bool = False


@dataclass(frozen=True, kw_only=True)
class EventDetection(_Block):
    """How the events were found: the leg nearer the camera, inferred far-leg events, notes."""

    near_side: str | None = None
    far_leg_inferred: bool = False
    alternation_share: float | None = None
    notes: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"notes": tuple}


@dataclass(frozen=True, kw_only=True)
class Stride(_Block):
    """One stride of one leg: its events (s) and timing (s, % of the stride)."""

    side: str
    foot_strike_s: float
    toe_off_s: float | None = None
    next_foot_strike_s: float | None = None
    contralateral_foot_strike_s: float | None = None
    inferred: bool = False
    stride_time_s: float | None = None
    contact_time_s: float | None = None
    flight_time_s: float | None = None
    duty_factor_pct: float | None = None


@dataclass(frozen=True, kw_only=True)
class MetricValue(_Block):
    """One stride's value of a metric (in the metric's unit; None when not measurable).

    ``time_s`` is the stride's foot strike, ``at_s`` the instant the value was read.
    """

    side: str
    time_s: float
    value: float | None
    inferred: bool = False
    at_s: float | None = None


@dataclass(frozen=True, kw_only=True)
class MetricSummary(_Block):
    """A metric over the clip: its definition, per-stride values and summary statistics.

    Attributes
    ----------
    name, unit, definition, sign, view, instant
        From the metric catalogue (``gaitlab.kinematics.definitions``).
    values
        Per-stride values.
    n
        Strides measured.
    median, iqr
        Over both legs.
    left_median, right_median, left_minus_right, asymmetry_pct
        Per leg and their difference.
    confidence, reasons
        How far it can be trusted, and why not more.
    """

    name: str = ""
    unit: str = ""
    definition: str = ""
    sign: str = ""
    view: str = ""
    instant: str = ""
    values: tuple[MetricValue, ...] = ()
    n: int = 0
    median: float | None = None
    iqr: float | None = None
    left_median: float | None = None
    right_median: float | None = None
    left_minus_right: float | None = None
    asymmetry_pct: float | None = None
    confidence: Confidence
    reasons: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {
        "confidence": Confidence, "values": _tuple_of(MetricValue.from_dict), "reasons": tuple,
    }  # fmt: skip

    @property
    def measurable(self) -> bool:
        """False when the metric could not be measured on this clip."""
        return self.confidence is not Confidence.NOT_MEASURABLE


@dataclass(frozen=True, kw_only=True)
class Kinematics(_Block):
    """The kinematics stage's block: view, running verdict, events, strides and metrics.

    ``direction``, ``body_scale`` and ``settings`` are its provenance record, kept as
    read-only JSON objects.
    """

    format_version: int | None = None
    view: View
    direction: Mapping[str, Json] = field(default_factory=dict)
    treadmill: bool | None = None
    running: Running
    cadence: Cadence = field(default_factory=Cadence)
    cleaning: Cleaning = field(default_factory=Cleaning)
    events: tuple[Event, ...] = ()
    event_detection: EventDetection = field(default_factory=EventDetection)
    strides: tuple[Stride, ...] = ()
    metrics: Mapping[str, MetricSummary] = field(default_factory=dict)
    body_scale: Mapping[str, Json] = field(default_factory=dict)
    sign_conventions: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, Json] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {
        "view": View.from_dict,
        "running": Running.from_dict,
        "cadence": Cadence.from_dict,
        "cleaning": Cleaning.from_dict,
        "events": _tuple_of(Event.from_dict),
        "event_detection": EventDetection.from_dict,
        "strides": _tuple_of(Stride.from_dict),
        "metrics": _mapping_of(MetricSummary.from_dict),
        "notes": tuple,
    }

    @property
    def near_side(self) -> str | None:
        """The leg nearer the camera in side view, when known."""
        return self.event_detection.near_side


#: What a result without kinematics shows: an unclear view, no running verdict.
NO_KINEMATICS = Kinematics(
    view=View(view="unclear", source="auto"),
    running=Running(is_running=False, activity="unknown", reason="kinematics not run"),
)


# ---------------------------------------------------------------------- findings
@dataclass(frozen=True, kw_only=True)
class Edge(_Block):
    """A band edge: the value, the references behind it and why it sits there."""

    edge: float | None
    refs: tuple[str, ...] = ()
    why: str = ""

    _readers: ClassVar[Mapping[str, Reader]] = {"refs": tuple}


@dataclass(frozen=True, kw_only=True)
class Band(_Block):
    """A finding's band: which direction is worse, the normal range in words, two edges."""

    direction: str = ""
    normal: str = ""
    watch: Edge | None = None
    high: Edge | None = None

    _readers: ClassVar[Mapping[str, Reader]] = {"watch": Edge.from_dict, "high": Edge.from_dict}


@dataclass(frozen=True, kw_only=True)
class Cue(_Block):
    """A running-form cue, with the articles (``sources``) and studies (``refs``) behind it."""

    text: str
    sources: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"sources": tuple, "refs": tuple}


@dataclass(frozen=True, kw_only=True)
class Exercise(_Block):
    """An exercise: name, how to do it, what for, the dose, and its articles."""

    key: str = ""
    name: str
    how: str = ""
    purpose: str = ""
    dose: str = ""
    sources: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"sources": tuple}


@dataclass(frozen=True, kw_only=True)
class KeyFrame(_Block):
    """A moment that shows a finding: time (s), stride side, its value, the gait instant."""

    time_s: float | None
    side: str | None = None
    value: float | None = None
    instant: str = ""


@dataclass(frozen=True, kw_only=True)
class Evidence(_Block):
    """One number behind a finding: metric, statistic, value, unit and confidence."""

    metric: str = ""
    statistic: str = ""
    value: float | None = None
    unit: str = ""
    confidence: Confidence | None = None

    _readers: ClassVar[Mapping[str, Reader]] = {"confidence": Confidence}


@dataclass(frozen=True, kw_only=True)
class Finding(_Block):
    """A finding as saved: what, how bad, which leg, the numbers, and what to do.

    Attributes mirror :class:`gaitlab.findings.model.Finding`; ``value`` is None when not
    finite, ``severity`` and ``confidence`` are enums.
    """

    id: str
    title: str = ""
    category: str = ""
    severity: Severity
    side: str | None = None
    side_note: str = ""
    metric: str = ""
    value: float | None = None
    unit: str = ""
    band: Band = field(default_factory=Band)
    confidence: Confidence
    confidence_reasons: tuple[str, ...] = ()
    explanation: str = ""
    clinical: str = ""
    cues: tuple[Cue, ...] = ()
    exercises: tuple[Exercise, ...] = ()
    sources: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    key_times_s: tuple[float | None, ...] = ()
    key_frames: tuple[KeyFrame, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    parts: tuple[Finding, ...] = ()
    retake: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {}

    @property
    def label(self) -> str:
        """The title, else the id."""
        return self.title or self.id

    @property
    def times_s(self) -> tuple[float, ...]:
        """Times (s) of its key frames, most extreme first, unknown ones left out."""
        return tuple(t for t in self.key_times_s if t is not None)


def _read_finding(data: Mapping[str, Json]) -> Finding:
    return Finding.from_dict(data)


Finding._readers = {
    "severity": Severity,
    "confidence": Confidence,
    "band": Band.from_dict,
    "confidence_reasons": tuple,
    "cues": _tuple_of(Cue.from_dict),
    "exercises": _tuple_of(Exercise.from_dict),
    "sources": tuple,
    "refs": tuple,
    "key_times_s": tuple,
    "key_frames": _tuple_of(KeyFrame.from_dict),
    "evidence": _tuple_of(Evidence.from_dict),
    "parts": _tuple_of(_read_finding),
    "retake": tuple,
}


@dataclass(frozen=True, kw_only=True)
class Assessment(_Block):
    """One rule's outcome on the clip (finding, check, normal, suppressed, not measurable)."""

    finding_id: str
    title: str = ""
    metric: str = ""
    side: str | None = None
    status: str
    value: float | None = None
    unit: str = ""
    band: str = ""
    confidence: Confidence | None = None
    reasons: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"confidence": Confidence, "reasons": tuple}


@dataclass(frozen=True, kw_only=True)
class Advice(_Block):
    """An advice item (pain first, general advice, safety) with its articles."""

    id: str = ""
    title: str = ""
    text: str
    sources: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"sources": tuple}


@dataclass(frozen=True, kw_only=True)
class GuideItem(_Block):
    """A filming tip: when it applies (the findings or views), its studies and articles."""

    id: str = ""
    text: str
    when: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"when": tuple, "refs": tuple, "sources": tuple}


@dataclass(frozen=True, kw_only=True)
class Article(_Block):
    """One of the articles the advice comes from: key, file, short name, publisher."""

    key: str = ""
    file: str = ""
    short_name: str = ""
    publisher: str = ""

    @property
    def label(self) -> str:
        """``short name (publisher)``, or the short name alone."""
        name = self.short_name or self.key
        return f"{name} ({self.publisher})" if self.publisher else name


@dataclass(frozen=True, kw_only=True)
class Reference(_Block):
    """A study or project note behind a threshold or a cue."""

    key: str = ""
    kind: str = ""
    short_name: str = ""
    citation: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Findings(_Block):
    """The findings block: ranked findings, checks, every rule's outcome, advice, sources.

    Attributes
    ----------
    status
        ``findings``, ``no_findings`` or ``not_running``.
    message
        The status in one line.
    findings, more_findings
        The ranked handful, then the rest.
    checks
        Out of band but too uncertain: "check with a better clip".
    assessments
        Every rule's outcome.
    pain_first, general_advice, safety, filming_guide
        Advice carried by every report ("If it hurts now" first).
    sources
        The articles by key.
    references
        The studies and project notes by key.
    """

    status: str
    message: str = ""
    findings: tuple[Finding, ...]
    more_findings: tuple[Finding, ...] = ()
    checks: tuple[Finding, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    pain_first: tuple[Advice, ...] = ()
    general_advice: tuple[Advice, ...] = ()
    safety: tuple[Advice, ...] = ()
    filming_guide: tuple[GuideItem, ...] = ()
    sources: Mapping[str, Article] = field(default_factory=dict)
    references: Mapping[str, Reference] = field(default_factory=dict)

    _readers: ClassVar[Mapping[str, Reader]] = {
        "findings": _tuple_of(Finding.from_dict),
        "more_findings": _tuple_of(Finding.from_dict),
        "checks": _tuple_of(Finding.from_dict),
        "assessments": _tuple_of(Assessment.from_dict),
        "pain_first": _tuple_of(Advice.from_dict),
        "general_advice": _tuple_of(Advice.from_dict),
        "safety": _tuple_of(Advice.from_dict),
        "filming_guide": _tuple_of(GuideItem.from_dict),
        "sources": _mapping_of(Article.from_dict),
        "references": _mapping_of(Reference.from_dict),
    }

    @property
    def reported(self) -> tuple[Finding, ...]:
        """The ranked findings then the further ones: everything reported to the runner."""
        return (*self.findings, *self.more_findings)

    def article_label(self, key: str) -> str:
        """``short name (publisher)`` of an article key (the key itself when unknown)."""
        article = self.sources.get(key)
        return article.label if article is not None else key


# ---------------------------------------------------------------------- the document
@dataclass(frozen=True, kw_only=True)
class ResultDocument(_Block):
    """``result.json``: one analysis of one clip.

    Attributes
    ----------
    schema, schema_version
        ``gaitlab.result`` and the layout's version (:data:`RESULT_SCHEMA_VERSION`).
    gaitlab_version, created_utc
        Which gaitlab wrote it, and when (ISO 8601, UTC).
    request
        What the user asked for.
    clip
        The video.
    pose
        The pose stage's summary and provenance.
    kinematics
        The kinematics block, None when that stage did not run.
    findings
        The findings block, None when that stage did not run.
    """

    schema: str
    schema_version: int
    gaitlab_version: str = ""
    created_utc: str = ""
    request: Request = field(default_factory=Request)
    clip: Clip
    pose: PoseSummary
    kinematics: Kinematics | None = None
    findings: Findings | None = None

    _readers: ClassVar[Mapping[str, Reader]] = {
        "clip": Clip.from_dict,
        "pose": PoseSummary.from_dict,
        "request": Request.from_dict,
        "kinematics": Kinematics.from_dict,
        "findings": Findings.from_dict,
    }

    @property
    def view(self) -> str:
        """The view the metrics follow (``unclear`` without kinematics)."""
        return self.kinematics.view.view if self.kinematics is not None else "unclear"

    @property
    def metrics(self) -> Mapping[str, MetricSummary]:
        """Metric name -> summary (empty without kinematics)."""
        return self.kinematics.metrics if self.kinematics is not None else {}

    @property
    def strides(self) -> tuple[Stride, ...]:
        """Strides, as saved (empty without kinematics)."""
        return self.kinematics.strides if self.kinematics is not None else ()

    @property
    def events(self) -> tuple[Event, ...]:
        """Gait events, as saved (empty without kinematics)."""
        return self.kinematics.events if self.kinematics is not None else ()

    @property
    def reported_findings(self) -> tuple[Finding, ...]:
        """Ranked then further findings (empty without the findings stage)."""
        return self.findings.reported if self.findings is not None else ()
