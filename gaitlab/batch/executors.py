"""Run :func:`gaitlab.batch.task.score_clip` on many clips: local processes or Ray tasks.

Both executors offer the same small interface to the runner (submit one task, wait for some to
finish, fetch a result) and run the *same* top-level scoring function; they differ only in
where it runs.

* :class:`LocalExecutor`: a ``ProcessPoolExecutor`` with the ``spawn`` start method (MediaPipe
  and its threads are not fork-safe), one process per core: MediaPipe uses about one core per
  clip, so more processes than cores only adds memory (~315 MB each). When the workers fill
  the machine each is pinned to a core of its own (``LocalExecutor(pin=...)``).
* :class:`RayExecutor`: one Ray task per clip (``num_cpus=1``), on a local Ray started for the
  batch or on an existing cluster. Inputs and the output folder must be visible at the same
  paths on every node (a shared file system), because workers read clips and write results
  themselves.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from queue import Empty
from typing import Any, Protocol

from gaitlab.batch.inputs import BatchInputError
from gaitlab.batch.row import ClipRow
from gaitlab.batch.task import ClipTask
from gaitlab.pose.extract import ProgressFn, usable_cores

#: The per-clip function: ``score_clip(task, progress)``; must be importable (top level).
Scorer = Callable[[ClipTask, ProgressFn | None], ClipRow]
#: Seconds between two frame-progress messages from one worker (keeps IPC negligible).
FRAME_REPORT_INTERVAL_S = 0.5


class WorkerLost(Exception):
    """The process scoring a clip died (crash, out of memory, killed) before returning."""


class ScorerFailed(Exception):
    """The scoring function raised instead of returning a row (e.g. the store is unwritable)."""


class Executor(Protocol):
    """What the batch runner needs from an executor."""

    name: str
    slots: int

    def submit(self, task: ClipTask) -> Any:
        """Start scoring ``task``; return a handle."""
        ...

    def wait(self, handles: Sequence[Any], timeout_s: float) -> list[Any]:
        """Handles among ``handles`` that finished, waiting at most ``timeout_s``."""
        ...

    def result(self, handle: Any) -> ClipRow:
        """The row of a finished handle; raises :class:`WorkerLost` or :class:`ScorerFailed`."""
        ...

    def frame_events(self) -> list[tuple[str, int, int]]:
        """Frame progress received since the last call: ``(key, frames done, total)``."""
        ...

    def close(self, *, abort: bool = False) -> None:
        """Release workers; ``abort`` stops running clips instead of waiting for them."""
        ...


def default_jobs() -> int:
    """Worker processes for this machine: the CPUs this process may use."""
    return max(1, len(usable_cores()) or os.cpu_count() or 1)  # cpu_count: not on Linux


class FrameReporter:
    """Picklable per-frame progress callback sending ``(key, done, total)`` to the dispatcher.

    Throttled to one message per :data:`FRAME_REPORT_INTERVAL_S` (and the last frame), so a
    50 fps pose stage sends two messages a second, not fifty.
    """

    def __init__(self, queue: Any, key: str) -> None:
        self._queue = queue
        self._key = key
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` frames (dropped when the last report was too recent)."""
        now = time.monotonic()
        if done < total and now - self._last < FRAME_REPORT_INTERVAL_S:
            return
        self._last = now
        try:
            self._queue.put_nowait((self._key, done, total))
        except Exception:
            # Progress is cosmetic: a dispatcher that went away must not fail the clip.
            pass


