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

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from gaitlab.result.block import Block, Json, Reader
from gaitlab.result.findings import Finding, Findings
from gaitlab.result.kinematics import Event, Kinematics, MetricSummary, Stride


# ---------------------------------------------------------------------- request, clip, pose
@dataclass(frozen=True, kw_only=True)
class Request(Block):
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
class Clip(Block):
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
class PoseModel(Block):
    """Provenance of the pose stage: model name and hash, backend and its settings."""

    name: str = ""
    sha256: str = ""
    backend: str = ""
    backend_version: str = ""
    settings: Mapping[str, Json] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class People(Block):
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
class PoseSummary(Block):
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


# ---------------------------------------------------------------------- the document
@dataclass(frozen=True, kw_only=True)
class ResultDocument(Block):
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
