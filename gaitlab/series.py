"""The core container passed between pipeline stages: :class:`PoseSeries`.

One frozen dataclass holds everything the pose stage produced for one clip, with the shape
of every array in its field's doc (``n`` frames, 33 MediaPipe landmarks). Frames where no pose
was found hold NaN coordinates and zero visibility, so every array keeps one row per decoded
frame and ``time_s`` stays aligned with the video.

Coordinates
-----------
``xy_px``
    Image pixels of the upright (rotation-corrected) frame: x right, y down.
``world_m``
    MediaPipe world landmarks: metres, origin at the mid-hip, y down (MediaPipe's convention).

Saved to a single ``.npz`` file (no pickles) by :meth:`PoseSeries.save`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from gaitlab.errors import GaitlabError
from gaitlab.files import atomic_path
from gaitlab.jsonsafe import rounded_or_none
from gaitlab.landmarks import N_LANDMARKS

#: Version of the on-disk ``.npz`` layout; bump on incompatible change.
SERIES_FORMAT_VERSION = 1


class SeriesFileError(GaitlabError):
    """A saved pose series cannot be read (corrupt, truncated or from another version)."""

    exit_code = 4


@dataclass(frozen=True)
class VideoInfo:
    """What the video reader learned about a clip.

    Attributes
    ----------
    path
        The clip's path as given.
    sha256
        SHA-256 of the file's bytes (identifies the clip for caching).
    width_px, height_px
        Frame size after applying rotation metadata (what the pose model sees).
    rotation_deg
        Counter-clockwise rotation applied to make the frame upright (0, 90, 180 or 270),
        as FFmpeg applies the display matrix.
    n_frames
        Number of decoded frames.
    duration_s
        Capture-time span from first to last frame plus one frame interval.
    nominal_fps
        The container's average frame rate (as stored, before the slow-motion factor).
    capture_fps
        Median frame rate measured from the per-frame timestamps, in capture time.
    slowmo_factor
        How many times slower than real time the clip plays (1 for normal video, 8 for a
        240 fps capture stored to play at 30 fps).
    codec, container
        Codec and container format names as reported by FFmpeg.
    vfr
        True when frame intervals vary by more than 10 % of the median (variable frame rate).
    part_start_s, part_end_s
        The part of the file analysed when its timestamps jump (a cut, a paused recording, a
        frame stamped hours late; see :func:`gaitlab.io.video.continuous_parts`): capture
        time of its first frame from the file's first frame, and the end of the part (None:
        to the end of the file). Every time in the series counts from ``part_start_s``, and
        ``n_frames``/``duration_s`` describe the part. 0 and None for an unbroken clip.
    gaps_s
        Each timestamp jump as ``(before, after)``: capture times from the file's first frame
        of the frames either side of it.
    cut_note
        One sentence for the user on what was analysed and what was left out ("" if none).
    tagged_capture_fps, capture_fps_tag
        The capture frame rate a phone wrote in the container's metadata (Android's
        ``com.android.capture.fps``, and keys like it), and the key it came from; None and
        "" when there is none. Differs from the stored rate in a slow-motion file.
    """

    path: str
    sha256: str
    width_px: int
    height_px: int
    rotation_deg: int
    n_frames: int
    duration_s: float
    nominal_fps: float
    capture_fps: float
    slowmo_factor: float
    codec: str
    container: str
    vfr: bool
    part_start_s: float = 0.0
    part_end_s: float | None = None
    gaps_s: tuple[tuple[float, float], ...] = ()
    cut_note: str = ""
    tagged_capture_fps: float | None = None
    capture_fps_tag: str = ""

    def __post_init__(self) -> None:
        # Read back from JSON, the gaps are lists: keep the frozen object hashable.
        object.__setattr__(self, "gaps_s", tuple(tuple(map(float, g)) for g in self.gaps_s))

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON representation."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ModelInfo:
    """Which pose model produced the landmarks, and with which settings."""

    name: str
    sha256: str
    backend: str = "mediapipe"
    backend_version: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON representation."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class MaskCrops:
    """Person segmentation masks, stored as fixed-size crops around the person.

    Full-frame masks of a 60 s 1080p clip would take gigabytes; the lumbar-contour metric
    needs only the person's outline, so each frame keeps a crop around the detected pose,
    scaled uniformly (angles are preserved) to fit ``prob.shape[1:]``.

    Attributes
    ----------
    origin_px : (n, 2) float
        Image coordinates (x, y) of crop pixel (0, 0); NaN where no pose was found.
    scale : (n,) float
        Crop pixels per image pixel; NaN where no pose was found.
    prob : (n, h, w) uint8
        Person probability scaled to 0-255.
    """

    origin_px: np.ndarray
    scale: np.ndarray
    prob: np.ndarray

    def to_image_px(self, frame: int, crop_xy: np.ndarray) -> np.ndarray:
        """Map crop pixel coordinates ``(..., 2)`` of one frame to image pixels."""
        return self.origin_px[frame] + np.asarray(crop_xy, dtype=float) / self.scale[frame]


@dataclass(frozen=True)
class WaistbandSeries:
    """The waistband edge per frame (see :mod:`gaitlab.imaging.waistband`).

    Attributes
    ----------
    angle_deg : (n,) float
        Edge angle in the image, + = image-right end lower; NaN where not found.
    ok : (n,) bool
        Frames whose edge passed every quality gate.
    inlier_share : (n,) float
        Share of edge points on the fitted line.
    contrast : (n,) float
        Edge strength over the search box's typical colour change.
    offset_trunk : (n,) float
        Height of the edge above the mid-hip, trunk lengths (all NaN in series saved before
        it was measured).
    """

    angle_deg: np.ndarray
    ok: np.ndarray
    inlier_share: np.ndarray
    contrast: np.ndarray
    offset_trunk: np.ndarray | None = None


@dataclass(frozen=True)
class CameraRoll:
    """The camera's roll read from the scene behind the runner (:mod:`gaitlab.imaging.level`).

    Attributes
    ----------
    roll_deg
        Angle of level world lines in the image, + = image-right end lower; NaN when the
        scene gave no reference.
    uncertainty_deg
        About one standard error of ``roll_deg``; NaN with it.
    n_lines
        Straight segments that voted, over all sampled frames.
    n_frames
        Sampled frames that gave at least one voting segment.
    horizontal_share
        Share of the votes' length from near-level segments (the rest near-plumb).
    reason
        Why there is no estimate, or "" when there is one.
    """

    roll_deg: float
    uncertainty_deg: float
    n_lines: int
    n_frames: int
    horizontal_share: float
    reason: str = ""

    @property
    def found(self) -> bool:
        """Whether the scene gave a roll."""
        return math.isfinite(self.roll_deg)

    def to_dict(self) -> dict[str, Any]:
        """JSON values (NaN becomes None)."""
        return {
            "roll_deg": rounded_or_none(self.roll_deg),
            "uncertainty_deg": rounded_or_none(self.uncertainty_deg),
            "n_lines": int(self.n_lines),
            "n_frames": int(self.n_frames),
            "horizontal_share": rounded_or_none(self.horizontal_share),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CameraRoll:
        """Inverse of :meth:`to_dict`."""

        def num(x: Any) -> float:
            return math.nan if x is None else float(x)

        return cls(
            num(d["roll_deg"]),
            num(d["uncertainty_deg"]),
            int(d["n_lines"]),
            int(d["n_frames"]),
            num(d["horizontal_share"]),
            str(d.get("reason", "")),
        )


@dataclass(frozen=True)
class CameraMotion:
    """The camera's own motion between frames (:mod:`gaitlab.imaging.camera_motion`).

    Attributes
    ----------
    shift_px : (n, 2) float
        The background's shift of frame ``i`` against frame ``i - 1`` in the landmarks'
        pixels (+x right, +y down); NaN where not measured, always in row 0.
    runner_change : (n,) float
        Mean grey-level change (0-255) in the runner's box from frame ``i - 1`` to ``i``.
    """

    shift_px: np.ndarray
    runner_change: np.ndarray


@dataclass(frozen=True)
class PoseSeries:
    """Landmarks of one runner over one clip.

    Attributes
    ----------
    time_s : (n,) float
        Capture time of each frame in seconds from the first frame (slow-motion factor
        already applied), strictly increasing.
    xy_px : (n, 33, 2) float
        Image landmarks in pixels; NaN where no pose was found.
    depth_rel : (n, 33) float
        MediaPipe's relative landmark depth (same scale as x in pixels, smaller = closer).
    visibility : (n, 33) float
        Probability in [0, 1] that the landmark is visible (not occluded); 0 where no pose.
    world_m : (n, 33, 3) float
        World landmarks in metres, hip-centred, MediaPipe axes; NaN where no pose.
    video : VideoInfo
        Metadata of the source clip.
    model : ModelInfo
        The pose model and its settings.
    masks : MaskCrops or None
        Segmentation masks, when requested.
    waistband : WaistbandSeries or None
        The waistband edge per frame (for pelvic tilt in rear/front view), when requested.
    people : dict or None
        Plain-JSON report of which person was followed when several may be in frame
        (:meth:`gaitlab.pose.people.PeopleReport.to_dict`); None in files written before it.
    camera_roll : CameraRoll or None
        The camera's roll read from the scene (:mod:`gaitlab.imaging.level`); None when not
        measured (files written before it, or no frames to read).
    camera_motion : CameraMotion or None
        The camera's motion, when measured in the pose pass (None: measured afterwards
        from a second decode, see :func:`gaitlab.pipeline.camera_shifts`).
    """

    time_s: np.ndarray
    xy_px: np.ndarray
    depth_rel: np.ndarray
    visibility: np.ndarray
    world_m: np.ndarray
    video: VideoInfo
    model: ModelInfo
    masks: MaskCrops | None = None
    waistband: WaistbandSeries | None = None
    people: dict[str, Any] | None = None
    camera_roll: CameraRoll | None = None
    camera_motion: CameraMotion | None = None

    def __post_init__(self) -> None:
        n = self.time_s.shape[0]
        expected = {
            "time_s": (n,),
            "xy_px": (n, N_LANDMARKS, 2),
            "depth_rel": (n, N_LANDMARKS),
            "visibility": (n, N_LANDMARKS),
            "world_m": (n, N_LANDMARKS, 3),
        }
        for name, shape in expected.items():
            got = getattr(self, name).shape
            if got != shape:
                raise ValueError(f"PoseSeries.{name} must have shape {shape}, got {got}")
        if n > 1 and not np.all(np.diff(self.time_s) > 0):
            raise ValueError("PoseSeries.time_s must be strictly increasing")
        if self.masks is not None and self.masks.prob.shape[0] != n:
            raise ValueError("PoseSeries.masks must have one crop per frame")
        if self.waistband is not None and self.waistband.angle_deg.shape != (n,):
            raise ValueError("PoseSeries.waistband must have one value per frame")
        if self.camera_motion is not None and self.camera_motion.shift_px.shape != (n, 2):
            raise ValueError("PoseSeries.camera_motion must have one shift per frame")

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.time_s.shape[0])

    @property
    def detected(self) -> np.ndarray:
        """(n,) bool: frames in which a pose was found."""
        return ~np.isnan(self.xy_px[:, 0, 0])

    @property
    def detection_rate(self) -> float:
        """Share of frames with a pose, in [0, 1]."""
        return float(self.detected.mean()) if self.n_frames else 0.0

    @property
    def sample_rate_hz(self) -> float:
        """Median sampling rate from the timestamps (never an assumed fps)."""
        if self.n_frames < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(self.time_s)))

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write the series to a compressed ``.npz`` file (atomically) and return its path."""
        path = Path(path)
        meta = {
            "format_version": SERIES_FORMAT_VERSION,
            "video": self.video.to_dict(),
            "model": self.model.to_dict(),
        }
        if self.people is not None:
            meta["people"] = self.people
        if self.camera_roll is not None:
            meta["camera_roll"] = self.camera_roll.to_dict()
        arrays: dict[str, np.ndarray] = {
            "meta_json": np.array(json.dumps(meta)),
            "time_s": self.time_s,
            "xy_px": self.xy_px.astype(np.float32),
            "depth_rel": self.depth_rel.astype(np.float32),
            "visibility": self.visibility.astype(np.float32),
            "world_m": self.world_m.astype(np.float32),
        }
        if self.masks is not None:
            arrays["mask_origin_px"] = self.masks.origin_px
            arrays["mask_scale"] = self.masks.scale
            arrays["mask_prob"] = self.masks.prob
        if self.waistband is not None:
            for name, value in dataclasses.asdict(self.waistband).items():
                if value is not None:
                    arrays[f"waistband_{name}"] = value
        if self.camera_motion is not None:
            arrays["camera_shift_px"] = self.camera_motion.shift_px
            arrays["camera_runner_change"] = self.camera_motion.runner_change
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        return path

    @staticmethod
    def clip_sha256(path: str | Path) -> str | None:
        """The content hash of the clip a series file was measured on, or None if unreadable.

        Reads only the file's metadata (the landmark and mask arrays are not decompressed).
        """
        try:
            with np.load(path, allow_pickle=False) as npz:
                meta = json.loads(str(npz["meta_json"]))
            return str(meta["video"]["sha256"])
        except Exception:  # not a series file: nothing to match
            return None

    @classmethod
    def load(cls, path: str | Path) -> PoseSeries:
        """Read a series written by :meth:`save`.

        Raises
        ------
        SeriesFileError
            If the file is missing, corrupt, or not a gaitlab pose series of this version.
        """
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as npz:
                data = {k: npz[k] for k in npz.files}
            meta = json.loads(str(data["meta_json"]))
            if meta.get("format_version") != SERIES_FORMAT_VERSION:
                raise SeriesFileError(
                    f"{path.name}: pose series format {meta.get('format_version')!r}, "
                    f"this gaitlab reads {SERIES_FORMAT_VERSION}"
                )
            masks = None
            if "mask_prob" in data:
                masks = MaskCrops(data["mask_origin_px"], data["mask_scale"], data["mask_prob"])
            waistband = None
            if "waistband_angle_deg" in data:
                waistband = WaistbandSeries(
                    **{
                        f.name: data[f"waistband_{f.name}"]
                        for f in fields(WaistbandSeries)
                        if f"waistband_{f.name}" in data
                    }
                )
            return cls(
                time_s=data["time_s"].astype(float),
                xy_px=data["xy_px"].astype(float),
                depth_rel=data["depth_rel"].astype(float),
                visibility=data["visibility"].astype(float),
                world_m=data["world_m"].astype(float),
                video=VideoInfo(**meta["video"]),
                model=ModelInfo(**meta["model"]),
                masks=masks,
                waistband=waistband,
                people=meta.get("people"),
                camera_roll=(
                    CameraRoll.from_dict(meta["camera_roll"]) if "camera_roll" in meta else None
                ),
                camera_motion=(
                    CameraMotion(data["camera_shift_px"], data["camera_runner_change"])
                    if "camera_shift_px" in data
                    else None
                ),
            )
        except SeriesFileError:
            raise
        except FileNotFoundError:
            raise SeriesFileError(f"{path}: no such pose series file") from None
        except Exception as exc:  # any decode failure means "not a valid file"
            raise SeriesFileError(
                f"{path.name}: not a readable gaitlab pose series ({type(exc).__name__})"
            ) from exc
