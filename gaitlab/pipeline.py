"""The single-clip path: video -> pose -> kinematics -> result, as one library call.

The CLI (``gaitlab analyze``), the batch runner and the dashboard all call
:func:`analyze_clip` and :func:`write_result`; none of them re-implements a step.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gaitlab import __version__
from gaitlab.errors import GaitlabError, InvalidOption
from gaitlab.files import write_text_atomic
from gaitlab.imaging.camera_motion import scene_shifts_px
from gaitlab.io.video import VideoLimits, iter_frames
from gaitlab.jsonsafe import to_json_ready
from gaitlab.kinematics.corrections import Corrections
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.kinematics.vocab import USER_VIEWS
from gaitlab.lazy import Preload
from gaitlab.options import HEIGHT_CM
from gaitlab.pose.backend import MediaPipeSettings
from gaitlab.pose.extract import MAX_SIDE_PX, PoseRun, PoseSettings, ProgressFn, extract_pose
from gaitlab.pose.scene import camera_frame_size, camera_grey
from gaitlab.series import PoseSeries
from gaitlab.timing import StageTimes

if TYPE_CHECKING:
    from gaitlab.findings import FindingsReport
    from gaitlab.kinematics import GaitAnalysis
    from gaitlab.result import ResultDocument

#: What runs after the pose stage (SciPy's signal processing, the findings engine, the
#: result document): :func:`analyze_clip` imports it on a second thread while the model
#: infers (the model releases the GIL), not before the first frame, which it would delay
#: by more than a second (docs/performance.md). The functions below import it where used.
AFTER_POSE_MODULES = ("gaitlab.kinematics.analysis", "gaitlab.findings", "gaitlab.result")

#: Views a user may ask for: ``auto`` detects it; ``side`` detects only the facing.
VIEWS = ("auto", *USER_VIEWS)


def default_pose_settings(
    model: str = "full", slowmo_factor: float = 1.0, max_side_px: int | None = MAX_SIDE_PX
) -> PoseSettings:
    """Pose settings of an analysis: masks for the back contour, the waistband for the pelvis."""
    return PoseSettings(
        model=model,
        slowmo_factor=slowmo_factor,
        mediapipe=MediaPipeSettings(with_masks=True),
        waistband=True,
        max_side_px=max_side_px,
    )


@dataclass(frozen=True)
class AnalysisRequest:
    """What the user asked for.

    Attributes
    ----------
    view
        ``auto`` to detect, or the view the user says the clip was filmed from.
    height_cm
        The runner's height, to give vertical oscillation in cm (optional).
    pose
        Pose-stage settings (model, slow-motion factor, thresholds).
    limits
        Video acceptance limits.
    kinematics
        Cleaning, event and confidence parameters.
    corrections
        A reviewer's corrections to the detected events (none by default).
    """

    view: str = "auto"
    height_cm: float | None = None
    pose: PoseSettings = field(default_factory=default_pose_settings)
    limits: VideoLimits = field(default_factory=VideoLimits)
    kinematics: KinematicsSettings = field(default_factory=KinematicsSettings)
    corrections: Corrections = field(default_factory=Corrections)

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise InvalidOption(f"view must be one of {', '.join(VIEWS)}; got {self.view!r}")
        HEIGHT_CM.check_optional(self.height_cm)


@dataclass(frozen=True)
class ClipAnalysis:
    """Everything computed for one clip.

    Attributes
    ----------
    request
        The settings used.
    series
        The raw pose series.
    kinematics
        The kinematics stage's result.
    findings
        Ranked findings with their fixes, checks and the safety block.
    """

    request: AnalysisRequest
    series: PoseSeries
    kinematics: GaitAnalysis
    findings: FindingsReport

    def to_document(self) -> ResultDocument:
        """The versioned result document (what ``result.json`` holds)."""
        from gaitlab.result import (
            RESULT_SCHEMA,
            RESULT_SCHEMA_VERSION,
            SERIES_FILE,
            Clip,
            Findings,
            Kinematics,
            People,
            PoseModel,
            PoseSummary,
            Request,
            ResultDocument,
        )

        s = self.series
        people = to_json_ready(s.people)
        return ResultDocument(
            schema=RESULT_SCHEMA,
            schema_version=RESULT_SCHEMA_VERSION,
            gaitlab_version=__version__,
            created_utc=datetime.now(UTC).isoformat(timespec="seconds"),
            request=Request(
                view=self.request.view,
                height_cm=self.request.height_cm,
                slowmo_factor=self.request.pose.slowmo_factor,
                model=self.request.pose.model,
            ),
            clip=Clip.from_dict(to_json_ready(s.video.to_dict())),
            pose=PoseSummary(
                model=PoseModel.from_dict(to_json_ready(s.model.to_dict())),
                n_frames=s.n_frames,
                frames_with_pose=int(s.detected.sum()),
                detection_rate=round(s.detection_rate, 4),
                sample_rate_hz=round(s.sample_rate_hz, 3),
                series_file=SERIES_FILE,
                # Which person was followed when several may be in frame, and the runner's
                # absences (see gaitlab.pose.people.PeopleReport); null for old series files.
                people=None if people is None else People.from_dict(people),
            ),
            kinematics=Kinematics.from_dict(to_json_ready(self.kinematics.to_dict())),
            findings=Findings.from_dict(to_json_ready(self.findings.to_dict())),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready result (:meth:`to_document` as plain JSON)."""
        return self.to_document().to_dict()


