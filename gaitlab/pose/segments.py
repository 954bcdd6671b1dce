"""Plan how a clip is split into time segments, one landmarker each, for equal work.

A later segment decodes (without inference) from the key frame before its window and warms
its landmarker up on an overlap before keeping frames; :func:`plan_segments` moves the
boundaries so every landmarker does the same work. What a decoded-only frame costs against
a full one comes from :class:`FrameCost`, a plain default that only balances the work: it
never changes which frames are kept or how a landmark is computed within a segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Segment:
    """A time window of a clip given to one landmarker.

    Attributes
    ----------
    start_s
        Where decoding and tracking start (capture time, seconds).
    keep_from_s
        First frame time kept in the series; frames in ``[start_s, keep_from_s)`` only warm
        the landmarker up (detection, then tracking and its landmark smoothing settle).
    end_s
        End of the window (exclusive), or None for the end of the clip.
    """

    start_s: float
    keep_from_s: float
    end_s: float | None


#: Overlap where a later segment's landmarker warms up before its frames are kept (seconds);
#: why 1 s and not less: docs/performance.md.
SEGMENT_OVERLAP_S = 1.0
#: Shortest stretch of frames one segment keeps; shorter clips use fewer segments (seconds).
MIN_SEGMENT_S = 2.0


def default_workers() -> int:
    """Landmarkers run in parallel on one clip by default: 1 (a single pass).

    Segmenting changes the landmarks after each boundary (MediaPipe's tracking depends on
    the frames before): a landmarker started mid-clip settles on a slightly different
    tracking trajectory, and clip medians of event-timed metrics move with it about as much
    as under sub-pixel landmark noise (``benchmarks/segments.py``; figures in
    docs/performance.md). One pass keeps the results independent of the machine's core
    count; ask for ``workers=2`` to trade that for speed on a single clip.
    """
    return 1


@dataclass(frozen=True)
class FrameCost:
    """What decoding and inference cost per frame, used only to balance segments.

    A default, not a measurement of the machine gaitlab runs on: the figures are per-frame
    times on one core of the 2-core x86_64 machine of docs/performance.md (H.264, model
    frames of 960 px long side; ``benchmarks/pipeline.py`` at commit 47f0312, 2026-12-07).
    Only their ratio matters (:meth:`decode_share`). It is fixed rather than measured at run
    time because with ``workers`` > 1 the boundaries it places change the landmarks after
    them (see :func:`default_workers`): a measured cost would make the results depend on the
    machine and its load. To balance for another machine or codec, measure with
    ``benchmarks/pipeline.py`` and pass ``PoseRun(frame_cost=FrameCost(...))`` to
    :func:`gaitlab.pose.extract_pose`; a one-pass run (the default) does not use it.

    Attributes
    ----------
    decode_only_ms_per_mpix
        Decoding a frame without colour conversion or inference (frames before a
        segment's window), milliseconds per megapixel of the clip.
    frame_ms
        Fixed part of a frame decoded, converted, scaled and given to the model (ms).
    frame_ms_per_mpix
        Part of that full frame cost growing with the clip's megapixels (ms per megapixel).
    """

    decode_only_ms_per_mpix: float = 1.85
    frame_ms: float = 21.5
    frame_ms_per_mpix: float = 4.6

    def decode_share(self, width_px: int, height_px: int) -> float:
        """Cost of decoding a frame without running the model on it, over a frame's full cost.

        Decoding grows with the clip's pixels, inference (on frames scaled for the model)
        does not: with the defaults 0.066 at 720x1280, 0.124 at 1080x1920, 0.26 at 4K.
        """
        mpix = width_px * height_px / 1e6
        return self.decode_only_ms_per_mpix * mpix / (self.frame_ms + self.frame_ms_per_mpix * mpix)


def decode_share(width_px: int, height_px: int) -> float:
    """:meth:`FrameCost.decode_share` with the default :class:`FrameCost`."""
    return FrameCost().decode_share(width_px, height_px)


#: Decode share of a 1080p clip (the default of :func:`plan_segments`).
DECODE_SHARE = decode_share(1080, 1920)


def plan_segments(
    duration_s: float,
    workers: int,
    *,
    overlap_s: float = SEGMENT_OVERLAP_S,
    min_segment_s: float = MIN_SEGMENT_S,
    keyframes_s: np.ndarray | None = None,
    decode_share: float = DECODE_SHARE,
) -> tuple[Segment, ...]:
    """Split a clip into consecutive segments of equal work, one landmarker each.

    Every segment after the first also processes ``overlap_s`` of warm-up frames, so it
    keeps ``overlap_s`` less. Without key-frame times, with ``n`` segments the first keeps
    ``k = (duration_s + (n - 1) * overlap_s) / n`` and the others ``k - overlap_s``, and each
    does ``k`` seconds of inference. With them, a later segment also decodes (without
    inference) from the key frame before its start, at ``decode_share`` of a frame's cost,
    and the boundaries move so that the work stays equal: a clip with one key frame every
    8 s split at 6.5 s would otherwise give the second landmarker 5.5 s of extra decoding.
    ``n`` is reduced until each segment keeps at least ``min_segment_s``.

    Parameters
    ----------
    duration_s
        Clip duration in capture time (seconds).
    workers
        Landmarkers available (>= 1).
    overlap_s, min_segment_s
        Warm-up overlap and shortest kept stretch (seconds).
    keyframes_s
        Capture times of the key frames (:func:`gaitlab.io.video.keyframe_times_s`), or None
        to plan as if decoding could start anywhere.
    decode_share
        Decoding cost of a frame over decoding plus inference.

    Returns
    -------
    tuple of Segment
        One whole-clip segment when parallelism does not pay.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    for n in range(workers, 1, -1):
        keeps = _balanced_keeps(duration_s, n, overlap_s, keyframes_s, decode_share)
        if min(np.diff([*keeps, duration_s])) >= min_segment_s:
            return tuple(
                Segment(
                    start_s=max(0.0, keep - overlap_s) if i else 0.0,
                    keep_from_s=keep,
                    end_s=keeps[i + 1] if i + 1 < n else None,
                )
                for i, keep in enumerate(keeps)
            )
    return (Segment(0.0, 0.0, None),)


def _balanced_keeps(
    duration_s: float,
    n: int,
    overlap_s: float,
    keyframes_s: np.ndarray | None,
    decode_share: float,
) -> list[float]:
    """Where each of ``n`` segments starts keeping frames, for equal work (see above)."""
    equal = (duration_s + (n - 1) * overlap_s) / n
    keyframes = np.asarray([] if keyframes_s is None else keyframes_s, dtype=float)

    def decode_only_s(start_s: float) -> float:
        # Decoding starts at the last key frame at or before the window.
        before = keyframes[keyframes <= start_s + 1e-9]
        return float(start_s - before[-1]) if before.size else 0.0

    def keeps_for(work_s: float) -> list[float]:
        keeps = [0.0, work_s]
        for _ in range(n - 2):
            start = max(0.0, keeps[-1] - overlap_s)
            keep = keeps[-1] - start
            keeps.append(keeps[-1] + work_s - keep - decode_share * decode_only_s(start))
        return keeps

    def last_work(keeps: list[float]) -> float:
        start = max(0.0, keeps[-1] - overlap_s)
        return duration_s - start + decode_share * decode_only_s(start)

    if not keyframes.size or all(
        decode_only_s(max(0.0, k - overlap_s)) == 0.0 for k in keeps_for(equal)[1:]
    ):
        # Decoding can start where each window does: the closed form, exactly.
        return [i * (equal - overlap_s) + (overlap_s if i else 0.0) for i in range(n)]
    # The smallest work per segment that covers the clip: the last segment's work falls as
    # the others' grows (their windows reach further), so bisect on it.
    lo, hi = equal, duration_s + overlap_s
    for _ in range(60):
        mid = (lo + hi) / 2
        if last_work(keeps_for(mid)) > mid:
            lo = mid
        else:
            hi = mid
    return [round(float(keep), 3) for keep in keeps_for(hi)]  # ms: readable provenance
