"""Make small test videos with known properties (codec, rotation, timestamps).

The clips are generated at test time with the ffmpeg binary shipped in the ``imageio-ffmpeg``
wheel and with PyAV, so the repository carries no binary fixtures and every property the tests
check (rotation flag, per-frame timestamps, codec) is set here explicitly.
"""

from __future__ import annotations

import subprocess
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
    path: Path, times_s: list[float] | np.ndarray, size: tuple[int, int] = (160, 160)
) -> Path:
    """An H.264 clip whose frame i has presentation time ``times_s[i]`` (exact to 1/90000 s).

    Frame i shows a grey level of i so tests can tell the frames apart.
    """
    w, h = size
    tb = Fraction(1, 90000)
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
