"""Run a pose backend over a clip and assemble the :class:`PoseSeries`, with a cache.

:func:`extract_pose` is the pose stage's one entry point; it ties together the modules that
each do one job:

- :mod:`gaitlab.pose.settings`: what changes the output (:class:`PoseSettings`) and how
  the work uses the machine (:class:`PoseRun`);
- :mod:`gaitlab.pose.cache`: the on-disk cache and its key;
- :mod:`gaitlab.pose.segments`: splitting a clip between parallel landmarkers;
- :mod:`gaitlab.pose.cores`: which cores the landmarker and its helper threads run on;
- :mod:`gaitlab.pose.scaling` and :mod:`gaitlab.pose.masks`: frames scaled for the model,
  and the person-mask crops kept per frame;
- :mod:`gaitlab.pose.passes`: streaming the frames through landmarkers;
- :mod:`gaitlab.pose.following`: following the runner when several people are seen.

The names callers imported from this module before it was split are re-exported here.
"""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from gaitlab.errors import NoRunnerFound
from gaitlab.hashing import file_sha256
from gaitlab.io.video import VideoLimits, keyframe_times_s, probe_video
from gaitlab.pose.backend import MediaPipeBackend, MediaPipeSettings, MultiPoseBackend, PoseBackend
from gaitlab.pose.cache import cache_key, default_cache_dir, load_cached, purge_cache
from gaitlab.pose.cores import CorePinning, build_on_one_core, helper_cores, usable_cores
from gaitlab.pose.following import follow_runner
from gaitlab.pose.masks import MASK_CROP_MARGIN, MASK_CROP_SHAPE
from gaitlab.pose.models import resolve_model
from gaitlab.pose.passes import PassResult, run_backend, run_segments
from gaitlab.pose.people_report import PeopleReport, absence_notes
from gaitlab.pose.sandbox import CONFINED, network_sandbox
from gaitlab.pose.scaling import model_frame_size
from gaitlab.pose.scene import ScenePass, measure_camera_roll
from gaitlab.pose.segments import (
    DECODE_SHARE,
    MIN_SEGMENT_S,
    SEGMENT_OVERLAP_S,
    FrameCost,
    Segment,
    decode_share,
    default_workers,
    plan_segments,
)
from gaitlab.pose.settings import (
    MAX_SIDE_PX,
    MIN_MAX_SIDE_PX,
    PoseRun,
    PoseSettings,
    ProgressFn,
    parse_max_side,
)
from gaitlab.pose.zoom import apply_zoom, needs_zoom, zoom_pass
from gaitlab.series import MaskCrops, ModelInfo, PoseSeries, VideoInfo, WaistbandSeries
from gaitlab.timing import StageTimes

__all__ = [
    "DECODE_SHARE",
    "MASK_CROP_MARGIN",
    "MASK_CROP_SHAPE",
    "MAX_SIDE_PX",
    "MIN_MAX_SIDE_PX",
    "MIN_SEGMENT_S",
    "SEGMENT_OVERLAP_S",
    "CorePinning",
    "FrameCost",
    "PoseRun",
    "PoseSettings",
    "ProgressFn",
    "Segment",
    "build_on_one_core",
    "cache_key",
    "decode_share",
    "default_cache_dir",
    "default_workers",
    "extract_pose",
    "helper_cores",
    "model_frame_size",
    "parse_max_side",
    "plan_segments",
    "purge_cache",
    "run_backend",
    "run_segments",
    "usable_cores",
]

#: Builds a backend from the verified model path and the landmarker's settings.
BackendFactory = Callable[[Path, MediaPipeSettings], PoseBackend]


