"""Save a result folder into a runner's history: copy it to the data folder, record a session.

The dashboard analyses into a temporary folder that is deleted when the browser session
ends (privacy). When a physio keeps an analysis, :func:`save_to_history` copies the files
gaitlab wrote there to ``<sessions root>/<runner folder>/<time>-<hash>/`` (see
:func:`~gaitlab.store.location.sessions_root` and
:func:`~gaitlab.store.location.runner_folder_name`) and records that copy as a session; the
temporary folder is left to be deleted as before. Deleting the runner deletes the copy.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gaitlab.hashing import file_sha256
from gaitlab.result import RESULT_FILE, ResultFolderError, read_result
from gaitlab.store.database import LATER_FILES, SessionStore, check_runner_code
from gaitlab.store.errors import StoreError
from gaitlab.store.location import runner_folder_name, sessions_root
from gaitlab.store.records import parse_utc, read_session_folder


@dataclass(frozen=True)
class SavedSession:
    """A result folder saved into a runner's history.

    Attributes
    ----------
    session_id
        The session recorded.
    runner
        The runner's code.
    folder
        Where the copy is (inside the sessions root).
    files
        Names of the files copied.
    replaced
        True when the same result had been saved for this runner before (its copy and
        session were replaced, not duplicated).
    """

    session_id: int
    runner: str
    folder: Path
    files: tuple[str, ...]
    replaced: bool


def saved_folder(root: Path, code: str, created_utc: datetime, result_sha256: str) -> Path:
    """Where a result is kept: ``root/<runner folder>/<YYYYmmdd-HHMMSS>-<8 hex of hash>``.

    Named by the result's creation time (sessions sort by date in a file browser) and its
    hash (two results of the same second differ; the same result saved twice does not).

    Raises
    ------
    StoreError
        When the folder would not be inside ``root`` (cannot happen with a sanitised runner
        folder name; checked anyway, as the last guard before files are written).
    """
    base = Path(root).resolve()
    name = f"{created_utc:%Y%m%d-%H%M%S}-{result_sha256[:8]}"
    folder = (base / runner_folder_name(code) / name).resolve()
    if not folder.is_relative_to(base) or folder.parent.parent != base:
        raise StoreError(f"refusing to save runner {code!r}'s result outside {base}")
    return folder


def _own_files(folder: Path) -> list[Path]:
    """The result folder's files: regular, not hidden, top level (gaitlab writes no subfolders)."""
    try:
        return sorted(
            p
            for p in folder.iterdir()
            if not p.name.startswith(".") and p.is_file() and not p.is_symlink()
        )
    except OSError as exc:
        raise StoreError(f"{folder}: cannot read the result folder ({exc})") from None


def _copy_into(files: list[Path], dest: Path) -> None:
    """Copy ``files`` into ``dest`` all or nothing (via a hidden staging folder, then a rename).

    A copy of the same result saved before is replaced; notes written into it since (and not
    in the new source) are kept.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".{dest.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        for f in files:
            shutil.copy2(f, staging / f.name)
        old = dest.parent / f".{dest.name}.old-{uuid.uuid4().hex[:8]}"
        if dest.exists():
            for name in LATER_FILES:
                if (dest / name).is_file() and not (staging / name).exists():
                    shutil.copy2(dest / name, staging / name)
            dest.rename(old)
        staging.rename(dest)
        shutil.rmtree(old, ignore_errors=True)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def save_to_history(
    db: SessionStore,
    result_dir: str | os.PathLike[str],
    runner: str,
    *,
    height_cm: float | None = None,
    physio_notes: str = "",
    root: str | os.PathLike[str] | None = None,
) -> SavedSession:
    """Copy a result folder into the data folder and record it as a session of ``runner``.

    Parameters
    ----------
    db
        The result store.
    result_dir
        A folder gaitlab wrote (``result.json`` and whatever else: pose series, reports, key
        frames, annotated video, physio notes). Only its top-level files are copied.
    runner
        The runner's code (created if new). Any text: the folder name is sanitised.
    height_cm
        The runner's height, stored with them when given.
    physio_notes
        Notes stored with the session.
    root
        Where saved results go (default :func:`~gaitlab.store.location.sessions_root` of
        the store).

    Raises
    ------
    BadRunnerCode
        An empty or too long code.
    StoreError
        Not a gaitlab result folder, the copy failed (disk full, no permission) or the store
        could not record the session; nothing is left behind then.
    """
    code = check_runner_code(runner)
    src = Path(result_dir).resolve()
    try:
        result = read_result(src)
    except ResultFolderError as exc:
        raise StoreError(f"{src}: not a gaitlab result folder to save ({exc.message})") from None
    created = parse_utc(result.created_utc)
    base = Path(root) if root is not None else sessions_root(db.url)
    dest = saved_folder(base, code, created, file_sha256(src / RESULT_FILE))
    existed = dest.is_dir()
    if src != dest:
        files = _own_files(src)
        try:
            _copy_into(files, dest)
        except OSError as exc:
            raise StoreError(f"cannot copy the result into {dest}: {exc}") from None
    try:
        session = read_session_folder(dest, code, physio_notes=physio_notes)
        session_id = db.record_session(session, height_cm=height_cm)
    except Exception:
        if not existed:
            # A copy no session points at would never be deleted with the runner.
            shutil.rmtree(dest, ignore_errors=True)
            with contextlib.suppress(OSError):
                dest.parent.rmdir()  # the runner's folder, when this was their first
        raise
    return SavedSession(session_id, code, dest, tuple(sorted(session.files.values())), existed)
