"""The local executor's process pool: one core per worker when the workers fill the machine."""

from __future__ import annotations

import os

import pytest

from gaitlab.batch.executors import LocalExecutor
from tests.batch.fakes import affinity_scorer

CORES = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def worker_affinities(jobs: int, n_tasks: int) -> list[list[int]]:
    executor = LocalExecutor(jobs, affinity_scorer)
    try:
        handles = [executor.submit(f"task-{i}") for i in range(n_tasks)]
        return [executor.result(h) for h in handles]
    finally:
        executor.close()


@pytest.mark.skipif(len(CORES) < 2, reason="needs at least 2 CPUs")
def test_as_many_workers_as_cores_get_a_core_each():
    # Measured with benchmarks/batch.py (2 cores): 2 workers 1.73-1.86x one worker pinned,
    # 1.52-1.79x unpinned, interleaved: MediaPipe's threads and the decode-ahead thread of
    # one worker no longer take time from the other's core.
    seen = worker_affinities(len(CORES), 4 * len(CORES))
    assert all(len(a) == 1 for a in seen), seen
    assert {a[0] for a in seen} == set(CORES)


@pytest.mark.skipif(len(CORES) < 2, reason="needs at least 2 CPUs")
def test_fewer_workers_than_cores_are_not_pinned():
    # One worker may use the other cores for its decode-ahead thread and MediaPipe's.
    assert all(a == CORES for a in worker_affinities(1, 2))
