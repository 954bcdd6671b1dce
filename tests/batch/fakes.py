"""Fake clips and a fake single-clip path, to test the batch machinery without MediaPipe.

A fake clip is a small JSON file with a video extension. It says what the analysis should do
(succeed with given metrics, fail like a bad video, raise a bug, kill its worker, take time);
:func:`fake_scorer` runs the real :func:`gaitlab.batch.task.score_clip` with the pipeline's
``analyze_clip`` and ``write_result`` swapped for fakes that read that JSON. Everything here is
importable at top level, so spawned worker processes can run it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any
from unittest import mock

from gaitlab.batch import task as task_module
from gaitlab.errors import NoRunnerFound, UnreadableVideo
from gaitlab.hashing import file_sha256
from tests.store.factories import metric as store_metric
from tests.store.factories import result_dict

#: File in the cache folder where the fake pose stage logs each inference it runs.
INFERENCE_LOG = "inferences.log"


def fake_clip(
    path: Path,
    *,
    metrics: dict[str, Any] | None = None,
    findings: list[dict[str, Any]] | None = None,
    n_frames: int = 30,
    detection_rate: float = 1.0,
    error: str | None = None,
    bug: bool = False,
    crash: bool = False,
    sleep_s: float = 0.0,
    salt: str = "",
) -> Path:
    """Write a fake clip; ``salt`` makes otherwise equal clips differ in content."""
    spec = {
        "metrics": metrics,
        "findings": findings,
        "n_frames": n_frames,
        "detection_rate": detection_rate,
        "error": error,
        "bug": bug,
        "crash": crash,
        "sleep_s": sleep_s,
        "salt": salt or path.name,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec))
    return path


class FakeVideo:
    def __init__(self, sha256: str) -> None:
        self.sha256 = sha256


class FakeSeries:
    def __init__(self, sha256: str, n_frames: int) -> None:
        self.video = FakeVideo(sha256)
        self.n_frames = n_frames


class FakeAnalysis:
    def __init__(self, path: Path, spec: dict[str, Any]) -> None:
        self.series = FakeSeries(file_sha256(path), spec["n_frames"])
        self._spec = spec
        self._path = path

    def to_dict(self) -> dict[str, Any]:
        """The real synthetic result with this fake clip's numbers."""
        spec = self._spec
        return result_dict(
            "2026-12-07T10:00:00+00:00",
            spec["metrics"],
            clip=str(self._path),
            sha256=self.series.video.sha256,
            findings=spec["findings"],
            n_frames=spec["n_frames"],
            detection_rate=spec["detection_rate"],
        )


def fake_analyze(
    path,
    request=None,
    *,
    cache_dir=None,
    use_cache=True,
    progress=None,
    workers=None,
    prefetch=True,
):
    path = Path(path)
    spec = json.loads(path.read_text())
    if spec["error"] == "unreadable":
        raise UnreadableVideo(f"{path.name}: not a readable video (fake)")
    if spec["error"] == "no_runner":
        raise NoRunnerFound(f"{path.name}: no person found (fake)")
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        with open(Path(cache_dir) / INFERENCE_LOG, "a") as fh:
            fh.write(f"{path.name} {os.getpid()}\n")
    if spec["crash"]:
        os._exit(3)  # a worker dying hard, as a segfault or the OOM killer would
    if spec["bug"]:
        raise ZeroDivisionError("fake bug")
    deadline = time.monotonic() + spec["sleep_s"]
    n = spec["n_frames"]
    for i in range(1, n + 1):
        if progress is not None:
            progress(i, n)
        remaining = deadline - time.monotonic()
        if remaining > 0:
            time.sleep(remaining / (n - i + 1))
    return FakeAnalysis(path, spec)


def fake_write_outputs(analysis, out_dir, **options) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "result.json"
    path.write_text(json.dumps(analysis.to_dict()))
    if options.get("reports"):
        (out / "report.html").write_text("<html></html>")
    return {"result": path}


def fake_scorer(task, progress=None):
    """The real score_clip over the fake pose stage."""
    with (
        mock.patch.object(task_module, "analyze_clip", fake_analyze),
        mock.patch.object(task_module, "write_outputs", fake_write_outputs),
    ):
        return task_module.score_clip(task, progress)


def inference_count(cache_dir: Path) -> dict[str, int]:
    """How many times the fake pose stage ran per clip name."""
    log = Path(cache_dir) / INFERENCE_LOG
    counts: dict[str, int] = {}
    if log.exists():
        for line in log.read_text().splitlines():
            name = line.split()[0]
            counts[name] = counts.get(name, 0) + 1
    return counts


def metric(median: float | None, confidence: str = "high") -> dict[str, Any]:
    """What a metric's summary says (applied to a real result by ``result_dict``)."""
    values = store_metric(median, confidence=confidence)
    return {**values, "confidence": values["confidence"].value, "reasons": list(values["reasons"])}


def run_fake_batch_main() -> None:
    """Entry point for subprocess tests: ``python -c 'from tests.batch.fakes import ...'``."""
    import sys

    from gaitlab.batch.orchestrate import BatchSettings, run_batch
    from gaitlab.batch.progress import LogProgress

    inputs, out, cache, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    report = run_batch(
        [inputs],
        BatchSettings(out_dir=Path(out), jobs=jobs, cache_dir=Path(cache)),
        progress=LogProgress(sys.stderr),
        scorer=fake_scorer,
    )
    print(json.dumps({"scored": report.n_scored, "skipped": report.n_skipped}))


def affinity_scorer(task, progress=None):
    """Report the CPUs the worker may run on (after a pause, so that every worker gets work)."""
    time.sleep(0.3)
    return sorted(os.sched_getaffinity(0))
