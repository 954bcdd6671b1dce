"""The project's docs live in docs/, and no file points at notes a user does not have.

A user who clones the repository has no ``../shared`` folder and no design-notes file, and
figures must be labelled by gaitlab commit, date and machine, never by when in the project's
history they were taken ("session 5", "round 6", "today").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import REPO

#: Text a user-facing file must not contain, and why.
FORBIDDEN = {
    r"\.\./shared": "a folder next to the checkout that users do not have",
    r"DESIGN\.md": "design notes outside the repository: cite the page of docs/ instead",
    r"\bsession [0-9]": "a history label: use the gaitlab commit, date and machine",
    r"\bround [0-9]": "a history label: use the gaitlab commit, date and machine",
    r"\bissue [0-9]": "an issue of a tracker outside the repository",
    r"\btoday\b|\bthat day\b|\bnoisy day\b": "a relative date: give the date",
}
#: Scripts that read real clips from ``../shared/clips`` when present (and skip them
#: otherwise) may name that folder; every other rule applies to them too.
MAY_NAME_SHARED = ("benchmarks/", "pyproject.toml")


def _files() -> list[Path]:
    files = [REPO / "README.md", REPO / "app.py", REPO / "pyproject.toml", REPO / "Makefile"]
    files += sorted((REPO / "docs").rglob("*.md"))
    files += sorted((REPO / "benchmarks").glob("*.md"))
    files += sorted((REPO / "benchmarks").glob("*.py"))
    files += [REPO / "sample_videos" / "README.md", REPO / "models" / "README.md"]
    files += sorted(
        p for p in (REPO / "gaitlab").rglob("*") if p.suffix in {".py", ".toml", ".j2", ".md"}
    )
    return [p for p in files if p.is_file()]


def _hits(pattern: str, files: list[Path]) -> list[str]:
    rx = re.compile(pattern, re.IGNORECASE)
    out = []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if rx.search(line):
                out.append(f"{path.relative_to(REPO)}:{n}: {line.strip()[:100]}")
    return out


def test_the_scan_reads_the_files_it_means_to():
    names = {p.relative_to(REPO).as_posix() for p in _files()}
    assert {"README.md", "app.py", "docs/architecture.md", "gaitlab/cli.py"} <= names
    assert "gaitlab/findings/knowledge_base.toml" in names
    # And the patterns match what they are meant to catch.
    assert _hits(r"\bround [0-9]", [REPO / "tests" / "test_docs.py"])


@pytest.mark.parametrize("pattern", sorted(FORBIDDEN))
def test_no_user_facing_file_says(pattern: str):
    files = _files()
    if pattern == r"\.\./shared":
        files = [f for f in files if not f.relative_to(REPO).as_posix().startswith(MAY_NAME_SHARED)]
    assert _hits(pattern, files) == [], FORBIDDEN[pattern]


def test_tests_carry_no_history_labels_or_tracker_issue_numbers():
    tests = sorted(p for p in (REPO / "tests").rglob("*.py") if p.name != "test_docs.py")
    for pattern in (r"\bround [0-9]", r"\bissue [0-9]", r"\btoday\b|\bthat day\b|\bnoisy day\b"):
        assert _hits(pattern, tests) == [], FORBIDDEN[pattern]


def test_tests_do_not_cite_design_notes():
    tests = sorted(p for p in (REPO / "tests").rglob("*.py") if p.name != "test_docs.py")
    assert _hits(r"DESIGN\.md", tests) == []


PAGES = (
    "architecture",
    "metrics",
    "accuracy",
    "performance",
    "filming",
    "usage",
    "batch",
    "store",
    "dashboard",
    "privacy",
    "advice",
    "bad_inputs",
)


@pytest.mark.parametrize("page", PAGES)
def test_each_docs_page_exists_and_the_readme_links_it(page: str):
    assert (REPO / "docs" / f"{page}.md").is_file()
    assert f"docs/{page}.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_every_relative_link_in_the_readme_and_docs_resolves():
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)}: {target}")
    assert broken == []


def test_readme_is_a_short_users_guide():
    # Long material belongs in docs/; the README is what a new user reads first.
    assert len((REPO / "README.md").read_bytes()) <= 12_500


def test_images_the_docs_show_exist():
    for page in (REPO / "docs").glob("*.md"):
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).is_file(), f"{page.name}: {target}"


def test_every_metric_is_defined_in_docs_metrics():
    from gaitlab.kinematics import METRICS

    text = (REPO / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert [name for name in METRICS if f"`{name}`" not in text] == []
