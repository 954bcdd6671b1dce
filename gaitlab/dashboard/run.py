"""One dashboard analysis: pose (cached by clip content), kinematics, findings, outputs.

The two long stages (pose inference per frame, drawing the annotated video per frame) report
through one ``progress(fraction, text)`` callback, so the page shows one bar that moves from
0 to 1 with "frame i of n" text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gaitlab.pipeline import AnalysisRequest, ClipAnalysis, analyze_clip
from gaitlab.report import write_outputs

#: ``progress(fraction 0..1, text)``.
StageProgressFn = Callable[[float, str], None]

#: Share of the bar given to the pose stage (the rest: drawing and reports).
POSE_SHARE = 0.5


@dataclass(frozen=True)
class RunResult:
    """An analysis and the files written for it.

    Attributes
    ----------
    analysis
        The live analysis.
    out_dir
        Its result folder.
    paths
        Output name -> path, as returned by :func:`gaitlab.report.write_outputs`.
    """

    analysis: ClipAnalysis
    out_dir: Path
    paths: dict[str, Path]


def staged(progress: StageProgressFn | None, lo: float, hi: float, verb: str):
    """A ``(done, total)`` callback mapping a stage onto ``[lo, hi]`` of the bar.

    Calls ``progress`` at most once per percent of the stage (and on the last frame).
    """
    last = [-1]

    def update(done: int, total: int) -> None:
        if progress is None:
            return
        frac = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
        percent = int(100 * frac)
        if percent == last[0] and done < total:
            return  # at most ~100 updates a stage: each one is a message to the browser
        last[0] = percent
        progress(lo + (hi - lo) * frac, f"{verb}: frame {done} of {total}")

    return update


def run_analysis(
    clip: str | Path,
    request: AnalysisRequest,
    out_dir: str | Path,
    *,
    cache_dir: str | Path | None = None,
    video: bool = True,
    progress: StageProgressFn | None = None,
) -> RunResult:
    """Analyse ``clip`` and write every output into ``out_dir``.

    Parameters
    ----------
    clip
        The video.
    request
        View, height, pose settings and limits.
    out_dir
        Result folder (created).
    cache_dir
        Pose cache (default: :func:`gaitlab.pose.extract.default_cache_dir`); a clip seen
        before, with the same model and settings, skips pose inference.
    video
        Also draw the annotated H.264 video (the slowest output).
    progress
        ``progress(fraction, text)``.

    Raises
    ------
    gaitlab.errors.GaitlabError
        For every input problem (not a video, too long, no runner, ...).
    """
    analysis = analyze_clip(
        clip, request, cache_dir=cache_dir, progress=staged(progress, 0.0, POSE_SHARE, "Pose")
    )
    if progress is not None:
        progress(POSE_SHARE, "Measuring strides and angles")
    draw = staged(progress, POSE_SHARE, 0.95, "Drawing")
    paths = write_outputs(analysis, out_dir, video=video, keyframes=True, progress=draw)
    if progress is not None:
        progress(1.0, "Done")
    return RunResult(analysis, Path(out_dir), paths)
