"""The annotated-video writer: encoding in a background thread, decode-time scaling."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from gaitlab.io.video import fit_size
from gaitlab.report.render import BackgroundEncoder, H264Writer


def _frames(n: int, w: int = 64, h: int = 48) -> list[np.ndarray]:
    return [np.full((h, w, 3), 10 * i, dtype=np.uint8) for i in range(n)]


def test_background_encoder_writes_every_frame_in_order(tmp_path: Path):
    path = tmp_path / "v.mp4"
    encoder = BackgroundEncoder(H264Writer(path, 64, 48, 25.0), depth=2)
    for i, rgb in enumerate(_frames(20)):
        encoder.write(rgb, i / 25)
    encoder.close()
    assert encoder.writer.n_frames == 20
    with av.open(str(path)) as container:
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(decoded) == 20
    levels = [float(f.mean()) for f in decoded]
    assert levels == sorted(levels)  # frames kept their order (grey level rises)


def test_background_encoder_reraises_an_encoder_error(tmp_path: Path):
    class Broken(H264Writer):
        def write(self, rgb: np.ndarray, time_s: float) -> None:
            if time_s > 0.1:
                raise OSError("disk full")
            super().write(rgb, time_s)

    encoder = BackgroundEncoder(Broken(tmp_path / "v.mp4", 64, 48, 25.0), depth=1)
    with pytest.raises(OSError, match="disk full"):
        for i, rgb in enumerate(_frames(20)):
            encoder.write(rgb, i / 25)
        encoder.close()


def test_fit_size_is_even_and_keeps_the_aspect_ratio():
    assert fit_size(1080, 1920, 960) == (540, 960, 0.5)
    w, h, _ = fit_size(1768, 994, 960)
    assert w % 2 == 0 and h % 2 == 0 and abs(w / h - 1768 / 994) < 0.01


def test_colours_survive_the_encoder(tmp_path: Path):
    # The writer converts RGB to YUV itself (OpenCV, BT.601 video range) and labels the
    # stream as FFmpeg expects: a wrong matrix or range would shift these by 10-40 levels.
    patches = np.array(
        [[200, 30, 30], [30, 200, 30], [30, 30, 200], [128, 128, 128], [235, 200, 40]],
        dtype=np.uint8,
    )
    rgb = np.repeat(np.repeat(patches[None, :, :], 64, axis=0), 64, axis=1)  # 64x320
    path = tmp_path / "c.mp4"
    with H264Writer(path, 320, 64, 25.0) as writer:
        for i in range(10):
            writer.write(rgb, i / 25)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.profile == "High"  # 8x8 transforms: browsers play it
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert len(decoded) == 10
    for k, colour in enumerate(patches):
        centre = decoded[-1][16:48, 64 * k + 16 : 64 * k + 48].reshape(-1, 3).mean(axis=0)
        assert np.abs(centre - colour).max() < 4.0, (colour, centre)
