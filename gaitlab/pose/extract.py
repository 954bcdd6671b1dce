"""Run a pose backend over a clip and assemble the :class:`PoseSeries`, with a cache.

Inference is the expensive step (about 20 ms a frame on one core), so results are cached on
disk keyed by the clip's content hash, the model's hash and every setting that changes the
output: re-analysing a clip (new thresholds, a new report) skips inference.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import cv2
import numpy as np
import platformdirs

from gaitlab.errors import InvalidOption, NoRunnerFound
from gaitlab.hashing import file_sha256
from gaitlab.imaging.appearance import appearance_lab
from gaitlab.imaging.waistband import (
    NOT_FOUND,
    WAISTBAND_METHOD,
    WaistbandLine,
    waistband_line,
)
from gaitlab.io.video import (
    VideoLimits,
    fit_size,
    iter_frames,
    keyframe_times_s,
    pin_thread,
    probe_video,
    with_decoded_frames,
)
from gaitlab.io.video import prefetch as prefetch_frames
from gaitlab.options import SLOWMO_FACTOR
from gaitlab.pose.backend import (
    FramePose,
    MediaPipeBackend,
    MediaPipeSettings,
    MultiPoseBackend,
    PoseBackend,
    empty_pose_arrays,
)
from gaitlab.pose.models import resolve_model
from gaitlab.pose.people import (
    PeopleReport,
    absence_notes,
    check_single_track,
    choose_runner,
    count_people,
    describe_people,
    link_tracks,
    spans_s,
)
from gaitlab.pose.sandbox import CONFINED, network_sandbox
from gaitlab.series import MaskCrops, ModelInfo, PoseSeries, VideoInfo, WaistbandSeries

#: Size (height, width) of the stored person-mask crops; see :class:`MaskCrops`.
MASK_CROP_SHAPE: tuple[int, int] = (256, 192)
#: Margin around the landmarks' bounding box, as a share of its size, kept in a mask crop
#: (the landmarks are joint centres: the silhouette extends beyond them).
MASK_CROP_MARGIN = 0.25

#: Long side (pixels) of the frames the pose model is given by default. MediaPipe finds the
#: person on a 224x224 copy of the whole frame and places the landmarks on a 256x256 crop
#: around them, so a larger frame adds little the model sees; but it makes the person mask
#: at the size of the frame it is given (at 1080p 8-9 ms of a 25 ms inference, about 2 ms
#: at 960x540), of which only a 256x192 crop is kept. Measured with
#: ``benchmarks/model_size.py`` (the quick accuracy set at 1920x1080, runner ~660 px tall,
#: table in docs/accuracy.md): landmarks
#: against the true joint pixels 13.1-14.9 px median at full size, 13.2-14.8 px at 960;
#: every target passes either way, and over the seven clips no metric's per-stride error
#: moves by more than 0.25 deg on average (single clips move both ways by up to 2.5 deg,
#: as with sub-pixel noise). Scaling the same clips to 480 px (runner 165 px) still only
#: took the side-view landmark error from 13.2 to 13.8 px. 960 px is also the size every
#: other accuracy figure is measured at.
MAX_SIDE_PX = 960
#: Smallest accepted ``max_side_px``: the landmark model's own input (256 px) plus margin.
MIN_MAX_SIDE_PX = 320

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
        Also find the waistband edge in each frame (pelvic tilt in rear/front view; ~1 ms a
        frame).
    max_people
        Most people followed at once when the one-person pass looks wrong (an identity jump,
        or a person who does not move: see :mod:`gaitlab.pose.people`); the clip is then
        run again with this many poses per frame and the runner chosen among them. 1
        disables the check.
    max_side_px
        Frames larger than this (long side, pixels) are scaled down before inference, and
        the landmarks scaled back to the clip's pixels; None gives the model every frame at
        the clip's own size. See :data:`MAX_SIDE_PX`.
    """

    model: str = "full"
    slowmo_factor: float = 1.0
    mediapipe: MediaPipeSettings = field(default_factory=MediaPipeSettings)
    waistband: bool = True
    max_people: int = 3
    max_side_px: int | None = MAX_SIDE_PX

    def __post_init__(self) -> None:
        SLOWMO_FACTOR.check(self.slowmo_factor)
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