def extract_pose(
    path: str | Path,
    *,
    settings: PoseSettings | None = None,
    limits: VideoLimits | None = None,
    run: PoseRun | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    progress: ProgressFn | None = None,
    backend_factory: BackendFactory = MediaPipeBackend,
    times: StageTimes | None = None,
    zoom_factory: BackendFactory | None = None,
) -> PoseSeries:
    """Pose landmarks of the runner in every frame of a clip.

    Parameters
    ----------
    path
        The clip.
    settings
        Model, slow-motion factor, landmarker thresholds and masks: everything that changes
        the landmarks (default :class:`PoseSettings`).
    limits
        Video acceptance limits (duration, resolution).
    run
        How the work uses the machine: parallel landmarkers, decode-ahead, core pinning
        (default :class:`PoseRun`: one pass, decoding ahead). Only ``run.workers`` > 1
        changes the landmarks.
    cache_dir
        Where cached series live; default :func:`default_cache_dir`.
    use_cache
        Read and write the cache (False forces inference and writes nothing).
    progress
        Called after each frame with (frames done, frames expected).
    backend_factory
        Builds the backend from the verified model path and settings (tests inject one).
    times
        Stage times of a profiled command (:mod:`gaitlab.timing`); None times nothing.
    zoom_factory
        Builds the landmarker of the zoomed re-detection (:mod:`gaitlab.pose.zoom`); by
        default an IMAGE-mode MediaPipe one when ``backend_factory`` is MediaPipe's, else
        no zoom (a test double is not asked to find people in crops unless given one).

    Returns
    -------
    PoseSeries
        One row per decoded frame; NaN landmarks where no pose was found.

    Raises
    ------
    gaitlab.errors.VideoError
        The clip cannot be read or is unsuitable (see :func:`gaitlab.io.probe_video`).
    gaitlab.errors.ModelError
        The model is missing or corrupt.
    gaitlab.errors.NoRunnerFound
        No person was found in any frame.
    """
    settings = settings or PoseSettings()
    run = run or PoseRun()
    info = probe_video(path, slowmo_factor=settings.slowmo_factor, limits=limits)
    model_path = resolve_model(settings.model)
    model_sha = file_sha256(model_path)
    segments = _plan(info, run)
    model_size = model_frame_size(info, settings.max_side_px)

    cache_file = None
    if use_cache:
        key = cache_key(info.sha256, model_sha, settings, segments, model_size)
        cache_file = Path(cache_dir or default_cache_dir()) / f"{key}.npz"
        cached = load_cached(cache_file, path)
        if cached is not None:
            if cached.camera_roll is None:  # cached before the roll was measured
                cached = replace(cached, camera_roll=measure_camera_roll(cached))
            return cached

    # The scene measures ride on the one pass's frames; with segments, they are measured
    # afterwards from the series (segment rows are not the series' rows until stitched).
    scene = ScenePass(info) if len(segments) == 1 else None
    time_s, arrays, masks, waistband, info = _one_person_pass(
        lambda: backend_factory(model_path, settings.mediapipe),
        info,
        segments,
        settings,
        run,
        progress,
        model_size,
        scene,
        times,
    )
    # A backend class that cannot return several poses is not built for nothing.
    single_only = isinstance(backend_factory, type) and not issubclass(
        backend_factory, MultiPoseBackend
    )
    multi_settings = replace(settings.mediapipe, num_poses=settings.max_people)
    time_s, arrays, masks, waistband, people = follow_runner(
        (time_s, arrays, masks, waistband),
        None if single_only else lambda: backend_factory(model_path, multi_settings),
        info,
        settings,
        progress,
        model_size,
        run.pinning,
    )
    zoom_stats = None
    if settings.zoom_below_share is not None:
        if zoom_factory is None and backend_factory is MediaPipeBackend:
            zoom_factory = functools.partial(MediaPipeBackend, image_mode=True)
        if zoom_factory is not None:
            make_zoom = functools.partial(zoom_factory, model_path, settings.mediapipe)
            arrays, masks, waistband, people, zoom_stats = _zoom(
                make_zoom, info, time_s, arrays, masks, waistband, people, settings, model_size
            )
    # Kept only when the stored landmarks are the pass's own (not a followed runner's).
    kept = scene is not None and people.mode in ("single", "single-unchecked")
    n = len(time_s)
    series = PoseSeries(
        camera_motion=scene.camera_motion(n) if kept and scene is not None else None,
        time_s=time_s,
        **arrays,
        video=info,
        model=_model_info(settings, model_sha, segments, model_size, info, zoom_stats),
        masks=masks,
        waistband=waistband,
        people=people.to_dict(),
    )
    if not series.detected.any():
        raise NoRunnerFound(
            f"{Path(path).name}: no person found in any of {series.n_frames} frames; film the "
            "whole body, side-on or from behind, 3-5 m away, in good light"
        )
    greys = scene.roll_greys(n) if kept and scene is not None else None
    with times.stage("pixel_measures") if times is not None else nullcontext():
        roll = measure_camera_roll(series, greys=greys)
    series = replace(series, camera_roll=roll)
    if cache_file is not None:
        series.save(cache_file)
    return series


def _plan(info: VideoInfo, run: PoseRun) -> tuple[Segment, ...]:
    """The segments of this clip for ``run`` (one whole-clip segment for a single pass)."""
    workers = default_workers() if run.workers is None else run.workers
    return plan_segments(
        info.duration_s,
        workers,
        overlap_s=run.overlap_s,
        min_segment_s=run.min_segment_s,
        keyframes_s=keyframe_times_s(info) if workers > 1 else None,
        decode_share=run.frame_cost.decode_share(info.width_px, info.height_px),
    )


