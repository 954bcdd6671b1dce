"""Where a command's time goes: wall-clock seconds per stage, and when events happened.

``GAITLAB_PROFILE=FILE gaitlab analyze ...`` writes them to FILE as JSON (the benchmark
``benchmarks/commands.py`` reads it); without the variable no timing is done. Stages that
run on other threads (decoding ahead, the pixel measures) add their own time, so stages can
overlap and their sum can exceed the wall time.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: The environment variable naming the JSON file a command writes its stage times to.
PROFILE_ENV = "GAITLAB_PROFILE"


class StageTimes:
    """Seconds per stage and the wall-clock time (epoch seconds) of named events."""

    def __init__(self) -> None:
        self.stages_s: dict[str, float] = {}
        self.marks_epoch_s: dict[str, float] = {}
        self._lock = threading.Lock()  # stages are added from several threads

    def add(self, stage: str, seconds: float) -> None:
        """Add ``seconds`` to ``stage``."""
        with self._lock:
            self.stages_s[stage] = self.stages_s.get(stage, 0.0) + seconds

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the ``with`` block as (part of) stage ``name``."""
        t = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - t)

    def mark(self, event: str) -> None:
        """Record when ``event`` first happened."""
        with self._lock:
            self.marks_epoch_s.setdefault(event, time.time())

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: ``stages_s`` and ``marks_epoch_s``."""
        with self._lock:
            return {"stages_s": dict(self.stages_s), "marks_epoch_s": dict(self.marks_epoch_s)}

    def write(self, path: str | Path) -> None:
        """Write :meth:`to_dict` as JSON to ``path``."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")
