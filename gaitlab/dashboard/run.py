"""One dashboard analysis: pose (cached by clip content), kinematics, findings, outputs.

:func:`start_analysis` returns as soon as the numbers exist: ``result.json`` and the pose
series are written, so the page can show clip quality and findings, while an
:class:`OutputsJob` draws the annotated video, key frames, plots and reports in a background
thread (the same :func:`gaitlab.report.write_outputs` the CLI calls); the page polls it.
:func:`run_analysis` does both in turn. The long stages (pose inference per frame, drawing
the annotated video per frame) report through ``progress(fraction, text)`` callbacks, so the
page shows a bar with "frame i of n" text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gaitlab.pipeline import AnalysisRequest, ClipAnalysis, analyze_clip, write_result
from gaitlab.report import ReportData, write_outputs

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


class OutputsJob:
    """The outputs of one analysis, written in a background thread.

    Parameters
    ----------
    analysis
        The analysis whose ``result.json`` and pose series are already in ``out_dir``
        (:func:`start_analysis`): they are kept as they are.
    out_dir
        The result folder.
    video
        Also draw the annotated video.
    on_done
        Called in the thread when the job ends, whether it succeeded or failed (e.g. to
        free an analysis slot).

    The thread is started at once; :meth:`done`, :meth:`progress` and :meth:`wait` are safe
    to call from any thread.
    """

    def __init__(
        self,
        analysis: ClipAnalysis,
        out_dir: str | Path,
        *,
        video: bool = True,
        on_done: Callable[[], None] | None = None,
    ) -> None:
        self.out_dir = Path(out_dir)
        self._frames = (0, 0)
        self._paths: dict[str, Path] | None = None
        self._error: BaseException | None = None
        self._finished = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(analysis, video, on_done),
            name="gaitlab-dashboard-outputs",
            daemon=True,
        )
        self._thread.start()

    def _run(self, analysis: ClipAnalysis, video: bool, on_done: Callable[[], None] | None):
        try:
            # The rebuild form of write_outputs: result.json stays the one the page shows.
            self._paths = write_outputs(
                ReportData.from_analysis(analysis), self.out_dir, video=video,
                keyframes=True, reports=True, progress=self._progress,
            )  # fmt: skip
        except BaseException as exc:  # shown by the page (wait() raises it)
            self._error = exc
        finally:
            self._finished.set()
            if on_done is not None:
                on_done()

    def _progress(self, done: int, total: int) -> None:
        self._frames = (done, total)

    def done(self) -> bool:
        """Whether the job has ended (written everything, or failed)."""
        return self._finished.is_set()

    def progress(self) -> tuple[int, int]:
        """``(frames drawn, frames in the clip)`` of the annotated video so far."""
        return self._frames

    def wait(self, timeout_s: float | None = None) -> dict[str, Path]:
        """Wait for the job; its paths (as :func:`write_outputs` returns them).

        Raises
        ------
        TimeoutError
            When the job has not ended within ``timeout_s``.
        BaseException
            The job's own error, when it failed.
        """
        if not self._finished.wait(timeout_s):
            raise TimeoutError(f"the outputs of {self.out_dir} are still being written")
        if self._error is not None:
            raise self._error
        assert self._paths is not None
        return self._paths


def start_analysis(
    clip: str | Path,
    request: AnalysisRequest,
    out_dir: str | Path,
    *,
    cache_dir: str | Path | None = None,
    video: bool = True,
    progress: StageProgressFn | None = None,
    on_done: Callable[[], None] | None = None,
) -> tuple[ClipAnalysis, OutputsJob]:
    """Analyse ``clip``, write its numbers, and start writing its other outputs.

    Returns once ``result.json`` and the pose series are in ``out_dir`` (what the page's
    clip quality and findings read); the annotated video, key frames, plots, exports and
    reports follow in the returned job's thread. Parameters as :func:`run_analysis`;
    ``progress`` covers the pose stage (0 to 1), ``on_done`` is the job's.

    Raises
    ------
    gaitlab.errors.GaitlabError
        For every input problem (not a video, too long, no runner, ...); no job is started.
    """
    analysis = analyze_clip(
        clip, request, cache_dir=cache_dir, progress=staged(progress, 0.0, 1.0, "Pose")
    )
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    write_result(analysis, out_dir)
    return analysis, OutputsJob(analysis, out_dir, video=video, on_done=on_done)


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
