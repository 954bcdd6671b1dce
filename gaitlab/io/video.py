"""Open and validate a clip, and stream its frames upright with their real timestamps.

Phones record variable frame rate and store portrait clips as landscape pixels plus a
rotation flag, so this module never assumes a frame rate and always applies the rotation.
Decoding uses PyAV (FFmpeg): H.264, HEVC, VP9, AV1 and MPEG-4 in .mp4/.mov/.m4v/.avi/.webm.

Timestamps
----------
Frame times come from each frame's presentation timestamp (``pts * time_base``), relative to
the first frame, divided by the slow-motion factor: a 240 fps capture stored to play at
30 fps has ``slowmo_factor=8`` and its frames are 1/240 s apart in capture time.

A jump in the timestamps (two recordings joined, a paused recording, a frame stamped hours
late) is a cut: the clip is analysed as its longest continuous part
(:func:`continuous_parts`), times count from that part's first frame, and the result says
what was left out (``VideoInfo.cut_note``). Nothing is ever sized by the clip's time span:
a frame stamped 10 hours late does not make 10 hours of anything.
"""

from __future__ import annotations

import itertools
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import av
import cv2
import numpy as np

from gaitlab.errors import NotAFile, NoVideoStream, UnreadableVideo, UnsuitableVideo
from gaitlab.files import why_missing
from gaitlab.hashing import file_sha256

# Re-exported: callers imported these from here before they had their own module.
from gaitlab.io.prefetch import pin_thread as pin_thread
from gaitlab.io.prefetch import prefetch as prefetch
from gaitlab.options import (
    MAX_DURATION_S,
    MAX_FILE_MB,
    MIN_CLIP_S,
    MIN_DURATION_S,
    MIN_SHORT_SIDE_PX,
    SLOWMO_FACTOR,
)
from gaitlab.series import VideoInfo

#: A pause between two frames longer than this (capture time) is a cut, whatever the rate: a
#: third of a running stride or more is missing, and strides cannot be measured across it.
GAP_MIN_S = 0.5
#: ... and so is a pause of more than this many typical frame intervals (a 5 fps clip's
#: frames are 0.2 s apart: its gaps start at 2 s).
GAP_MIN_FRAMES = 10

#: File extensions gaitlab looks for when scanning folders.
VIDEO_EXTENSIONS: tuple[str, ...] = (".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv")


@dataclass(frozen=True)
class VideoLimits:
    """What makes a clip analysable.

    Attributes
    ----------
    min_duration_s
        Shortest clip in capture time (default :data:`MIN_CLIP_S`).
    min_short_side_px
        Smallest allowed short side of the frame; below 144 px a whole runner spans too few
        pixels for the pose model.
    max_duration_s
        Longest clip accepted (None = no limit).
    max_file_mb
        Largest file accepted, in megabytes (None = no limit); checked before anything is
        decoded.
    """

    min_duration_s: float = MIN_CLIP_S
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
    extra
        The same frame at the ``extra_sizes`` of :func:`iter_frames`, in their order
        (empty for a frame not in its ``extra_frames``).
    """

    index: int
    time_s: float
    rgb: np.ndarray
    extra: tuple[np.ndarray, ...] = ()


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


#: Endings of metadata keys that hold a phone's capture frame rate (case-insensitive):
#: Android writes ``com.android.capture.fps``; others use the same idea.
CAPTURE_FPS_KEYS: tuple[str, ...] = ("capture.fps", "capture_fps", "capturefps", "capture-fps")


def capture_fps_tag(*metadata: dict[str, str]) -> tuple[float | None, str]:
    """The capture frame rate recorded in container/stream metadata, and its key.

    Returns ``(None, "")`` when no key holds a positive, finite number.
    """
    for tags in metadata:
        for key, value in tags.items():
            if key.lower().endswith(CAPTURE_FPS_KEYS):
                try:
                    fps = float(str(value).strip())
                except ValueError:
                    continue
                if np.isfinite(fps) and 0 < fps <= 10_000:
                    return fps, key
    return None, ""


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


def continuous_parts(times_s: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges ``[start, stop)`` of the parts of a clip between timestamp jumps.

    A jump is an interval longer than :data:`GAP_MIN_S` and than :data:`GAP_MIN_FRAMES`
    typical (median) intervals.

    Parameters
    ----------
    times_s : (n,) float
        Sorted frame times, in seconds.

    Returns
    -------
    list of (int, int)
        One range per part, in time order; ``[(0, n)]`` for an unbroken clip.
    """
    n = len(times_s)
    if n < 2:
        return [(0, n)]
    dt = np.diff(np.asarray(times_s, dtype=float))
    positive = dt[dt > 0]
    typical = float(np.median(positive)) if positive.size else 0.0
    jumps = np.flatnonzero(dt > max(GAP_MIN_S, GAP_MIN_FRAMES * typical)) + 1
    bounds = [0, *(int(j) for j in jumps), n]
    return list(itertools.pairwise(bounds))


