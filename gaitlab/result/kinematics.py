"""The ``kinematics`` block of the result: view, running verdict, events, strides, metrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from gaitlab.result.block import Block, Json, Reader, mapping_of, tuple_of
from gaitlab.result.vocab import Confidence


@dataclass(frozen=True, kw_only=True)
class View(Block):
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
    oblique_yaw_deg
        How far a side view is turned off square (deg), None when not estimated.
    reason
        The verdict in one sentence.
    """

    view: str
    confidence: float | None = None
    source: str = ""
    detected_view: str = ""
    width_ratio: float | None = None
    oblique_yaw_deg: float | None = None
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
class Running(Block):
    """Whether the clip shows running: the verdict, the activity and why.

    ``slow_motion`` is true for running in slow motion: angles measured, timings waiting for
    the slow-motion factor (absent, i.e. false, in results written before it existed).
    """

    is_running: bool
    activity: str = ""
    reason: str = ""
    slow_motion: bool = False


@dataclass(frozen=True, kw_only=True)
class Cadence(Block):
    """Cadence (steps/min) from the periodicity and from the events, and whether they agree.

    ``limbs_spm`` and ``bounce_spm`` are the limbs' and the body's bounce readings of the
    half/double-cadence guard, ``check`` its outcome (``agree``, ``resolved``, ``disagree``,
    ``none``) and ``note`` what it says about it.
    """

    cadence_spm: float | None = None
    periodicity: float | None = None
    events_cadence_spm: float | None = None
    agree: bool | None = None
    limbs_spm: float | None = None
    bounce_spm: float | None = None
    check: str | None = None
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class Cleaning(Block):
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
class Event(Block):
    """A gait event: ``foot_strike`` or ``toe_off`` of one leg, at ``time_s`` (``frame``)."""

    side: str
    kind: str
    time_s: float
    frame: int | None = None
    inferred: bool = False


@dataclass(frozen=True, kw_only=True)
class EventDetection(Block):
    """How the events were found: the leg nearer the camera, inferred far-leg events, notes."""

    near_side: str | None = None
    far_leg_inferred: bool = False
    alternation_share: float | None = None
    notes: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"notes": tuple}


@dataclass(frozen=True, kw_only=True)
class Stride(Block):
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
class MetricValue(Block):
    """One stride's value of a metric (in the metric's unit; None when not measurable).

    ``time_s`` is the stride's foot strike, ``at_s`` the instant the value was read.
    """

    side: str
    time_s: float
    value: float | None
    inferred: bool = False
    at_s: float | None = None


@dataclass(frozen=True, kw_only=True)
class MetricSummary(Block):
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
        "confidence": Confidence, "values": tuple_of(MetricValue.from_dict), "reasons": tuple,
    }  # fmt: skip

    @property
    def measurable(self) -> bool:
        """False when the metric could not be measured on this clip."""
        return self.confidence is not Confidence.NOT_MEASURABLE


@dataclass(frozen=True, kw_only=True)
class PelvisCues(Block):
    """Rear/front views: the waistband edge and the hips' silhouette, and how they agree.

    Frame counts of each cue and of both; ``median_difference_deg`` is the median absolute
    per-frame difference of the two tilts with each one's clip median removed, and
    ``max_difference_deg`` the most that still counts the edge as moving with the pelvis
    (``gaitlab.kinematics.pelvis.cue_agreement``); ``silhouette_measures`` whether the
    silhouette gave the drop (it does not: it only checks the edge).
    """

    waistband_frames: int = 0
    silhouette_frames: int = 0
    both_frames: int = 0
    median_difference_deg: float | None = None
    correlation: float | None = None
    silhouette_measures: bool = False
    max_difference_deg: float | None = None


@dataclass(frozen=True, kw_only=True)
class Kinematics(Block):
    """The kinematics stage's block: view, running verdict, events, strides and metrics.

    ``direction``, ``body_scale`` and ``settings`` are its provenance record, kept as
    read-only JSON objects; so are ``camera`` (the camera's motion,
    :class:`gaitlab.kinematics.camera.CameraMotion`) and ``camera_roll`` (the roll read from
    the scene and whether the angles were levelled by it,
    :class:`gaitlab.kinematics.level.CameraLevel`).
    """

    format_version: int | None = None
    view: View
    direction: Mapping[str, Json] = field(default_factory=dict)
    treadmill: bool | None = None
    camera: Mapping[str, Json] | None = None
    camera_roll: Mapping[str, Json] | None = None
    pelvis_cues: PelvisCues | None = None
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
    corrections: Mapping[str, Json] | None = None

    _readers: ClassVar[Mapping[str, Reader]] = {
        "view": View.from_dict,
        "pelvis_cues": PelvisCues.from_dict,
        "running": Running.from_dict,
        "cadence": Cadence.from_dict,
        "cleaning": Cleaning.from_dict,
        "events": tuple_of(Event.from_dict),
        "event_detection": EventDetection.from_dict,
        "strides": tuple_of(Stride.from_dict),
        "metrics": mapping_of(MetricSummary.from_dict),
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
