"""Analyse several clips of one run and write the session folder (``gaitlab analyze a b``).

Each clip is analysed and written exactly as ``gaitlab analyze`` does for one clip, into its
own folder inside the session folder; a clip that fails is recorded as failed and never
stops the others. Then the clips' result documents are combined
(:func:`gaitlab.session.combine.combine_session`) and ``session.json`` and the session report
are written next to the clips' folders.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from gaitlab import __version__
from gaitlab.errors import GaitlabError, UsageError
from gaitlab.files import one_line, safe_folder_name
from gaitlab.hashing import file_sha256
from gaitlab.pipeline import AnalysisRequest, analyze_clip
from gaitlab.report import write_outputs
from gaitlab.result import read_result
from gaitlab.session.combine import ClipOutcome, combine_session
from gaitlab.session.document import SessionDocument
from gaitlab.session.folder import write_session, write_session_report


class SameClipTwice(UsageError):
    """The same clip given twice to one session (usage error, exit 2)."""


@dataclass(frozen=True)
class SessionRun:
    """What :func:`analyze_session` wrote.

    Attributes
    ----------
    session
        The session document.
    session_dir
        The session folder.
    session_file, report_file
        ``session.json`` and ``session_report.html`` (None when reports were not asked for).
    clip_paths
        Per clip index, its outputs (output name -> path); failed clips are absent.
    """

    session: SessionDocument
    session_dir: Path
    session_file: Path
    report_file: Path | None
    clip_paths: dict[int, dict[str, Path]] = field(default_factory=dict)


def clip_folders(clips: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Each clip's result folder name: its file name made safe, ``-2``, ``-3`` on clashes."""
    names: list[str] = []
    for clip in clips:
        base = safe_folder_name(Path(clip).stem)
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}-{n}"
        names.append(name)
    return names


def check_distinct_clips(clips: Sequence[str | os.PathLike[str]]) -> None:
    """Refuse a session that names one clip twice (the same file, or the same bytes).

    Raises
    ------
    SameClipTwice
        With the two names as given.
    """
    seen: dict[str, str] = {}
    for clip in clips:
        path = Path(clip)
        if not path.is_file():
            continue  # reported as that clip's own error when it is read
        key = file_sha256(path)
        if key in seen:
            raise SameClipTwice(
                f"{one_line(seen[key])} and {one_line(str(clip))} are the same clip: a session "
                "needs different clips of the run (a side and a rear view, say)"
            )
        seen[key] = str(clip)


def analyze_session(
    clips: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    request: AnalysisRequest | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    use_cache: bool = True,
    video: bool = True,
    keyframes: bool = True,
    reports: bool = True,
    blur_faces: bool = False,
    workers: int | None = None,
) -> SessionRun:
    """Analyse ``clips`` as one session and write the session folder ``out_dir``.

    Parameters
    ----------
    clips
        Two or more clips of the same run, in the order the report lists them.
    out_dir
        The session folder; each clip's result folder is made inside it.
    request
        Settings shared by every clip (the view is detected per clip when ``auto``).
    cache_dir, use_cache, workers
        As for :func:`gaitlab.pipeline.analyze_clip`.
    video, keyframes, reports, blur_faces
        Each clip's outputs, as for :func:`gaitlab.report.write_outputs`; ``reports`` also
        switches the session report.

    Returns
    -------
    SessionRun
        The session and what was written; a failed clip is in ``session.clips`` with its
        message and exit code.

    Raises
    ------
    SameClipTwice
        One clip given twice (checked before any analysis).
    """
    check_distinct_clips(clips)
    out = Path(out_dir)
    outcomes: list[ClipOutcome] = []
    clip_paths: dict[int, dict[str, Path]] = {}
    for index, (clip, folder) in enumerate(zip(clips, clip_folders(clips), strict=True)):
        label = Path(clip).name
        try:
            analysis = analyze_clip(
                clip, request, cache_dir=cache_dir, use_cache=use_cache, workers=workers
            )
            paths = write_outputs(
                analysis,
                out / folder,
                video=video,
                keyframes=keyframes,
                reports=reports,
                blur_faces=blur_faces,
                workers=workers or 1,
            )
        except GaitlabError as exc:
            outcomes.append(
                ClipOutcome(label=label, error=one_line(exc.message), exit_code=exc.exit_code)
            )
            continue
        clip_paths[index] = paths
        outcomes.append(
            ClipOutcome(label=label, folder=folder, result=read_result(paths["result"]))
        )
    session = combine_session(
        outcomes,
        gaitlab_version=__version__,
        created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    session_file = write_session(session, out)
    report = write_session_report(session, out) if reports else None
    return SessionRun(session, out, session_file, report, clip_paths)
