"""Progress of a batch: bars on a terminal, one plain line per clip elsewhere (CI logs).

On a terminal: an overall bar (clips done / to do, rate, ETA) and one status line per worker
(which clip, frames done). Elsewhere: a line when the batch starts and one per finished clip
with its outcome and the ETA, which reads well in a CI log and never floods it.
"""

from __future__ import annotations

import time
from typing import Protocol, TextIO

from gaitlab.batch.row import ClipRow


class BatchProgress(Protocol):
    """What the batch runner reports while it works."""

    def start(
        self, *, total: int, done_before: int, to_score: int, workers: int, where: str
    ) -> None:
        """The batch is planned: ``to_score`` of ``total`` clips will be scored."""
        ...

    def clip_started(self, slot: int, name: str) -> None:
        """Worker ``slot`` started ``name``."""
        ...

    def clip_frames(self, slot: int, done: int, total: int) -> None:
        """Worker ``slot`` has done ``done`` of ``total`` frames of its clip."""
        ...

    def clip_finished(self, slot: int, name: str, row: ClipRow) -> None:
        """Worker ``slot`` finished ``name`` (ok or error)."""
        ...

    def note(self, text: str) -> None:
        """A message that does not belong to one clip (a worker died, a retry, ...)."""
        ...

    def close(self) -> None:
        """The batch ended; release the terminal."""
        ...


def format_duration(seconds: float) -> str:
    """``1h02m``, ``3m05s`` or ``42s``."""
    s = max(0, round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def _outcome(name: str, row: ClipRow) -> str:
    if row.ok:
        fps = row.n_frames / row.elapsed_s if row.elapsed_s > 0 else float("nan")
        return f"ok     {name} ({row.n_frames} frames in {row.elapsed_s:.1f} s, {fps:.0f} fps)"
    # gaitlab's messages usually start with the clip's name already; do not say it twice.
    error = row.error.removeprefix(f"{name}: ")
    return f"FAILED {name}: {error}"


class LogProgress:
    """One plain line per event, for logs and pipes.

    Parameters
    ----------
    stream
        Where lines go (usually stderr).
    prefix
        Start of every line.
    """

    def __init__(self, stream: TextIO, prefix: str = "gaitlab batch: ") -> None:
        self._stream = stream
        self._prefix = prefix
        self._to_score = 0
        self._finished = 0
        self._t0 = time.monotonic()

    def _line(self, text: str) -> None:
        print(f"{self._prefix}{text}", file=self._stream, flush=True)

    def start(
        self, *, total: int, done_before: int, to_score: int, workers: int, where: str
    ) -> None:
        """Print what will be done."""
        self._to_score = to_score
        self._t0 = time.monotonic()
        self._line(
            f"{total} clips: {done_before} already done, {to_score} to score "
            f"with {workers} {where} worker{'s' if workers != 1 else ''}"
        )

    def clip_started(self, slot: int, name: str) -> None:
        """Nothing: a line per start would double the log for no information."""

    def clip_frames(self, slot: int, done: int, total: int) -> None:
        """Nothing: per-frame lines would flood a log."""

    def clip_finished(self, slot: int, name: str, row: ClipRow) -> None:
        """Print the clip's outcome, the count and the ETA."""
        self._finished += 1
        elapsed = time.monotonic() - self._t0
        remaining = self._to_score - self._finished
        eta = elapsed / self._finished * remaining
        self._line(
            f"[{self._finished}/{self._to_score}] {_outcome(name, row)}"
            + (f"; ETA {format_duration(eta)}" if remaining > 0 else "")
        )

    def note(self, text: str) -> None:
        """Print the message."""
        self._line(text)

    def close(self) -> None:
        """Nothing to release."""


class TerminalProgress:
    """tqdm bars: the overall one and a status line per worker.

    Parameters
    ----------
    stream
        The terminal stream (usually stderr).
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._bar = None
        self._workers: list = []
        self._names: dict[int, str] = {}
        self._failed = 0

    def start(
        self, *, total: int, done_before: int, to_score: int, workers: int, where: str
    ) -> None:
        """Open the overall bar and one status line per worker."""
        from tqdm import tqdm

        self._bar = tqdm(
            total=to_score,
            unit="clip",
            desc="batch",
            file=self._stream,
            dynamic_ncols=True,
            position=0,
        )
        self._bar.write(
            f"{total} clips: {done_before} already done, {to_score} to score with "
            f"{workers} {where} worker{'s' if workers != 1 else ''}",
            file=self._stream,
        )
        self._workers = [
            tqdm(
                total=0,
                bar_format="{desc}",
                desc=f"  worker {i + 1}: idle",
                file=self._stream,
                position=i + 1,
                leave=False,
            )
            for i in range(min(workers, to_score))
        ]

    def _status(self, slot: int, text: str) -> None:
        if 0 <= slot < len(self._workers):
            self._workers[slot].set_description_str(f"  worker {slot + 1}: {text}")

    def clip_started(self, slot: int, name: str) -> None:
        """Show the clip on its worker's line."""
        self._names[slot] = name
        self._status(slot, f"{name} starting")

    def clip_frames(self, slot: int, done: int, total: int) -> None:
        """Show frame progress on the worker's line."""
        pct = f" ({100 * done / total:.0f} %)" if total else ""
        self._status(slot, f"{self._names.get(slot, '')} frame {done}/{total}{pct}")

    def clip_finished(self, slot: int, name: str, row: ClipRow) -> None:
        """Advance the bar; print failures above it so they stay on screen."""
        self._status(slot, "idle")
        if self._bar is None:
            return
        if not row.ok:
            self._failed += 1
            self._bar.write(_outcome(name, row), file=self._stream)
            self._bar.set_postfix_str(f"{self._failed} failed", refresh=False)
        self._bar.update(1)

    def note(self, text: str) -> None:
        """Print the message above the bars."""
        if self._bar is not None:
            self._bar.write(text, file=self._stream)
        else:
            print(text, file=self._stream, flush=True)

    def close(self) -> None:
        """Close the worker lines and the bar."""
        for w in self._workers:
            w.close()
        if self._bar is not None:
            self._bar.close()


class NullProgress:
    """Reports nothing (``--quiet``, library use)."""

    def start(
        self, *, total: int, done_before: int, to_score: int, workers: int, where: str
    ) -> None:
        """Nothing."""

    def clip_started(self, slot: int, name: str) -> None:
        """Nothing."""

    def clip_frames(self, slot: int, done: int, total: int) -> None:
        """Nothing."""

    def clip_finished(self, slot: int, name: str, row: ClipRow) -> None:
        """Nothing."""

    def note(self, text: str) -> None:
        """Nothing."""

    def close(self) -> None:
        """Nothing."""


def make_progress(stream: TextIO, *, quiet: bool = False) -> BatchProgress:
    """Bars on a terminal, plain lines otherwise, nothing when ``quiet``."""
    if quiet:
        return NullProgress()
    isatty = getattr(stream, "isatty", None)
    return TerminalProgress(stream) if isatty is not None and isatty() else LogProgress(stream)
