"""Run a batch: plan, skip what is done, score the rest, and write the cohort outputs.

Output folder layout::

    OUT/
      batch.json        the plan: every input, its settings, content hash and key
      records/          one JSON file per finished clip (the record store)
      clips/<name>/     each clip's result folder, as ``gaitlab analyze`` writes it
      logs/             the local workers' stderr (MediaPipe's native log lines)
      scores.csv        one row per input clip
      scores.parquet    the same table
      summary.html      the cohort summary
      sessions/<id>/    manifest rows sharing a session id, combined: session.json and
                        session_report.html (gaitlab.batch.sessions)

A clip is done when its record exists. Records are written by the workers, atomically, the
moment a clip finishes, so killing the batch at any point loses only the clips in progress;
running the same command again scores exactly the clips without a record (and, with
``retry_failed``, those whose record is an error).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gaitlab import __version__
from gaitlab.batch.cohort import SUMMARY_HTML, write_summary
from gaitlab.batch.executors import (
    Executor,
    LocalExecutor,
    RayExecutor,
    Scorer,
    ScorerFailed,
    WorkerLost,
    default_jobs,
)
from gaitlab.batch.inputs import BatchInputError, collect_inputs
from gaitlab.batch.plan import (
    CLIPS_DIR,
    LOGS_DIR,
    RECORDS_DIR,
    PlannedClip,
    load_plan,
    plan_batch,
    save_plan,
)
from gaitlab.batch.progress import BatchProgress, NullProgress
from gaitlab.batch.records import FileStore, RecordStore
from gaitlab.batch.row import STATUS_ERROR, ClipRow
from gaitlab.batch.sessions import record_batch_sessions, write_sessions
from gaitlab.batch.tables import SCORES_CSV, SCORES_PARQUET, table_rows, write_csv, write_parquet
from gaitlab.batch.task import (
    ClipOutputs,
    ClipTask,
    internal_error_row,
    remove_stale_staging,
    score_clip,
    settings_dict,
)
from gaitlab.files import check_output_dir
from gaitlab.findings.normal import normal_bands
from gaitlab.hashing import file_sha256
from gaitlab.options import JOBS
from gaitlab.pipeline import AnalysisRequest
from gaitlab.pose.models import resolve_model

EXECUTORS = ("local", "ray")
#: A clip whose worker died this many times is recorded as an internal error.
MAX_WORKER_DEATHS = 2
#: Seconds between rewrites of scores.csv while the batch runs (a live view of the results).
TABLE_REFRESH_S = 30.0
#: Above this many bytes of clips, say that they are being hashed before anything runs.
HASH_NOTE_BYTES = 2_000_000_000
#: How long the dispatcher sleeps waiting for a clip before checking progress messages.
POLL_S = 0.25


@dataclass(frozen=True)
class BatchSettings:
    """How to run a batch.

    Attributes
    ----------
    out_dir
        Output folder (created).
    request
        Analysis settings for every clip; manifest columns override view, height, slow motion.
    jobs
        Clips scored at once; None = CPUs of this machine (local) or of the cluster (Ray).
    executor
        ``local`` or ``ray``.
    ray_address
        Existing Ray cluster to use (None = start a local Ray for this batch).
    retry_failed
        Score again the clips whose record is an error.
    cache_dir, use_cache
        Pose cache of the workers (None = their default: ``$GAITLAB_CACHE_DIR`` or the user
        cache folder).
    frame_progress
        Ask local workers for per-frame progress (for the terminal's worker lines).
    outputs
        Optional outputs of each clip's result folder (HTML/PDF reports, annotated video).
    session_store
        URL of the runners' result store (:mod:`gaitlab.store`): each finished clip with a
        runner id (manifest column ``runner_id``/``runner``) is recorded there as a session.
        None = not recorded. Separate from the batch's own records (``OUT/records``), which
        only say which clips are done, for resuming.
    """

    out_dir: Path
    request: AnalysisRequest = dataclasses.field(default_factory=AnalysisRequest)
    jobs: int | None = None
    executor: str = "local"
    ray_address: str | None = None
    retry_failed: bool = False
    cache_dir: Path | None = None
    use_cache: bool = True
    frame_progress: bool = False
    outputs: ClipOutputs = dataclasses.field(default_factory=ClipOutputs)
    session_store: str | None = None

    def __post_init__(self) -> None:
        if self.executor not in EXECUTORS:
            raise BatchInputError(
                f"executor must be one of {', '.join(EXECUTORS)}; got {self.executor!r}"
            )
        JOBS.check_optional(self.jobs, "jobs")
        if self.ray_address and self.executor != "ray":
            raise BatchInputError("--ray-address needs --executor ray")


@dataclass(frozen=True)
class BatchReport:
    """What a batch run did.

    Attributes
    ----------
    out_dir
        The output folder.
    n_inputs
        Clips in the batch.
    n_scored
        Clips scored in this run (ok or error).
    n_skipped
        Clips already done by an earlier run (not scored again).
    n_ok, n_failed, n_pending
        Clips in the final table by status.
    wall_s
        Wall time of the scoring phase (from the first dispatch to the last result).
    frames_scored
        Frames decoded by the clips scored in this run.
    rows
        The table rows, in input order.
    """

    out_dir: Path
    n_inputs: int
    n_scored: int
    n_skipped: int
    n_ok: int
    n_failed: int
    n_pending: int
    wall_s: float
    frames_scored: int
    rows: list[dict[str, Any]]

    @property
    def clips_per_min(self) -> float:
        """Throughput of this run in clips per minute (NaN when nothing was scored)."""
        return 60.0 * self.n_scored / self.wall_s if self.wall_s > 0 else float("nan")

    @property
    def frames_per_s(self) -> float:
        """Throughput of this run in frames per second (NaN when nothing was scored)."""
        return self.frames_scored / self.wall_s if self.wall_s > 0 else float("nan")

    @property
    def scores_csv(self) -> Path:
        """Path of ``scores.csv``."""
        return self.out_dir / SCORES_CSV

    @property
    def scores_parquet(self) -> Path:
        """Path of ``scores.parquet``."""
        return self.out_dir / SCORES_PARQUET

    @property
    def summary_html(self) -> Path:
        """Path of ``summary.html``."""
        return self.out_dir / SUMMARY_HTML


@contextlib.contextmanager
def _exclusive(out_dir: Path) -> Iterator[None]:
    """Hold a lock on the output folder so two batches never score into it at once.

    The kernel drops the lock when the process dies, even by SIGKILL: nothing to clean up.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; one batch per folder is on the user
        yield
        return
    with open(out_dir / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BatchInputError(
                f"{out_dir}: another gaitlab batch is writing to this folder; wait for it "
                "to finish or choose another --out"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _make_executor(settings: BatchSettings, scorer: Scorer) -> Executor:
    if settings.executor == "ray":
        return RayExecutor(settings.jobs, scorer, address=settings.ray_address)
    return LocalExecutor(
        settings.jobs or default_jobs(),
        scorer,
        log_dir=settings.out_dir / LOGS_DIR,
        frame_progress=settings.frame_progress,
    )


def run_batch(
    inputs: Sequence[str | os.PathLike[str]],
    settings: BatchSettings,
    *,
    progress: BatchProgress | None = None,
    store: RecordStore | None = None,
    scorer: Scorer = score_clip,
) -> BatchReport:
    """Score every clip in ``inputs`` that is not done yet, then write the cohort outputs.

    Parameters
    ----------
    inputs
        Files, folders (searched recursively) and CSV manifests.
    settings
        See :class:`BatchSettings`.
    progress
        Progress display (default: none).
    store
        Record store (default: a :class:`FileStore` in ``OUT/records``).
    scorer
        The per-clip function; a top-level, importable function (tests substitute one).

    Returns
    -------
    BatchReport

    Raises
    ------
    BatchInputError
        Nothing to score, a bad manifest, bad options, or another batch holds the folder.
    gaitlab.files.OutputDirError
        ``settings.out_dir`` is a file or cannot be written (checked before any work).
    gaitlab.errors.ModelError
        The pose model is missing or corrupt (checked once, before any clip).
    """
    progress = progress or NullProgress()
    out_dir = check_output_dir(settings.out_dir)
    # Inputs first: a mistyped one fails the command before the output folder is made.
    clips = collect_inputs(inputs, exclude=[out_dir])
    out_dir.mkdir(parents=True, exist_ok=True)
    store = store or FileStore(out_dir / RECORDS_DIR)
    with _exclusive(out_dir):
        # A missing model would fail every clip the same way: fail once, up front.
        model_sha = file_sha256(resolve_model(settings.request.pose.model))
        total_bytes = sum(c.path.stat().st_size for c in clips if c.path.is_file())
        if total_bytes > HASH_NOTE_BYTES:
            # Hashing runs at about 1 GB/s; say why nothing else happens for a while.
            progress.note(
                f"reading {len(clips)} clips ({total_bytes / 1e9:.1f} GB) to find finished work"
            )
        planned = plan_batch(clips, settings.request, model_sha, outputs=settings.outputs)
        save_plan(
            planned,
            out_dir,
            {
                "gaitlab_version": __version__,
                "inputs": [os.fspath(p) for p in inputs],
                "executor": settings.executor,
                "jobs": settings.jobs,
                "retry_failed": settings.retry_failed,
            },
        )
        if settings.session_store and any(c.runner_id for c in clips):
            # Create or migrate the runners' store once, here, before the workers write to
            # it; an unreachable server fails the batch now rather than every clip. Imported
            # here: SQLAlchemy loads only for a batch whose clips name runners.
            from gaitlab.store import open_store

            open_store(settings.session_store).close()
        if isinstance(store, FileStore):
            store.remove_temporaries()
        remove_stale_staging(out_dir / CLIPS_DIR)

        records = store.load()
        run_id = uuid.uuid4().hex[:12]
        tasks = _tasks_to_run(planned, records, settings, store, model_sha, run_id)
        n_unique = len({p.key for p in planned if p.key})
        n_skipped = n_unique - len(tasks)

        scored: list[ClipRow] = []
        wall_s = 0.0
        if tasks:
            executor = _make_executor(settings, scorer)
            progress.start(
                total=len(planned),
                done_before=n_skipped,
                to_score=len(tasks),
                workers=min(executor.slots, len(tasks)),
                where=executor.name,
            )
            t0 = time.perf_counter()
            try:
                _dispatch(executor, tasks, store, progress, records, scored, planned, out_dir)
            except BaseException:
                # Ctrl-C or a failure of the runner itself: stop the workers now, keep every
                # finished record, and still write the tables below.
                executor.close(abort=True)
                progress.close()
                _write_outputs(planned, store.load(), out_dir)
                raise
            executor.close()
            wall_s = time.perf_counter() - t0
            progress.close()
        rows = _write_outputs(planned, store.load(), out_dir)
        if settings.session_store:
            record_batch_sessions(planned, out_dir, settings.session_store)
    statuses = [r["status"] for r in rows]
    return BatchReport(
        out_dir=out_dir,
        n_inputs=len(planned),
        n_scored=len(scored),
        n_skipped=n_skipped,
        n_ok=statuses.count("ok"),
        n_failed=statuses.count("error"),
        n_pending=statuses.count("pending"),
        wall_s=wall_s,
        frames_scored=sum(r.n_frames for r in scored),
        rows=rows,
    )


def _tasks_to_run(
    planned: Sequence[PlannedClip],
    records: dict[str, ClipRow],
    settings: BatchSettings,
    store: RecordStore,
    model_sha: str,
    run_id: str,
) -> list[ClipTask]:
    """One task per distinct key without a usable record, longest file first."""
    tasks: dict[str, ClipTask] = {}
    for p in planned:
        if not p.key or p.key in tasks or p.request is None:
            continue
        rec = records.get(p.key)
        if rec is not None and not (settings.retry_failed and rec.status == STATUS_ERROR):
            continue
        tasks[p.key] = ClipTask(
            key=p.key,
            sha256=p.sha256,
            clip=p.clip,
            request=p.request,
            result_dir=os.fspath((settings.out_dir / p.result_rel).resolve()),
            result_rel=p.result_rel,
            store=store,
            outputs=settings.outputs,
            cache_dir=os.fspath(settings.cache_dir) if settings.cache_dir else None,
            use_cache=settings.use_cache,
            run_id=run_id,
            settings=settings_dict(p.request, model_sha, settings.outputs, p.clip.runner_id),
            session_store=settings.session_store if p.clip.runner_id else None,
        )
    # Longest first (file size as the proxy): the last clips to finish are then short ones,
    # so workers do not sit idle at the end waiting for one long clip.
    sizes = {p.key: p.size_bytes for p in planned}
    return sorted(tasks.values(), key=lambda t: -sizes.get(t.key, 0))


def _dispatch(
    executor: Executor,
    tasks: list[ClipTask],
    store: RecordStore,
    progress: BatchProgress,
    records: dict[str, ClipRow],
    scored: list[ClipRow],
    planned: Sequence[PlannedClip],
    out_dir: Path,
) -> None:
    """Keep every worker busy until all tasks have a row.

    At most ``executor.slots`` tasks are in flight, so each in-flight task is running on a
    worker (its "slot"), which is what the per-worker status shows. A clip whose worker died
    is run again alone, so that a clip that crashes its worker cannot take a neighbour down
    with it twice; after :data:`MAX_WORKER_DEATHS` deaths it is recorded as an internal error.
    """
    queue = deque(tasks)
    in_flight: dict[Any, tuple[ClipTask, int]] = {}
    free_slots = list(range(executor.slots))[::-1]
    deaths: dict[str, int] = {}
    isolated: str | None = None
    slot_of_key: dict[str, int] = {}
    last_table = time.monotonic()
    while queue or in_flight:
        while queue and free_slots and isolated is None:
            task = queue[0]
            if deaths.get(task.key) and in_flight:
                break  # wait for the others to finish, then run this one alone
            queue.popleft()
            if deaths.get(task.key):
                isolated = task.key
            slot = free_slots.pop()
            in_flight[executor.submit(task)] = (task, slot)
            slot_of_key[task.key] = slot
            progress.clip_started(slot, task.clip.path.name)
        finished = executor.wait(list(in_flight), POLL_S)
        for key, done, total in executor.frame_events():
            if key in slot_of_key:
                progress.clip_frames(slot_of_key[key], done, total)
        for handle in finished:
            task, slot = in_flight.pop(handle)
            free_slots.append(slot)
            slot_of_key.pop(task.key, None)
            if isolated == task.key:
                isolated = None
            try:
                row = executor.result(handle)
            except WorkerLost as exc:
                deaths[task.key] = deaths.get(task.key, 0) + 1
                if deaths[task.key] < MAX_WORKER_DEATHS:
                    progress.note(f"{task.clip.path.name}: {exc}; trying it again on its own")
                    queue.appendleft(task)
                    continue
                row = internal_error_row(task, f"{exc} ({deaths[task.key]} times)")
                store.put(row)
            except ScorerFailed as exc:
                # The worker could not even record its row; try once from here, where a
                # failure (disk full, store gone) stops the batch instead of looping.
                row = internal_error_row(task, str(exc))
                store.put(row)
            records[task.key] = row
            scored.append(row)
            progress.clip_finished(slot, task.clip.path.name, row)
        if time.monotonic() - last_table > TABLE_REFRESH_S:
            write_csv(table_rows(planned, records), out_dir / SCORES_CSV)
            last_table = time.monotonic()


def _write_outputs(
    planned: Sequence[PlannedClip], records: dict[str, ClipRow], out_dir: Path
) -> list[dict[str, Any]]:
    rows = table_rows(planned, records)
    write_csv(rows, out_dir / SCORES_CSV)
    write_parquet(rows, out_dir / SCORES_PARQUET)
    # The knowledge base's thresholds first; a band stated in a result only fills a gap.
    bands = normal_bands()
    for p in planned:
        rec = records.get(p.key)
        if rec is not None:
            for name, band in rec.bands.items():
                bands.setdefault(name, band)
    write_summary(rows, bands, out_dir / SUMMARY_HTML)
    write_sessions(planned, records, out_dir)
    return rows


def rebuild_outputs(out_dir: str | os.PathLike[str], store: RecordStore | None = None) -> Path:
    """Rewrite ``scores.csv``, ``scores.parquet`` and ``summary.html`` from the plan and records.

    For a batch that was killed: everything finished is in the records; this makes the
    tables without scoring anything (running the batch again also does it). Returns the CSV.
    """
    out = Path(out_dir)
    store = store or FileStore(out / RECORDS_DIR)
    _write_outputs(load_plan(out), store.load(), out)
    return out / SCORES_CSV
