"""The findings knowledge base's schema: its vocabularies and frozen dataclasses.

What the validated knowledge base holds (articles, references, thresholds, cues, exercises,
patterns, advice); :mod:`gaitlab.findings.knowledge` reads and validates the TOML file into
these classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gaitlab.errors import GaitlabError
from gaitlab.result.vocab import Severity

#: Version of the knowledge-base layout this loader understands.
SCHEMA_VERSION = 2

#: Summary statistics a rule can read from a :class:`~gaitlab.kinematics.MetricResult`.
STATISTICS: tuple[str, ...] = (
    "median",
    "per_side",
    "mean_of_sides",
    "abs_left_minus_right",
    "abs_asymmetry_pct",
    "half_left_minus_right",
)
#: Which way a metric goes wrong.
DIRECTIONS: tuple[str, ...] = ("above", "below")
#: Views a rule can need (as in :mod:`gaitlab.kinematics.definitions`).
RULE_VIEWS: tuple[str, ...] = ("side", "frontal", "any")
#: Finding categories: form faults and left/right asymmetries.
CATEGORIES: tuple[str, ...] = ("form", "asymmetry")
#: Kinds of reference behind a threshold.
REFERENCE_KINDS: tuple[str, ...] = ("literature", "project")
#: Severities a rule may be capped at (``[findings.cap]``).
CAP_SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)
#: Statistics that compare the left and the right side (the noise rules apply to these).
LEFT_RIGHT_STATISTICS: tuple[str, ...] = (
    "abs_left_minus_right",
    "abs_asymmetry_pct",
    "half_left_minus_right",
)
#: Words an evidence phrase may have: long enough to be specific, short enough never to be a
#: copied sentence (the no-copy test forbids 8-word runs of an article).
EVIDENCE_WORDS: tuple[int, int] = (2, 6)

#: Evidence: the key phrases an item paraphrases, per cited article
#: (``(("clinic", ("rib cage down",)),)``). Kept out of result.json.
Evidence = tuple[tuple[str, tuple[str, ...]], ...]
_NOT_EXPORTED = {"export": False}


class KnowledgeBaseError(GaitlabError):
    """The knowledge base file is missing, not TOML, or does not match the schema."""

    exit_code = 1


# ---------------------------------------------------------------------------------- schema
@dataclass(frozen=True)
class Article:
    """One of the five source articles (listed in ``docs/advice.md``).

    Attributes
    ----------
    key
        Citation key used throughout the knowledge base (``clinic``).
    file
        File name in the seeds folder.
    short_name
        The name to cite it by.
    publisher
        Who published it, in a few words.
    """

    key: str
    file: str
    short_name: str
    publisher: str


@dataclass(frozen=True)
class Reference:
    """Literature or project note behind a threshold.

    Attributes
    ----------
    key
        Citation key (``bramah2018``).
    kind
        ``literature`` or ``project`` (a project convention, said honestly).
    short_name
        How reports cite it (``Heiderscheit 2011``).
    citation
        Full citation.
    note
        What the reference contributes, saying no more than the source does.
    """

    key: str
    kind: str
    short_name: str
    citation: str
    note: str


@dataclass(frozen=True)
class Edge:
    """One band edge with its justification.

    Attributes
    ----------
    edge
        The threshold, in the metric's unit.
    refs
        Reference keys that support it.
    why
        One or two sentences on where the number comes from.
    """

    edge: float
    refs: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Band:
    """Normal / watch / high bands of a rule.

    A value strictly beyond ``watch.edge`` (above it for ``direction="above"``, below it for
    ``"below"``) is ``watch``; strictly beyond ``high.edge`` it is ``high``. A value exactly on
    an edge stays in the milder band.

    Attributes
    ----------
    direction
        ``above`` (large values are the problem) or ``below``.
    normal
        The normal band in words, with its unit (``under 5 deg``).
    watch, high
        The two edges.
    """

    direction: str
    normal: str
    watch: Edge
    high: Edge

    def classify(self, value: float) -> str:
        """``normal``, ``watch`` or ``high`` for a finite ``value``."""
        sign = 1.0 if self.direction == "above" else -1.0
        if sign * (value - self.high.edge) > 0:
            return "high"
        if sign * (value - self.watch.edge) > 0:
            return "watch"
        return "normal"

    def excess(self, value: float) -> float:
        """How far beyond the watch edge ``value`` lies, in units of the watch-high span."""
        return (value - self.watch.edge) / (self.high.edge - self.watch.edge)

    @property
    def refs(self) -> tuple[str, ...]:
        """Reference keys of both edges, without repeats."""
        return tuple(dict.fromkeys(self.watch.refs + self.high.refs))


@dataclass(frozen=True)
class Cue:
    """A running-form cue.

    Attributes
    ----------
    text
        The cue, in our own words.
    sources
        Article keys (a cue cites at least one article or one literature reference).
    refs
        Literature keys: a cue taken from a study cites the study, not an article.
    evidence
        The key phrases of each cited article that the cue paraphrases.
    """

    text: str
    sources: tuple[str, ...]
    refs: tuple[str, ...] = ()
    evidence: Evidence = field(default=(), compare=False, metadata=_NOT_EXPORTED)


@dataclass(frozen=True)
class Exercise:
    """An exercise from the articles.

    Attributes
    ----------
    key
        Library key (``clamshell``).
    name
        Display name.
    how
        How to do it, in a sentence or two.
    purpose
        What it is for.
    dose
        How often, where an article gives it ("" when none does).
    sources
        Article keys (at least one).
    evidence
        The key phrases of each cited article that the exercise paraphrases.
    """

    key: str
    name: str
    how: str
    purpose: str
    dose: str
    sources: tuple[str, ...]
    evidence: Evidence = field(default=(), compare=False, metadata=_NOT_EXPORTED)


@dataclass(frozen=True)
class FindingRule:
    """How one finding is read from one metric, and what to tell the runner about it.

    Attributes
    ----------
    id
        Finding id (``pelvic_drop``).
    title
        Short title for the runner.
    category
        ``form`` or ``asymmetry``.
    metric
        Metric name in the kinematics catalogue (``pelvic_drop_deg``).
    statistic
        Which summary of the metric is banded (one of :data:`STATISTICS`).
    view
        ``side``, ``frontal`` or ``any``: the view the metric needs.
    priority
        Tie-breaker in the ranking (1 = first).
    band
        Normal / watch / high.
    explanation
        Plain-language explanation for runners.
    clinical
        One line for physiotherapists.
    cues
        Form cues, best first.
    exercises
        Exercises, best first.
    sources
        Article keys behind the explanation.
    side_note
        How to read the side, with ``{side}`` / ``{other}`` placeholders ("" when unsided).
    also_show
        Other metrics shown beside it as evidence (same statistic and side).
    suppressed_by
        Finding ids that, when reported, make this one redundant.
    refs
        Literature keys behind the explanation (what no article says).
    evidence
        The key phrases of each cited article that the explanation paraphrases.
    min_frames
        Left/right timing rules: the left/right difference must be more than this many
        frames of the clip (0 = no frame rule).
    needs_level_camera
        The metric is an angle against the image vertical that camera roll shifts one way:
        not measurable unless the camera's roll is known
        (:attr:`~gaitlab.findings.model.FindingsContext.camera_roll_max_deg`).
    measurement_error
        ``per_side`` / ``median`` rules: the metric's clip-median error on the accuracy
        benchmark's population (metric units; 0 = not used). A value beyond the watch edge
        is a finding only when it is beyond it by more than the clip's measurement noise,
        ``hypot(measurement_error, 1.96 se)`` with ``se`` the standard error of the side's
        median from its stride-to-stride spread; otherwise it is not assessed, with the
        reason.
    max_severity
        The most severe band the rule may report (``watch`` for experimental measures).
    max_severity_why
        Why it is capped (shown with the finding).
    """

    id: str
    title: str
    category: str
    metric: str
    statistic: str
    view: str
    priority: int
    band: Band
    explanation: str
    clinical: str
    cues: tuple[Cue, ...]
    exercises: tuple[Exercise, ...]
    sources: tuple[str, ...]
    side_note: str = ""
    also_show: tuple[str, ...] = ()
    suppressed_by: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    evidence: Evidence = field(default=(), compare=False, metadata=_NOT_EXPORTED)
    min_frames: float = 0.0
    needs_level_camera: bool = False
    measurement_error: float = 0.0
    max_severity: str = "high"
    max_severity_why: str = ""


@dataclass(frozen=True)
class Pattern:
    """A combination of findings that the articles link.

    Attributes
    ----------
    id, title, explanation, clinical, cues, exercises, sources, refs, evidence
        As for :class:`FindingRule`.
    requires
        Finding ids that must all be reported (confidence medium or better).
    same_side
        True when the parts must be on the same side (one pattern per side).
    """

    id: str
    title: str
    requires: tuple[str, ...]
    same_side: bool
    explanation: str
    clinical: str
    cues: tuple[Cue, ...]
    exercises: tuple[Exercise, ...]
    sources: tuple[str, ...]
    refs: tuple[str, ...] = ()
    evidence: Evidence = field(default=(), compare=False, metadata=_NOT_EXPORTED)


@dataclass(frozen=True)
class Advice:
    """A pain-first, general-advice or safety item.

    Attributes
    ----------
    id, title, text
        Identifier, heading and the advice itself.
    sources
        Article keys (at least one).
    evidence
        The key phrases of each cited article that the item paraphrases.
    """

    id: str
    title: str
    text: str
    sources: tuple[str, ...]
    evidence: Evidence = field(default=(), compare=False, metadata=_NOT_EXPORTED)


@dataclass(frozen=True)
class GuideItem:
    """One filming tip (docs/filming.md).

    Attributes
    ----------
    id
        Identifier (``frame_rate``).
    text
        The tip.
    when
        Lower-case fragments; a low-confidence reason containing one selects this tip.
    refs
        Reference keys.
    sources
        Article keys, where an article says it too.
    evidence
        The key phrases of each cited article that the tip paraphrases.
    """

    id: str
    text: str
    when: tuple[str, ...]
    refs: tuple[str, ...]
    sources: tuple[str, ...] = ()
    evidence: Evidence = field(default=(), compare=False, metadata=_NOT_EXPORTED)


@dataclass(frozen=True)
class KnowledgeBase:
    """The validated knowledge base.

    Attributes
    ----------
    schema_version
        Layout version (:data:`SCHEMA_VERSION`).
    articles, references, exercises
        Keyed by citation / library key.
    findings
        Rules in file order.
    patterns
        Combined patterns in file order.
    pain_first
        "If it hurts now": shown above the findings of every report.
    general_advice, safety, filming_guide
        Items every report carries.
    """

    schema_version: int
    articles: Mapping[str, Article]
    references: Mapping[str, Reference]
    exercises: Mapping[str, Exercise]
    findings: tuple[FindingRule, ...]
    patterns: tuple[Pattern, ...]
    pain_first: tuple[Advice, ...]
    general_advice: tuple[Advice, ...]
    safety: tuple[Advice, ...]
    filming_guide: tuple[GuideItem, ...]

    def rule(self, finding_id: str) -> FindingRule:
        """The rule with this id.

        Raises
        ------
        KeyError
            When there is none.
        """
        for r in self.findings:
            if r.id == finding_id:
                return r
        raise KeyError(f"no finding rule {finding_id!r}; known: {[r.id for r in self.findings]}")

    def texts(self) -> list[tuple[str, str]]:
        """Every user-facing text as ``(where, text)``, for the verbatim-copy check."""
        out: list[tuple[str, str]] = []
        for e in self.exercises.values():
            out += [(f"exercises.{e.key}.{f}", getattr(e, f)) for f in ("name", "how", "purpose")]
        items: list[FindingRule | Pattern] = [*self.findings, *self.patterns]
        for item in items:
            out += [(f"{item.id}.{f}", getattr(item, f)) for f in ("title", "explanation")]
            out.append((f"{item.id}.clinical", item.clinical))
            out += [(f"{item.id}.cues[{i}]", c.text) for i, c in enumerate(item.cues)]
        for r in self.findings:
            out += [
                (f"{r.id}.band.{k}", e.why)
                for k, e in (("watch", r.band.watch), ("high", r.band.high))
            ]
        for a in (*self.pain_first, *self.general_advice, *self.safety):
            out.append((f"advice.{a.id}", a.text))
        out += [(f"filming_guide.{g.id}", g.text) for g in self.filming_guide]
        out += [(f"references.{r.key}.note", r.note) for r in self.references.values()]
        return out

    def pain_first_block(self) -> dict[str, Any]:
        """The "If it hurts now" items as a findings block would carry them.

        For readers of results saved before the block existed (the reports and the
        dashboard show it whatever the result): ``{"pain_first": [...], "sources": {...}}``
        with the articles the items cite.
        """
        keys = dict.fromkeys(k for a in self.pain_first for k in a.sources)
        return {
            "pain_first": [
                {"id": a.id, "title": a.title, "text": a.text, "sources": list(a.sources)}
                for a in self.pain_first
            ],
            "sources": {
                k: {
                    "key": k,
                    "file": self.articles[k].file,
                    "short_name": self.articles[k].short_name,
                    "publisher": self.articles[k].publisher,
                }
                for k in keys
            },
        }

    def citations(self) -> list[tuple[str, tuple[str, ...], Evidence]]:
        """Every item that cites articles, as ``(where, article keys, evidence)``.

        For the citation check: each cited article's evidence phrases must occur in that
        article's text.
        """
        out: list[tuple[str, tuple[str, ...], Evidence]] = []
        for e in self.exercises.values():
            out.append((f"exercises.{e.key}", e.sources, e.evidence))
        items: list[FindingRule | Pattern] = [*self.findings, *self.patterns]
        for item in items:
            out.append((item.id, item.sources, item.evidence))
            out += [
                (f"{item.id}.cues[{i}]", c.sources, c.evidence) for i, c in enumerate(item.cues)
            ]
        for kind, advice in (
            ("pain_first", self.pain_first),
            ("general_advice", self.general_advice),
            ("safety", self.safety),
        ):
            out += [(f"{kind}.{a.id}", a.sources, a.evidence) for a in advice]
        out += [(f"filming_guide.{g.id}", g.sources, g.evidence) for g in self.filming_guide]
        return out
