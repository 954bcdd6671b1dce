"""Check citations against the articles: does the cited article contain the cited phrases?

Every knowledge-base item that cites an article carries, per cited article, the key phrases
it paraphrases (``evidence``, 2-6 words). A phrase *occurs* in an article when its
normalised words (:func:`tests.findings.verbatim.words`: lower case, apostrophes dropped,
punctuation ignored) are consecutive words of one sentence of the article.

The articles are not in the repository, so the check also runs on stored fingerprints:
``article_phrases.txt`` lists, for each article key, a short hash of every knowledge-base
phrase that occurs in that article (never the article's text; the phrases themselves are in
the knowledge base). A phrase added to the knowledge base is not in that file until it is
regenerated against the articles, so it cannot pass unchecked. Regenerate after changing
evidence phrases (needs the articles next to the checkout)::

    python -m tests.findings.phrases ../shared/seeds > tests/findings/article_phrases.txt
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from gaitlab.findings import load_knowledge_base
from gaitlab.findings.knowledge import KnowledgeBase
from tests.findings import verbatim

FINGERPRINTS = Path(__file__).with_name("article_phrases.txt")


def key(phrase: str) -> str:
    """A phrase as normalised words joined by one space."""
    return " ".join(verbatim.words(phrase))


def kb_phrases(kb: KnowledgeBase) -> set[str]:
    """Every evidence phrase of the knowledge base, normalised."""
    return {key(p) for _, _, ev in kb.citations() for _, phrases in ev for p in phrases}


def occurs(phrase: str, text: str) -> bool:
    """True when the phrase's words are consecutive words of one sentence of ``text``."""
    wanted = key(phrase).split()
    n = len(wanted)
    for sentence in verbatim.sentences(text):
        ws = verbatim.words(sentence)
        if any(ws[i : i + n] == wanted for i in range(len(ws) - n + 1)):
            return True
    return False


def entry(article: str, phrase: str) -> str:
    """One line of the fingerprint file: article key and the phrase's hash."""
    return f"{article} {verbatim.fingerprint(key(phrase))}"


def fingerprints_of(texts: Mapping[str, str], phrases: Iterable[str]) -> set[str]:
    """Lines ``<article key> <hash>`` for each phrase that occurs in each article."""
    phrases = sorted(set(phrases))
    return {entry(a, p) for a, text in texts.items() for p in phrases if occurs(p, text)}


def article_texts(kb: KnowledgeBase, folder: Path) -> dict[str, str]:
    """Article key -> text, from the seeds folder."""
    return {k: (folder / a.file).read_text("utf-8") for k, a in kb.articles.items()}


def stored() -> set[str]:
    """The committed fingerprint lines."""
    return {ln.strip() for ln in FINGERPRINTS.read_text().splitlines() if ln.strip()}


def wrong_citations(kb: KnowledgeBase, prints: set[str]) -> list[str]:
    """One message per cited phrase that its cited article does not contain.

    Each says where the phrase does occur, if in another article (the typical mistake: the
    advice is real, but from a different article).
    """
    problems = []
    for where, _, evidence in kb.citations():
        for article, phrases in evidence:
            for p in phrases:
                if entry(article, p) in prints:
                    continue
                elsewhere = [a for a in kb.articles if entry(a, p) in prints]
                found = f"found in {elsewhere}" if elsewhere else "in no article"
                problems.append(f"{where}: {p!r} is not in {article!r} ({found})")
    return problems


def main(argv: list[str]) -> int:
    """Print the fingerprint lines for the articles in the folder ``argv[0]``."""
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parents[2].parent / "shared/seeds"
    kb = load_knowledge_base()
    print("\n".join(sorted(fingerprints_of(article_texts(kb, folder), kb_phrases(kb)))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
