"""No sentence of an article may appear verbatim (8 words or more) in the knowledge base,
the README or the docs."""

from __future__ import annotations

import dataclasses

import pytest

from gaitlab.findings import load_knowledge_base
from tests.conftest import REPO, SHARED
from tests.findings import verbatim

SEEDS = SHARED / "seeds"
#: Prose that paraphrases the articles besides the knowledge base.
DOCS = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))


def _article_prints() -> set[str]:
    """Fingerprints from the articles themselves when present, else the stored ones."""
    if SEEDS.is_dir():
        return verbatim.fingerprints_of(verbatim.seed_files(SEEDS))
    return set(verbatim.FINGERPRINTS.read_text().split())


def test_no_eight_word_window_of_an_article_in_the_knowledge_base() -> None:
    hits = verbatim.copied(load_knowledge_base().texts(), _article_prints())
    assert not hits, "copied from an article (paraphrase these):\n" + "\n".join(
        f"  {where}: '{w}'" for where, w in hits
    )


def test_no_eight_word_window_of_an_article_in_the_readme_or_docs() -> None:
    texts = [(str(p.relative_to(REPO)), p.read_text("utf-8")) for p in DOCS]
    assert any(name == "docs/advice.md" for name, _ in texts)
    hits = verbatim.copied(texts, _article_prints())
    assert not hits, "copied from an article (paraphrase these):\n" + "\n".join(
        f"  {where}: '{w}'" for where, w in hits
    )


def test_the_check_catches_a_copied_sentence_despite_case_and_punctuation() -> None:
    kb = load_knowledge_base()
    # A sentence of article 004 (clinic), re-cased and re-punctuated.
    pasted = "THE FIX: think about bringing you're rib-cage down, and having a slight lean forward!"
    rule = dataclasses.replace(kb.findings[0], explanation=pasted)
    kb2 = dataclasses.replace(kb, findings=(rule, *kb.findings[1:]))
    hits = verbatim.copied(kb2.texts(), _article_prints())
    assert hits and all(where.endswith(".explanation") for where, _ in hits)


def test_seven_words_are_allowed() -> None:
    prints = _article_prints()
    assert not verbatim.copied([("x", "think about brining you're rib cage down")], prints)
    assert verbatim.copied([("x", "think about brining you're rib cage down and")], prints)


def test_normalisation() -> None:
    assert verbatim.words("It’s  the HIP-flexor, isn't it?") == [
        "its",
        "the",
        "hip",
        "flexor",
        "isnt",
        "it",
    ]
    assert verbatim.sentences("One. Two!\nThree? four") == ["One", " Two", "Three", " four"]


@pytest.mark.shared
def test_stored_fingerprints_match_the_articles() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"articles not available: {SEEDS}")
    stored = set(verbatim.FINGERPRINTS.read_text().split())
    assert stored == verbatim.fingerprints_of(verbatim.seed_files(SEEDS)), (
        "regenerate: python -m tests.findings.verbatim ../shared/seeds > "
        "tests/findings/article_shingles.txt"
    )
