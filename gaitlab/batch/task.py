"""The one per-clip function both executors run: :func:`score_clip`.

A :class:`ClipTask` is plain, picklable data (paths, settings, the store's address). The
worker calls the single-clip path of ``gaitlab analyze``: :func:`gaitlab.pipeline.analyze_clip`,
then :func:`gaitlab.report.write_outputs` (which writes ``result.json`` with
:func:`gaitlab.pipeline.write_result`, and the other outputs). It flattens the result into one
:class:`~gaitlab.batch.row.ClipRow` and commits it to the batch's record store. The row is
written by the worker, not by the process that dispatched it, so work that finished is on disk
even if the dispatcher is killed the next instant.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import socket
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gaitlab import __version__
from gaitlab.batch.flatten import flatten_result, review_reasons
from gaitlab.batch.inputs import ClipInput
from gaitlab.batch.records import RecordStore
from gaitlab.batch.row import (
    BATCH_RECORD_VERSION,
    ERROR_INPUT,
    ERROR_INTERNAL,
    STATUS_ERROR,
    STATUS_OK,
    ClipRow,
)
from gaitlab.errors import GaitlabError
from gaitlab.pipeline import AnalysisRequest, analyze_clip
from gaitlab.pose.extract import ProgressFn
from gaitlab.report import write_outputs
from gaitlab.result import RESULT_SCHEMA_VERSION, read_result

#: Longest part of a result folder name taken from the clip's name.
MAX_NAME_CHARS = 48
#: Whether a batch worker decodes ahead of inference in a thread (with FFmpeg's own
#: decoding threads). It pays even with one clip per core: a landmarker leaves its core
#: idle between frames, and a clip's serial steps (start-up, kinematics, writing) leave the
#: other worker's decode thread room. ``benchmarks/batch.py --compare-prefetch`` measures
#: it (figures in docs/performance.md).
WORKER_PREFETCH = True


class ClipChanged(GaitlabError):
    """The clip's bytes changed between planning the batch and scoring it."""

    exit_code = 4


@dataclass(frozen=True)
class ClipOutputs:
    """Which of ``gaitlab analyze``'s slower outputs each clip's result folder gets.

    ``result.json``, the pose and kinematics series, the plots and the CSV/TRC/MOT exports are
    always written (about 2 s a clip); these add to them.

    Attributes
    ----------
    reports
        Key-frame images and the HTML and PDF reports (about 1 s a clip).
    video
        The annotated H.264 video (about as long as the clip again).
    blur_faces
        Blur faces in the video and key frames.
    """

    reports: bool = False
    video: bool = False
    blur_faces: bool = False


@dataclass(frozen=True)
class ClipTask:
    """Everything a worker needs to score one clip (picklable; no open handles).

    Attributes
    ----------
    key
        Identity of the work: content hash + settings hash (see :func:`task_key`).
    sha256
        SHA-256 of the clip's bytes when the batch was planned.
    clip
        The clip's path, identity and per-clip overrides.
    request
        The effective analysis settings for this clip.
    result_dir
        Final result folder (absolute), inside the batch's output folder.
    result_rel
        The same folder relative to the output folder, as written into the scores table.
    store
        Where the finished row is committed.
    outputs
        Optional outputs of the result folder (reports, video).
    cache_dir
        Pose cache folder (None = the worker's default, ``$GAITLAB_CACHE_DIR`` or user cache).
    use_cache
        Read and write the pose cache.
    run_id
        Identifier of the batch invocation that scored the clip (provenance).
    settings
        JSON-ready settings recorded with the row.
    session_store
        URL of the runners' result store (:mod:`gaitlab.store`) where the finished clip is
        recorded as a session of ``clip.runner_id``; None = not recorded.
    """

    key: str
    sha256: str
    clip: ClipInput
    request: AnalysisRequest
    result_dir: str
    result_rel: str
    store: RecordStore
    outputs: ClipOutputs = field(default_factory=ClipOutputs)
    cache_dir: str | None = None
    use_cache: bool = True
    run_id: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    session_store: str | None = None