def default_cache_dir() -> Path:
    """Where pose series are cached: ``$GAITLAB_CACHE_DIR`` or the user cache folder."""
    env = os.environ.get("GAITLAB_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("gaitlab")) / "pose"


def purge_cache(clip_sha256s: Iterable[str], cache_dir: str | Path | None = None) -> list[Path]:
    """Delete the cached pose series of the given clips (every model and setting).

    Parameters
    ----------
    clip_sha256s
        Content hashes of the clips whose landmarks must go (e.g. a deleted runner's).
    cache_dir
        The cache folder; default :func:`default_cache_dir`.

    Returns
    -------
    list of Path
        The files deleted.
    """
    wanted = set(clip_sha256s)
    folder = Path(cache_dir or default_cache_dir())
    if not wanted or not folder.is_dir():
        return []
    removed = []
    for f in sorted(folder.glob("*.npz")):
        if PoseSeries.clip_sha256(f) in wanted:
            f.unlink(missing_ok=True)
            removed.append(f)
    return removed


def cache_key(
    video_sha256: str,
    model_sha256: str,
    settings: PoseSettings,
    segments: tuple[Segment, ...] = (),
    model_size: tuple[int, int] | None = None,
) -> str:
    """Stable key of one clip + model + settings (+ segment layout) combination.

    A segmented run's landmarks differ slightly from a single pass after each segment
    boundary (the tracker restarts), so its layout is part of the key. ``model_size`` is the
    ``(width, height)`` the frames were scaled to for the model, None when they were given
    at the clip's own size: the size, not ``settings.max_side_px``, changes the output, so a
    clip no larger than the limit keeps its key whatever the limit. A single pass at full
    size keeps the key it always had, so existing cache entries stay valid.
    """
    # v2: the runner is chosen among several people when the one-person pass looks wrong.
    content = {"video": video_sha256, "model": model_sha256, "settings": asdict(settings), "v": 2}
    if settings.waistband:
        content["waistband_method"] = WAISTBAND_METHOD  # a new edge method re-measures
    del content["settings"]["max_side_px"]
    if len(segments) > 1:
        content["segments"] = [asdict(seg) for seg in segments]
    if model_size is not None:
        content["model_size"] = list(model_size)
    payload = json.dumps(content, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def model_frame_size(info: VideoInfo, max_side_px: int | None) -> tuple[int, int] | None:
    """``(width, height)`` the clip's upright frames are scaled to for the pose model.

    None when they are given at their own size (no limit, or not larger than it).
    """
    if max_side_px is None:
        return None
    width, height, _ = fit_size(info.width_px, info.height_px, max_side_px)
    return None if (width, height) == (info.width_px, info.height_px) else (width, height)


def _clip_factor(info: VideoInfo, model_size: tuple[int, int] | None) -> np.ndarray | None:
    """Clip pixels per model pixel along x and y, or None at the clip's own size."""
    if model_size is None:
        return None
    return np.array([info.width_px / model_size[0], info.height_px / model_size[1]])


def _to_clip_px(pose: FramePose, factor: np.ndarray) -> FramePose:
    """A pose found on a scaled frame, in the clip's pixels (``factor``: clip px per model px).

    The mask stays at the model's size (see :func:`_mask_crop`); world landmarks are in
    metres and do not change.
    """
    return replace(pose, xy_px=pose.xy_px * factor, depth_rel=pose.depth_rel * factor[0])


def _mask_crop(
    mask: np.ndarray, xy_px: np.ndarray, factor: np.ndarray | None = None
) -> tuple[np.ndarray, float, np.ndarray]:
    """Crop ``mask`` around the landmarks and scale it uniformly into MASK_CROP_SHAPE.

    ``mask`` and ``xy_px`` are in the pixels of the frame the model was given; with
    ``factor`` (clip px per model px) the returned origin and scale are in the clip's pixels.
    """
    crop_h, crop_w = MASK_CROP_SHAPE
    lo = np.nanmin(xy_px, axis=0)
    hi = np.nanmax(xy_px, axis=0)
    size = np.maximum(hi - lo, 1.0)
    lo = lo - MASK_CROP_MARGIN * size
    size = size * (1 + 2 * MASK_CROP_MARGIN)
    scale = float(min(crop_w / size[0], crop_h / size[1]))
    # Centre the box in the crop so the figure is not pushed against one edge.
    origin = lo - (np.array([crop_w, crop_h]) / scale - size) / 2
    affine = np.array([[scale, 0.0, -scale * origin[0]], [0.0, scale, -scale * origin[1]]])
    prob = cv2.warpAffine(
        np.asarray(mask, dtype=np.float32),  # no copy of the full-frame mask when float32
        affine,
        (crop_w, crop_h),
        flags=cv2.INTER_AREA,
        borderValue=0,
    )
    if factor is not None:
        # The two factors differ by under a pixel's rounding over the frame: one scale.
        origin, scale = origin * factor, scale / float(np.mean(factor))
    return origin, scale, np.clip(prob * 255.0 + 0.5, 0, 255).astype(np.uint8)


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


#: Overlap where a later segment's landmarker warms up before its frames are kept (seconds).
SEGMENT_OVERLAP_S = 1.0
#: Shortest stretch of frames one segment keeps; shorter clips use fewer segments (seconds).
MIN_SEGMENT_S = 2.0


def default_workers() -> int:
    """Landmarkers run in parallel on one clip by default: 1 (a single pass).

    Segmenting changes the landmarks after each boundary (MediaPipe's tracking depends on
    the frames before; see :func:`run_segments`). Not a stitching error: a landmarker
    started mid-clip agrees with the single pass to a median 0.3-0.5 px a landmark (runner
    330 px tall) from 0.25 s after its start on, and stays there (a slightly different
    tracking trajectory, not a drift). But clip medians of event-timed metrics move from
    that, as they do when 0.4 px of random noise is added to the single pass's landmarks
    (``benchmarks/segments.py``: sample clips within 0.7 deg and 0.9 % of leg length; the
    real treadmill clip's overstride by 3.4 % of a leg and shank angle at strike by 2.4 deg,
    where the noise moves them by up to 2.0 % and 1.9 deg; docs/performance.md). Until they
    do not, one pass keeps the results independent of the machine's core count. Ask for
    ``workers=2`` to trade that for ~1.7x speed on a single clip on 2 cores
    (``benchmarks/pipeline.py``: 1.68x at 720p, 1.66x at 1080p against one core).
    """
    return 1


#: What a frame costs on one core, measured with ``benchmarks/pipeline.py`` on a 2-core
#: x86_64 machine (docs/performance.md; H.264, model frames of 960 px): decoding alone (no
#: colour conversion: frames before a segment's window) ~1.85 ms a megapixel (1.7 ms at
#: 720x1280, 3.8 ms at 1080x1920), and a frame decoded, converted, scaled and given to the
#: model ~21.5 ms plus 4.6 ms a megapixel (26 ms at 720p, 31 ms at 1080p: ``pipe-1c``).
DECODE_ONLY_MS_PER_MPIX = 1.85
FRAME_MS = 21.5
FRAME_MS_PER_MPIX = 4.6


def decode_share(width_px: int, height_px: int) -> float:
    """Cost of decoding a frame without running the model on it, over a frame's full cost.

    Decoding grows with the clip's pixels, inference (on frames scaled for the model) does
    not: 0.066 at 720x1280, 0.124 at 1080x1920, 0.26 at 4K.
    """
    mpix = width_px * height_px / 1e6
    return DECODE_ONLY_MS_PER_MPIX * mpix / (FRAME_MS + FRAME_MS_PER_MPIX * mpix)


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


class _CropBuffer:
    """Mask crops copied as they come into rows of one preallocated array.

    Kept as thousands of separate 48 kB arrays and assembled at the end, the crops of a 60 s
    clip at 30 fps (88 MB) were held twice at the end of the pose stage, and the freed
    small blocks stay in the process's heap: ~90 MB of the peak. Rows of ``np.empty`` cost
    memory only once written, so a generous capacity is free.
    """

    def __init__(self, capacity: int = 0) -> None:
        self._data = np.empty((max(capacity, 1), *MASK_CROP_SHAPE), dtype=np.uint8)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, crop: np.ndarray) -> None:
        if self._n == len(self._data):  # more frames than estimated: grow (rare)
            grown = np.empty((self._n * 3 // 2 + 16, *MASK_CROP_SHAPE), dtype=np.uint8)
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        self._data[self._n] = crop
        self._n += 1

    def array(self, start: int = 0) -> np.ndarray:
        """The crops from ``start`` on, ``(n, h, w)`` uint8 (a view, no copy)."""
        return self._data[start : self._n]


@dataclass
class _Rows:
    """Per-frame outputs of one segment, small arrays only (never full-frame masks)."""

    time_s: list[float] = field(default_factory=list)
    xy_px: list[np.ndarray | None] = field(default_factory=list)
    depth_rel: list[np.ndarray | None] = field(default_factory=list)
    visibility: list[np.ndarray | None] = field(default_factory=list)
    world_m: list[np.ndarray | None] = field(default_factory=list)
    origins: list[np.ndarray] = field(default_factory=list)
    scales: list[float] = field(default_factory=list)
    crops: _CropBuffer = field(default_factory=_CropBuffer)
    bands: list[WaistbandLine] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.time_s)


def _done(value: WaistbandLine) -> Future:
    """A future that already holds ``value`` (keeps the waistband queue in frame order)."""
    future: Future = Future()
    future.set_result(value)
    return future


def _run_segment(
    backend: PoseBackend,
    info: VideoInfo,
    segment: Segment,
    *,
    with_masks: bool,
    with_waistband: bool,
    on_frame: Callable[[], None] | None = None,
    prefetch: bool = True,
    model_size: tuple[int, int] | None = None,
    helper_cores: list[int] | None = None,
) -> _Rows:
    """Detect, crop the mask and find the waistband on each frame of one segment.

    ``model_size``: decode the frames scaled to this ``(width, height)`` for the model (see
    :func:`model_frame_size`); the mask crop and the waistband are taken on that frame and
    the stored landmarks are in the clip's pixels either way. ``helper_cores``: run the
    decode-ahead thread (and FFmpeg's threads) and the waistband thread on these cores,
    off the landmarker's (see :func:`build_on_one_core`).

    With ``prefetch``, three stages overlap, each in its own thread: decoding runs a few
    frames ahead (:func:`gaitlab.io.video.prefetch`, FFmpeg choosing its own threads),
    inference runs here, and the waistband edge (~3 ms a frame at 1080p) runs a few frames
    behind on the decoded frame. Without it, everything runs in turn in the calling thread
    and FFmpeg decodes with one thread: for a process that shares the cores with others
    (a batch worker), where overlapping only adds switching. The mask is cropped
    here, before the next inference: MediaPipe's mask is a view of memory the landmarker
    reuses on its next call (reading it later crashed the process). Results are identical to
    doing everything in turn. Only per-frame results are kept (a crop of the 8 MB mask),
    so memory does not grow with frame size or clip length.
    """
    end_s = info.duration_s if segment.end_s is None else segment.end_s
    expected = (end_s - segment.keep_from_s) * info.capture_fps
    # Sized by the frames that exist, never by a time span alone (bad timestamps can make
    # that hours long); the buffer grows in the rare case that more frames come.
    expected = min(expected, info.n_frames) if np.isfinite(expected) else info.n_frames
    rows = _Rows(crops=_CropBuffer(int(expected) + 8 if with_masks else 0))
    pending: deque[Future] = deque()
    last_ms = -1
    frames = iter_frames(
        info,
        start_s=segment.start_s,
        end_s=segment.end_s,
        size=model_size,
        threads=None if prefetch else 1,
    )
    factor = _clip_factor(info, model_size)
    with ThreadPoolExecutor(
        1, thread_name_prefix="gaitlab-waistband", initializer=pin_thread, initargs=(helper_cores,)
    ) as measurer:
        ahead = prefetch_frames(frames, depth=4, cores=helper_cores) if prefetch else frames
        for frame in ahead:
            # MediaPipe needs strictly increasing integer milliseconds; at >1 kHz, nudge.
            time_ms = max(last_ms + 1, round(frame.time_s * 1000.0))
            last_ms = time_ms
            pose = backend.detect(frame.rgb, time_ms)
            if frame.time_s < segment.keep_from_s:
                continue  # warm-up frame of a later segment
            clip_pose = pose if pose is None or factor is None else _to_clip_px(pose, factor)
            rows.time_s.append(frame.time_s)
            rows.xy_px.append(None if clip_pose is None else clip_pose.xy_px)
            rows.depth_rel.append(None if clip_pose is None else clip_pose.depth_rel)
            rows.visibility.append(None if clip_pose is None else clip_pose.visibility)
            rows.world_m.append(None if clip_pose is None else clip_pose.world_m)
            if with_masks:
                if pose is not None and pose.mask is not None:
                    origin, scale, crop = _mask_crop(pose.mask, pose.xy_px, factor)
                else:
                    origin, scale = np.full(2, np.nan), float("nan")
                    crop = np.zeros(MASK_CROP_SHAPE, dtype=np.uint8)
                rows.origins.append(origin)
                rows.scales.append(scale)
                rows.crops.append(crop)
            if with_waistband:
                if pose is None:
                    pending.append(_done(NOT_FOUND))
                elif not prefetch:
                    pending.append(_done(waistband_line(frame.rgb, pose.xy_px)))
                else:
                    pending.append(measurer.submit(waistband_line, frame.rgb, pose.xy_px))
                while len(pending) > 4:  # bounds the frames held in memory
                    rows.bands.append(pending.popleft().result())
            if on_frame is not None:
                on_frame()
        rows.bands.extend(f.result() for f in pending)
    return rows


def _stitch(parts: list[_Rows]) -> _Rows:
    """Concatenate segments in time order, dropping any frame not later than the last kept."""
    out = _Rows(crops=_CropBuffer(sum(len(part.crops) for part in parts)))
    names = [f.name for f in fields(_Rows) if f.name != "crops"]
    for part in parts:
        last = out.time_s[-1] if out.time_s else -np.inf
        first = int(np.searchsorted(np.asarray(part.time_s), last, side="right"))
        for name in names:
            values = getattr(part, name)
            getattr(out, name).extend(values[first:] if values else values)
        for crop in part.crops.array(first):
            out.crops.append(crop)
    return out


def _assemble(
    rows: _Rows, info: VideoInfo, *, with_masks: bool, with_waistband: bool
) -> tuple[np.ndarray, dict[str, np.ndarray], MaskCrops | None, WaistbandSeries | None, VideoInfo]:
    time_s = np.asarray(rows.time_s, dtype=float)
    arrays = empty_pose_arrays(len(rows))
    for name in ("xy_px", "depth_rel", "visibility", "world_m"):
        for i, value in enumerate(getattr(rows, name)):
            if value is not None:
                arrays[name][i] = value
    masks = None
    if with_masks:
        prob = rows.crops.array()  # already one array: no second copy of the crops
        masks = MaskCrops(
            origin_px=np.asarray(rows.origins, dtype=float).reshape(-1, 2),
            scale=np.asarray(rows.scales, dtype=float),
            prob=prob,
        )
    waistband = None
    if with_waistband:
        bands = rows.bands
        waistband = WaistbandSeries(
            angle_deg=np.array([b.angle_deg for b in bands], dtype=float),
            ok=np.array([b.ok for b in bands], dtype=bool),
            inlier_share=np.array([b.inlier_share for b in bands], dtype=float),
            contrast=np.array([b.contrast for b in bands], dtype=float),
            offset_trunk=np.array([b.offset_trunk for b in bands], dtype=float),
        )
    return time_s, arrays, masks, waistband, with_decoded_frames(info, time_s)


def run_backend(
    backend: PoseBackend,
    info: VideoInfo,
    *,
    with_masks: bool,
    with_waistband: bool = False,
    progress: ProgressFn | None = None,
    prefetch: bool = True,
    model_size: tuple[int, int] | None = None,
    helper_cores: list[int] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray], MaskCrops | None, WaistbandSeries | None, VideoInfo]:
    """Stream a probed clip through ``backend`` in one pass.

    Image measurements that need the pixels (mask crops, the waistband edge) are taken in
    the same pass, so each frame is decoded once. ``prefetch``: decode ahead in a thread
    (see :func:`_run_segment`); the results are identical either way. ``model_size``: the
    frames are scaled to this ``(width, height)`` for the model (:func:`model_frame_size`).
    ``helper_cores``: where the decode and waistband threads run (:func:`_run_segment`).

    Returns
    -------
    time_s, arrays, masks, waistband, info
        Frame times, the landmark arrays of :class:`PoseSeries`, mask crops (or None), the
        waistband series (or None) and the video info updated with the frames decoded.
    """
    done = 0

    def on_frame() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, info.n_frames)

    rows = _run_segment(
        backend,
        info,
        Segment(0.0, 0.0, None),
        with_masks=with_masks,
        with_waistband=with_waistband,
        on_frame=on_frame,
        prefetch=prefetch,
        model_size=model_size,
        helper_cores=helper_cores,
    )
    return _assemble(rows, info, with_masks=with_masks, with_waistband=with_waistband)


