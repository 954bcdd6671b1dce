"""A few frames spread over a clip, decoded in one pass without decoding the whole clip.

Scene measures (the camera's roll) need a handful of frames, not all of them. Seeking to each
one costs a decode from the key frame before it, and a clip re-encoded with one key frame
every 10 s makes every seek a long decode. Here the frames are taken in time order with one
decoder: it seeks only when the next wanted frame lies beyond a key frame ahead (else it
decodes forward), so each frame of the clip is decoded at most once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np

from gaitlab.errors import UnreadableVideo
from gaitlab.io.video import _ffmpeg_reason, _open_container, _video_stream, keyframe_times_s
from gaitlab.series import VideoInfo


def read_frames(info: VideoInfo, times_s: Sequence[float]) -> list[np.ndarray]:
    """Decode the frames nearest to capture times, upright, as RGB, in one pass.

    Parameters
    ----------
    info
        The clip (path, rotation, slow-motion factor, analysed part).
    times_s
        Capture times from the first analysed frame (as in ``PoseSeries.time_s``); sorted
        on the way in.

    Returns
    -------
    list of (height, width, 3) uint8
        One frame per time, in ascending time order.

    Raises
    ------
    UnreadableVideo
        When the clip cannot be opened or decoded.
    """
    wanted = sorted(float(t) for t in times_s)
    if not wanted:
        return []
    keys = keyframe_times_s(info)
    path = Path(info.path)
    container = _open_container(path)
    frames: list[np.ndarray] = []
    try:
        stream = _video_stream(container, path)
        tb = float(stream.time_base)
        decoder = container.decode(stream)
        first = next((f for f in decoder if f.pts is not None), None)
        if first is None:
            raise UnreadableVideo(f"{path.name}: no frame decodes")
        t0 = float(first.pts * first.time_base)
        scale = info.slowmo_factor

        def capture_s(frame: av.VideoFrame) -> float:
            return (float(frame.pts * frame.time_base) - t0) / scale - info.part_start_s

        current, now_s = first, capture_s(first)
        half = 0.5 / max(info.capture_fps, 1.0)
        for target in wanted:
            if now_s + half < target:
                ahead = keys[(keys > now_s + half) & (keys <= target + half)]
                if ahead.size:  # a key frame lies between: jump to it
                    seek_s = (ahead[-1] + info.part_start_s) * scale + t0
                    container.seek(int(seek_s / tb), stream=stream, backward=True)
                    decoder = container.decode(stream)
                    current, now_s = None, -np.inf
                for frame in decoder:
                    if frame.pts is None:
                        continue
                    t = capture_s(frame)
                    if (
                        current is not None
                        and t > target
                        and abs(now_s - target) <= abs(t - target)
                    ):
                        # The one decoded before is nearer: keep it, and this one for later.
                        nxt = (frame, t)
                        break
                    current, now_s = frame, t
                    if t >= target - half:
                        nxt = None
                        break
                else:
                    nxt = None
            else:
                nxt = None
            frames.append(current.to_ndarray(format="rgb24"))
            if nxt is not None:
                current, now_s = nxt
    except av.FFmpegError as exc:
        raise UnreadableVideo(
            f"{path.name}: the frames cannot be decoded ({_ffmpeg_reason(exc)})"
        ) from None
    finally:
        container.close()
    steps = info.rotation_deg // 90
    return [np.ascontiguousarray(np.rot90(f, steps)) if steps else f for f in frames]


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
        target = t0 + (time_s + info.part_start_s) * info.slowmo_factor
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
