"""H.264 writing of rendered frames (PyAV), with exact frame timestamps."""

from __future__ import annotations

from fractions import Fraction
from importlib import import_module
from pathlib import Path

import numpy as np
from numpy.typing import NDArray


class VideoWriter:
    """H.264 (yuv420p) MP4 writer with exact frame timestamps ``i / fps`` (PyAV)."""

    def __init__(self, path: Path, width_px: int, height_px: int, fps: float, crf: int = 23):
        av = import_module("av")
        self.rate = Fraction(fps).limit_denominator(1001)
        self.container = av.open(str(path), "w", options={"movflags": "+faststart"})
        self.stream = self.container.add_stream("libx264", rate=self.rate)
        self.stream.width = width_px
        self.stream.height = height_px
        self.stream.pix_fmt = "yuv420p"
        self.stream.time_base = 1 / self.rate
        self.stream.options = {"crf": str(crf), "preset": "medium"}
        self._av = av
        self._i = 0

    def write(self, rgb: NDArray[np.uint8]) -> None:
        """Append one RGB frame."""
        frame = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = self._i
        self._i += 1
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        """Flush and close the file."""
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()
