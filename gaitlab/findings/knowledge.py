"""The findings knowledge base: a TOML data file, its schema, and a validating loader.

The data (``knowledge_base.toml``, packaged next to this module) holds every threshold with
its sources and every piece of advice with the article it comes from. This module turns it
into frozen dataclasses and refuses anything malformed with a message that names the place
(``findings[2] 'pelvic_drop'.band.watch.edge``), what was expected and what arrived. Unknown
keys are errors too, so a typo never silently drops a field.

Validation rules beyond types: ids are unique; every cue, exercise, advice and safety item
cites at least one known article, or (cues, finding and pattern explanations) at least one
known literature reference; every article cited carries the key phrases (``evidence``) that
the item paraphrases from it, so that a test can check each citation against the article's
text; every threshold cites at least one known reference; band edges are ordered for their
direction; exercises and patterns refer to entries that exist.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from gaitlab.errors import GaitlabError

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
CAP_SEVERITIES: tuple[str, ...] = ("watch", "high")
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

_PACKAGE_FILE = "knowledge_base.toml"


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


# ------------------------------------------------------------------------------ validation
class _Reader:
    """Typed access to one TOML table that reports errors with their path."""

    def __init__(self, data: Any, path: str, allowed: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            raise KnowledgeBaseError(
                f"knowledge base {path}: expected a table, got {type(data).__name__}"
            )
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise KnowledgeBaseError(
                f"knowledge base {path}: unknown key(s) {unknown}; allowed: {sorted(allowed)}"
            )
        self.data = data
        self.path = path

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, default: Any) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _REQUIRED:
            raise KnowledgeBaseError(f"knowledge base {self.where(key)}: missing")
        return default

    def text(self, key: str, *, optional: bool = False) -> str:
        """A non-empty string; with ``optional`` it may be empty or absent ("")."""
        v = self._get(key, "" if optional else _REQUIRED)
        if not isinstance(v, str) or (not optional and not v.strip()):
            what = "a string" if optional else "a non-empty string"
            raise KnowledgeBaseError(
                f"knowledge base {self.where(key)}: expected {what}, got {v!r}"
            )
        return v

    def number(self, key: str) -> float:
        v = self._get(key, _REQUIRED)
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise KnowledgeBaseError(
                f"knowledge base {self.where(key)}: expected a number, got {type(v).__name__} {v!r}"
            )
        return float(v)

    def integer(self, key: str) -> int:
        v = self._get(key, _REQUIRED)
        if isinstance(v, bool) or not isinstance(v, int):
            raise KnowledgeBaseError(
                f"knowledge base {self.where(key)}: expected an integer, got {v!r}"
            )
        return v

    def boolean(self, key: str) -> bool:
        v = self._get(key, _REQUIRED)
        if not isinstance(v, bool):
            raise KnowledgeBaseError(
                f"knowledge base {self.where(key)}: expected true/false, got {v!r}"
            )
        return v

    def choice(self, key: str, options: tuple[str, ...]) -> str:
        v = self.text(key)
        if v not in options:
            raise KnowledgeBaseError(
                f"knowledge base {self.where(key)}: expected one of {list(options)}, got {v!r}"
            )
        return v

    def strings(
        self, key: str, *, known: Mapping[str, Any] | None = None, min_len: int = 0
    ) -> tuple[str, ...]:
        v = self._get(key, [] if min_len == 0 else _REQUIRED)
        if not isinstance(v, list) or not all(isinstance(s, str) and s for s in v):
            raise KnowledgeBaseError(
                f"knowledge base {self.where(key)}: expected a list of strings, got {v!r}"
            )
        if len(v) < min_len:
            raise KnowledgeBaseError(
                f"knowledge base {self.where(key)}: needs at least {min_len} entr"
                f"{'y' if min_len == 1 else 'ies'}, got {len(v)}"
            )
        if known is not None:
            bad = [s for s in v if s not in known]
            if bad:
                raise KnowledgeBaseError(
                    f"knowledge base {self.where(key)}: unknown key(s) {bad}; known: "
                    f"{sorted(known)}"
                )
        return tuple(v)

    def table(self, key: str, allowed: tuple[str, ...]) -> _Reader:
        return _Reader(self._get(key, _REQUIRED), self.where(key), allowed)

    def tables(self, key: str, allowed: tuple[str, ...]) -> list[_Reader]:
        """An array of tables; each is labelled by its index and, if it has one, its id."""
        v = self._get(key, [])
        if not isinstance(v, list):
            raise KnowledgeBaseError(
                f"knowledge base {self.where(key)}: expected an array of tables, got {v!r}"
            )
        out = []
        for i, item in enumerate(v):
            label = f"[{i}]"
            if isinstance(item, dict) and "id" in item:
                label += f" {item['id']!r}"
            out.append(_Reader(item, self.where(key) + label, allowed))
        return out

    def keyed(self, key: str) -> dict[str, Any]:
        v = self._get(key, _REQUIRED)
        if not isinstance(v, dict) or not v:
            raise KnowledgeBaseError(
                f"knowledge base {self.where(key)}: expected a non-empty table of entries"
            )
        return v


_REQUIRED = object()


def _unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise KnowledgeBaseError(f"knowledge base {what}: duplicate id {i!r}")
        seen.add(i)


def _evidence(r: _Reader, sources: tuple[str, ...]) -> Evidence:
    """The ``evidence`` table: for each cited article, the phrases the item paraphrases."""
    raw = r._get("evidence", {})
    where = r.where("evidence")
    if not isinstance(raw, dict):
        raise KnowledgeBaseError(
            f"knowledge base {where}: expected a table of article -> phrases, got {raw!r}"
        )
    missing = [s for s in sources if s not in raw]
    extra = sorted(set(raw) - set(sources))
    if missing or extra:
        raise KnowledgeBaseError(
            f"knowledge base {where}: needs the key phrases of each cited article and of no "
            f"other; missing for {missing}, not cited: {extra}"
        )
    lo, hi = EVIDENCE_WORDS
    out = []
    for key in sources:
        phrases = raw[key]
        if not isinstance(phrases, list) or not phrases:
            raise KnowledgeBaseError(
                f"knowledge base {where}.{key}: expected a non-empty list of phrases, got "
                f"{phrases!r}"
            )
        for ph in phrases:
            # Counted as the no-copy check counts words: apostrophes join, the rest splits.
            n = len(re.findall(r"[a-z0-9]+", re.sub(r"['\u2019]", "", str(ph).lower())))
            if not isinstance(ph, str) or not lo <= n <= hi:
                raise KnowledgeBaseError(
                    f"knowledge base {where}.{key}: each phrase needs {lo}-{hi} words, got {ph!r}"
                )
        out.append((key, tuple(phrases)))
    return tuple(out)


def _cited(
    r: _Reader,
    articles: Mapping[str, Article],
    refs: Mapping[str, Reference] | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...], Evidence]:
    """``sources``, ``refs`` and ``evidence`` of an item.

    With ``refs`` given, an item may cite literature instead of an article (at least one of
    the two); otherwise at least one article.
    """
    sources = r.strings("sources", known=articles, min_len=0 if refs is not None else 1)
    lit: tuple[str, ...] = ()
    if refs is not None:
        lit = r.strings("refs", known=refs)
        bad = [k for k in lit if refs[k].kind != "literature"]
        if bad:
            raise KnowledgeBaseError(
                f"knowledge base {r.where('refs')}: only literature can stand behind advice, "
                f"{bad} are project notes"
            )
        if not sources and not lit:
            raise KnowledgeBaseError(
                f"knowledge base {r.path}: cites nothing; needs an article in 'sources' or "
                "a study in 'refs'"
            )
    return sources, lit, _evidence(r, sources)


def _cues(
    r: _Reader, articles: Mapping[str, Article], refs: Mapping[str, Reference]
) -> tuple[Cue, ...]:
    out = []
    for c in r.tables("cues", ("text", "sources", "refs", "evidence")):
        sources, lit, evidence = _cited(c, articles, refs)
        out.append(Cue(text=c.text("text"), sources=sources, refs=lit, evidence=evidence))
    return tuple(out)


def _exercise_refs(r: _Reader, exercises: Mapping[str, Exercise]) -> tuple[Exercise, ...]:
    return tuple(exercises[k] for k in r.strings("exercises", known=exercises))


def _edge(r: _Reader, key: str, refs: Mapping[str, Reference]) -> Edge:
    e = r.table(key, ("edge", "refs", "why"))
    return Edge(
        edge=e.number("edge"), refs=e.strings("refs", known=refs, min_len=1), why=e.text("why")
    )


def _band(r: _Reader, refs: Mapping[str, Reference]) -> Band:
    b = r.table("band", ("direction", "normal", "watch", "high"))
    band = Band(
        direction=b.choice("direction", DIRECTIONS),
        normal=b.text("normal"),
        watch=_edge(b, "watch", refs),
        high=_edge(b, "high", refs),
    )
    ordered = band.high.edge > band.watch.edge
    if ordered != (band.direction == "above"):
        raise KnowledgeBaseError(
            f"knowledge base {b.path}: with direction {band.direction!r} the high edge must lie "
            f"{'above' if band.direction == 'above' else 'below'} the watch edge; got watch "
            f"{band.watch.edge:g}, high {band.high.edge:g}"
        )
    return band


def validate_knowledge_base(data: Mapping[str, Any]) -> KnowledgeBase:
    """Build a :class:`KnowledgeBase` from parsed TOML, checking the schema.

    Parameters
    ----------
    data
        The parsed file (``tomllib.loads``).

    Returns
    -------
    KnowledgeBase

    Raises
    ------
    KnowledgeBaseError
        On the first problem, naming its place, what was expected and what arrived.
    """
    top = _Reader(
        dict(data),
        "",
        (
            "schema_version",
            "articles",
            "references",
            "exercises",
            "findings",
            "patterns",
            "pain_first",
            "general_advice",
            "safety",
            "filming_guide",
        ),
    )
    version = top.integer("schema_version")
    if version != SCHEMA_VERSION:
        raise KnowledgeBaseError(
            f"knowledge base schema_version: this gaitlab reads version {SCHEMA_VERSION}, "
            f"the file is version {version}"
        )
    articles = {}
    for key, raw in top.keyed("articles").items():
        a = _Reader(raw, f"articles.{key}", ("file", "short_name", "publisher"))
        articles[key] = Article(key, a.text("file"), a.text("short_name"), a.text("publisher"))
    references = {}
    for key, raw in top.keyed("references").items():
        r = _Reader(raw, f"references.{key}", ("kind", "short_name", "citation", "note"))
        references[key] = Reference(
            key,
            r.choice("kind", REFERENCE_KINDS),
            r.text("short_name"),
            r.text("citation"),
            r.text("note"),
        )
    exercises = {}
    for key, raw in top.keyed("exercises").items():
        e = _Reader(
            raw, f"exercises.{key}", ("name", "how", "purpose", "dose", "sources", "evidence")
        )
        sources, _, evidence = _cited(e, articles)
        exercises[key] = Exercise(
            key=key,
            name=e.text("name"),
            how=e.text("how"),
            purpose=e.text("purpose"),
            dose=e.text("dose", optional=True),
            sources=sources,
            evidence=evidence,
        )

    rule_keys = (
        "id",
        "title",
        "category",
        "metric",
        "statistic",
        "view",
        "priority",
        "band",
        "explanation",
        "clinical",
        "cues",
        "exercises",
        "sources",
        "side_note",
        "also_show",
        "suppressed_by",
        "refs",
        "evidence",
        "min_frames",
        "needs_level_camera",
        "cap",
    )
    findings: list[FindingRule] = []
    for f in top.tables("findings", rule_keys):
        sources, lit, evidence = _cited(f, articles, references)
        statistic = f.choice("statistic", STATISTICS)
        min_frames = f.number("min_frames") if "min_frames" in f.data else 0.0
        if min_frames < 0 or (min_frames > 0 and statistic not in LEFT_RIGHT_STATISTICS):
            raise KnowledgeBaseError(
                f"knowledge base {f.where('min_frames')}: a number >= 0 for a left/right "
                f"statistic {list(LEFT_RIGHT_STATISTICS)}, got {min_frames:g} on {statistic!r}"
            )
        cap_severity, cap_why = "high", ""
        if "cap" in f.data:
            cap = f.table("cap", ("severity", "why"))
            cap_severity, cap_why = cap.choice("severity", CAP_SEVERITIES), cap.text("why")
        findings.append(
            FindingRule(
                id=f.text("id"),
                title=f.text("title"),
                category=f.choice("category", CATEGORIES),
                metric=f.text("metric"),
                statistic=statistic,
                view=f.choice("view", RULE_VIEWS),
                priority=f.integer("priority"),
                band=_band(f, references),
                explanation=f.text("explanation"),
                clinical=f.text("clinical"),
                cues=_cues(f, articles, references),
                exercises=_exercise_refs(f, exercises),
                sources=sources,
                side_note=f.text("side_note", optional=True),
                also_show=f.strings("also_show"),
                suppressed_by=f.strings("suppressed_by"),
                refs=lit,
                evidence=evidence,
                min_frames=min_frames,
                needs_level_camera=(
                    f.boolean("needs_level_camera") if "needs_level_camera" in f.data else False
                ),
                max_severity=cap_severity,
                max_severity_why=cap_why,
            )
        )
    _unique([r.id for r in findings], "findings")
    ids = {rule.id: rule for rule in findings}
    for rule in findings:
        bad = [s for s in rule.suppressed_by if s not in ids or s == rule.id]
        if bad:
            raise KnowledgeBaseError(
                f"knowledge base findings {rule.id!r}.suppressed_by: unknown or self id(s) {bad}"
            )
        if not (rule.cues or rule.exercises):
            raise KnowledgeBaseError(
                f"knowledge base findings {rule.id!r}: needs a cue or an exercise"
            )

    pattern_keys = (
        "id",
        "title",
        "requires",
        "same_side",
        "explanation",
        "clinical",
        "cues",
        "exercises",
        "sources",
        "refs",
        "evidence",
    )
    patterns = []
    for p in top.tables("patterns", pattern_keys):
        sources, lit, evidence = _cited(p, articles, references)
        pattern = Pattern(
            id=p.text("id"),
            title=p.text("title"),
            requires=p.strings("requires", known=ids, min_len=2),
            same_side=p.boolean("same_side"),
            explanation=p.text("explanation"),
            clinical=p.text("clinical"),
            cues=_cues(p, articles, references),
            exercises=_exercise_refs(p, exercises),
            sources=sources,
            refs=lit,
            evidence=evidence,
        )
        if pattern.same_side and any(ids[i].side_note == "" for i in pattern.requires):
            raise KnowledgeBaseError(
                f"knowledge base {p.path}.same_side: every required finding must be sided"
            )
        patterns.append(pattern)
    _unique([r.id for r in findings] + [p.id for p in patterns], "findings and patterns")

    def advice(key: str) -> tuple[Advice, ...]:
        items = []
        for a in top.tables(key, ("id", "title", "text", "sources", "evidence")):
            sources, _, evidence = _cited(a, articles)
            items.append(Advice(a.text("id"), a.text("title"), a.text("text"), sources, evidence))
        if not items:
            raise KnowledgeBaseError(f"knowledge base {key}: needs at least one item")
        _unique([a.id for a in items], key)
        return tuple(items)

    guide = tuple(
        GuideItem(
            id=g.text("id"),
            text=g.text("text"),
            when=tuple(w.lower() for w in g.strings("when")),
            refs=g.strings("refs", known=references, min_len=1),
            sources=g.strings("sources", known=articles),
            evidence=_evidence(g, g.strings("sources", known=articles)),
        )
        for g in top.tables("filming_guide", ("id", "text", "when", "refs", "sources", "evidence"))
    )
    _unique([g.id for g in guide], "filming_guide")
    return KnowledgeBase(
        schema_version=version,
        articles=articles,
        references=references,
        exercises=exercises,
        findings=tuple(findings),
        patterns=tuple(patterns),
        pain_first=advice("pain_first"),
        general_advice=advice("general_advice"),
        safety=advice("safety"),
        filming_guide=guide,
    )


def parse_knowledge_base(text: str, origin: str = "knowledge base") -> KnowledgeBase:
    """Parse and validate knowledge-base TOML text.

    Raises
    ------
    KnowledgeBaseError
        When the text is not TOML or does not match the schema.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeBaseError(f"{origin} is not valid TOML: {exc}") from exc
    return validate_knowledge_base(data)


def load_knowledge_base() -> KnowledgeBase:
    """Load and validate the packaged ``knowledge_base.toml``.

    Reads the file afresh on each call (no module-level cache): load it once and pass the
    result around when evaluating many clips.

    Raises
    ------
    KnowledgeBaseError
        When the packaged file is missing or invalid (a packaging bug).
    """
    try:
        text = resources.files("gaitlab.findings").joinpath(_PACKAGE_FILE).read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        raise KnowledgeBaseError(f"packaged {_PACKAGE_FILE} not found: {exc}") from exc
    return parse_knowledge_base(text, origin=_PACKAGE_FILE)