def _init_local_worker(log_dir: str | None, cores: Any = None) -> None:
    """Run in each worker process at start-up."""
    if cores is not None:
        try:
            core = cores.get_nowait()
        except Empty:
            core = None
        if core is not None:
            # Before MediaPipe starts any thread: every thread of this process inherits it.
            os.sched_setaffinity(0, {core})
    # Ctrl-C goes to the whole process group; only the dispatcher handles it (it stops the
    # workers), so that a worker never records a half-scored clip as an error.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if log_dir:
        # MediaPipe and TFLite write native log lines to the process's stderr; keep them in a
        # per-worker file instead of tearing through the progress bars.
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        fd = os.open(
            Path(log_dir) / f"worker-{os.getpid()}.log",
            os.O_WRONLY | os.O_CREAT | os.O_APPEND,
            0o644,
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalExecutor:
    """Processes on this machine (see the module docstring).

    Parameters
    ----------
    jobs
        Worker processes (clips scored at once).
    scorer
        The per-clip function.
    log_dir
        Folder for the workers' stdout/stderr (None: inherit the dispatcher's).
    frame_progress
        Send per-frame progress from the workers (adds one small manager process).
    pin
        Pin each worker to a core of its own: None (the default) pins when there are as
        many workers as usable cores; True whenever there are enough cores; False never.
        One worker uses more than one core when it can (MediaPipe's own threads, the
        decode-ahead thread), so unpinned workers take time from each other's cores;
        fewer workers than cores stay free to use the spare ones. The measurements behind
        the default are in docs/performance.md (batch throughput).
    """

    name = "local"

    def __init__(
        self,
        jobs: int,
        scorer: Scorer,
        *,
        log_dir: Path | None = None,
        frame_progress: bool = False,
        pin: bool | None = None,
    ) -> None:
        if jobs < 1:
            raise BatchInputError(f"--jobs must be at least 1, got {jobs}")
        self.slots = jobs
        self._pin = pin
        self._scorer = scorer
        self._log_dir = str(log_dir) if log_dir is not None else None
        self._ctx = get_context("spawn")
        self._pool: ProcessPoolExecutor | None = None
        self._manager = None
        self._queue = None
        if frame_progress:
            from multiprocessing.managers import SyncManager

            self._manager = SyncManager(ctx=self._ctx)
            self._manager.start(_ignore_sigint)
            self._queue = self._manager.Queue()

    def _new_pool(self) -> ProcessPoolExecutor:
        cores = None
        usable = usable_cores()
        pin = self._pin if self._pin is not None else self.slots == len(usable) > 1
        if pin and len(usable) >= self.slots:
            cores = self._ctx.Queue()
            for core in usable[: self.slots]:
                cores.put(core)
        return ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=self._ctx,
            initializer=_init_local_worker,
            initargs=(self._log_dir, cores),
        )

    def submit(self, task: ClipTask) -> Future:
        """Queue the task on the pool, replacing a pool broken by a dead worker."""
        reporter = FrameReporter(self._queue, task.key) if self._queue is not None else None
        if self._pool is None:
            self._pool = self._new_pool()
        try:
            return self._pool.submit(self._scorer, task, reporter)
        except BrokenProcessPool:
            # A worker died; the pool refuses new work. The runner has already been told
            # about the clips that were running; start a fresh pool for the rest.
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return self._pool.submit(self._scorer, task, reporter)

    def wait(self, handles: Sequence[Future], timeout_s: float) -> list[Future]:
        """Finished futures, waiting up to ``timeout_s`` for the first one."""
        done, _ = wait_futures(handles, timeout=timeout_s, return_when=FIRST_COMPLETED)
        return list(done)

    def result(self, handle: Future) -> ClipRow:
        """The row, or :class:`WorkerLost` / :class:`ScorerFailed`."""
        try:
            return handle.result()
        except BrokenProcessPool as exc:
            raise WorkerLost(
                "the worker process died while scoring this clip (crash or out of memory)"
            ) from exc
        except Exception as exc:
            raise ScorerFailed(f"{type(exc).__name__}: {exc}") from exc

    def frame_events(self) -> list[tuple[str, int, int]]:
        """Drain the progress queue."""
        events: list[tuple[str, int, int]] = []
        if self._queue is None:
            return events
        while True:
            try:
                events.append(self._queue.get_nowait())
            except (Empty, EOFError, OSError, BrokenPipeError):
                return events

    def close(self, *, abort: bool = False) -> None:
        """Shut the pool down; on ``abort`` stop the workers now."""
        if self._pool is not None:
            if abort:
                # ProcessPoolExecutor cannot stop a running call; end the worker processes
                # themselves (private attribute, stable since Python 3.3; public from 3.14).
                processes = list(getattr(self._pool, "_processes", {}).values())
                self._pool.shutdown(wait=False, cancel_futures=True)
                for proc in processes:
                    proc.terminate()
                for proc in processes:
                    proc.join(timeout=5)
            else:
                self._pool.shutdown(wait=True)
            self._pool = None
        if self._manager is not None:
            self._manager.shutdown()
            self._manager = None
            self._queue = None