def _one_person_pass(
    make_backend: Callable[[], PoseBackend],
    info: VideoInfo,
    segments: tuple[Segment, ...],
    settings: PoseSettings,
    run: PoseRun,
    progress: ProgressFn | None,
    model_size: tuple[int, int] | None,
    scene: ScenePass | None = None,
    times: StageTimes | None = None,
) -> PassResult:
    """The landmarks of one person a frame: one pinned landmarker, or one per segment.

    ``scene`` takes the scene measures in a single pass (:func:`run_backend`).
    """
    if len(segments) > 1:
        return run_segments(
            make_backend,
            info,
            segments,
            with_masks=settings.mediapipe.with_masks,
            with_waistband=settings.waistband,
            progress=progress,
            model_size=model_size,
            pinning=run.pinning,
        )
    backend = build_on_one_core(make_backend, run.pinning)
    try:
        return run_backend(
            backend,
            info,
            with_masks=settings.mediapipe.with_masks,
            with_waistband=settings.waistband,
            progress=progress,
            prefetch=run.prefetch,
            model_size=model_size,
            helper_cores=helper_cores(run.pinning),
            scene=scene,
            times=times,
        )
    finally:
        backend.close()


def _zoom(
    make_backend: Callable[[], PoseBackend],
    info: VideoInfo,
    time_s: np.ndarray,
    arrays: dict[str, np.ndarray],
    masks: MaskCrops | None,
    waistband: WaistbandSeries | None,
    people: PeopleReport,
    settings: PoseSettings,
    model_size: tuple[int, int] | None,
) -> tuple[
    dict[str, np.ndarray], MaskCrops | None, WaistbandSeries | None, PeopleReport, dict[str, int]
]:
    """Re-detect the runner in zoomed crops where it was lost or small (:mod:`.zoom`).

    The main pass's results stay as they are on every frame that does not need it; a
    clip where no frame needs it costs nothing more.
    """
    assert settings.zoom_below_share is not None
    clip_long = max(info.width_px, info.height_px)
    model_long = max(model_size) if model_size is not None else clip_long
    needed = needs_zoom(
        arrays["xy_px"], model_long, clip_long / model_long, settings.zoom_below_share
    )
    zoom = zoom_pass(
        make_backend,
        info,
        time_s,
        arrays["xy_px"],
        needed,
        with_masks=settings.mediapipe.with_masks,
        with_waistband=settings.waistband,
        search=people.mode != "multi",  # a tile holds whoever is there
    )
    stats = {
        "needed": zoom.needed,
        "found": zoom.found,
        "tile_searches": zoom.tiles_searched,
        "inferences": zoom.inferences,
    }
    if not zoom.found:
        return arrays, masks, waistband, people, stats
    arrays, masks, waistband = apply_zoom(arrays, masks, waistband, zoom)
    detected = ~np.isnan(arrays["xy_px"][:, 0, 0])
    notes = list(people.notes)
    if people.mode != "multi":  # the absence notes were of the main pass alone
        notes = list(absence_notes(detected, time_s))
    notes.append(
        f"the runner was small or not found in {zoom.needed} of {len(time_s)} frames; "
        f"a zoomed re-detection found them in {zoom.found}"
    )
    return arrays, masks, waistband, replace(people, notes=tuple(notes)), stats


def _model_info(
    settings: PoseSettings,
    model_sha: str,
    segments: tuple[Segment, ...],
    model_size: tuple[int, int] | None,
    info: VideoInfo,
    zoom: dict[str, int] | None = None,
) -> ModelInfo:
    """The series' provenance: model, backend and every setting of this run."""
    extra = {} if zoom is None else {"zoom": zoom}
    return ModelInfo(
        name=settings.model,
        sha256=model_sha,
        backend="mediapipe.tasks.PoseLandmarker(VIDEO)",
        # From the package metadata: importing mediapipe here would cost ~1 s when the
        # backend is a test double, and the version is all the provenance needs.
        backend_version=importlib.metadata.version("mediapipe"),
        # Provenance: how the clip was split between landmarkers (one entry = one pass).
        settings={
            **asdict(settings),
            "segments": [asdict(seg) for seg in segments],
            # (width, height) given to the model; the clip's own size when not scaled.
            "model_size_px": list(model_size or (info.width_px, info.height_px)),
            # How MediaPipe's own threads were kept off the network (pose.sandbox).
            "network_sandbox": network_sandbox() or CONFINED,
            # Frames re-detected in a zoomed crop (pose.zoom): needed, found, inferences.
            **extra,
        },
    )
