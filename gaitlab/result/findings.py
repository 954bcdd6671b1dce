"""The ``findings`` block of the result: ranked findings, every rule's outcome, advice, sources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from gaitlab.result.block import Block, Json, Reader, mapping_of, tuple_of
from gaitlab.result.vocab import Confidence, Severity


@dataclass(frozen=True, kw_only=True)
class Edge(Block):
    """A band edge: the value, the references behind it and why it sits there."""

    edge: float | None
    refs: tuple[str, ...] = ()
    why: str = ""

    _readers: ClassVar[Mapping[str, Reader]] = {"refs": tuple}


@dataclass(frozen=True, kw_only=True)
class Band(Block):
    """A finding's band: which direction is worse, the normal range in words, two edges."""

    direction: str = ""
    normal: str = ""
    watch: Edge | None = None
    high: Edge | None = None

    _readers: ClassVar[Mapping[str, Reader]] = {"watch": Edge.from_dict, "high": Edge.from_dict}


@dataclass(frozen=True, kw_only=True)
class Cue(Block):
    """A running-form cue, with the articles (``sources``) and studies (``refs``) behind it."""

    text: str
    sources: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"sources": tuple, "refs": tuple}


@dataclass(frozen=True, kw_only=True)
class Exercise(Block):
    """An exercise: name, how to do it, what for, the dose, and its articles."""

    key: str = ""
    name: str
    how: str = ""
    purpose: str = ""
    dose: str = ""
    sources: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"sources": tuple}


@dataclass(frozen=True, kw_only=True)
class KeyFrame(Block):
    """A moment that shows a finding: time (s), stride side, its value, the gait instant."""

    time_s: float | None
    side: str | None = None
    value: float | None = None
    instant: str = ""


@dataclass(frozen=True, kw_only=True)
class Evidence(Block):
    """One number behind a finding: metric, statistic, value, unit and confidence."""

    metric: str = ""
    statistic: str = ""
    value: float | None = None
    unit: str = ""
    confidence: Confidence | None = None

    _readers: ClassVar[Mapping[str, Reader]] = {"confidence": Confidence}


@dataclass(frozen=True, kw_only=True)
class Finding(Block):
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
    "cues": tuple_of(Cue.from_dict),
    "exercises": tuple_of(Exercise.from_dict),
    "sources": tuple,
    "refs": tuple,
    "key_times_s": tuple,
    "key_frames": tuple_of(KeyFrame.from_dict),
    "evidence": tuple_of(Evidence.from_dict),
    "parts": tuple_of(_read_finding),
    "retake": tuple,
}


@dataclass(frozen=True, kw_only=True)
class Assessment(Block):
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
class Advice(Block):
    """An advice item (pain first, general advice, safety) with its articles."""

    id: str = ""
    title: str = ""
    text: str
    sources: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"sources": tuple}


@dataclass(frozen=True, kw_only=True)
class GuideItem(Block):
    """A filming tip: when it applies (the findings or views), its studies and articles."""

    id: str = ""
    text: str
    when: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    _readers: ClassVar[Mapping[str, Reader]] = {"when": tuple, "refs": tuple, "sources": tuple}


@dataclass(frozen=True, kw_only=True)
class Article(Block):
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
class Reference(Block):
    """A study or project note behind a threshold or a cue."""

    key: str = ""
    kind: str = ""
    short_name: str = ""
    citation: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class Findings(Block):
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
        "findings": tuple_of(Finding.from_dict),
        "more_findings": tuple_of(Finding.from_dict),
        "checks": tuple_of(Finding.from_dict),
        "assessments": tuple_of(Assessment.from_dict),
        "pain_first": tuple_of(Advice.from_dict),
        "general_advice": tuple_of(Advice.from_dict),
        "safety": tuple_of(Advice.from_dict),
        "filming_guide": tuple_of(GuideItem.from_dict),
        "sources": mapping_of(Article.from_dict),
        "references": mapping_of(Reference.from_dict),
    }

    @property
    def reported(self) -> tuple[Finding, ...]:
        """The ranked findings then the further ones: everything reported to the runner."""
        return (*self.findings, *self.more_findings)

    def article_label(self, key: str) -> str:
        """``short name (publisher)`` of an article key (the key itself when unknown)."""
        article = self.sources.get(key)
        return article.label if article is not None else key
