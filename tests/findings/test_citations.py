"""Every citation of an article is checked against the article's text.

Each item that cites an article lists the key phrases it paraphrases from it; each phrase
must occur in *that* article. A citation to an article that does not say it, the mistake
a review found (cadence advice cited to articles without any, the not-a-diagnosis item
cited to an article that says nothing of the kind), fails here and says where the phrase
really is. Without ``../shared`` the stored fingerprints stand in for the articles.
"""

from __future__ import annotations

import copy
import tomllib
from importlib import resources

import pytest

from gaitlab.findings import load_knowledge_base
from gaitlab.findings.knowledge import validate_knowledge_base
from tests.conftest import REPO, SHARED
from tests.findings import phrases

SEEDS = SHARED / "seeds"
KB = load_knowledge_base()


def _prints() -> set[str]:
    """Fingerprints from the articles themselves when present, else the stored ones."""
    if SEEDS.is_dir():
        return phrases.fingerprints_of(phrases.article_texts(KB, SEEDS), phrases.kb_phrases(KB))
    return phrases.stored()


def _kb_with(mutate) -> object:
    raw = tomllib.loads(
        resources.files("gaitlab.findings").joinpath("knowledge_base.toml").read_text()
    )
    data = copy.deepcopy(raw)
    mutate(data)
    return validate_knowledge_base(data)


def test_every_cited_article_contains_the_phrases_its_items_paraphrase() -> None:
    problems = phrases.wrong_citations(KB, _prints())
    assert not problems, "citations the article does not support:\n" + "\n".join(problems)


def test_every_article_citation_carries_key_phrases() -> None:
    # The loader enforces it; this guards the enumeration the check above relies on.
    cited = [(where, s, ev) for where, s, ev in KB.citations() if s]
    assert len(cited) > 60
    for where, sources, evidence in cited:
        assert [a for a, _ in evidence] == list(sources), where
        assert all(p for _, ps in evidence for p in ps), where


def _safety(data: dict, item_id: str) -> dict:
    return next(a for a in data["safety"] if a["id"] == item_id)


def test_citing_the_wrong_article_is_caught_and_the_right_one_named() -> None:
    # A mistake a review found: "not a diagnosis" cited to "Running and hip pain", which says
    # nothing of the kind. Move the citation (and its phrases) to the wrong article.
    def cite_clinic(d: dict) -> None:
        item = _safety(d, "not_a_diagnosis")
        item["sources"] = ["clinic"]
        item["evidence"] = {"clinic": ["diagnosing hip pain"]}

    problems = phrases.wrong_citations(_kb_with(cite_clinic), _prints())
    assert problems == [
        "safety.not_a_diagnosis: 'diagnosing hip pain' is not in 'clinic' (found in ['letsdothis'])"
    ]


def test_advice_no_article_gives_is_caught() -> None:
    # Another mistake a review found: step-rate advice cited to the shop's guide, which has none.
    def cadence_to_shop(d: dict) -> None:
        cue = next(f for f in d["findings"] if f["id"] == "low_cadence")["cues"][0]
        cue["sources"] = ["shop"]
        cue["evidence"] = {"shop": ["metronome app", "step rate"]}

    problems = phrases.wrong_citations(_kb_with(cadence_to_shop), _prints())
    assert problems == [
        "low_cadence.cues[0]: 'metronome app' is not in 'shop' (in no article)",
        "low_cadence.cues[0]: 'step rate' is not in 'shop' (in no article)",
    ]


def test_occurs_needs_consecutive_words_of_one_sentence() -> None:
    text = "Rest your hip. Ice it up to five times a day!\nThe rib cage, down."
    assert phrases.occurs("up to five times", text)
    assert phrases.occurs("RIB-CAGE down", text)  # case and punctuation do not matter
    assert not phrases.occurs("hip ice", text)  # across a sentence end
    assert not phrases.occurs("rest hip", text)  # not consecutive


@pytest.mark.shared
def test_stored_phrase_fingerprints_match_the_articles() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"articles not available: {SEEDS}")
    live = phrases.fingerprints_of(phrases.article_texts(KB, SEEDS), phrases.kb_phrases(KB))
    assert phrases.stored() == live, (
        "regenerate: python -m tests.findings.phrases ../shared/seeds > "
        "tests/findings/article_phrases.txt"
    )


def test_the_advice_map_for_clinicians_covers_every_entry() -> None:
    # docs/advice.md maps every actionable item of the articles to the knowledge base; an
    # entry added to the knowledge base must appear there too.
    doc = (REPO / "docs" / "advice.md").read_text("utf-8")
    ids = [f"pain_first.{a.id}" for a in KB.pain_first]
    ids += [f"general_advice.{a.id}" for a in KB.general_advice]
    ids += [f"safety.{a.id}" for a in KB.safety]
    missing = [i for i in ids if f"`{i}`" not in doc and f"`{i}," not in doc]
    missing += [e for e in KB.exercises if e not in doc]
    missing += [r.id for r in KB.findings if f"(`{r.id}`: `{r.metric}`" not in doc]
    assert not missing, f"not in docs/advice.md: {missing}"
