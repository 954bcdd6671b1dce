"""One streaming pass over the clip: the annotated H.264 video and the key-frame PNGs.

Frames are decoded one at a time (:func:`gaitlab.io.video.iter_frames`) in a thread ahead of
the drawing, scaled in that thread so the long side is at most ``max_side_px`` (960 by
default: drawing and encoding full 1080p costs about twice as much
and the overlays do not need it), annotated and encoded; key frames are
annotated separately (their own caption and arcs) from the same decoded frame. Memory does
not grow with clip length.

The video is H.264 (libx264, yuv420p, CRF 23, ``+faststart``) in MP4, which browsers play;
its timestamps are the clip's own (variable frame rate kept), in playback time (a slow-motion
clip stays slow). The encoder settings (:data:`X264_PRESET`, :data:`X264_PARAMS`) trade file
size for speed: about 2.7 ms of one core a frame at 540x960 including the colour
conversion, against 7-9 ms with ``veryfast`` and FFmpeg's conversion; files are about twice
the size (4.6 MB for the 12 s real treadmill clip).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from gaitlab.io.video import Frame, fit_size, iter_frames, prefetch
from gaitlab.pose.faces import FaceDetectorSettings, MediaPipeFaceDetector
from gaitlab.pose.models import resolve_face_detector
from gaitlab.report.annotators import annotate_all, default_annotators
from gaitlab.report.data import ReportData
from gaitlab.report.faces import (
    FaceBlurSettings,
    FaceBoxDetector,
    blur_boxes_stream,
    landmark_face_box,
    pixelate_boxes,
)
from gaitlab.report.frames import FrameOverlays, KeyFrameSpec

log = logging.getLogger(__name__)

#: Default long side of the annotated video and key frames (pixels).
MAX_SIDE_PX = 960
#: x264 speed preset of the annotated video: ``ultrafast``, the cheapest per frame (the
#: measurement behind it is in docs/performance.md) ...
X264_PRESET = "ultrafast"
#: ... with back the options that cost little and shrink the file most: CABAC entropy
#: coding, 3 B-frames (fixed placement, no look-ahead search) and 8x8 transforms with intra
#: 4x4/8x8 partitions (1.3 MB instead of 2.0 MB for 8 s at 540x960, at the same CPU cost;
#: ``veryfast``: 0.67 MB). High profile, which every browser plays.
X264_PARAMS = "cabac=1:bframes=3:b-adapt=0:partitions=i4x4,i8x8:8x8dct=1"
_TIME_BASE = Fraction(1, 90000)

ProgressFn = Callable[[int, int], None]


class H264Writer:
    """Streaming H.264/MP4 writer for RGB frames with explicit timestamps.

    Parameters
    ----------
    path
        Output ``.mp4``.
    width_px, height_px
        Frame size (must be even).
    fps
        Nominal rate written to the stream (timestamps decide the real timing).
    crf
        x264 constant rate factor (23 = default quality).
    preset, x264_params
        x264 speed preset and option overrides (default: :data:`X264_PRESET`,
        :data:`X264_PARAMS`).
    threads
        x264 threads. One by default: the writer runs beside decoding and drawing (and, in a
        batch, beside other clips), where x264's own threads only add switching overhead
        (docs/performance.md).
    """

    def __init__(
        self,
        path: str | Path,
        width_px: int,
        height_px: int,
        fps: float,
        crf: int = 23,
        preset: str = X264_PRESET,
        x264_params: str = X264_PARAMS,
        threads: int = 1,
    ) -> None:
        if width_px % 2 or height_px % 2:
            raise ValueError(f"H.264 yuv420p needs even dimensions, got {width_px}x{height_px}")
        self.path = Path(path)
        self._container = av.open(str(self.path), "w", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001) if np.isfinite(fps) and fps > 0 else 30
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width = width_px
        self._stream.height = height_px
        self._stream.pix_fmt = "yuv420p"
        options = {"crf": str(crf), "preset": preset}
        if x264_params:
            options["x264-params"] = x264_params
        self._stream.options = options
        self._stream.codec_context.thread_count = threads
        self._stream.codec_context.time_base = _TIME_BASE
        self._last_pts = -1
        self.n_frames = 0

    def write(self, rgb: np.ndarray, time_s: float) -> None:
        """Encode one frame shown at ``time_s`` (seconds from the start)."""
        # OpenCV's RGB -> I420 (BT.601, video range, as FFmpeg's default conversion) is ~4x
        # cheaper than FFmpeg's swscale at this size (0.5 vs 2.2 ms at 540x960).
        yuv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        pts = max(round(time_s / _TIME_BASE), self._last_pts + 1)
        frame.pts, frame.time_base = pts, _TIME_BASE
        self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.n_frames += 1

    def close(self) -> None:
        """Flush the encoder and finish the file."""
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BackgroundEncoder:
    """Encodes frames of an :class:`H264Writer` in a thread, so drawing and encoding overlap.

    x264 and OpenCV's colour conversion run without the GIL, so the encoder works on the
    second core while the next frame is decoded and drawn. At most ``depth`` frames wait;
    an encoder error is raised by the next :meth:`write` or by :meth:`close`.

    Parameters
    ----------
    writer
        The writer to feed; closed by :meth:`close`.
    depth
        Frames buffered between the drawing and the encoder.
    """

    def __init__(self, writer: H264Writer, depth: int = 4) -> None:
        self.writer = writer
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gaitlab-encode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is None:
                try:
                    self.writer.write(*item)
                except BaseException as exc:  # re-raised in the drawing thread
                    self._error = exc

    def write(self, rgb: np.ndarray, time_s: float) -> None:
        """Queue one frame (the array must not be changed afterwards)."""
        if self._error is not None:
            raise self._error
        self._queue.put((rgb, time_s))

    def close(self) -> None:
        """Encode what is queued, flush the encoder and finish the file."""
        self._queue.put(None)
        self._thread.join()
        self.writer.close()
        if self._error is not None:
            raise self._error


#: Face-blur settings of every export (window over frames, margins, pixelation).
FACE_BLUR = FaceBlurSettings()


def open_face_detector(threads: int = 2) -> MediaPipeFaceDetector:
    """The bundled face detector with gaitlab's settings (its sha256 is checked first).

    Parameters
    ----------
    threads
        Model instances searching side by side (two keep two cores busy while the drawing
        waits for them).

    Raises
    ------
    gaitlab.errors.ModelError
        When the model file is missing or not the pinned one.
    """
    return MediaPipeFaceDetector(resolve_face_detector(), FaceDetectorSettings(), threads=threads)


def face_blur_boxes(
    frames: Iterable[Frame],
    detector: FaceBoxDetector,
    data: ReportData,
    scale: float,
    only_near: Collection[int] | None = None,
) -> Iterator[tuple[Frame, np.ndarray]]:
    """Each frame with the boxes to blur in it: detector boxes and the runner's face.

    Parameters
    ----------
    frames
        Decoded frames, already at the drawn size.
    detector
        Face detector (:func:`open_face_detector`).
    data
        Report data: the runner's landmarks, raw and cleaned (both are covered: they may
        differ where the cleaning filled or smoothed a point).
    scale
        Drawn size / clip size.
    only_near
        Frame indices that are exported (key frames without the video): the detector then
        runs only on frames within the blur window of one of them. None: every frame.
    """
    raw = data.series.xy_px
    cleaned = data.landmarks_px

    def runner(frame: Frame) -> list[np.ndarray]:
        i = frame.index
        boxes = []
        for xy in (raw, cleaned):
            if i < len(xy):
                box = landmark_face_box(xy[i] * scale, frame.rgb.shape, settings=FACE_BLUR)
                if box is not None:
                    boxes.append(box)
        return boxes

    search: Callable[[Frame], bool] | None = None
    if only_near is not None:
        near = np.array(sorted(only_near), dtype=int)

        def is_near(frame: Frame) -> bool:
            gap = np.abs(near - frame.index).min() if len(near) else FACE_BLUR.window_frames + 1
            return int(gap) <= FACE_BLUR.window_frames

        search = is_near

    return blur_boxes_stream(frames, lambda f: f.rgb, detector, runner, FACE_BLUR, search)


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render_clip` wrote."""

    video: Path | None
    keyframes: dict[str, Path]
    n_frames: int


