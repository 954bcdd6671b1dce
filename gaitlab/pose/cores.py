"""Which CPU cores a landmarker and its helper threads run on.

MediaPipe starts its graph's threads when a landmarker is built, and Linux threads inherit
the affinity of the thread that starts them; pinning the building thread therefore places
the whole landmarker. Whether each kind of pinning pays was measured on a 2-core machine
(docs/performance.md, "Measurements behind design choices"); :class:`CorePinning` turns each
one off.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from gaitlab.pose.backend import PoseBackend


@dataclass(frozen=True)
class CorePinning:
    """Where the pose stage's threads may run (each switch only acts with 2+ usable cores).

    None of these changes a landmark: they only move threads between cores.

    Attributes
    ----------
    landmarker
        Build a lone landmarker on one core, leaving the others to decoding and the
        waistband (:func:`build_on_one_core`).
    helpers
        Keep the decode-ahead and waistband threads off a lone landmarker's core
        (:func:`helper_cores`; only with ``landmarker``).
    segments
        Give each segment's landmarker (and its threads) a core of its own when there are
        enough cores (:func:`gaitlab.pose.passes.run_segments`).
    """

    landmarker: bool = True
    helpers: bool = True
    segments: bool = True


def usable_cores() -> list[int]:
    """CPU cores this process may run on (empty where the OS cannot tell)."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def build_on_one_core(
    make: Callable[[], PoseBackend], pinning: CorePinning | None = None
) -> PoseBackend:
    """Build a landmarker whose threads all run on the first usable core.

    The calling thread is pinned to one core while building, then given back its cores.
    Inference then stays on that core and decoding, the waistband and the caller use the
    others (less CPU time a frame than spread over two cores). With one usable core (a
    pinned batch worker) or ``pinning.landmarker`` off it just builds.
    """
    pinning = pinning or CorePinning()
    cores = usable_cores()
    if not pinning.landmarker or len(cores) < 2:
        return make()
    os.sched_setaffinity(0, {cores[0]})
    try:
        return make()
    finally:
        os.sched_setaffinity(0, set(cores))


def helper_cores(pinning: CorePinning | None = None) -> list[int] | None:
    """Cores for the threads that serve a landmarker built by :func:`build_on_one_core`.

    The rest of the usable cores, or None (no pinning) when the landmarker is not pinned.
    Without this, FFmpeg's decoding threads also run on the landmarker's core and take
    their turns there.
    """
    pinning = pinning or CorePinning()
    cores = usable_cores()
    if not (pinning.landmarker and pinning.helpers) or len(cores) < 2:
        return None
    return cores[1:]
