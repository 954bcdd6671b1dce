"""Make small test videos with known properties (codec, rotation, timestamps).

The clips are generated at test time with the ffmpeg binary shipped in the ``imageio-ffmpeg``
wheel and with PyAV, so the repository carries no binary fixtures and every property the tests
check (rotation flag, per-frame timestamps, codec) is set here explicitly.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args], check=True)


def pattern_clip(
    path: Path,
    *,
    size: tuple[int, int] = (320, 240),
    fps: float = 30,
    duration_s: float = 3.0,
    codec: str = "libx264",
    rotation_deg: int | None = None,
) -> Path:
    """An FFmpeg test-pattern clip; ``rotation_deg`` adds a display-matrix rotation flag."""
    w, h = size
    plain = path if rotation_deg is None else path.with_name("plain_" + path.name)
    extra = ["-pix_fmt", "yuv420p"]
    if codec == "libx265":
        extra += ["-x265-params", "log-level=error", "-tag:v", "hvc1"]
    if codec == "libvpx-vp9":
        extra += ["-b:v", "200k", "-deadline", "realtime", "-cpu-used", "8"]
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate={fps}",
        "-t", str(duration_s), "-c:v", codec, *extra, str(plain),
    )  # fmt: skip
    if rotation_deg is not None:
        # -display_rotation is counter-clockwise, the way FFmpeg stores a phone's flag.
        ffmpeg("-display_rotation", str(rotation_deg), "-i", str(plain), "-c", "copy", str(path))
        plain.unlink()
    return path


def timed_clip(
    path: Path,
    times_s: list[float] | np.ndarray,
    size: tuple[int, int] = (160, 160),
    time_base: Fraction = Fraction(1, 90000),
) -> Path:
    """An H.264 clip whose frame i has presentation time ``times_s[i]`` (exact to ``time_base``).

    Frame i shows a grey level of ``7 * i % 256`` so tests can tell the frames apart. A jump
    of hours needs a coarser time base (1/1000 s): MP4 stores each frame's duration in 32 bits.
    """
    w, h = size
    tb = time_base
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.time_base = tb
        stream.codec_context.time_base = tb
        for i, t in enumerate(times_s):
            img = np.full((h, w, 3), (i * 7) % 256, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = round(t / tb)
            frame.time_base = tb
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def audio_only(path: Path, duration_s: float = 3.0) -> Path:
    """An AAC audio-only file."""
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:duration={duration_s}",
        "-c:a",
        "aac",
        "-f",
        "mp4",
        str(path),
    )
    return path


def retimed_clip(
    src: Path,
    dst: Path,
    retime: Callable[[int, float], float],
    *,
    time_base: Fraction = Fraction(1, 1000),
) -> Path:
    """Re-encode ``src`` (H.264) with frame i at time ``retime(i, t_i)`` seconds.

    The millisecond time base keeps hours-long jumps inside MP4's 32-bit sample durations
    (FFmpeg refuses to mux a 10-hour jump in 1/90000 s ticks).
    """
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        stream_in = inp.streams.video[0]
        enc = out.add_stream("libx264", rate=30)
        enc.width, enc.height, enc.pix_fmt = stream_in.width, stream_in.height, "yuv420p"
        enc.time_base = time_base
        enc.codec_context.time_base = time_base
        enc.options = {"preset": "ultrafast", "crf": "20"}
        t0 = None
        for i, frame in enumerate(inp.decode(stream_in)):
            t = float(frame.pts * frame.time_base)
            t0 = t if t0 is None else t0
            new = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
            new.pts = round(retime(i, t - t0) / time_base)
            new.time_base = time_base
            for packet in enc.encode(new):
                out.mux(packet)
        for packet in enc.encode():
            out.mux(packet)
    return dst
