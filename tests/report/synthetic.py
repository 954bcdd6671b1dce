"""Synthetic inputs for the report tests: a stick runner with a matching H.264 clip."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from gaitlab.hashing import file_sha256
from gaitlab.pipeline import AnalysisRequest, ClipAnalysis, analyze_series
from tests.kinematics.stickrunner import RunnerSpec, make_run

#: A small side-view run: 4 s at 30 fps on a 640x480 frame.
SPEC = RunnerSpec(fps=30.0, duration_s=4.0, px_per_m=160.0, view="side-right", seed=3)

#: Text with markup put into the engine's one finding, so escaping is checked on known text.
MARKUP = "The foot lands <far> ahead of the hips & the shin reaches forward."


def write_clip(path: Path, n_frames: int, fps: float, size: tuple[int, int]) -> Path:
    """A plain H.264 clip (moving gradient) of ``n_frames`` frames at ``fps``."""
    w, h = size
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"preset": "ultrafast"}
        x = np.linspace(0, 255, w, dtype=np.float32)
        for i in range(n_frames):
            row = ((x + 4 * i) % 256).astype(np.uint8)
            img = np.repeat(np.repeat(row[None, :, None], h, axis=0), 3, axis=2)
            img[..., 1] = 90
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def synthetic_analysis(tmp_path: Path, spec: RunnerSpec = SPEC) -> ClipAnalysis:
    """A :class:`ClipAnalysis` of a stick runner whose clip exists on disk."""
    run = make_run(spec)
    series = run.series
    size = (640, 480)
    clip = write_clip(tmp_path / "synthetic_run.mp4", series.n_frames, spec.fps, size)
    video = dataclasses.replace(
        series.video, path=str(clip), sha256=file_sha256(clip), width_px=size[0],
        height_px=size[1],
    )  # fmt: skip
    # Centre the 1280 px figure on the 640x480 frame.
    xy = series.xy_px - np.nanmedian(series.xy_px, axis=(0, 1)) + np.array([320.0, 240.0])
    series = dataclasses.replace(series, video=video, xy_px=xy)
    return analyze_series(series, AnalysisRequest(view="auto"))


def analysis_with_markup(tmp_path: Path) -> ClipAnalysis:
    """:func:`synthetic_analysis` with :data:`MARKUP` as its first finding's explanation.

    The stick runner overstrides by construction (its foot lands 0.33 m ahead of the hip):
    the findings engine reports ``overstride`` on it. Only the explanation's text changes.
    """
    analysis = synthetic_analysis(tmp_path)
    first, *rest = analysis.findings.findings
    findings = dataclasses.replace(
        analysis.findings, findings=(dataclasses.replace(first, explanation=MARKUP), *rest)
    )
    return dataclasses.replace(analysis, findings=findings)