class RayExecutor:
    """One Ray task per clip (see the module docstring).

    Parameters
    ----------
    jobs
        Clips in flight at once; None = the cluster's CPU count. When no ``address`` is given
        a local Ray is started with this many CPUs.
    scorer
        The per-clip function (shipped to the workers by reference: gaitlab must be installed
        on every node).
    address
        Address of an existing cluster (``auto``, ``HOST:6379`` or ``ray://HOST:10001``);
        None uses ``$RAY_ADDRESS`` when set (as Ray's own tools do), otherwise starts a local
        Ray for this batch and stops it at the end.
    """

    name = "Ray"

    def __init__(self, jobs: int | None, scorer: Scorer, *, address: str | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise BatchInputError(
                "--executor ray needs Ray: pip install 'gaitlab[cluster]'"
            ) from None
        self._ray = ray
        address = address or os.environ.get("RAY_ADDRESS") or None
        if address:
            ray.init(address=address, log_to_driver=False, logging_level="WARNING")
        else:
            # Workers of a Ray started here must import the same gaitlab as this process,
            # also when it runs from a source checkout that is not installed.
            src = str(Path(__file__).resolve().parents[2])
            path = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
            ray.init(
                num_cpus=jobs or default_jobs(),
                include_dashboard=False,
                log_to_driver=False,
                logging_level="WARNING",
                runtime_env={"env_vars": {"PYTHONPATH": path}},
            )
        cluster_cpus = int(ray.cluster_resources().get("CPU", 1))
        self.slots = jobs or max(1, cluster_cpus)
        self._remote = ray.remote(scorer).options(num_cpus=1, max_retries=0)
        self._running: set[Any] = set()

    def submit(self, task: ClipTask) -> Any:
        """Launch one task."""
        ref = self._remote.remote(task, None)
        self._running.add(ref)
        return ref

    def wait(self, handles: Sequence[Any], timeout_s: float) -> list[Any]:
        """Finished tasks, waiting up to ``timeout_s`` for the first one."""
        ray = self._ray
        ready, _ = ray.wait(list(handles), num_returns=1, timeout=timeout_s)
        if ready:
            ready, _ = ray.wait(list(handles), num_returns=len(handles), timeout=0)
        return ready

    def result(self, handle: Any) -> ClipRow:
        """The row, or :class:`WorkerLost` / :class:`ScorerFailed`."""
        from ray.exceptions import RayError, RayTaskError

        self._running.discard(handle)
        try:
            return self._ray.get(handle)
        except RayTaskError as exc:
            cause = getattr(exc, "cause", None) or exc
            raise ScorerFailed(f"{type(cause).__name__}: {cause}") from exc
        except RayError as exc:
            raise WorkerLost(f"the Ray worker was lost while scoring this clip ({exc})") from exc

    def frame_events(self) -> list[tuple[str, int, int]]:
        """Ray tasks send no frame progress."""
        return []

    def close(self, *, abort: bool = False) -> None:
        """Cancel running tasks on ``abort``; disconnect (and stop a Ray started here)."""
        if abort:
            for ref in list(self._running):
                try:
                    self._ray.cancel(ref, force=True)
                except Exception:
                    pass  # already finished or gone
        self._running.clear()
        self._ray.shutdown()