def _span(seconds: float) -> str:
    """A duration for people: ``2.5 s``, ``4.0 min``, ``10.0 h``, ``3.0 days``."""
    for unit, size, from_s in (("days", 86400.0, 172800.0), ("h", 3600.0, 3600.0),
                               ("min", 60.0, 120.0)):  # fmt: skip
        if seconds >= from_s:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.1f} s"


def _choose_part(
    times_s: np.ndarray, parts: list[tuple[int, int]]
) -> tuple[int, int, tuple[tuple[float, float], ...], str]:
    """The longest continuous part (the first of equals), the jumps, and the note on the cut."""
    gaps = tuple((float(times_s[b - 1]), float(times_s[b])) for _, b in parts[:-1])
    if len(parts) == 1:
        return 0, len(times_s), gaps, ""

    def length(part: tuple[int, int]) -> float:
        return float(times_s[part[1] - 1] - times_s[part[0]])

    start, stop = max(parts, key=lambda p: (length(p), p[1] - p[0], -p[0]))
    jumps = ", ".join(f"by {_span(b - a)} at {a:.1f} s" for a, b in gaps[:3])
    more = f" and {len(gaps) - 3} more" if len(gaps) > 3 else ""
    left_out = len(times_s) - (stop - start)
    note = (
        f"the timestamps jump {len(gaps)} time{'s' if len(gaps) > 1 else ''} ({jumps}{more}: "
        f"a cut, a paused recording or bad timestamps); analysed the longest continuous part, "
        f"{length((start, stop)):.1f} s from {times_s[start]:.1f} s of the file "
        f"({stop - start} frames; times count from its start); left out {left_out} "
        f"frame{'s' if left_out != 1 else ''} in {len(parts) - 1} other "
        f"part{'s' if len(parts) > 2 else ''}"
    )
    return start, stop, gaps, note


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
        tagged_fps, fps_tag = capture_fps_tag(dict(container.metadata), dict(stream.metadata))
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
    start, stop, gaps, cut_note = _choose_part(times, continuous_parts(times))
    part_start_s = float(times[start])
    part_end_s = None
    if stop < n:  # halfway to the first frame after the part: never inside the part
        part_end_s = float((times[stop - 1] + times[stop]) / 2.0)
    times = times[start:stop] - part_start_s
    n = stop - start
    if n <= 1:
        raise UnsuitableVideo(
            f"{path.name}: the longest stretch of frames without a jump in time has {n} "
            f"frame ({cut_note or 'the timestamps jump'}); a gait clip needs at least "
            f"{limits.min_duration_s:g} s of running"
        )
    capture_fps, vfr = _measure_rate(times)
    duration_s = float(times[-1] + 1.0 / capture_fps)
    if duration_s < limits.min_duration_s:
        what = "the clip lasts" if not gaps else "its longest part without a jump in time lasts"
        raise UnsuitableVideo(
            f"{path.name}: {what} {duration_s:.1f} s of capture time; gaitlab needs at "
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
        part_start_s=part_start_s,
        part_end_s=part_end_s,
        gaps_s=gaps,
        cut_note=cut_note,
        tagged_capture_fps=tagged_fps,
        capture_fps_tag=fps_tag,
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
    extra_sizes: Sequence[tuple[int, int] | None] = (),
    extra_frames: Container[int] | None = None,
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
        clip's first frame. For a clip cut at a jump in its timestamps, "the clip" is the
        part analysed (``info.part_start_s`` to ``info.part_end_s``), as everywhere.
    size
        ``(width, height)`` of the yielded frames after rotation, or None for the clip's
        own size. FFmpeg converts the full frame to RGB (so colours are converted exactly
        as for inference) and OpenCV scales it: bilinear down to half size (at exactly half
        it averages 2x2 pixels, as area averaging does), area averaging below that (no
        aliasing); cheaper than scaling inside FFmpeg's colour conversion
        (docs/performance.md).
    threads
        FFmpeg decoding threads: None lets FFmpeg choose (frame threads, one per core and
        more); 1 decodes in the calling thread only, for a process that already keeps
        every core busy (a batch worker), where extra decoder threads only add switching
        and a few frames of buffers each. The pixels are the same either way.
    extra_sizes
        More sizes (None = the clip's own) of each frame, in ``Frame.extra``, scaled from
        the same decoded picture exactly as a separate decode at that ``size`` would be: one
        decode serves the model and the pixel measures that want another size.
    extra_frames
        Indices (as ``Frame.index`` counts) of the frames given the ``extra_sizes``; the
        others have an empty ``extra`` (None: every frame). A full-size copy of every frame
        for a measure that reads six of them costs ~2 ms a 720p frame.

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
            # FFmpeg's own frame threading: decoding is a large share of a 1080p frame.
            stream.thread_type = "AUTO"
        else:
            stream.codec_context.thread_count = max(1, int(threads))
            stream.thread_type = "AUTO" if threads > 1 else "NONE"
        shapers = [_Shaper(info, s) for s in (size, *extra_sizes)]
        part_start_s, part_end_s = info.part_start_s, info.part_end_s
        from_s = start_s + part_start_s  # from the file's first frame
        t0 = _first_pts_s(container, stream) if from_s > 0 else None
        if t0 is not None:
            target = t0 + from_s * info.slowmo_factor
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
                t_file = (t - t0) / info.slowmo_factor
                if part_end_s is not None and t_file >= part_end_s:
                    break  # past the analysed part of a clip cut at a jump in time
                t_s = t_file - part_start_s
                if t_s <= last_t:
                    continue
                last_t = t_s
                if t_s < start_s:
                    continue  # decoded from the key frame before the window: not wanted
                if end_s is not None and t_s >= end_s:
                    break
                decoded = frame.to_ndarray(format="rgb24")
                wanted = extra_frames is None or index in extra_frames
                rgb, *extra = (shape(decoded) for shape in shapers[: len(shapers) if wanted else 1])
                yield Frame(index=index, time_s=t_s, rgb=rgb, extra=tuple(extra))
                index += 1
        except av.FFmpegError as exc:
            if index == 0:
                raise UnreadableVideo(
                    f"{path.name}: the video stream cannot be decoded ({_ffmpeg_reason(exc)})"
                ) from None
            # A truncated tail: keep what decoded; the caller sees fewer frames than probed.
    finally:
        container.close()


class _Shaper:
    """Scales and turns a decoded frame to one ``(width, height)`` (None: the clip's own)."""

    def __init__(self, info: VideoInfo, size: tuple[int, int] | None) -> None:
        self.steps = info.rotation_deg // 90
        self.stored_size = None  # (width, height) before rotation, when scaling
        self.interpolation = cv2.INTER_LINEAR
        if size is not None and tuple(size) != (info.width_px, info.height_px):
            width, height = size if self.steps % 2 == 0 else size[::-1]
            self.stored_size = (int(width), int(height))
            if min(size[0] / info.width_px, size[1] / info.height_px) < 0.5:
                self.interpolation = cv2.INTER_AREA

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        if self.stored_size is not None:
            rgb = cv2.resize(rgb, self.stored_size, interpolation=self.interpolation)
        if self.steps:
            rgb = np.rot90(rgb, self.steps)
        # PyAV pads rows to 32/64 bytes (e.g. 1080 px wide: 3264 bytes, not 3240), and
        # MediaPipe's Image ignores strides: a padded view reads as garbage (no pose in
        # any frame of a portrait 1080p clip). Copies only when padded or rotated.
        return np.ascontiguousarray(rgb)


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
    times_s = (np.sort(np.asarray(times, dtype=float)) - t0) / info.slowmo_factor
    return np.maximum(times_s - info.part_start_s, 0.0)


def _first_pts_s(container: av.container.InputContainer, stream: av.video.VideoStream) -> float:
    """Presentation time of the first decodable frame (the zero of capture time)."""
    for frame in container.decode(stream):
        if frame.pts is not None:
            return float(frame.pts * frame.time_base)
    raise UnreadableVideo(f"{Path(container.name).name}: no frame decodes")


def with_decoded_frames(info: VideoInfo, times_s: np.ndarray) -> VideoInfo:
    """Update a probe's frame count, duration and rate from the frames actually decoded."""
    capture_fps, vfr = _measure_rate(times_s)
    n = int(times_s.size)
    duration_s = float(times_s[-1] + 1.0 / capture_fps) if n > 1 else 0.0
    return replace(info, n_frames=n, duration_s=duration_s, capture_fps=capture_fps, vfr=vfr)