#: Run each segment's landmarker (and its threads) on a core of its own when there are
#: enough cores. See :func:`run_segments`.
PIN_SEGMENTS = True


def usable_cores() -> list[int]:
    """CPU cores this process may run on (empty where the OS cannot tell)."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


#: Build a lone landmarker on one core when the process has more than one, leaving the
#: others to decoding and the waistband. See :func:`build_on_one_core`.
PIN_LANDMARKER = True


def build_on_one_core(make: Callable[[], PoseBackend]) -> PoseBackend:
    """Build a landmarker whose threads all run on the first usable core.

    MediaPipe starts its graph's threads (six) when the landmarker is built, and Linux
    threads inherit the affinity of the thread that starts them: so the calling thread is
    pinned to one core while building, then given back its cores. Inference then stays on
    that core and decoding, the waistband and the caller use the others. On the real 12 s
    720p clip (2 cores, interleaved pairs) the pose stage without masks took 9 % less time,
    and raw inference costs ~30 % less CPU on one core than spread over two; in the full
    analysis the change was within the machine's noise (docs/performance.md). With one
    usable core (a pinned batch worker) or :data:`PIN_LANDMARKER` off it just builds.
    """
    cores = usable_cores()
    if not PIN_LANDMARKER or len(cores) < 2:
        return make()
    os.sched_setaffinity(0, {cores[0]})
    try:
        return make()
    finally:
        os.sched_setaffinity(0, set(cores))


#: Keep the decode-ahead and waistband threads off a lone landmarker's core.
PIN_HELPERS = True


def helper_cores() -> list[int] | None:
    """Cores for the threads that serve a landmarker built by :func:`build_on_one_core`.

    The rest of the usable cores, or None (no pinning) when the landmarker is not pinned.
    Without this, FFmpeg's decoding threads also run on the landmarker's core and take
    their turns there. On the real 12 s 720p clip (pose stage, 2 cores) this saves ~7 % of
    the CPU time and leaves the wall time as it was (docs/performance.md).
    """
    cores = usable_cores()
    if not (PIN_LANDMARKER and PIN_HELPERS) or len(cores) < 2:
        return None
    return cores[1:]


def run_segments(
    make_backend: Callable[[], PoseBackend],
    info: VideoInfo,
    segments: tuple[Segment, ...],
    *,
    with_masks: bool,
    with_waistband: bool = False,
    progress: ProgressFn | None = None,
    model_size: tuple[int, int] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray], MaskCrops | None, WaistbandSeries | None, VideoInfo]:
    """Run one landmarker per segment in parallel threads and stitch the results.

    Threads, not processes: MediaPipe releases the GIL during inference (two landmarkers in
    two threads use 1.7 cores) and threads share the already-verified model
    path, the callback and the results without pickling or a second interpreter's start-up.
    With a core per segment, each segment's thread is pinned to its own core before it
    builds its landmarker (:data:`PIN_SEGMENTS`): MediaPipe's threads and the segment's
    decode-ahead thread then stay off the other segment's core (pose stage of the real 12 s
    720p clip on 2 cores: median 1.61x one pinned landmarker, against 1.54x unpinned;
    docs/performance.md).

    Parameters
    ----------
    make_backend
        Builds a new backend (one per segment, each created and closed in its thread).
    info
        The probed clip.
    segments
        From :func:`plan_segments`, in time order.
    with_masks, with_waistband, model_size
        As :func:`run_backend`.
    progress
        Called from the calling thread with (kept frames so far, frames expected).

    Returns
    -------
    time_s, arrays, masks, waistband, info
        As :func:`run_backend`.
    """
    counts = [0] * len(segments)
    cores = usable_cores()
    pin = PIN_SEGMENTS and 1 < len(segments) <= len(cores)

    def work(i: int) -> _Rows:
        def on_frame() -> None:
            counts[i] += 1  # one writer per slot; the caller only reads

        if pin:
            # This thread only (it ends with the pool); the landmarker's own threads and the
            # decode-ahead thread, started from here, inherit the core.
            os.sched_setaffinity(0, {cores[i]})
        backend = make_backend()
        try:
            return _run_segment(
                backend,
                info,
                segments[i],
                with_masks=with_masks,
                with_waistband=with_waistband,
                on_frame=on_frame,
                model_size=model_size,
            )
        finally:
            backend.close()

    with ThreadPoolExecutor(len(segments), thread_name_prefix="gaitlab-pose") as pool:
        futures = [pool.submit(work, i) for i in range(len(segments))]
        pending = set(futures)
        while pending:
            # Progress is reported from the caller's thread (UI callbacks are not thread-safe).
            _, pending = wait(pending, timeout=0.25, return_when=FIRST_EXCEPTION)
            if progress is not None:
                progress(min(sum(counts), info.n_frames), info.n_frames)
            if any(f.done() and f.exception() is not None for f in futures):
                break
        parts = [f.result() for f in futures]  # re-raises the first failure
    rows = _stitch(parts)
    return _assemble(rows, info, with_masks=with_masks, with_waistband=with_waistband)


def extract_pose(
    path: str | Path,
    *,
    settings: PoseSettings | None = None,
    with_masks: bool | None = None,
    limits: VideoLimits | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    progress: ProgressFn | None = None,
    backend_factory: Callable[[Path, MediaPipeSettings], PoseBackend] = MediaPipeBackend,
    workers: int | None = None,
    prefetch: bool = True,
) -> PoseSeries:
    """Pose landmarks of the runner in every frame of a clip.

    Parameters
    ----------
    path
        The clip.
    settings
        Model, slow-motion factor and landmarker thresholds.
    with_masks
        Shortcut overriding ``settings.mediapipe.with_masks``.
    limits
        Video acceptance limits (duration, resolution).
    cache_dir
        Where cached series live; default :func:`default_cache_dir`.
    use_cache
        Read and write the cache (False forces inference and writes nothing).
    progress
        Called after each frame with (frames done, frames expected).
    backend_factory
        Builds the backend from the verified model path and settings (tests inject one).
    workers
        Landmarkers run in parallel on this clip, each on a time segment (see
        :func:`plan_segments`; default :func:`default_workers`, 1). More than one changes
        the landmarks after each segment boundary (the tracker restarts), so the segment
        layout is part of the cache key and of ``model.settings``. In a batch that already
        runs one clip per core, keep 1.
    prefetch
        Decode ahead of inference in a thread, with FFmpeg's own decoding threads (the
        default, for one clip on an otherwise idle machine). False runs the single pass in
        the calling thread alone (a batch worker, one per core). Same results either way;
        ignored when ``workers`` > 1.

    Returns
    -------
    PoseSeries
        One row per decoded frame; NaN landmarks where no pose was found.

    Raises
    ------
    gaitlab.errors.VideoError
        The clip cannot be read or is unsuitable (see :func:`gaitlab.io.probe_video`).
    gaitlab.errors.ModelError
        The model is missing or corrupt.
    gaitlab.errors.NoRunnerFound
        No person was found in any frame.
    """
    settings = settings or PoseSettings()
    if with_masks is not None and with_masks != settings.mediapipe.with_masks:
        mp_settings = MediaPipeSettings(**{**asdict(settings.mediapipe), "with_masks": with_masks})
        settings = replace(settings, mediapipe=mp_settings)
    info = probe_video(path, slowmo_factor=settings.slowmo_factor, limits=limits)
    model_path = resolve_model(settings.model)
    model_sha = file_sha256(model_path)

    workers = default_workers() if workers is None else workers
    segments = plan_segments(
        info.duration_s,
        workers,
        keyframes_s=keyframe_times_s(info) if workers > 1 else None,
        decode_share=decode_share(info.width_px, info.height_px),
    )
    model_size = model_frame_size(info, settings.max_side_px)
    cache_file = None
    if use_cache:
        key = cache_key(info.sha256, model_sha, settings, segments, model_size)
        cache_file = Path(cache_dir or default_cache_dir()) / f"{key}.npz"
        if cache_file.exists():
            try:
                cached = PoseSeries.load(cache_file)
            except Exception:  # a bad cache entry is just a miss
                cached = None
            if cached is not None:
                # Same bytes, new name or place: report the path the user gave.
                return PoseSeries(
                    **{f: getattr(cached, f) for f in _ARRAY_FIELDS},
                    video=VideoInfo(**{**cached.video.to_dict(), "path": str(path)}),
                    model=cached.model,
                    masks=cached.masks,
                    waistband=cached.waistband,
                    people=cached.people,
                )

    if len(segments) == 1:
        backend = build_on_one_core(lambda: backend_factory(model_path, settings.mediapipe))
        try:
            time_s, arrays, masks, waistband, info = run_backend(
                backend,
                info,
                with_masks=settings.mediapipe.with_masks,
                with_waistband=settings.waistband,
                progress=progress,
                prefetch=prefetch,
                model_size=model_size,
                helper_cores=helper_cores(),
            )
        finally:
            backend.close()
    else:
        time_s, arrays, masks, waistband, info = run_segments(
            lambda: backend_factory(model_path, settings.mediapipe),
            info,
            segments,
            with_masks=settings.mediapipe.with_masks,
            with_waistband=settings.waistband,
            progress=progress,
            model_size=model_size,
        )
    # A backend class that cannot return several poses is not built for nothing.
    single_only = isinstance(backend_factory, type) and not issubclass(
        backend_factory, MultiPoseBackend
    )
    multi_settings = replace(settings.mediapipe, num_poses=settings.max_people)
    time_s, arrays, masks, waistband, people = _follow_runner(
        (time_s, arrays, masks, waistband),
        None if single_only else lambda: backend_factory(model_path, multi_settings),
        info,
        settings,
        progress,
        model_size,
    )
    series = PoseSeries(
        time_s=time_s,
        **arrays,
        video=info,
        model=ModelInfo(
            name=settings.model,
            sha256=model_sha,
            backend="mediapipe.tasks.PoseLandmarker(VIDEO)",
            # From the package metadata: importing mediapipe here would cost ~1 s when the
            # backend is a test double, and the version is all the provenance needs.
            backend_version=importlib.metadata.version("mediapipe"),
            # Provenance: how the clip was split between landmarkers (one entry = one pass).
            settings={
                **asdict(settings),
                "segments": [asdict(seg) for seg in segments],
                # (width, height) given to the model; the clip's own size when not scaled.
                "model_size_px": list(model_size or (info.width_px, info.height_px)),
                # How MediaPipe's own threads were kept off the network (pose.sandbox).
                "network_sandbox": network_sandbox() or CONFINED,
            },
        ),
        masks=masks,
        waistband=waistband,
        people=people.to_dict(),
    )
    if not series.detected.any():
        raise NoRunnerFound(
            f"{Path(path).name}: no person found in any of {series.n_frames} frames; film the "
            "whole body, side-on or from behind, 3-5 m away, in good light"
        )
    if cache_file is not None:
        series.save(cache_file)
    return series


_ARRAY_FIELDS = ("time_s", "xy_px", "depth_rel", "visibility", "world_m")


_Stage = tuple[np.ndarray, dict[str, np.ndarray], MaskCrops | None, WaistbandSeries | None]


def _follow_runner(
    single: _Stage,
    make_multi: Callable[[], PoseBackend] | None,
    info: VideoInfo,
    settings: PoseSettings,
    progress: ProgressFn | None,
    model_size: tuple[int, int] | None = None,
) -> tuple[
    np.ndarray, dict[str, np.ndarray], MaskCrops | None, WaistbandSeries | None, PeopleReport
]:
    """Keep the one-person pass, or re-run with several poses and follow the runner.

    A continuous, moving one-person track is kept unchanged (the fast path: no extra
    inference, the same landmarks as before). Otherwise the clip runs once more with
    ``settings.max_people`` poses per frame in one pass, identities are linked and the runner
    is chosen (:mod:`gaitlab.pose.people`); the stored landmarks, mask crops and waistband are
    the chosen person's, and frames without them stay empty (never a bystander).
    """
    time_s, arrays, masks, waistband = single
    check = check_single_track(arrays["xy_px"], time_s)
    detected = ~np.isnan(arrays["xy_px"][:, 0, 0])
    if settings.max_people <= 1 or not check.suspicious or not detected.any():
        report = PeopleReport(
            "single", check.describe(), int(detected.any()), notes=absence_notes(detected, time_s)
        )
        return time_s, arrays, masks, waistband, report
    backend = build_on_one_core(make_multi) if make_multi is not None else None
    try:
        if not isinstance(backend, MultiPoseBackend):
            report = PeopleReport(
                "single-unchecked",
                f"{check.describe()}; this pose backend returns one person only",
                1,
                notes=absence_notes(detected, time_s),
            )
            return time_s, arrays, masks, waistband, report
        rows, report = _run_multi(
            backend,
            info,
            with_masks=settings.mediapipe.with_masks,
            with_waistband=settings.waistband,
            why=check.describe(),
            progress=progress,
            model_size=model_size,
        )
    finally:
        if backend is not None:
            backend.close()
    time_s, arrays, masks, waistband, _ = _assemble(
        rows, info, with_masks=settings.mediapipe.with_masks, with_waistband=settings.waistband
    )
    return time_s, arrays, masks, waistband, report


@dataclass
class _Candidate:
    """One person's outputs in one frame of a multi-person pass (small arrays only)."""

    pose: FramePose  # mask dropped: it is only valid until the next inference
    look: np.ndarray | None = None  # colours of torso, thighs, shins (to count people)
    origin: np.ndarray | None = None
    scale: float = float("nan")
    crop: np.ndarray | None = None
    band: Future | None = None


