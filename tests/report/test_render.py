"""The annotated-video writer: encoding in a background thread, decode-time scaling."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from gaitlab.report.render import BackgroundEncoder, H264Writer, output_size


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


def test_output_size_is_even_and_keeps_the_aspect_ratio():
    assert output_size(1080, 1920, 960) == (540, 960, 0.5)
    w, h, _ = output_size(1768, 994, 960)
    assert w % 2 == 0 and h % 2 == 0 and abs(w / h - 1768 / 994) < 0.01