def analyze_clip(
    path: str | Path,
    request: AnalysisRequest | None = None,
    *,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    prefetch: bool = True,
    times: StageTimes | None = None,
    preload: Sequence[str] = (),
) -> ClipAnalysis:
    """Analyse one clip.

    Parameters
    ----------
    path
        The clip.
    request
        View, height, pose settings and limits; defaults to :class:`AnalysisRequest()`.
    cache_dir, use_cache
        Pose cache location and switch (see :func:`gaitlab.pose.extract_pose`).
    progress
        Per-frame progress callback of the pose stage.
    workers, prefetch
        How the pose stage uses the cores (see :class:`gaitlab.pose.PoseRun`):
        landmarkers run in parallel on time segments (None = its default), and decoding
        ahead in a thread. Not part of the request: they change how the work is spread, and
        ``workers`` > 1 is recorded in the result's pose provenance (``model.settings``).
    times
        Stage times of a profiled command (:mod:`gaitlab.timing`); None times nothing.
    preload
        Modules the caller will need afterwards (the drawing code of ``gaitlab analyze``),
        imported with :data:`AFTER_POSE_MODULES` on a second thread while the model infers.

    Raises
    ------
    gaitlab.errors.GaitlabError
        For every input problem, with a one-line message.
    """
    request = request or AnalysisRequest()
    after_pose = Preload((*AFTER_POSE_MODULES, *preload))

    def on_frame(done: int, total: int) -> None:
        after_pose.start()  # once the model has its first frame
        if progress is not None:
            progress(done, total)

    with _stage(times, "pose"):
        series = extract_pose(
            path,
            settings=request.pose,
            limits=request.limits,
            cache_dir=cache_dir,
            use_cache=use_cache,
            progress=on_frame,
            run=PoseRun(workers=workers, prefetch=prefetch),
            times=times,
        )
    with _stage(times, "imports_after_pose_wait"):
        after_pose.join()  # re-raises an import error here, as a plain import would
    with _stage(times, "pixel_measures"):
        shifts = camera_shifts(series)
    return analyze_series(
        series,
        request,
        camera_shift_px=None if shifts is None else shifts[0],
        runner_change=None if shifts is None else shifts[1],
        times=times,
    )


def _stage(times: StageTimes | None, name: str) -> AbstractContextManager[None]:
    return nullcontext() if times is None else times.stage(name)


def camera_shifts(series: PoseSeries) -> tuple[np.ndarray, np.ndarray] | None:
    """The background's shift and the runner box's change between consecutive frames.

    Measured in the pose pass when it could be (``series.camera_motion``); otherwise (a
    series cached before, several landmarkers, a followed runner) the clip is decoded once
    more at the size the model was given and the pictures made as the pass makes them
    (:func:`~gaitlab.pose.scene.camera_grey`; see
    :func:`gaitlab.imaging.camera_motion.scene_shifts_px`). None when it cannot be read.
    """
    if series.camera_motion is not None:
        return series.camera_motion.shift_px, series.camera_motion.runner_change
    info = series.video
    camera = camera_frame_size(info)
    if camera is None or not Path(info.path).is_file():
        return None
    size, scale = camera
    model_size = series.model.settings.get("model_size_px")
    decoded = iter_frames(info, size=tuple(model_size) if model_size else None)
    frames = ((f.time_s, camera_grey(f.rgb, size)) for f in decoded)
    try:
        return scene_shifts_px(frames, series.time_s, series.xy_px, scale)
    except GaitlabError:
        return None


def analyze_series(
    series: PoseSeries,
    request: AnalysisRequest | None = None,
    *,
    camera_shift_px: np.ndarray | None = None,
    runner_change: np.ndarray | None = None,
    times: StageTimes | None = None,
) -> ClipAnalysis:
    """Everything after the pose stage: kinematics and findings of a pose series.

    Used by :func:`analyze_clip`, and on its own to re-analyse saved landmarks (new settings,
    a rebuilt report) without running pose inference again. ``camera_shift_px`` and
    ``runner_change`` (from :func:`camera_shifts`) let the kinematics tell a panning
    camera from a treadmill and leave frozen pictures out. ``times`` receives the stages'
    times of a profiled command (:mod:`gaitlab.timing`).
    """
    from gaitlab.findings import findings_for_analysis
    from gaitlab.kinematics.analysis import analyze_kinematics

    request = request or AnalysisRequest()
    with _stage(times, "kinematics"):
        kinematics = analyze_kinematics(
            series,
            view=request.view,
            height_cm=request.height_cm,
            settings=request.kinematics,
            camera_shift_px=camera_shift_px,
            runner_change=runner_change,
            corrections=request.corrections,
        )
    with _stage(times, "findings"):
        findings = findings_for_analysis(kinematics)
    return ClipAnalysis(request=request, series=series, kinematics=kinematics, findings=findings)


def write_result(analysis: ClipAnalysis, out_dir: str | Path) -> Path:
    """Write ``result.json`` and the pose series into ``out_dir``; return the JSON's path.

    Each file is written to a temporary name and renamed, so a crash never leaves a
    half-written result behind.
    """
    from gaitlab.result import RESULT_FILE, SERIES_FILE, result_json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    analysis.series.save(out / SERIES_FILE)
    return write_text_atomic(out / RESULT_FILE, result_json(analysis.to_document()))
