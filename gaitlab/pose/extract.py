"""Run a pose backend over a clip and assemble the :class:`PoseSeries`, with a cache.

Inference is the expensive step (about 20 ms a frame on one core), so results are cached on
disk keyed by the clip's content hash, the model's hash and every setting that changes the
output: re-analysing a clip (new thresholds, a new report) skips inference.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
import platformdirs

from gaitlab.errors import NoRunnerFound
from gaitlab.hashing import file_sha256
from gaitlab.imaging.waistband import NOT_FOUND, WaistbandLine, waistband_line
from gaitlab.io.video import (
    VideoLimits,
    iter_frames,
    probe_video,
    with_decoded_frames,
)
from gaitlab.pose.backend import (
    FramePose,
    MediaPipeBackend,
    MediaPipeSettings,
    PoseBackend,
    empty_pose_arrays,
)
from gaitlab.pose.models import resolve_model
from gaitlab.series import MaskCrops, ModelInfo, PoseSeries, VideoInfo, WaistbandSeries

#: Size (height, width) of the stored person-mask crops; see :class:`MaskCrops`.
MASK_CROP_SHAPE: tuple[int, int] = (256, 192)
#: Margin around the landmarks' bounding box, as a share of its size, kept in a mask crop
#: (the landmarks are joint centres: the silhouette extends beyond them).
MASK_CROP_MARGIN = 0.25

#: Progress callback: (frames done, frames expected).
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class PoseSettings:
    """Everything that changes the pose stage's output (and so the cache key).

    Attributes
    ----------
    model
        Model name in the registry (``full`` is bundled; ``lite``/``heavy`` are downloads).
    slowmo_factor
        How many times slower than real time the clip plays.
    mediapipe
        Thresholds and mask output of the landmarker.
    waistband
        Also find the waistband edge in each frame (pelvic tilt in rear/front view; ~1 ms a
        frame).
    """

    model: str = "full"
    slowmo_factor: float = 1.0
    mediapipe: MediaPipeSettings = field(default_factory=MediaPipeSettings)
    waistband: bool = True


def default_cache_dir() -> Path:
    """Where pose series are cached: ``$GAITLAB_CACHE_DIR`` or the user cache folder."""
    env = os.environ.get("GAITLAB_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("gaitlab")) / "pose"


def cache_key(video_sha256: str, model_sha256: str, settings: PoseSettings) -> str:
    """Stable key of one clip + model + settings combination."""
    payload = json.dumps(
        {"video": video_sha256, "model": model_sha256, "settings": asdict(settings), "v": 1},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _mask_crop(mask: np.ndarray, xy_px: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """Crop ``mask`` around the landmarks and scale it uniformly into MASK_CROP_SHAPE."""
    crop_h, crop_w = MASK_CROP_SHAPE
    lo = np.nanmin(xy_px, axis=0)
    hi = np.nanmax(xy_px, axis=0)
    size = np.maximum(hi - lo, 1.0)
    lo = lo - MASK_CROP_MARGIN * size
    size = size * (1 + 2 * MASK_CROP_MARGIN)
    scale = float(min(crop_w / size[0], crop_h / size[1]))
    # Centre the box in the crop so the figure is not pushed against one edge.
    origin = lo - (np.array([crop_w, crop_h]) / scale - size) / 2
    affine = np.array([[scale, 0.0, -scale * origin[0]], [0.0, scale, -scale * origin[1]]])
    prob = cv2.warpAffine(
        mask.astype(np.float32), affine, (crop_w, crop_h), flags=cv2.INTER_AREA, borderValue=0
    )
    return origin, scale, np.clip(prob * 255.0 + 0.5, 0, 255).astype(np.uint8)


def run_backend(
    backend: PoseBackend,
    info: VideoInfo,
    *,
    with_masks: bool,
    with_waistband: bool = False,
    progress: ProgressFn | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray], MaskCrops | None, WaistbandSeries | None, VideoInfo]:
    """Stream a probed clip through ``backend``.

    Image measurements that need the pixels (mask crops, the waistband edge) are taken in
    the same pass, so each frame is decoded once.

    Returns
    -------
    time_s, arrays, masks, waistband, info
        Frame times, the landmark arrays of :class:`PoseSeries`, mask crops (or None), the
        waistband series (or None) and the video info updated with the frames decoded.
    """
    times: list[float] = []
    poses: list[FramePose | None] = []
    origins: list[np.ndarray] = []
    scales: list[float] = []
    crops: list[np.ndarray] = []
    bands: list[WaistbandLine] = []
    last_ms = -1
    for frame in iter_frames(info):
        # MediaPipe needs strictly increasing integer milliseconds; at >1 kHz capture, nudge.
        time_ms = max(last_ms + 1, round(frame.time_s * 1000.0))
        last_ms = time_ms
        pose = backend.detect(frame.rgb, time_ms)
        times.append(frame.time_s)
        poses.append(pose)
        if with_masks:
            if pose is not None and pose.mask is not None:
                origin, scale, crop = _mask_crop(pose.mask, pose.xy_px)
            else:
                origin, scale = np.full(2, np.nan), float("nan")
                crop = np.zeros(MASK_CROP_SHAPE, dtype=np.uint8)
            origins.append(origin)
            scales.append(scale)
            crops.append(crop)
        if with_waistband:
            bands.append(waistband_line(frame.rgb, pose.xy_px) if pose is not None else NOT_FOUND)
        if progress is not None:
            progress(len(times), info.n_frames)

    time_s = np.asarray(times, dtype=float)
    arrays = empty_pose_arrays(len(poses))
    for i, pose in enumerate(poses):
        if pose is not None:
            arrays["xy_px"][i] = pose.xy_px
            arrays["depth_rel"][i] = pose.depth_rel
            arrays["visibility"][i] = pose.visibility
            arrays["world_m"][i] = pose.world_m
    masks = None
    if with_masks:
        masks = MaskCrops(
            origin_px=np.asarray(origins, dtype=float).reshape(-1, 2),
            scale=np.asarray(scales, dtype=float),
            prob=np.asarray(crops, dtype=np.uint8).reshape(-1, *MASK_CROP_SHAPE),
        )
    waistband = None
    if with_waistband:
        waistband = WaistbandSeries(
            angle_deg=np.array([b.angle_deg for b in bands], dtype=float),
            ok=np.array([b.ok for b in bands], dtype=bool),
            inlier_share=np.array([b.inlier_share for b in bands], dtype=float),
            contrast=np.array([b.contrast for b in bands], dtype=float),
        )
    return time_s, arrays, masks, waistband, with_decoded_frames(info, time_s)


def extract_pose(
    path: str | Path,
    *,
    settings: PoseSettings | None = None,
    with_masks: bool | None = None,
    limits: VideoLimits | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    progress: ProgressFn | None = None,
    backend_factory: Callable[[Path, MediaPipeSettings], PoseBackend] = MediaPipeBackend,
) -> PoseSeries:
    """Pose landmarks of the runner in every frame of a clip.

    Parameters
    ----------
    path
        The clip.
    settings
        Model, slow-motion factor and landmarker thresholds.
    with_masks
        Shortcut overriding ``settings.mediapipe.with_masks``.
    limits
        Video acceptance limits (duration, resolution).
    cache_dir
        Where cached series live; default :func:`default_cache_dir`.
    use_cache
        Read and write the cache (False forces inference and writes nothing).
    progress
        Called after each frame with (frames done, frames expected).
    backend_factory
        Builds the backend from the verified model path and settings (tests inject one).

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
    if with_masks is not None and with_masks != settings.mediapipe.with_masks:
        mp_settings = MediaPipeSettings(**{**asdict(settings.mediapipe), "with_masks": with_masks})
        settings = PoseSettings(
            settings.model, settings.slowmo_factor, mp_settings, settings.waistband
        )
    info = probe_video(path, slowmo_factor=settings.slowmo_factor, limits=limits)
    model_path = resolve_model(settings.model)
    model_sha = file_sha256(model_path)

    cache_file = None
    if use_cache:
        key = cache_key(info.sha256, model_sha, settings)
        cache_file = Path(cache_dir or default_cache_dir()) / f"{key}.npz"
        if cache_file.exists():
            try:
                cached = PoseSeries.load(cache_file)
            except Exception:  # a bad cache entry is just a miss
                cached = None
            if cached is not None:
                # Same bytes, new name or place: report the path the user gave.
                return PoseSeries(
                    **{f: getattr(cached, f) for f in _ARRAY_FIELDS},
                    video=VideoInfo(**{**cached.video.to_dict(), "path": str(path)}),
                    model=cached.model,
                    masks=cached.masks,
                    waistband=cached.waistband,
                )

    import mediapipe  # only for its version string in the provenance

    backend = backend_factory(model_path, settings.mediapipe)
    try:
        time_s, arrays, masks, waistband, info = run_backend(
            backend,
            info,
            with_masks=settings.mediapipe.with_masks,
            with_waistband=settings.waistband,
            progress=progress,
        )
    finally:
        backend.close()
    series = PoseSeries(
        time_s=time_s,
        **arrays,
        video=info,
        model=ModelInfo(
            name=settings.model,
            sha256=model_sha,
            backend="mediapipe.tasks.PoseLandmarker(VIDEO)",
            backend_version=mediapipe.__version__,
            settings=asdict(settings),
        ),
        masks=masks,
        waistband=waistband,
    )
    if not series.detected.any():
        raise NoRunnerFound(
            f"{Path(path).name}: no person found in any of {series.n_frames} frames; film the "
            "whole body, side-on or from behind, 3-5 m away, in good light"
        )
    if cache_file is not None:
        series.save(cache_file)
    return series


_ARRAY_FIELDS = ("time_s", "xy_px", "depth_rel", "visibility", "world_m")
