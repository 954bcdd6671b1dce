"""The session document: ``session.json``, typed.

A session is several clips of one run (a side and a rear view, say) read as one analysis.
Each clip keeps its own result folder; ``session.json`` sits next to those folders and says
which clip each metric and finding was taken from, whether the clips' cadences agree, and
what the session lacks (a clip that failed, a view nobody filmed). It is built by
:func:`gaitlab.session.combine.combine_session` and read back with
:func:`gaitlab.session.folder.read_session`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from gaitlab.result import Confidence, Finding
from gaitlab.result.block import Block, Reader, mapping_of, tuple_of

#: The ``schema`` value of a session document.
SESSION_SCHEMA = "gaitlab.session"
#: Version of the ``session.json`` layout; bump on incompatible change.
SESSION_SCHEMA_VERSION = 1
#: File name of the session document, next to the clips' result folders.
SESSION_FILE = "session.json"
#: File name of the session's HTML report.
SESSION_REPORT_FILE = "session_report.html"


@dataclass(frozen=True, kw_only=True)
class SessionClip(Block):
    """One clip of the session.

    Attributes
    ----------
    label
        The clip's file name, as the user knows it.
    folder
        Its result folder, relative to the session folder ("" when it failed early).
    status
        ``analysed`` or ``failed``.
    error, exit_code
        Why it failed, in the one line the command prints, and that error's exit code.
    view
        The view its metrics follow (``side-left``, ``rear``, ...; ``unclear`` when failed).
    role
        ``side``, ``frontal`` or ``unclear``: the family of views it can measure.
    is_running
        Whether the clip shows running.
    cadence_spm
        Its cadence (steps/min), None when not measured.
    sha256
        The clip's content hash ("" when it could not be read).
    """

    label: str
    folder: str = ""
    status: str
    error: str = ""
    exit_code: int | None = None
    view: str = "unclear"
    role: str = "unclear"
    is_running: bool = False
    cadence_spm: float | None = None
    sha256: str = ""

    @property
    def analysed(self) -> bool:
        """True when the clip has a result."""
        return self.status == "analysed"


@dataclass(frozen=True, kw_only=True)
class CadenceCheck(Block):
    """Whether the clips' cadences agree.

    Attributes
    ----------
    tolerance_spm
        Largest spread (steps/min) still read as the same run at the same pace.
    values_spm
        Each analysed running clip's cadence, in clip order (None when not measured).
    spread_spm
        Highest minus lowest measured cadence (None with fewer than two).
    agree
        True within the tolerance, False beyond it, None with fewer than two cadences.
    note
        The verdict in one sentence.
    """

    tolerance_spm: float
    values_spm: tuple[float | None, ...] = ()
    spread_spm: float | None = None
    agree: bool | None = None
    note: str = ""

    _readers: ClassVar[Mapping[str, Reader]] = {"values_spm": tuple}


@dataclass(frozen=True, kw_only=True)
class SessionMetric(Block):
    """A metric of the session: the value of the clip chosen for it, and why that clip.

    Attributes
    ----------
    name, unit
        The metric and its unit (as in ``result.json``).
    clip
        Index (in :attr:`SessionDocument.clips`) of the clip it is taken from.
    view
        That clip's view.
    median, iqr, left_median, right_median, n
        Its summary on that clip (the metric's unit; ``n`` strides).
    confidence
        Its confidence on that clip.
    why
        Why this clip, in one sentence.
    others
        The other clips that measured it: ``{"clip": i, "median": x, "confidence": c}``.
    """

    name: str
    unit: str = ""
    clip: int
    view: str = ""
    median: float | None = None
    iqr: float | None = None
    left_median: float | None = None
    right_median: float | None = None
    n: int = 0
    confidence: Confidence
    why: str = ""
    others: tuple[Mapping[str, object], ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"confidence": Confidence, "others": tuple}


@dataclass(frozen=True, kw_only=True)
class SessionFinding(Block):
    """A finding of the session, from the clip that measures it best.

    Attributes
    ----------
    clip
        Index of the clip it comes from.
    finding
        The finding as that clip's ``result.json`` holds it (fixes, key frames, sources).
    rank_in_clip
        Its rank (1 = first) among that clip's own findings: the clip's picture of it is
        ``finding_<rank>_<id>.png``.
    also_in
        Other clips that reported the same finding (left out as duplicates).
    """

    clip: int
    finding: Finding
    rank_in_clip: int = 0
    also_in: tuple[int, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {
        "finding": Finding.from_dict, "also_in": tuple,
    }  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class SessionDocument(Block):
    """``session.json``: several clips of one run, combined.

    Attributes
    ----------
    schema, schema_version
        ``gaitlab.session`` and :data:`SESSION_SCHEMA_VERSION`.
    gaitlab_version, created_utc
        Which gaitlab wrote it, and when (ISO 8601, UTC).
    status
        ``complete`` (every clip analysed), ``partial`` (some failed) or ``failed`` (none).
    clips
        The clips, in the order given.
    cadence
        Whether their cadences agree.
    metrics
        Metric name -> the value of the clip chosen for it.
    findings
        Merged findings, ranked once, worst first; no finding twice.
    missing
        What the session lacks, one sentence each (a failed clip, an unfilmed view).
    """

    schema: str = SESSION_SCHEMA
    schema_version: int = SESSION_SCHEMA_VERSION
    gaitlab_version: str = ""
    created_utc: str = ""
    status: str
    clips: tuple[SessionClip, ...]
    cadence: CadenceCheck
    metrics: Mapping[str, SessionMetric] = field(default_factory=dict)
    findings: tuple[SessionFinding, ...] = ()
    missing: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {
        "clips": tuple_of(SessionClip.from_dict),
        "cadence": CadenceCheck.from_dict,
        "metrics": mapping_of(SessionMetric.from_dict),
        "findings": tuple_of(SessionFinding.from_dict),
        "missing": tuple,
    }

    @property
    def analysed(self) -> tuple[SessionClip, ...]:
        """The clips that have a result."""
        return tuple(c for c in self.clips if c.analysed)

    @property
    def failed(self) -> tuple[SessionClip, ...]:
        """The clips that could not be analysed."""
        return tuple(c for c in self.clips if not c.analysed)

    def metric_from(self, name: str) -> SessionClip | None:
        """The clip a metric was taken from (None when no clip measured it)."""
        chosen = self.metrics.get(name)
        return None if chosen is None else self.clips[chosen.clip]