def settings_dict(
    request: AnalysisRequest,
    model_sha256: str,
    outputs: ClipOutputs | None = None,
    runner_id: str = "",
) -> dict[str, Any]:
    """Everything besides the clip's bytes that changes a clip's result folder, JSON-ready.

    A runner id (manifest column) is part of it when set: a result folder is one runner's
    session in the runners' store (a folder belongs to one session), so the same clip
    listed for two runners is two pieces of work, two folders and two sessions; the pose
    cache makes the second one cheap. Without a runner the key has no runner part.
    """
    extra = {"runner_id": runner_id} if runner_id else {}
    return {
        **extra,
        "request": dataclasses.asdict(request),
        "outputs": dataclasses.asdict(outputs or ClipOutputs()),
        "model_sha256": model_sha256,
        # A new gaitlab may compute different numbers from the same landmarks: results of
        # another version are stale (the pose cache keeps re-scoring them cheap).
        "gaitlab_version": __version__,
        "result_schema_version": RESULT_SCHEMA_VERSION,
        "batch_record_version": BATCH_RECORD_VERSION,
    }


def task_key(sha256: str, settings: dict[str, Any]) -> str:
    """Key of one clip's work: ``<content hash prefix>-<settings hash prefix>``.

    Renaming or moving a clip keeps its key; changing any setting changes it.
    """
    blob = json.dumps(settings, sort_keys=True, default=str).encode()
    return f"{sha256[:24]}-{hashlib.sha256(blob).hexdigest()[:12]}"


def result_folder_name(clip_path: str | os.PathLike[str], key: str) -> str:
    """A safe, unique folder name for a clip's results: ``<clean stem>-<short hash>``.

    The stem keeps letters, digits, ``.``, ``_`` and ``-`` (any script); everything else,
    path separators included, becomes ``_``. Leading dots are removed, so the name can never
    be ``..`` or hidden, and the hash suffix keeps two clips of the same name apart.
    """
    stem = Path(os.fspath(clip_path)).stem
    clean = re.sub(r"[^\w.-]+", "_", stem, flags=re.UNICODE).lstrip("._-")[:MAX_NAME_CHARS]
    short = hashlib.sha256(key.encode()).hexdigest()[:10]
    return f"{clean.rstrip('.') or 'clip'}-{short}"


