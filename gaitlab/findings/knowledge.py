"""The findings knowledge base: a TOML data file and its validating loader.

The data (``knowledge_base.toml``, packaged next to this module) holds every threshold with
its sources and every piece of advice with the article it comes from. This module turns it
into the frozen dataclasses of :mod:`gaitlab.findings.knowledge_schema` (re-exported here)
and refuses anything malformed with a message that names the place
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
from importlib import resources
from typing import Any

from gaitlab.findings.knowledge_schema import (
    CAP_SEVERITIES,
    CATEGORIES,
    DIRECTIONS,
    EVIDENCE_WORDS,
    LEFT_RIGHT_STATISTICS,
    REFERENCE_KINDS,
    RULE_VIEWS,
    SCHEMA_VERSION,
    STATISTICS,
    Advice,
    Article,
    Band,
    Cue,
    Edge,
    Evidence,
    Exercise,
    FindingRule,
    GuideItem,
    KnowledgeBase,
    KnowledgeBaseError,
    Pattern,
    Reference,
)

__all__ = [
    "CAP_SEVERITIES",
    "CATEGORIES",
    "DIRECTIONS",
    "EVIDENCE_WORDS",
    "LEFT_RIGHT_STATISTICS",
    "REFERENCE_KINDS",
    "RULE_VIEWS",
    "SCHEMA_VERSION",
    "STATISTICS",
    "Advice",
    "Article",
    "Band",
    "Cue",
    "Edge",
    "Evidence",
    "Exercise",
    "FindingRule",
    "GuideItem",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Pattern",
    "Reference",
    "load_knowledge_base",
    "parse_knowledge_base",
    "validate_knowledge_base",
]

_PACKAGE_FILE = "knowledge_base.toml"


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
        "measurement_error",
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
        error = f.number("measurement_error") if "measurement_error" in f.data else 0.0
        if error < 0 or (error > 0 and statistic not in ("per_side", "median")):
            raise KnowledgeBaseError(
                f"knowledge base {f.where('measurement_error')}: a number >= 0 for a "
                f"'per_side' or 'median' statistic, got {error:g} on {statistic!r}"
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
                measurement_error=error,
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
