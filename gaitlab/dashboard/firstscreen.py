"""The runner's first screen: the findings that matter most, and a week of exercises.

:func:`top_findings` picks the one or two highest-ranked findings of a result, each with
its picture (the worst-stride frame with the angle drawn, ``finding_NN_<id>.png``, written
by the report stage), its meaning in one sentence and the first thing to do, with the
articles it comes from. :func:`weekly_plan` turns those findings' exercises into a short
week, using only the doses the knowledge base took from the articles (paraphrased there,
cited here): exercises the articles prescribe a few times a week go on two strength days,
those they put after runs go after every run, and those without a dose are listed as
optional, saying that no dose is given. Nothing here invents a dose.

Reads the result document (:class:`gaitlab.result.ResultDocument`) through
:mod:`gaitlab.dashboard.cards`'s cards; no Streamlit, so it is tested without a page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gaitlab.dashboard.cards import Cited, ExerciseCard, FindingCard, finding_cards
from gaitlab.result import ResultDocument

#: Findings on the first screen (the rest stay in "What we found").
TOP_N = 2
#: Most exercises per group of the week, so the plan stays short.
MAX_PER_GROUP = 4

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@dataclass(frozen=True)
class FirstFinding:
    """One finding as the first screen shows it.

    Attributes
    ----------
    card
        The full card (title, side, severity, value, sources).
    image
        The finding's picture, or None when it was not rendered.
    meaning
        The explanation's first sentence.
    first_step
        The first thing to do: the first running cue, else the first exercise.
    """

    card: FindingCard
    image: Path | None
    meaning: str
    first_step: Cited


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (all of it when it has one)."""
    text = " ".join(text.split())
    return _SENTENCE_END.split(text, maxsplit=1)[0] if text else ""


def finding_image(result_dir: str | Path, card: FindingCard) -> Path | None:
    """``finding_<rank>_<id>.png`` of a card in the result folder, if it was rendered."""
    d = Path(result_dir)
    slug = re.sub(r"[^a-z0-9]+", "_", card.id.lower()).strip("_")
    exact = d / f"finding_{card.rank:02d}_{slug}.png"
    if exact.is_file():
        return exact
    found = sorted(d.glob(f"finding_{card.rank:02d}_*.png"))
    return found[0] if found else None


def _first_step(card: FindingCard) -> Cited:
    if card.cues:
        return card.cues[0]
    if card.exercises:
        e = card.exercises[0]
        return Cited(f"{e.name}: {e.how}".strip(": "), e.sources)
    return Cited("Ask a physiotherapist to look at it with you.")


def top_findings(
    result: ResultDocument, result_dir: str | Path, n: int = TOP_N
) -> list[FirstFinding]:
    """The ``n`` highest-ranked findings with picture, meaning and first step."""
    return [
        FirstFinding(card, finding_image(result_dir, card), first_sentence(card.explanation),
                     _first_step(card))
        for card in finding_cards(result)[:n]
    ]  # fmt: skip


@dataclass(frozen=True)
class PlanItem:
    """An exercise in the week: what, the article's dose, and where it comes from."""

    name: str
    how: str
    dose: str
    sources: tuple[str, ...]
    for_findings: tuple[str, ...]


@dataclass(frozen=True)
class PlanGroup:
    """A slot of the week (``Strength days``, ``After every run``, ...) and its exercises."""

    when: str
    note: str
    items: tuple[PlanItem, ...]


def _slot(dose: str) -> str:
    d = dose.lower()
    if "after run" in d or "cool-down" in d:
        return "after_run"
    if "a week" in d or "per week" in d:
        return "strength"
    return "optional"


_SLOTS = {
    "strength": (
        "Two strength days (for example Tuesday and Friday)",
        "The articles give these a few times a week; two non-consecutive days meet that.",
    ),
    "after_run": ("After every run", "The articles put these in the cool-down after running."),
    "optional": (
        "Optional, when you have time",
        "The articles give no dose for these: start easy and ask a physiotherapist how much.",
    ),
}


def weekly_plan(firsts: Sequence[FirstFinding]) -> list[PlanGroup]:
    """A week built from the top findings' exercises and their articles' doses.

    Exercises are taken in turn from each finding (its first, then their second, ...),
    each once (an exercise two findings share says so), at most :data:`MAX_PER_GROUP` per
    group; empty groups are left out.
    """
    by_name: dict[str, tuple[ExerciseCard, list[str]]] = {}
    # Round robin over the findings, so the second finding's exercises are not crowded out.
    rounds = max((len(f.card.exercises) for f in firsts), default=0)
    for i in range(rounds):
        for f in firsts:
            if i >= len(f.card.exercises):
                continue
            e = f.card.exercises[i]
            entry = by_name.setdefault(e.name, (e, []))
            if f.card.title not in entry[1]:
                entry[1].append(f.card.title)
    groups: dict[str, list[PlanItem]] = {k: [] for k in _SLOTS}
    for e, titles in by_name.values():
        slot = groups[_slot(e.dose)]
        if len(slot) < MAX_PER_GROUP:
            slot.append(PlanItem(e.name, e.how, e.dose, e.sources, tuple(titles)))
    return [
        PlanGroup(_SLOTS[k][0], _SLOTS[k][1], tuple(items)) for k, items in groups.items() if items
    ]
