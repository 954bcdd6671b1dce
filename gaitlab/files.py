"""Writing files safely: atomic replacement, and output folders checked before any work.

:func:`atomic_path` is the one write-to-a-temporary-then-rename helper: a reader (or a crash)
sees the old file or the complete new one, never half a file. :func:`check_output_dir` says
whether a folder can take gaitlab's outputs before hours of work are spent, with a one-line
message when it cannot.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

from gaitlab.errors import UsageError


class OutputDirError(UsageError):
    """An output folder cannot be used: a file is in the way, or it cannot be written (exit 2)."""


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path next to ``path`` that replaces it when the block succeeds.

    The temporary file is hidden (``.NAME.PID.RANDOM.tmp``), in the same folder (so the
    rename is atomic on one file system) and removed when the block raises.

    Examples
    --------
    >>> with atomic_path(out / "report.pdf") as tmp:  # doctest: +SKIP
    ...     pdf.output(str(tmp))
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)  # after a successful replace there is nothing to remove


def write_text_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_path`); return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(path)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *, fsync: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; ``fsync`` also flushes it to the disk first."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
    return Path(path)


def check_output_dir(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Check that ``path`` is, or can become, a writable folder; create nothing.

    Run before any work, so that an unusable ``--out`` is a usage error at once rather than a
    failure after the analysis. The folder (or the nearest folder above it that exists) must
    be a folder, and a file must be creatable in it: tried for real, because permission bits
    say nothing about a read-only mount, and the superuser passes every ``os.access`` check.

    Parameters
    ----------
    path
        The folder the outputs will go to (it may not exist yet).
    option
        How the user named it, for the message (``--out``).

    Returns
    -------
    Path
        ``path``, unchanged.

    Raises
    ------
    OutputDirError
        With a one-line message: a file (or a device such as ``/dev/null``) is in the way, or
        the folder cannot be created or written.
    """
    if os.fspath(path) == "":  # Path("") would be the current folder
        raise OutputDirError(f"{option} is empty: give a folder for the results")
    out = Path(path)
    existing = out
    while not existing.exists() and not existing.is_symlink():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.exists():  # a dangling symlink, or a root that does not exist
        raise OutputDirError(f"{option} {out}: {existing} is a broken link; choose another folder")
    if not existing.is_dir():
        kind = "a file" if existing.is_file() else "not a folder"
        if existing == out:
            raise OutputDirError(
                f"{option} {out} is {kind}; give a folder (it is created if missing)"
            )
        raise OutputDirError(
            f"{option} {out}: {existing} is {kind}, so the folder cannot be created there"
        )
    probe = existing / f".gaitlab-write-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        probe.touch(exist_ok=False)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputDirError(
            f"{option} {out}: cannot write in {existing} ({reason}); choose a folder you can "
            "write to"
        ) from None
    probe.unlink(missing_ok=True)
    return out


def why_missing(path: str | os.PathLike[str]) -> str:
    """Why ``path`` cannot be opened as a file, in a few words (``no such file``, ...).

    Tells a link loop (``a -> b -> a``) and a broken link from a path that is not there, which
    ``Path.exists`` reports alike.
    """
    p = Path(path)
    try:
        p.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a loop of symbolic links (the link points back to itself)"
        if p.is_symlink():
            return f"a broken symbolic link (to {os.readlink(p)}, which does not exist)"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "permission denied"
        if exc.errno == errno.ENAMETOOLONG:
            return "the name is too long"
        return "no such file"
    return "not a file" if not p.is_file() else "exists"


#: Characters never put into a folder name gaitlab makes: path separators, control characters
#: (a newline in a clip's name), and those Windows refuses.
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_folder_name(name: str, default: str = "clip", max_chars: int = 100) -> str:
    """``name`` made safe as one folder name: unsafe characters become ``_``.

    Never empty, never ``.``/``..`` or hidden (leading dots and spaces are dropped).
    """
    clean = _UNSAFE_NAME.sub("_", name).strip(" .")[:max_chars].rstrip(" .")
    return clean or default


def one_line(text: str) -> str:
    r"""``text`` with line breaks and other control characters shown escaped (``\n``).

    Messages quote names the user chose (a clip called ``a<newline>b.mp4``); escaping keeps
    each message on the one line the CLI promises.
    """
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
