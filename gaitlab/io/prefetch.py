"""Run an iterator (a clip's frames) in a background thread, a few items ahead of its reader.

Decoding (FFmpeg, which releases the GIL) then overlaps with what the reader does with each
frame. :func:`pin_thread` keeps such a thread, and the threads it starts, on given cores.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


class _Done:
    """End-of-stream marker passed through the prefetch queue."""


@dataclass(frozen=True)
class _Failed:
    """An exception raised in the decode thread, re-raised in the consumer."""

    error: BaseException


def pin_thread(cores: Collection[int] | None) -> None:
    """Run the calling thread (only) on ``cores``; None, empty or a non-Linux OS: leave it.

    Threads started from it afterwards (FFmpeg's, MediaPipe's) inherit the cores.
    """
    if cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(cores))


def prefetch(
    frames: Iterable[T], depth: int = 8, cores: Collection[int] | None = None
) -> Iterator[T]:
    """Run an iterator in a background thread, ``depth`` items ahead of the consumer.

    Decoding (FFmpeg, which releases the GIL) then overlaps with whatever the consumer does
    with each frame (pose inference, drawing), instead of alternating with it. Memory is
    bounded by ``depth`` items. Exceptions in the producer are re-raised in the consumer at
    the point they occurred; closing the returned generator stops the thread.

    Parameters
    ----------
    frames
        Any iterable, e.g. :func:`gaitlab.io.video.iter_frames`.
    depth
        Items buffered ahead (>= 1). 8 frames of 1080p RGB is 50 MB.
    cores
        CPU cores the thread runs on (Linux), or None for the caller's. Set before the
        first item is made, so threads that FFmpeg starts when a decoder opens inherit them.
    """
    if depth < 1:
        raise ValueError(f"depth must be >= 1, got {depth}")
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        # Poll the stop flag so an abandoned consumer never leaves the thread blocked.
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            pin_thread(cores)
            for item in frames:
                if not put(item):
                    return
            put(_Done())
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(_Failed(exc))
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()  # release the decoder in the thread that ran it

    thread = threading.Thread(target=produce, name="gaitlab-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
