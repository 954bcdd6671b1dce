"""Turn the command line's inputs (files, folders, CSV manifests) into a list of clips.

A folder is searched recursively for files with a video extension
(:data:`gaitlab.io.video.VIDEO_EXTENSIONS`, any case); hidden files and folders are skipped. A
``.csv`` file is a manifest: one clip per row, with the runner's identity and per-clip
settings. Anything else is taken as a clip, whatever its extension, because the user named it.

Manifest columns (header row required, names case-insensitive):

============  ========================================================================
``path``      the clip; relative paths are relative to the manifest's folder (required)
``runner_id`` who is running (any text)
``height_cm`` the runner's height in cm (``height`` is accepted too)
``view``      ``auto``, ``side``, ``side-left``, ``side-right``, ``rear`` or ``front``
``label``     free text carried into ``scores.csv`` (session, shoe, condition, ...)
``slowmo``    slow-motion factor of this clip (``slowmo_factor`` is accepted too)
``session``   rows sharing a session id are clips of one run (a side and a rear view):
              each is scored on its own row, and they are combined into one session
              (``sessions/<id>/session.json``, see :mod:`gaitlab.batch.sessions`)
============  ========================================================================

Blank cells mean "use the command-line setting". Unknown columns are an error, so that a
misspelt ``hieght`` is never silently ignored.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gaitlab.errors import InvalidOption, UsageError
from gaitlab.files import why_missing
from gaitlab.io.video import VIDEO_EXTENSIONS
from gaitlab.options import HEIGHT_CM, SLOWMO_FACTOR, NumberRange
from gaitlab.pipeline import VIEWS

#: Manifest column aliases -> canonical field name.
MANIFEST_COLUMNS: dict[str, str] = {
    "path": "path",
    "file": "path",
    "clip": "path",
    "runner_id": "runner_id",
    "runner": "runner_id",
    "height_cm": "height_cm",
    "height": "height_cm",
    "view": "view",
    "label": "label",
    "slowmo": "slowmo_factor",
    "slowmo_factor": "slowmo_factor",
    "session": "session",
    "session_id": "session",
}


class BatchInputError(UsageError):
    """The batch's inputs or options are unusable (usage error, exit code 2)."""

    exit_code = 2


@dataclass(frozen=True)
class ClipInput:
    """One clip to score, with who it belongs to and its per-clip settings.

    Attributes
    ----------
    path
        The clip as given on the command line, found in a folder, or resolved from a manifest.
    runner_id, label
        Identity carried into the scores table ("" when not given).
    view
        Camera view for this clip, overriding ``--view`` (None = use the batch setting).
    height_cm
        Runner's height in cm, overriding ``--height-cm`` (None = use the batch setting).
    slowmo_factor
        Slow-motion factor for this clip, overriding ``--slowmo`` (None = batch setting).
    source
        Where the clip came from, for messages: ``argument``, ``folder DIR`` or
        ``MANIFEST:LINE``.
    session
        Session id: clips sharing one are combined into one session ("" when none).
    """

    path: Path
    runner_id: str = ""
    label: str = ""
    view: str | None = None
    height_cm: float | None = None
    slowmo_factor: float | None = None
    source: str = "argument"
    session: str = ""


def collect_inputs(
    inputs: Sequence[str | os.PathLike[str]],
    *,
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> list[ClipInput]:
    """Expand files, folders and manifests into clips, in a stable order, without repeats.

    Parameters
    ----------
    inputs
        Paths from the command line.
    exclude
        Folders never searched (the batch's own output folder, whose result folders may hold
        rendered videos that must not be scored as clips).

    Returns
    -------
    list of ClipInput
        Folder contents sorted by path; an input met twice (same file, identity and
        overrides) keeps its first occurrence.

    Raises
    ------
    BatchInputError
        An argument does not exist, a manifest is malformed, or nothing was found.
    """
    excluded = [Path(p).resolve() for p in exclude]
    found: list[ClipInput] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found.extend(_scan_folder(path, excluded))
        elif path.suffix.lower() == ".csv" and path.is_file():
            found.extend(read_manifest(path))
        elif path.is_file():
            found.append(ClipInput(path=path))
        else:
            # A mistyped argument fails the command at once, before hours of work; a missing
            # file inside a manifest becomes that clip's error row instead.
            reason = why_missing(path)
            raise BatchInputError(
                f"{path}: {'no such file or folder' if reason == 'no such file' else reason}"
            )
    clips = _unique(found)
    if not clips:
        names = ", ".join(str(p) for p in inputs) or "(no inputs)"
        raise BatchInputError(
            f"no video files found in {names} (looked for {', '.join(VIDEO_EXTENSIONS)})"
        )
    return clips


def _scan_folder(folder: Path, excluded: list[Path]) -> list[ClipInput]:
    """Video files under ``folder``, recursively, sorted; symlinked folders are not followed."""
    clips = []
    for root, dirs, files in os.walk(folder):
        root_path = Path(root)
        # Prune in place so os.walk does not descend into hidden or excluded folders.
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and (root_path / d).resolve() not in excluded
        )
        for name in sorted(files):
            if name.startswith(".") or Path(name).suffix.lower() not in VIDEO_EXTENSIONS:
                continue
            clips.append(ClipInput(path=root_path / name, source=f"folder {folder}"))
    return clips


