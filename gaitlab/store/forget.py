"""Forget a runner: their sessions, result files and cached landmarks, in one call.

The store's database never touches the pose cache, and the pose stage knows nothing of
runners; deleting a runner's personal data needs both, so the CLI (``gaitlab runner delete``)
and the dashboard (*Runners* tab) call :func:`forget_runner` rather than doing the two steps
each.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gaitlab.pose.extract import purge_cache
from gaitlab.store.database import Deletion, SessionStore


@dataclass(frozen=True)
class Forgotten:
    """What :func:`forget_runner` removed.

    Attributes
    ----------
    deletion
        The store's report: sessions, files and folders deleted, and what was kept.
    cached_poses : tuple of Path
        Cached landmark files of the runner's clips (clips no other runner's session uses).
    """

    deletion: Deletion
    cached_poses: tuple[Path, ...]

    def summary(self) -> str:
        """One line: what went."""
        d = self.deletion
        return (
            f"runner {d.runner}: {d.n_sessions} sessions, {len(d.files_removed)} files, "
            f"{len(d.dirs_removed)} folders, {len(self.cached_poses)} cached pose series"
        )


def forget_runner(store: SessionStore, code: str, cache_dir: str | Path | None = None) -> Forgotten:
    """Delete a runner's rows and files from the store, then their clips' cached landmarks.

    Parameters
    ----------
    store
        An open result store.
    code
        The runner's code.
    cache_dir
        The pose cache folder; default :func:`gaitlab.pose.extract.default_cache_dir`.

    Raises
    ------
    gaitlab.store.UnknownRunner
        When the store has no such runner (nothing is deleted).
    """
    done = store.delete_runner(code)
    # Landmarks are personal data too.
    cached = purge_cache(done.clip_sha256s, cache_dir)
    return Forgotten(deletion=done, cached_poses=tuple(cached))