def score_clip(
    task: ClipTask, progress: ProgressFn | None = None, *, prefetch: bool = WORKER_PREFETCH
) -> ClipRow:
    """Score one clip and commit its row to the store; never raises for a bad clip.

    Parameters
    ----------
    task
        The clip and its settings.
    progress
        Per-frame progress callback of the pose stage (done, total).
    prefetch
        Decode ahead of inference in a thread (see :data:`WORKER_PREFETCH`). The pose stage
        always runs one landmarker: the batch already runs one clip per core.

    Returns
    -------
    ClipRow
        ``ok`` with the flattened result, or ``error`` with the message. A
        :class:`GaitlabError` (the clip's fault) is labelled ``input``; any other exception
        is a bug, labelled ``internal`` with its traceback, and the batch goes on.
    """
    started = time.perf_counter()
    common = {
        "key": task.key,
        "sha256": task.sha256,
        "run_id": task.run_id,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "settings": task.settings,
    }
    try:
        analysis = analyze_clip(
            task.clip.path,
            task.request,
            cache_dir=task.cache_dir,
            use_cache=task.use_cache,
            progress=progress,
            workers=1,
            prefetch=prefetch,
        )
        if analysis.series.video.sha256 != task.sha256:
            raise ClipChanged(
                f"{task.clip.path.name}: the file changed while the batch was running; "
                "run the batch again to score the new version"
            )
        result_path = write_result_folder(analysis, Path(task.result_dir), task.outputs)
        result = read_result(result_path)
        # A clip of a multi-clip session is stored with its session, once, when the batch
        # ends (gaitlab.batch.sessions.record_batch_sessions), not as a session of its own.
        if task.session_store and task.clip.runner_id and not task.clip.session:
            record_session(task, result_path.parent)
        row = ClipRow(
            status=STATUS_OK,
            result_dir=task.result_rel,
            columns=flatten_result(result),
            n_frames=analysis.series.n_frames,
            **common,
        )
    except GaitlabError as exc:
        row = ClipRow(
            status=STATUS_ERROR,
            error_kind=ERROR_INPUT,
            exit_code=exc.exit_code,
            error=exc.message,
            **common,
        )
    except Exception as exc:
        # Not the clip's fault: a bug. Record it with its traceback and keep the batch going.
        row = internal_error_row(task, f"{type(exc).__name__}: {exc}", traceback.format_exc())
    row = dataclasses.replace(
        row,
        review=review_reasons(row.status, row.error, row.columns),
        elapsed_s=round(time.perf_counter() - started, 3),
        finished_utc=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    task.store.put(row)
    return row


def record_session(task: ClipTask, result_dir: Path) -> None:
    """Record the clip's result folder as a session of its runner in the runners' store.

    A failure is this clip's error (the row is not ``ok``), so that ``--retry-failed`` records
    it later: a clip marked done but missing from the runner's history would stay missing.

    Raises
    ------
    gaitlab.store.StoreError
        The store cannot be written.
    """
    # Imported here: a worker loads SQLAlchemy only when one of its clips names a runner.
    from gaitlab.store import open_store, read_session_folder

    # The batch owns the clip folder, so every file in it is this session's.
    session = read_session_folder(result_dir, task.clip.runner_id)
    with open_store(task.session_store) as store:
        store.record_session(session, height_cm=task.request.height_cm)


def internal_error_row(task: ClipTask, message: str, trace: str = "") -> ClipRow:
    """An ``internal`` error row for ``task`` (a bug, or a worker that died)."""
    return ClipRow(
        key=task.key,
        sha256=task.sha256,
        status=STATUS_ERROR,
        error_kind=ERROR_INTERNAL,
        exit_code=1,
        error=f"internal error: {message}",
        review=[f"internal error: {message}"],
        run_id=task.run_id,
        settings=task.settings,
        finished_utc=datetime.now(UTC).isoformat(timespec="seconds"),
        traceback=trace,
    )


def write_result_folder(analysis: Any, final_dir: Path, outputs: ClipOutputs) -> Path:
    """Write a clip's result folder atomically; return the path of its ``result.json``.

    The folder holds what ``gaitlab analyze`` writes (:func:`gaitlab.report.write_outputs`),
    with the optional outputs chosen by ``outputs``. The files go into a hidden staging folder
    next to ``final_dir`` (same file system), which is then renamed into place: a reader sees
    the old folder, no folder, or the complete new one, never a half-written one. A staging
    folder left by a killed worker is cleaned up by the next batch run
    (:func:`remove_stale_staging`).
    """
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = final_dir.parent / f".{final_dir.name}.partial-{uuid.uuid4().hex[:12]}"
    try:
        paths = write_outputs(
            analysis,
            staging,
            video=outputs.video,
            keyframes=outputs.reports,
            reports=outputs.reports,
            blur_faces=outputs.blur_faces,
        )
        result_name = Path(paths["result"]).name
        if final_dir.exists():
            # An earlier attempt (failed, or killed after its rename) left a folder behind.
            shutil.rmtree(final_dir)
        os.replace(staging, final_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return final_dir / result_name


def remove_stale_staging(clips_dir: Path) -> int:
    """Delete staging folders left by killed workers; return how many were removed."""
    if not clips_dir.is_dir():
        return 0
    stale = [p for p in clips_dir.glob(".*.partial-*") if p.is_dir()]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return len(stale)
