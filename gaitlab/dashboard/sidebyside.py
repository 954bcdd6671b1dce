"""The dashboard's side-by-side video of two stored sessions: made once, then reused.

The drawing is :func:`gaitlab.report.sidebyside.render_side_by_side`; this module names the
file after the two results' content, so that a rerun of the page (every click) finds the video
already made and a corrected session gets a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from gaitlab.hashing import file_sha256
from gaitlab.report.data import ReportData
from gaitlab.report.sidebyside import render_side_by_side
from gaitlab.result import RESULT_FILE


@dataclass(frozen=True)
class Made:
    """A side-by-side video and the sentence shown under it."""

    video: Path
    caption: str


def side_by_side(
    before_dir: str | Path, after_dir: str | Path, out_dir: str | Path, labels: tuple[str, str]
) -> Made:
    """The side-by-side video of two result folders, drawn unless already in ``out_dir``.

    Raises
    ------
    gaitlab.errors.GaitlabError
        When a folder has no readable result or saved landmarks, or no stride to compare
        (one-line message for the page).
    """
    dirs = [Path(before_dir), Path(after_dir)]
    key = file_sha256_of_text(
        json.dumps([[str(d), file_sha256(d / RESULT_FILE)] for d in dirs] + [list(labels)])
    )
    out = Path(out_dir)
    video, note = out / f"side_by_side_{key}.mp4", out / f"side_by_side_{key}.txt"
    if video.is_file() and note.is_file():
        return Made(video, note.read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    a, b = (ReportData.from_result_dir(d) for d in dirs)
    made = render_side_by_side(a, b, video, labels=labels)
    plan = made.plan
    caption = " ".join(
        [
            f"Stride k of each session over the same frames: {len(plan.pairs)} strides of the "
            f"{made.side} foot, each from foot strike to the next, at {plan.out_fps:g} "
            "frames/s (the quicker stride is slowed to the other's length).",
            *(f"{n}." for n in made.notes),
        ]
    )
    note.write_text(caption, encoding="utf-8")
    return Made(video, caption)


def file_sha256_of_text(text: str) -> str:
    """First 16 hex digits of the SHA-256 of ``text`` (a file-name key)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
