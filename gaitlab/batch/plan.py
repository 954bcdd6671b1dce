"""Plan a batch: each input's effective settings, content hash, key and result folder.

The plan is saved as ``batch.json`` in the output folder before any clip is scored, so the
scores table can be rebuilt from the plan and the store's records after a crash, without the
original command line.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gaitlab.batch.inputs import ClipInput
from gaitlab.batch.row import ERROR_INPUT, STATUS_ERROR, ClipRow
from gaitlab.batch.task import (
    ClipOutputs,
    result_folder_name,
    settings_dict,
    task_key,
)
from gaitlab.errors import NotAFile
from gaitlab.files import write_text_atomic
from gaitlab.hashing import file_sha256
from gaitlab.pipeline import AnalysisRequest

#: File names inside a batch's output folder.
PLAN_FILE = "batch.json"
CLIPS_DIR = "clips"
RECORDS_DIR = "records"
LOGS_DIR = "logs"
#: Version of the ``batch.json`` layout.
PLAN_FORMAT_VERSION = 1


@dataclass(frozen=True)
class PlannedClip:
    """One input of the batch and where its results go.

    Attributes
    ----------
    clip
        The input (path, identity, overrides).
    view, height_cm, slowmo_factor
        Effective per-clip settings (the batch's, with the clip's overrides applied).
    sha256
        Content hash ("" when the file could not be read).
    key
        Content + settings key ("" when the file could not be read).
    result_rel
        Result folder relative to the output folder.
    size_bytes
        File size, used to start the longest clips first.
    early_error
        Set when the clip failed before it could be dispatched (missing or unreadable file).
    request
        The full effective settings (None in a plan read back from ``batch.json``, which
        only needs the fields above to rebuild the tables).
    """

    clip: ClipInput
    view: str
    height_cm: float | None
    slowmo_factor: float
    sha256: str = ""
    key: str = ""
    result_rel: str = ""
    size_bytes: int = 0
    early_error: ClipRow | None = None
    request: AnalysisRequest | None = None


def effective_request(defaults: AnalysisRequest, clip: ClipInput) -> AnalysisRequest:
    """The batch's settings with the clip's manifest overrides (view, height, slow motion)."""
    pose = defaults.pose
    if clip.slowmo_factor is not None:
        pose = dataclasses.replace(pose, slowmo_factor=clip.slowmo_factor)
    return dataclasses.replace(
        defaults,
        view=clip.view if clip.view is not None else defaults.view,
        height_cm=clip.height_cm if clip.height_cm is not None else defaults.height_cm,
        pose=pose,
    )


def plan_batch(
    clips: Sequence[ClipInput],
    defaults: AnalysisRequest,
    model_sha256: str,
    *,
    outputs: ClipOutputs | None = None,
    on_hashed: Callable[[int, int], None] | None = None,
) -> list[PlannedClip]:
    """Hash every clip and derive its key and result folder.

    Parameters
    ----------
    clips
        The inputs, in table order.
    defaults
        The batch's settings.
    model_sha256
        Hash of the pose model file (part of every key).
    outputs
        Optional outputs of each result folder (part of every key).
    on_hashed
        Called with (clips hashed, total) after each clip (hashing a large folder takes a
        while: about 1 s per GB).

    Returns
    -------
    list of PlannedClip
        One per input, in input order; files that cannot be read carry an ``early_error``.
    """
    planned = []
    for i, clip in enumerate(clips, start=1):
        request = effective_request(defaults, clip)
        settings = {
            "view": request.view,
            "height_cm": request.height_cm,
            "slowmo_factor": request.pose.slowmo_factor,
            "request": request,
        }
        try:
            size = clip.path.stat().st_size
            if not clip.path.is_file():
                raise IsADirectoryError(str(clip.path))
            sha = file_sha256(clip.path)
        except OSError as exc:
            reason = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror
            err = NotAFile(f"{clip.path}: {reason or 'cannot be read'}")
            planned.append(
                PlannedClip(
                    clip=clip,
                    **settings,
                    early_error=ClipRow(
                        key="",
                        sha256="",
                        status=STATUS_ERROR,
                        error_kind=ERROR_INPUT,
                        exit_code=err.exit_code,
                        error=err.message,
                        review=[f"failed: {err.message}"],
                    ),
                )
            )
        else:
            key = task_key(sha, settings_dict(request, model_sha256, outputs, clip.runner_id))
            planned.append(
                PlannedClip(
                    clip=clip,
                    **settings,
                    sha256=sha,
                    key=key,
                    result_rel=f"{CLIPS_DIR}/{result_folder_name(clip.path, key)}",
                    size_bytes=size,
                )
            )
        if on_hashed is not None:
            on_hashed(i, len(clips))
    return planned


def _clip_to_dict(p: PlannedClip) -> dict[str, Any]:
    c = p.clip
    return {
        "path": os.fspath(c.path),
        "runner_id": c.runner_id,
        "label": c.label,
        "view": c.view,
        "height_cm": c.height_cm,
        "slowmo_factor": c.slowmo_factor,
        "source": c.source,
        "session": c.session,
        "effective": {"view": p.view, "height_cm": p.height_cm, "slowmo_factor": p.slowmo_factor},
        "request": dataclasses.asdict(p.request) if p.request is not None else None,
        "sha256": p.sha256,
        "key": p.key,
        "result_dir": p.result_rel,
        "size_bytes": p.size_bytes,
        "early_error": p.early_error.to_dict() if p.early_error else None,
    }


def save_plan(planned: Sequence[PlannedClip], out_dir: Path, extra: dict[str, Any]) -> Path:
    """Write ``batch.json`` atomically; ``extra`` holds the command's settings (provenance)."""
    path = out_dir / PLAN_FILE
    data = {
        "schema": "gaitlab.batch",
        "format_version": PLAN_FORMAT_VERSION,
        **extra,
        "clips": [_clip_to_dict(p) for p in planned],
    }
    return write_text_atomic(path, json.dumps(data, indent=1, default=str))


def load_plan(out_dir: Path) -> list[PlannedClip]:
    """Read the clips of ``batch.json`` back (for rebuilding tables after a crash)."""
    data = json.loads((out_dir / PLAN_FILE).read_text(encoding="utf-8"))
    planned = []
    for item in data["clips"]:
        clip = ClipInput(
            path=Path(item["path"]),
            runner_id=item["runner_id"],
            label=item["label"],
            view=item["view"],
            height_cm=item["height_cm"],
            slowmo_factor=item["slowmo_factor"],
            source=item["source"],
            session=item.get("session", ""),
        )
        early = item.get("early_error")
        planned.append(
            PlannedClip(
                clip=clip,
                **item["effective"],
                sha256=item["sha256"],
                key=item["key"],
                result_rel=item["result_dir"],
                size_bytes=item["size_bytes"],
                early_error=ClipRow.from_dict(early) if early else None,
            )
        )
    return planned
