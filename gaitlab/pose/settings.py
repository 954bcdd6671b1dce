"""The pose stage's settings: what changes its output, and how the work uses the machine.

:class:`PoseSettings` is part of the cache key; :class:`PoseRun` is not (only its number of
workers changes the landmarks, through the segment layout).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gaitlab.errors import InvalidOption
from gaitlab.options import SLOWMO_FACTOR
from gaitlab.pose.backend import MediaPipeSettings
from gaitlab.pose.cores import CorePinning
from gaitlab.pose.segments import MIN_SEGMENT_S, SEGMENT_OVERLAP_S, FrameCost

#: Long side (pixels) of the frames the pose model is given by default. MediaPipe finds the
#: person on a 224x224 copy of the whole frame and places the landmarks on a 256x256 crop
#: around them, so a larger frame adds little the model sees; but it makes the person mask
#: at the size of the frame it is given, of which only a 256x192 crop is kept. Scaling to
#: 960 px moves no accuracy target (``benchmarks/model_size.py``, docs/accuracy.md), and 960
#: px is the size every other accuracy figure is measured at.
MAX_SIDE_PX = 960
#: Smallest accepted ``max_side_px``: the landmark model's own input (256 px) plus margin.
MIN_MAX_SIDE_PX = 320

#: A frame is re-detected in a zoomed crop when the runner's landmark extent (the larger of
#: the landmarks' box width and height) is below this share of the long side of the frame
#: given to the model, or when no runner was found (:mod:`gaitlab.pose.zoom`). Measured on
#: gaitlab 0.1.0, 2026-12-07: the sample renders' runners span 0.28-0.34 of the long side and
#: the real side treadmill clip's 0.39-0.45 (never zoomed); the receding rear runner of the
#: real rear pass-by clip is lost below 0.13, and the population's portrait runner (about
#: 0.15 of 1920 px) is not found in any frame. Zooming from 0.20 leaves a margin under the
#: samples and re-detects a runner before the detector loses it.
ZOOM_BELOW_SHARE = 0.20

#: Progress callback: (frames done, frames expected).
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class PoseSettings:
    """Everything that changes the pose stage's output (and so the cache key).

    Attributes
    ----------
    model
        Model name in the registry (``full`` is bundled; ``lite``/``heavy`` are downloads).
    slowmo_factor
        How many times slower than real time the clip plays.
    mediapipe
        Thresholds and mask output of the landmarker.
    waistband
        Also find the waistband edge in each frame (pelvic tilt in rear/front view).
    max_people
        Most people followed at once when the one-person pass looks wrong (an identity jump,
        or a person who does not move: see :mod:`gaitlab.pose.people`); the clip is then
        run again with this many poses per frame and the runner chosen among them. 1
        disables the check.
    max_side_px
        Frames larger than this (long side, pixels) are scaled down before inference, and
        the landmarks scaled back to the clip's pixels; None gives the model every frame at
        the clip's own size. See :data:`MAX_SIDE_PX`.
    zoom_below_share
        Re-detect the runner in a zoomed crop of the full-resolution frame where none was
        found or the runner's extent is below this share of the long side of the frame the
        model was given (:data:`ZOOM_BELOW_SHARE`, :mod:`gaitlab.pose.zoom`); None: no zoom.
    """

    model: str = "full"
    slowmo_factor: float = 1.0
    mediapipe: MediaPipeSettings = field(default_factory=MediaPipeSettings)
    waistband: bool = True
    max_people: int = 3
    max_side_px: int | None = MAX_SIDE_PX
    zoom_below_share: float | None = ZOOM_BELOW_SHARE

    def __post_init__(self) -> None:
        SLOWMO_FACTOR.check(self.slowmo_factor)
        if self.zoom_below_share is not None and not 0.0 < self.zoom_below_share < 1.0:
            raise InvalidOption(
                f"zoom_below_share must be between 0 and 1 (or None), got {self.zoom_below_share}"
            )
        if self.max_side_px is not None and self.max_side_px < MIN_MAX_SIDE_PX:
            raise InvalidOption(
                f"max_side_px must be at least {MIN_MAX_SIDE_PX} (or None), got {self.max_side_px}"
            )


def parse_max_side(text: str) -> int | None:
    """A user's ``max_side_px``: a whole number of pixels, or ``full`` for None.

    Raises
    ------
    InvalidOption
        With a message fit to show as is (also a ``ValueError``).
    """
    if text.strip().lower() == "full":
        return None
    try:
        value = int(text)
    except ValueError:
        raise InvalidOption(f"expected a number of pixels or 'full', got {text!r}") from None
    if value < MIN_MAX_SIDE_PX:
        raise InvalidOption(f"must be at least {MIN_MAX_SIDE_PX} px (or 'full'), got {value}")
    return value


@dataclass(frozen=True)
class PoseRun:
    """How the pose stage uses the machine; the landmarks depend only on ``workers``.

    Attributes
    ----------
    workers
        Landmarkers run in parallel on one clip, each on a time segment (see
        :func:`gaitlab.pose.segments.plan_segments`); None for
        :func:`~gaitlab.pose.segments.default_workers` (1). More than one changes the
        landmarks after each segment boundary (the tracker restarts), so the segment layout
        is part of the cache key and of ``model.settings``. In a batch that already runs one
        clip per core, keep 1.
    prefetch
        Decode ahead of inference in a thread, with FFmpeg's own decoding threads (for one
        clip on an otherwise idle machine). False runs the single pass in the calling
        thread alone (a batch worker, one per core). Same results either way; ignored
        when ``workers`` > 1.
    pinning
        Which threads are kept on which cores (:class:`~gaitlab.pose.cores.CorePinning`).
    frame_cost
        Per-frame costs that balance segments (:class:`~gaitlab.pose.segments.FrameCost`).
    overlap_s, min_segment_s
        Warm-up overlap of a later segment and shortest stretch a segment keeps (seconds).
    """

    workers: int | None = None
    prefetch: bool = True
    pinning: CorePinning = field(default_factory=CorePinning)
    frame_cost: FrameCost = field(default_factory=FrameCost)
    overlap_s: float = SEGMENT_OVERLAP_S
    min_segment_s: float = MIN_SEGMENT_S

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise InvalidOption(f"workers must be at least 1, got {self.workers}")
