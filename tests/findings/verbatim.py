"""Detect sentences copied from the articles: normalised 8-word windows and their fingerprints.

Articles are split into sentences (at ``.``, ``!``, ``?`` and line breaks); every window of 8
consecutive words inside a sentence is a *shingle*. A knowledge-base text copies an article
when any window of 8 consecutive words of it equals a shingle. Words are lower-case letters
and digits; apostrophes are dropped and every other character separates words, so case,
punctuation and whitespace do not hide a copy.

The fingerprints file stores a short hash of each article shingle (never the text), so the
check also runs where ``../shared/seeds`` is absent. Regenerate it after the articles change::

    python -m tests.findings.verbatim ../shared/seeds > tests/findings/article_shingles.txt
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path

WINDOW = 8
FINGERPRINTS = Path(__file__).with_name("article_shingles.txt")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s)|\n+")


def words(text: str) -> list[str]:
    """Normalised words: lower case, apostrophes dropped, letters and digits only."""
    text = re.sub(r"['\u2018\u2019\u02bc`]", "", text.lower())
    return re.findall(r"[a-z0-9]+", text)


def sentences(text: str) -> list[str]:
    """Split at sentence ends and line breaks."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def windows(ws: list[str], n: int = WINDOW) -> set[str]:
    """All runs of ``n`` consecutive words, joined by one space."""
    return {" ".join(ws[i : i + n]) for i in range(len(ws) - n + 1)}


def article_shingles(text: str) -> set[str]:
    """8-word windows inside each sentence of an article."""
    return {w for s in sentences(text) for w in windows(words(s))}


def fingerprint(shingle: str) -> str:
    """Short stable hash of a shingle (12 hex digits)."""
    return hashlib.blake2b(shingle.encode(), digest_size=6).hexdigest()


def seed_files(folder: Path) -> list[Path]:
    """The article files of the seeds folder."""
    return sorted(p for p in folder.glob("*.txt"))


def fingerprints_of(files: Iterable[Path]) -> set[str]:
    """Fingerprints of every shingle of the given article files."""
    return {fingerprint(s) for f in files for s in article_shingles(f.read_text("utf-8"))}


def copied(texts: Iterable[tuple[str, str]], article_prints: set[str]) -> list[tuple[str, str]]:
    """``(where, window)`` for each 8-word window of ``texts`` that an article contains."""
    hits = []
    for where, text in texts:
        for w in sorted(windows(words(text))):
            if fingerprint(w) in article_prints:
                hits.append((where, w))
    return hits


def main(argv: list[str]) -> int:
    """Print the fingerprints of the articles in the folder ``argv[0]``, one per line."""
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parents[2].parent / "shared/seeds"
    print("\n".join(sorted(fingerprints_of(seed_files(folder)))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
