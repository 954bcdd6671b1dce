"""One line saying what a benchmark measured: gaitlab version and commit, date, machine.

Every figure in ``docs/accuracy.md`` and ``docs/performance.md`` carries such a label, so the
benchmarks print it with their tables.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def git_commit(repo: Path = REPO) -> str:
    """Short hash of the checked-out commit, with ``+dirty`` for uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown commit"
    return f"{head}+dirty" if dirty else head


def package_hash(package: Path = REPO / "gaitlab") -> str:
    """Hash of the gaitlab package's source files (names and contents), 16 hex digits.

    A cached benchmark result made by other code than the checked-out one must not be shown
    under this commit's label: results are kept with this hash and reused only when it matches.
    """
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".json", ".yaml", ".toml", ".txt"):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def machine() -> str:
    """CPU count, architecture and Python version of this machine."""
    return f"{os.cpu_count()} CPUs ({platform.machine()}), Python {platform.python_version()}"


def run_label() -> str:
    """``gaitlab 0.1.0 (commit abc1234), 2026-12-07 06:13 UTC, 2 CPUs (x86_64), Python ...``."""
    from gaitlab import __version__

    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"gaitlab {__version__} (commit {git_commit()}), {when}, {machine()}"
