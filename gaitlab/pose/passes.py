"""Stream a clip's frames through landmarkers: one pass, or time segments in parallel.

Each frame is decoded once; everything that needs its pixels (the mask crop, the waistband
edge, the camera's motion) is taken in the same pass, and only small per-frame results are
kept (:class:`Rows`), so memory does not grow with frame size. The waistband edge is left
out on a clip filmed side-on (:mod:`gaitlab.pose.band_gate`).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, fields

import numpy as np

from gaitlab.imaging.waistband import NOT_FOUND, WaistbandLine, waistband_line
from gaitlab.io.prefetch import pin_thread
from gaitlab.io.prefetch import prefetch as prefetch_frames
from gaitlab.io.video import Frame, iter_frames, with_decoded_frames
from gaitlab.landmarks import N_LANDMARKS
from gaitlab.pose.backend import PoseBackend, empty_pose_arrays
from gaitlab.pose.band_gate import BandGate
from gaitlab.pose.cores import CorePinning, usable_cores
from gaitlab.pose.masks import MASK_CROP_SHAPE, CropBuffer, mask_crop
from gaitlab.pose.scaling import clip_factor, to_clip_px
from gaitlab.pose.scene import ScenePass
from gaitlab.pose.segments import Segment
from gaitlab.pose.settings import ProgressFn
from gaitlab.series import MaskCrops, VideoInfo, WaistbandSeries
from gaitlab.timing import StageTimes

#: What a pass returns: frame times, the landmark arrays of :class:`~gaitlab.series.PoseSeries`,
#: mask crops (or None), the waistband series (or None) and the video info updated with the
#: frames decoded.
#: The landmarks of a frame without a pose.
NO_POSE_XY = np.full((N_LANDMARKS, 2), np.nan)
PassResult = tuple[
    np.ndarray, dict[str, np.ndarray], MaskCrops | None, WaistbandSeries | None, VideoInfo
]


@dataclass
class Rows:
    """Per-frame outputs of one segment, small arrays only (never full-frame masks)."""

    time_s: list[float] = field(default_factory=list)
    xy_px: list[np.ndarray | None] = field(default_factory=list)
    depth_rel: list[np.ndarray | None] = field(default_factory=list)
    visibility: list[np.ndarray | None] = field(default_factory=list)
    world_m: list[np.ndarray | None] = field(default_factory=list)
    origins: list[np.ndarray] = field(default_factory=list)
    scales: list[float] = field(default_factory=list)
    crops: CropBuffer = field(default_factory=CropBuffer)
    bands: list[WaistbandLine] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.time_s)


def _done(value: WaistbandLine) -> Future:
    """A future that already holds ``value`` (keeps the waistband queue in frame order)."""
    future: Future = Future()
    future.set_result(value)
    return future


def run_segment(
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
    scene: ScenePass | None = None,
    times: StageTimes | None = None,
) -> Rows:
    """Detect, crop the mask and find the waistband on each frame of one segment.

    ``model_size``: decode the frames scaled to this ``(width, height)`` for the model (see
    :func:`gaitlab.pose.scaling.model_frame_size`); the mask crop and the waistband are
    taken on that frame and the stored landmarks are in the clip's pixels either way.
    ``helper_cores``: run the decode-ahead thread (and FFmpeg's threads) and the waistband
    thread on these cores, off the landmarker's (see :func:`gaitlab.pose.cores.build_on_one_core`).
    ``scene``: also take the camera's motion and roll frames from each decoded frame, in
    the waistband's thread (for a whole-clip segment only: its rows are the series' rows).
    ``times``: add the time of decoding, inference and the pixel measures to it.
    On a whole-clip segment the waistband edge is not found on the frames of a clip filmed
    side-on, where no metric uses it (:mod:`gaitlab.pose.band_gate`); a clip that turns out
    not to be side-on has its left-out frames measured after the pass, so its edges are
    those of every frame.

    With ``prefetch``, three stages overlap, each in its own thread: decoding runs a few
    frames ahead (:func:`gaitlab.io.video.prefetch`, FFmpeg choosing its own threads),
    inference runs here, and the waistband edge runs a few frames behind on the decoded
    frame. Without it, everything runs in turn in the calling thread
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
    rows = Rows(crops=CropBuffer(int(expected) + 8 if with_masks else 0))
    pending: deque[Future] = deque()
    last_ms = -1
    frames = iter_frames(
        info,
        start_s=segment.start_s,
        end_s=segment.end_s,
        size=model_size,
        threads=None if prefetch else 1,
        extra_sizes=() if scene is None else scene.extra_sizes,
        extra_frames=None if scene is None else scene.extra_frames,
    )
    if times is not None:
        frames = _timed(frames, times, "decode")
    factor = clip_factor(info, model_size)

    # A whole-clip pass leaves the waistband out on a clip filmed side-on (band_gate); a
    # segment alone cannot tell the clip's view.
    whole_clip = segment.start_s <= 0.0 and segment.end_s is None
    gate = BandGate() if with_waistband and whole_clip else None

    def measure(
        frame: Frame, row: int, xy_px: np.ndarray | None, pose_xy: np.ndarray | None
    ) -> WaistbandLine:
        # The pixel measures of one frame, in frame order on one thread: the scene's motion
        # needs the frame before. ``pose_xy`` None: no waistband edge for this frame.
        if times is not None:
            with times.stage("pixel_measures"):
                return measure_untimed(frame, row, xy_px, pose_xy)
        return measure_untimed(frame, row, xy_px, pose_xy)

    def measure_untimed(
        frame: Frame, row: int, xy_px: np.ndarray | None, pose_xy: np.ndarray | None
    ) -> WaistbandLine:
        if scene is not None:
            scene.add(row, frame.rgb, frame.extra, NO_POSE_XY if xy_px is None else xy_px)
        if not with_waistband or pose_xy is None:
            return NOT_FOUND
        return waistband_line(frame.rgb, pose_xy)

    with ThreadPoolExecutor(
        1, thread_name_prefix="gaitlab-waistband", initializer=pin_thread, initargs=(helper_cores,)
    ) as measurer:
        ahead = prefetch_frames(frames, depth=4, cores=helper_cores) if prefetch else frames
        for frame in ahead:
            # MediaPipe needs strictly increasing integer milliseconds; at >1 kHz, nudge.
            time_ms = max(last_ms + 1, round(frame.time_s * 1000.0))
            last_ms = time_ms
            if times is None:
                pose = backend.detect(frame.rgb, time_ms)
            else:
                times.mark("first_frame_to_model")
                with times.stage("inference"):
                    pose = backend.detect(frame.rgb, time_ms)
            if frame.time_s < segment.keep_from_s:
                continue  # warm-up frame of a later segment
            clip_pose = pose if pose is None or factor is None else to_clip_px(pose, factor)
            rows.time_s.append(frame.time_s)
            rows.xy_px.append(None if clip_pose is None else clip_pose.xy_px)
            rows.depth_rel.append(None if clip_pose is None else clip_pose.depth_rel)
            rows.visibility.append(None if clip_pose is None else clip_pose.visibility)
            rows.world_m.append(None if clip_pose is None else clip_pose.world_m)
            if with_masks:
                if pose is not None and pose.mask is not None:
                    origin, scale, crop = mask_crop(pose.mask, pose.xy_px, factor)
                else:
                    origin, scale = np.full(2, np.nan), float("nan")
                    crop = np.zeros(MASK_CROP_SHAPE, dtype=np.uint8)
                rows.origins.append(origin)
                rows.scales.append(scale)
                rows.crops.append(crop)
            if with_waistband or scene is not None:
                pose_xy = None if pose is None else pose.xy_px
                if gate is not None and not gate.wants(len(rows) - 1, rows.xy_px[-1], pose_xy):
                    pose_xy = None
                args = (frame, len(rows) - 1, rows.xy_px[-1], pose_xy)
                if scene is None and pose_xy is None:
                    pending.append(_done(NOT_FOUND))
                elif not prefetch:
                    pending.append(_done(measure(*args)))
                else:
                    pending.append(measurer.submit(measure, *args))
                while len(pending) > 4:  # bounds the frames held in memory
                    band = pending.popleft().result()
                    if with_waistband:
                        rows.bands.append(band)
            if on_frame is not None:
                on_frame()
        bands = [f.result() for f in pending]
        if with_waistband:
            rows.bands.extend(bands)
    if gate is not None and gate.catch_up_rows():
        _catch_up_bands(rows, gate.catch_up_rows(), info, model_size, prefetch, times)
    return rows