def _run_multi(
    backend: MultiPoseBackend,
    info: VideoInfo,
    *,
    with_masks: bool,
    with_waistband: bool,
    why: str,
    progress: ProgressFn | None,
    model_size: tuple[int, int] | None = None,
) -> tuple[_Rows, PeopleReport]:
    """One pass with several poses per frame; the chosen runner's rows and the report.

    Each candidate's mask is cropped and its waistband measured during the pass (the mask
    is reused by the next inference, the frame is not kept), so choosing afterwards costs
    no second decode; only the chosen person's crops and waistband are kept.
    """
    times: list[float] = []
    frames: list[list[_Candidate]] = []
    last_ms = -1
    factor = _clip_factor(info, model_size)
    with ThreadPoolExecutor(1, thread_name_prefix="gaitlab-waistband") as measurer:
        for frame in prefetch_frames(iter_frames(info, size=model_size), depth=4):
            time_ms = max(last_ms + 1, round(frame.time_s * 1000.0))
            last_ms = time_ms
            found = []
            for pose in backend.detect_all(frame.rgb, time_ms):
                clip_pose = pose if factor is None else _to_clip_px(pose, factor)
                look = appearance_lab(frame.rgb, pose.xy_px)
                cand = _Candidate(replace(clip_pose, mask=None), look)
                if with_masks and pose.mask is not None:
                    cand.origin, cand.scale, cand.crop = _mask_crop(pose.mask, pose.xy_px, factor)
                if with_waistband:
                    cand.band = measurer.submit(waistband_line, frame.rgb, pose.xy_px)
                found.append(cand)
            times.append(frame.time_s)
            frames.append(found)
            if progress is not None:
                progress(len(times), info.n_frames)
        time_s = np.asarray(times, dtype=float)
        xy = [[c.pose.xy_px for c in found] for found in frames]
        tracks = link_tracks(xy, time_s)
        described = describe_people(xy, tracks, time_s)
        looks = [[c.look for c in found] for found in frames]
        count = count_people(xy, tracks, time_s, described, looks)
        choice = choose_runner(described, n_people=count.n_people)
        rows = _Rows(crops=_CropBuffer(len(frames) if with_masks else 0))
        uncertain = np.zeros(len(frames), dtype=bool)
        for i, found in enumerate(frames):
            pick = next(
                (
                    c
                    for c, tid in zip(found, tracks.assignment[i], strict=True)
                    if tid in choice.followed
                ),
                None,
            )
            uncertain[i] = bool(tracks.ambiguous[i] & set(choice.followed))
            rows.time_s.append(times[i])
            rows.xy_px.append(None if pick is None else pick.pose.xy_px)
            rows.depth_rel.append(None if pick is None else pick.pose.depth_rel)
            rows.visibility.append(None if pick is None else pick.pose.visibility)
            rows.world_m.append(None if pick is None else pick.pose.world_m)
            if with_masks:
                if pick is not None and pick.crop is not None and pick.origin is not None:
                    rows.origins.append(pick.origin)
                    rows.scales.append(pick.scale)
                    rows.crops.append(pick.crop)
                else:
                    rows.origins.append(np.full(2, np.nan))
                    rows.scales.append(float("nan"))
                    rows.crops.append(np.zeros(MASK_CROP_SHAPE, dtype=np.uint8))
            if with_waistband:
                rows.bands.append(
                    NOT_FOUND if pick is None or pick.band is None else pick.band.result()
                )
    detected = np.array([v is not None for v in rows.xy_px], dtype=bool)
    seen = count.n_people
    notes = list(absence_notes(detected, time_s))
    if seen > 1:
        again = len(count.found_again)
        how = f" ({seen + again} tracks: {again} of them someone lost and found again)"
        notes.insert(0, f"several people were seen: {seen}{how if again else ''}; {choice.reason}")
    if uncertain.any():
        notes.append(
            f"which person is the runner was uncertain in {int(uncertain.sum())} frame(s) "
            "(people overlapping): check those moments in the video"
        )
    report = PeopleReport(
        "multi",
        why,
        seen,
        choice.followed,
        choice.reason,
        spans_s(uncertain, time_s),
        choice.people,
        tuple(notes),
        count.found_again,
    )
    return rows, report