def _unique(clips: list[ClipInput]) -> list[ClipInput]:
    """Drop repeats: the same file with the same identity and overrides.

    The same file with another view or runner (two manifest rows) is two inputs.
    """
    seen: set[tuple] = set()
    out = []
    for clip in clips:
        key = (
            clip.path.resolve(),
            clip.runner_id,
            clip.label,
            clip.view,
            clip.height_cm,
            clip.slowmo_factor,
            clip.session,
        )
        if key not in seen:
            seen.add(key)
            out.append(clip)
    return out


def read_manifest(path: str | os.PathLike[str]) -> list[ClipInput]:
    """Read a CSV manifest (see the module docstring for its columns).

    Raises
    ------
    BatchInputError
        No ``path`` column, an unknown column, or a bad value (the message names the line).
    """
    manifest = Path(path)
    # utf-8-sig: spreadsheets often save a byte-order mark before the header.
    with manifest.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise BatchInputError(f"{manifest}: the manifest is empty (expected a header row)")
        fields = [_canonical_column(manifest, name) for name in header]
        if "path" not in fields:
            raise BatchInputError(
                f"{manifest}: the manifest has no 'path' column (header: {', '.join(header)})"
            )
        clips = []
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values) or values[0].lstrip().startswith("#"):
                continue
            if len(values) > len(fields):
                raise BatchInputError(
                    f"{manifest}:{line}: {len(values)} cells but the header has {len(fields)}"
                )
            row = {f: v.strip() for f, v in zip(fields, values, strict=False) if f is not None}
            clips.append(_manifest_clip(manifest, line, row))
    return clips


def _canonical_column(manifest: Path, name: str) -> str:
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in MANIFEST_COLUMNS:
        known = ", ".join(dict.fromkeys(MANIFEST_COLUMNS.values()))
        raise BatchInputError(f"{manifest}: unknown column {name!r} (known columns: {known})")
    return MANIFEST_COLUMNS[key]


def _manifest_clip(manifest: Path, line: int, row: dict[str, str]) -> ClipInput:
    where = f"{manifest}:{line}"
    if not row.get("path"):
        raise BatchInputError(f"{where}: the 'path' cell is empty")
    clip_path = Path(row["path"]).expanduser()
    if not clip_path.is_absolute():
        clip_path = manifest.parent / clip_path
    view = row.get("view") or None
    if view is not None and view not in VIEWS:
        raise BatchInputError(f"{where}: view must be one of {', '.join(VIEWS)}; got {view!r}")
    height_cm = _number(where, "height_cm", row.get("height_cm"), HEIGHT_CM)
    slowmo = _number(where, "slowmo", row.get("slowmo_factor"), SLOWMO_FACTOR)
    return ClipInput(
        path=clip_path,
        runner_id=row.get("runner_id", ""),
        label=row.get("label", ""),
        view=view,
        height_cm=height_cm,
        slowmo_factor=slowmo,
        source=where,
        session=row.get("session", ""),
    )


def _number(where: str, name: str, text: str | None, accepted: NumberRange) -> float | None:
    """A manifest cell checked as the same option is on the command line (blank: not set)."""
    if not text:
        return None
    try:
        return accepted.parse(text, label=name)
    except InvalidOption as exc:
        raise BatchInputError(f"{where}: {exc.message}") from None