def _catch_up_bands(
    rows: Rows,
    left_out: dict[int, np.ndarray],
    info: VideoInfo,
    model_size: tuple[int, int] | None,
    prefetch: bool,
    times: StageTimes | None,
) -> None:
    """Find the waistband edge on the ``left_out`` rows of a whole-clip pass, in place.

    The rows the gate left out while the clip looked side-on, when the whole clip does not
    (:meth:`~gaitlab.pose.band_gate.BandGate.catch_up_rows`): a second decode of the clip at
    the model's size gives the same pixels, and the same landmarks give the same edges.
    """
    wanted = {rows.time_s[row]: row for row in left_out}
    last_s = max(wanted)
    for frame in iter_frames(info, size=model_size, threads=None if prefetch else 1):
        row = wanted.get(frame.time_s)
        if row is not None:
            if times is None:
                rows.bands[row] = waistband_line(frame.rgb, left_out[row])
            else:
                with times.stage("pixel_measures"):
                    rows.bands[row] = waistband_line(frame.rgb, left_out[row])
        if frame.time_s >= last_s:
            break


def _timed(frames: Iterator[Frame], times: StageTimes, stage: str) -> Iterator[Frame]:
    """``frames``, the time spent producing each added to ``stage``."""
    while True:
        t = time.perf_counter()
        frame = next(frames, None)
        times.add(stage, time.perf_counter() - t)
        if frame is None:
            return
        yield frame


def stitch(parts: list[Rows]) -> Rows:
    """Concatenate segments in time order, dropping any frame not later than the last kept."""
    out = Rows(crops=CropBuffer(sum(len(part.crops) for part in parts)))
    names = [f.name for f in fields(Rows) if f.name != "crops"]
    for part in parts:
        last = out.time_s[-1] if out.time_s else -np.inf
        first = int(np.searchsorted(np.asarray(part.time_s), last, side="right"))
        for name in names:
            values = getattr(part, name)
            getattr(out, name).extend(values[first:] if values else values)
        for crop in part.crops.array(first):
            out.crops.append(crop)
    return out


def assemble(rows: Rows, info: VideoInfo, *, with_masks: bool, with_waistband: bool) -> PassResult:
    """The rows of a pass as the series' arrays, mask crops and waistband (a :data:`PassResult`)."""
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
    scene: ScenePass | None = None,
    times: StageTimes | None = None,
) -> PassResult:
    """Stream a probed clip through ``backend`` in one pass.

    Image measurements that need the pixels (mask crops, the waistband edge) are taken in
    the same pass, so each frame is decoded once. ``prefetch``: decode ahead in a thread
    (see :func:`run_segment`); the results are identical either way. ``model_size``: the
    frames are scaled to this ``(width, height)`` for the model
    (:func:`gaitlab.pose.scaling.model_frame_size`).
    ``helper_cores``: where the decode and waistband threads run (:func:`run_segment`).
    ``scene``: the scene measures taken in the same pass (:class:`~gaitlab.pose.scene.ScenePass`).

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

    rows = run_segment(
        backend,
        info,
        Segment(0.0, 0.0, None),
        with_masks=with_masks,
        with_waistband=with_waistband,
        on_frame=on_frame,
        prefetch=prefetch,
        model_size=model_size,
        helper_cores=helper_cores,
        scene=scene,
        times=times,
    )
    return assemble(rows, info, with_masks=with_masks, with_waistband=with_waistband)


def run_segments(
    make_backend: Callable[[], PoseBackend],
    info: VideoInfo,
    segments: tuple[Segment, ...],
    *,
    with_masks: bool,
    with_waistband: bool = False,
    progress: ProgressFn | None = None,
    model_size: tuple[int, int] | None = None,
    pinning: CorePinning | None = None,
) -> PassResult:
    """Run one landmarker per segment in parallel threads and stitch the results.

    Threads, not processes: MediaPipe releases the GIL during inference, and threads share
    the already-verified model path, the callback and the results without pickling or a
    second interpreter's start-up. With a core per segment and ``pinning.segments``, each
    segment's thread is pinned to its own core before it builds its landmarker: MediaPipe's
    threads and the segment's decode-ahead thread then stay off the other segment's core.

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
    pinning
        Which threads are kept on which cores (default: all pinning on).

    Returns
    -------
    time_s, arrays, masks, waistband, info
        As :func:`run_backend`.
    """
    counts = [0] * len(segments)
    cores = usable_cores()
    pin = (pinning or CorePinning()).segments and 1 < len(segments) <= len(cores)

    def work(i: int) -> Rows:
        def on_frame() -> None:
            counts[i] += 1  # one writer per slot; the caller only reads

        if pin:
            # This thread only (it ends with the pool); the landmarker's own threads and the
            # decode-ahead thread, started from here, inherit the core.
            os.sched_setaffinity(0, {cores[i]})
        backend = make_backend()
        try:
            return run_segment(
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
    rows = stitch(parts)
    if with_waistband:
        leave_out_side_on_bands(rows)
    return assemble(rows, info, with_masks=with_masks, with_waistband=with_waistband)


def leave_out_side_on_bands(rows: Rows) -> None:
    """Drop the edges a single pass would not have found (a side-on clip), in place.

    The segments measure every frame (none of them sees the whole clip); the same gate run
    over the stitched rows leaves the same frames out as a single pass's
    (:mod:`gaitlab.pose.band_gate`), so both give the same waistband series.
    """
    gate = BandGate()
    for row, xy_px in enumerate(rows.xy_px):
        gate.wants(row, xy_px)
    if not gate.catch_up_rows():
        for row in gate.skipped:
            rows.bands[row] = NOT_FOUND