def _save_png(path: Path, rgb: np.ndarray) -> Path:
    if not cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        raise OSError(f"could not write {path}")
    return path


def render_clip(
    data: ReportData,
    out_dir: str | Path,
    *,
    video_name: str | None = "annotated.mp4",
    keyframes: Sequence[KeyFrameSpec] = (),
    blur_faces: bool = False,
    max_side_px: int = MAX_SIDE_PX,
    clip_path: str | Path | None = None,
    progress: ProgressFn | None = None,
    on_keyframes: Callable[[dict[str, Path]], None] | None = None,
) -> RenderResult:
    """Decode the clip once; write the annotated video and/or the key frames.

    Parameters
    ----------
    data
        Report data of the clip.
    out_dir
        Folder for the outputs (created).
    video_name
        File name of the annotated video, or None to skip it.
    keyframes
        Key frames to save as ``<name>.png``.
    blur_faces
        Blur every face in the video and the key frames (:mod:`gaitlab.report.faces`).
    max_side_px
        Long side of the output frames.
    clip_path
        The clip (default: the path recorded in the pose series).
    progress
        ``progress(done, total)`` per frame.
    on_keyframes
        Called once with the key frames written (name -> path) as soon as the last one is,
        while the video goes on: what needs them (the reports) can start. Called at the end
        when the clip stops before some key frame; not called when rendering fails.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    info = data.series.video
    if clip_path is not None:
        from dataclasses import replace

        info = replace(info, path=str(clip_path))
    w, h, scale = fit_size(info.width_px, info.height_px, max_side_px)
    overlays = FrameOverlays(data)
    annotators = default_annotators(blur_faces=blur_faces)
    wanted: dict[int, list[KeyFrameSpec]] = {}
    for spec in keyframes:
        wanted.setdefault(spec.frame, []).append(spec)
    written: dict[str, Path] = {}
    n_series = data.series.n_frames
    writer: BackgroundEncoder | None = None
    tmp_video = None
    if video_name:
        tmp_video = out / (video_name + ".part.mp4")
        writer = BackgroundEncoder(H264Writer(tmp_video, w, h, info.capture_fps * 1.0))
    n = 0
    announced = False

    def announce() -> None:
        nonlocal announced
        if on_keyframes is not None and not announced:
            announced = True
            on_keyframes(dict(written))

    if not keyframes:
        announce()
    detector = None
    # Frames arrive already scaled to the output size, decoded and scaled in a thread
    # ahead of the drawing; with blur_faces, faces are found in a second thread.
    frames = prefetch(iter_frames(info, size=(w, h)), depth=4)
    source: Iterator[tuple[Frame, np.ndarray | None]] = ((f, None) for f in frames)
    try:
        if blur_faces:
            detector = open_face_detector()
            only_near = set(wanted) if writer is None else None
            source = prefetch(face_blur_boxes(frames, detector, data, scale, only_near), depth=4)
        for frame, blur_boxes in source:
            i = frame.index
            if i >= n_series:
                log.warning("clip has more frames than its pose series; stopping at %d", n_series)
                break
            small = frame.rgb
            if blur_boxes is not None:
                # Before any drawing, and before the key frames copy the frame.
                pixelate_boxes(small, blur_boxes, FACE_BLUR.cells)
            for spec in wanted.get(i, []):
                fd = overlays.frame_data(i, scale, sides=spec.sides, caption=spec.title)
                written[spec.name] = _save_png(
                    out / f"{spec.name}.png", annotate_all(small.copy(), fd, annotators)
                )
                if len(written) == len(keyframes):
                    announce()
            if writer is not None:
                fd = overlays.frame_data(i, scale)
                writer.write(annotate_all(small, fd, annotators), frame.time_s * info.slowmo_factor)
            n += 1
            if progress is not None:
                progress(n, n_series)
            if writer is None and len(written) == len(keyframes):
                break
    except BaseException:
        if writer is not None and tmp_video is not None:
            with contextlib.suppress(Exception):  # the first error is the one to report
                writer.close()
            tmp_video.unlink(missing_ok=True)
            writer = None
        raise
    finally:
        if writer is not None:
            writer.close()
        # Stop the reading threads (they may be searching a frame) before the model goes.
        for stream in (source, frames):
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        if detector is not None:
            detector.close()
    announce()
    video = None
    if tmp_video is not None and video_name:
        video = tmp_video.replace(out / video_name)
    return RenderResult(video, written, n)
