"""Per-session temporary folders for the dashboard, upload checks, and clean-up.

Each browser session gets one :class:`SessionWorkspace`: a private folder under
``<tmp>/gaitlab-dashboard/`` holding that session's uploaded clip and its result folders.
Nothing in it is shared with other sessions (the pose cache, keyed by clip content, is the
only shared store).

Clean-up, and its limits:

- :meth:`SessionWorkspace.new_clip` empties the folder when a new clip replaces the old one;
- the folder is a :class:`tempfile.TemporaryDirectory`, removed when the workspace object is
  garbage-collected (Streamlit drops a session's state some time after its browser tab
  closes) and at normal interpreter exit;
- a killed server leaves folders behind: :func:`sweep_stale` removes those not touched for a
  while, and the dashboard calls it when it starts a session.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

from gaitlab.io.video import VIDEO_EXTENSIONS

#: Where session folders live (under the system temp folder).
WORKSPACE_ROOT_NAME = "gaitlab-dashboard"
_PREFIX = "session-"


def workspace_root(base: str | Path | None = None) -> Path:
    """The folder holding all session folders (created)."""
    root = Path(base if base is not None else tempfile.gettempdir()) / WORKSPACE_ROOT_NAME
    root.mkdir(parents=True, exist_ok=True)
    return root


def safe_name(name: str) -> str:
    """A file name stripped of folders and unusual characters (``my run (1).MOV`` kept)."""
    stem = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^\w.() -]", "_", stem).strip(" .")
    return cleaned[:120] or "clip"


def check_upload(
    name: str,
    size_bytes: int,
    max_mb: float,
    extensions: tuple[str, ...] = VIDEO_EXTENSIONS,
) -> str | None:
    """Why an upload cannot be analysed, before anything is decoded; None when it may be.

    Parameters
    ----------
    name
        The uploaded file's name.
    size_bytes
        Its size.
    max_mb
        The largest accepted file, in megabytes (MB = 2**20 bytes, as Streamlit counts).
    extensions
        Accepted suffixes (lower case, with the dot).
    """
    suffix = Path(name).suffix.lower()
    if suffix not in extensions:
        kinds = ", ".join(e.lstrip(".") for e in extensions)
        return f"{name} is not a video file gaitlab reads ({kinds})."
    if size_bytes == 0:
        return f"{name} is empty."
    if size_bytes > max_mb * 1024 * 1024:
        return (
            f"{name} is {size_bytes / 2**20:.0f} MB, over the {max_mb:.0f} MB limit: "
            "trim it to 10-30 s of steady running."
        )
    return None


class SessionWorkspace:
    """One session's private temporary folder.

    Parameters
    ----------
    base
        Parent of the workspace root (default: the system temp folder).
    """

    def __init__(self, base: str | Path | None = None) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix=_PREFIX, dir=workspace_root(base))
        self.path = Path(self._tmp.name)
        self._runs = 0

    def touch(self) -> None:
        """Mark the folder as in use (keeps :func:`sweep_stale` away from it)."""
        if self.path.exists():
            self.path.touch()

    def new_clip(self, name: str, content: bytes) -> Path:
        """Empty the workspace (old clip and results) and store a new upload; return its path."""
        self.clear()
        clip_dir = self.path / "clip"
        clip_dir.mkdir(parents=True, exist_ok=True)
        path = clip_dir / safe_name(name)
        path.write_bytes(content)
        return path

    def result_dir(self, label: str) -> Path:
        """A new, empty result folder for one analysis of the current clip."""
        self._runs += 1
        path = self.path / "results" / f"{self._runs:02d}-{safe_name(label)}"
        path.mkdir(parents=True, exist_ok=False)
        return path

    def clear(self) -> None:
        """Remove everything in the workspace (the folder itself stays)."""
        if not self.path.exists():
            self.path.mkdir(parents=True)
            return
        for child in self.path.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)

    def cleanup(self) -> None:
        """Remove the folder now (also happens when the object is garbage-collected)."""
        self._tmp.cleanup()

    @property
    def closed(self) -> bool:
        """True once the folder is gone."""
        return not self.path.exists()


def sweep_stale(
    base: str | Path | None = None, max_age_s: float = 24 * 3600, now: float | None = None
) -> list[Path]:
    """Remove session folders not modified for ``max_age_s`` (left by a killed server).

    Returns the folders removed.
    """
    root = workspace_root(base)
    now = time.time() if now is None else now
    removed = []
    for d in root.glob(f"{_PREFIX}*"):
        try:
            age = now - d.stat().st_mtime
        except FileNotFoundError:
            continue
        if d.is_dir() and age > max_age_s:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed
