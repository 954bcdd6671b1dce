"""Open and validate a clip, and stream its frames upright with their real timestamps.

Phones record variable frame rate and store portrait clips as landscape pixels plus a
rotation flag, so this module never assumes a frame rate and always applies the rotation.
Decoding uses PyAV (FFmpeg): H.264, HEVC, VP9, AV1 and MPEG-4 in .mp4/.mov/.m4v/.avi/.webm.

Timestamps
----------
Frame times come from each frame's presentation timestamp (``pts * time_base``), relative to
the first frame, divided by the slow-motion factor: a 240 fps capture stored to play at
30 fps has ``slowmo_factor=8`` and its frames are 1/240 s apart in capture time.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import av
import cv2
import numpy as np

from gaitlab.errors import NotAFile, NoVideoStream, UnreadableVideo, UnsuitableVideo
from gaitlab.hashing import file_sha256
from gaitlab.io.files import why_missing
from gaitlab.options import (
    MAX_DURATION_S,
    MAX_FILE_MB,
    MIN_DURATION_S,
    MIN_SHORT_SIDE_PX,
    SLOWMO_FACTOR,
)
from gaitlab.series import VideoInfo

#: File extensions gaitlab looks for when scanning folders.
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv")

T = TypeVar("T")


@dataclass(frozen=True)
class VideoLimits:
    """What makes a clip analysable.

    Attributes
    ----------
    min_duration_s
        Shortest clip in capture time; a couple of strides need about 2 s.
    min_short_side_px
        Smallest allowed short side of the frame; below 144 px a whole runner spans too few
        pixels for the pose model.
    max_duration_s
        Longest clip accepted (None = no limit).
    max_file_mb
        Largest file accepted, in megabytes (None = no limit); checked before anything is
        decoded.
    """

    min_duration_s: float = 2.0
    min_short_side_px: int = 144
    max_duration_s: float | None = None
    max_file_mb: float | None = None

    def __post_init__(self) -> None:
        MIN_DURATION_S.check(self.min_duration_s)
        MIN_SHORT_SIDE_PX.check(self.min_short_side_px)
        MAX_DURATION_S.check_optional(self.max_duration_s)
        MAX_FILE_MB.check_optional(self.max_file_mb)


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Attributes
    ----------
    index
        0-based position in decode (presentation) order.
    time_s
        Capture time in seconds from the first frame.
    rgb
        (height, width, 3) uint8 image, upright, RGB channel order.
    """

    index: int
    time_s: float
    rgb: np.ndarray


def _open_container(path: Path) -> av.container.InputContainer:
    if not path.is_file():
        raise NotAFile(f"{path}: {why_missing(path)}")
    if path.stat().st_size == 0:
        raise UnreadableVideo(f"{path.name}: the file is empty (0 bytes)")
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise UnreadableVideo(
            f"{path.name}: not a readable video ({_ffmpeg_reason(exc)})"
        ) from None


def _ffmpeg_reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).split(":")[-1].strip() or type(exc).__name__


def _video_stream(container: av.container.InputContainer, path: Path) -> av.video.VideoStream:
    if not container.streams.video:
        kinds = sorted({s.type for s in container.streams}) or ["no streams"]
        raise NoVideoStream(
            f"{path.name}: the file has no video stream (found: {', '.join(kinds)})"
        )
    return container.streams.video[0]


def _rotation_steps(rotation_deg: int) -> int:
    """Counter-clockwise quarter turns that make a frame upright (as FFmpeg's autorotate)."""
    return round(rotation_deg / 90.0) % 4


def _packet_times_s(container: av.container.InputContainer, stream: av.video.VideoStream) -> list:
    """Presentation times of all video packets, sorted, without decoding (fast)."""
    times = []
    for packet in container.demux(stream):
        if packet.pts is None or packet.size == 0:
            continue
        times.append(float(packet.pts * packet.time_base))
    times.sort()
    return times


def _measure_rate(times_s: np.ndarray) -> tuple[float, bool]:
    """Median frame rate and whether the intervals vary (variable frame rate)."""
    dt = np.diff(times_s)
    dt = dt[dt > 0]
    if dt.size == 0:
        return float("nan"), False
    med = float(np.median(dt))
    vfr = bool(np.mean(np.abs(dt - med) > 0.1 * med) > 0.05)
    # Mean of the typical intervals, not the median: containers with millisecond time bases
    # (WebM, many phones) store 1/30 s as 33, 33, 34 ms, whose median would read 30.3 fps.
    typical = dt[np.abs(dt - med) <= 0.25 * med]
    return 1.0 / float(np.mean(typical)), vfr


def probe_video(
    path: str | Path,
    *,
    slowmo_factor: float = 1.0,
    limits: VideoLimits | None = None,
) -> VideoInfo:
    """Open a clip, check it can be analysed, and describe it.

    Reads every packet header (no full decode) for the timestamps and decodes the first
    frame to prove the stream decodes and to read its rotation.

    Parameters
    ----------
    path
        The clip.
    slowmo_factor
        How many times slower than real time the clip plays (1 = normal; 8 for 240 fps
        stored at 30 fps). From 1 to 64 (:data:`gaitlab.options.SLOWMO_FACTOR`).
    limits
        Minimum duration and resolution; defaults to :class:`VideoLimits()`.

    Returns
    -------
    VideoInfo
        Frame size after rotation, frame count, capture-time duration and rate.

    Raises
    ------
    NotAFile, UnreadableVideo, NoVideoStream, UnsuitableVideo
        With a one-line message saying what is wrong.
    """
    path = Path(path)
    limits = limits or VideoLimits()
    SLOWMO_FACTOR.check(slowmo_factor)
    if limits.max_file_mb is not None and path.is_file():
        size_mb = path.stat().st_size / 1e6
        if size_mb > limits.max_file_mb:
            raise UnsuitableVideo(
                f"{path.name}: the file is {size_mb:.0f} MB; the limit is "
                f"{limits.max_file_mb:g} MB (trim it to 10-30 s of running)"
            )
    container = _open_container(path)
    try:
        stream = _video_stream(container, path)
        try:
            first = next(container.decode(stream), None)
        except (av.FFmpegError, ValueError) as exc:
            raise UnreadableVideo(
                f"{path.name}: the video stream cannot be decoded ({_ffmpeg_reason(exc)})"
            ) from None
        if first is None:
            raise UnsuitableVideo(f"{path.name}: the video has no frames")
        rotation = _rotation_steps(first.rotation or 0) * 90
        container.seek(0)
        times = np.asarray(_packet_times_s(container, stream))
        codec = stream.codec_context.name
        fmt = container.format.name
        nominal_fps = float(stream.average_rate) if stream.average_rate else float("nan")
        width, height = first.width, first.height
    except av.FFmpegError as exc:
        raise UnreadableVideo(
            f"{path.name}: not a readable video ({_ffmpeg_reason(exc)})"
        ) from None
    finally:
        container.close()

    if rotation in (90, 270):
        width, height = height, width
    n = int(times.size)
    if n <= 1:
        raise UnsuitableVideo(
            f"{path.name}: the video has {n} frame{'s' if n != 1 else ''}; a gait clip needs "
            f"at least {limits.min_duration_s:g} s of running"
        )
    times = (times - times[0]) / slowmo_factor
    capture_fps, vfr = _measure_rate(times)
    duration_s = float(times[-1] + 1.0 / capture_fps)
    if duration_s < limits.min_duration_s:
        raise UnsuitableVideo(
            f"{path.name}: the clip lasts {duration_s:.1f} s of capture time; gaitlab needs at "
            f"least {limits.min_duration_s:g} s (10-15 s of steady running is best)"
        )
    if limits.max_duration_s is not None and duration_s > limits.max_duration_s:
        raise UnsuitableVideo(
            f"{path.name}: the clip lasts {duration_s:.0f} s; the limit is "
            f"{limits.max_duration_s:g} s (trim it to 10-30 s of steady running)"
        )
    if min(width, height) < limits.min_short_side_px:
        raise UnsuitableVideo(
            f"{path.name}: {width}x{height} px is too small to see a runner; film at "
            f"{limits.min_short_side_px} px or more on the short side (720p or 1080p is best)"
        )
    return VideoInfo(
        path=str(path),
        sha256=file_sha256(path),
        width_px=int(width),
        height_px=int(height),
        rotation_deg=int(rotation),
        n_frames=n,
        duration_s=duration_s,
        nominal_fps=nominal_fps,
        capture_fps=capture_fps,
        slowmo_factor=float(slowmo_factor),
        codec=codec,
        container=fmt,
        vfr=vfr,
    )


def fit_size(width_px: int, height_px: int, max_side_px: int) -> tuple[int, int, float]:
    """Even frame size with the long side at most ``max_side_px``, and the scale factor.

    Never enlarges. The factor is ``width / width_px``; the height is rounded to even pixels
    separately, so its own factor may differ by less than one pixel over the frame.
    """
    scale = min(1.0, max_side_px / max(width_px, height_px))
    w = max(2, round(width_px * scale / 2) * 2)
    h = max(2, round(height_px * scale / 2) * 2)
    return w, h, w / width_px


def iter_frames(
    info: VideoInfo,
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    size: tuple[int, int] | None = None,
    threads: int | None = None,
) -> Iterator[Frame]:
    """Decode a probed clip frame by frame, upright, with capture timestamps.

    Frames are yielded one at a time, so memory does not grow with clip length. A frame
    whose timestamp does not advance (a duplicate some encoders emit) is skipped so that
    time stays strictly increasing.

    Parameters
    ----------
    info
        The result of :func:`probe_video` for this clip.
    start_s, end_s
        Capture-time window ``[start_s, end_s)`` in seconds from the clip's first frame
        (default: the whole clip). A later start seeks to the key frame before it, so a
        segment does not decode the clip from the beginning; times stay relative to the
        clip's first frame.
    size
        ``(width, height)`` of the yielded frames after rotation, or None for the clip's
        own size. FFmpeg converts the full frame to RGB (so colours are converted exactly
        as for inference) and OpenCV scales it: bilinear down to half size (at exactly half
        it averages 2x2 pixels, as area averaging does), area averaging below that (no
        aliasing). 1.5-2 ms a frame from 720p or 1080p to 540x960, against 4-5 ms for
        scaling inside FFmpeg's colour conversion.
    threads
        FFmpeg decoding threads: None lets FFmpeg choose (frame threads, one per core and
        more); 1 decodes in the calling thread only, for a process that already keeps
        every core busy (a batch worker), where extra decoder threads only add switching
        and a few frames of buffers each. The pixels are the same either way.

    Yields
    ------
    Frame
        ``index`` counts the frames yielded (0 = the first frame at or after ``start_s``);
        ``rgb`` is C-contiguous.

    Raises
    ------
    UnreadableVideo
        If decoding fails part-way (e.g. a truncated file) before any frame was produced.
    """
    path = Path(info.path)
    container = _open_container(path)
    try:
        stream = _video_stream(container, path)
        if threads is None:
            # FFmpeg's own frame threading: decode is ~15 % of the time at 1080p.
            stream.thread_type = "AUTO"
        else:
            stream.codec_context.thread_count = max(1, int(threads))
            stream.thread_type = "AUTO" if threads > 1 else "NONE"
        steps = info.rotation_deg // 90
        stored_size = None  # (width, height) before rotation, when scaling
        interpolation = cv2.INTER_LINEAR
        if size is not None and tuple(size) != (info.width_px, info.height_px):
            width, height = size if steps % 2 == 0 else size[::-1]
            stored_size = (int(width), int(height))
            if min(size[0] / info.width_px, size[1] / info.height_px) < 0.5:
                interpolation = cv2.INTER_AREA
        t0 = _first_pts_s(container, stream) if start_s > 0 else None
        if t0 is not None:
            target = t0 + start_s * info.slowmo_factor
            container.seek(
                int(target / float(stream.time_base)), stream=stream, backward=True, any_frame=False
            )
        last_t = -np.inf
        index = 0
        try:
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float(frame.pts * frame.time_base)
                if t0 is None:
                    t0 = t
                t_s = (t - t0) / info.slowmo_factor
                if t_s <= last_t:
                    continue
                last_t = t_s
                if t_s < start_s:
                    continue  # decoded from the key frame before the window: not wanted
                if end_s is not None and t_s >= end_s:
                    break
                rgb = frame.to_ndarray(format="rgb24")
                if stored_size is not None:
                    rgb = cv2.resize(rgb, stored_size, interpolation=interpolation)
                if steps:
                    rgb = np.rot90(rgb, steps)
                # PyAV pads rows to 32/64 bytes (e.g. 1080 px wide: 3264 bytes, not 3240), and
                # MediaPipe's Image ignores strides: a padded view reads as garbage (no pose in
                # any frame of a portrait 1080p clip). Copies only when padded or rotated.
                yield Frame(index=index, time_s=t_s, rgb=np.ascontiguousarray(rgb))
                index += 1
        except av.FFmpegError as exc:
            if index == 0:
                raise UnreadableVideo(
                    f"{path.name}: the video stream cannot be decoded ({_ffmpeg_reason(exc)})"
                ) from None
            # A truncated tail: keep what decoded; the caller sees fewer frames than probed.
    finally:
        container.close()


def keyframe_times_s(info: VideoInfo) -> np.ndarray:
    """Capture times (s, as :func:`iter_frames` gives them) of the clip's key frames.

    Decoding can only start at a key frame: a window starting elsewhere decodes from the key
    frame before it (:func:`iter_frames`). Phones record one every 0.5-2 s; an edited or
    re-encoded clip may have one every 8-10 s. Reads the packets only (a few ms a second of
    video) and decodes one frame to find the zero of capture time.
    """
    path = Path(info.path)
    container = _open_container(path)
    try:
        stream = _video_stream(container, path)
        t0 = _first_pts_s(container, stream)
        container.seek(0, stream=stream, backward=True, any_frame=False)
        times = [
            float(packet.pts * packet.time_base)
            for packet in container.demux(stream)
            if packet.is_keyframe and packet.pts is not None and packet.size
        ]
    except av.FFmpegError as exc:
        raise UnreadableVideo(
            f"{path.name}: the video stream cannot be read ({_ffmpeg_reason(exc)})"
        ) from None
    finally:
        container.close()
    return np.maximum(np.sort(np.asarray(times, dtype=float)) - t0, 0.0) / info.slowmo_factor


def _first_pts_s(container: av.container.InputContainer, stream: av.video.VideoStream) -> float:
    """Presentation time of the first decodable frame (the zero of capture time)."""
    for frame in container.decode(stream):
        if frame.pts is not None:
            return float(frame.pts * frame.time_base)
    raise UnreadableVideo(f"{Path(container.name).name}: no frame decodes")


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
        Any iterable, e.g. :func:`iter_frames`.
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


def read_frame(info: VideoInfo, time_s: float) -> np.ndarray:
    """Decode the frame of a clip nearest to a capture time, upright, as RGB.

    Parameters
    ----------
    info
        The clip (path, rotation, slow-motion factor), e.g. ``PoseSeries.video``.
    time_s
        Capture time from the first frame, in seconds (as in ``PoseSeries.time_s``).

    Returns
    -------
    (height, width, 3) uint8
        The frame, rotated upright like :func:`iter_frames` does.

    Raises
    ------
    UnreadableVideo
        When the clip cannot be opened or no frame decodes.
    """
    path = Path(info.path)
    container = _open_container(path)
    try:
        stream = _video_stream(container, path)
        tb = float(stream.time_base)
        first = next((f for f in container.decode(stream) if f.pts is not None), None)
        if first is None:
            raise UnreadableVideo(f"{path.name}: no frame decodes")
        t0 = float(first.pts * first.time_base)
        target = t0 + time_s * info.slowmo_factor
        best, best_dt = first, abs(t0 - target)
        if best_dt > 0.5 / max(info.capture_fps, 1.0):
            container.seek(int(target / tb), stream=stream, backward=True, any_frame=False)
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float(frame.pts * frame.time_base)
                dt = abs(t - target)
                if dt < best_dt:
                    best, best_dt = frame, dt
                if t > target:
                    break
        rgb = best.to_ndarray(format="rgb24")
    except av.FFmpegError as exc:
        raise UnreadableVideo(
            f"{path.name}: the frame cannot be decoded ({_ffmpeg_reason(exc)})"
        ) from None
    finally:
        container.close()
    steps = info.rotation_deg // 90
    return np.ascontiguousarray(np.rot90(rgb, steps) if steps else rgb)


def with_decoded_frames(info: VideoInfo, times_s: np.ndarray) -> VideoInfo:
    """Update a probe's frame count, duration and rate from the frames actually decoded."""
    capture_fps, vfr = _measure_rate(times_s)
    n = int(times_s.size)
    duration_s = float(times_s[-1] + 1.0 / capture_fps) if n > 1 else 0.0
    return replace(info, n_frames=n, duration_s=duration_s, capture_fps=capture_fps, vfr=vfr)
