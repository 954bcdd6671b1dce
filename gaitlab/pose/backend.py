"""What a pose backend must provide, and the MediaPipe Tasks implementation.

A backend turns one upright RGB frame plus its timestamp into one person's landmarks. Keeping
this behind a small protocol lets tests and future models (lite/heavy, other libraries) plug
in without touching the extraction loop.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

import numpy as np

from gaitlab.landmarks import N_LANDMARKS
from gaitlab.pose.sandbox import NoNetworkThread


@dataclass(frozen=True)
class FramePose:
    """One person's landmarks in one frame.

    Attributes
    ----------
    xy_px : (33, 2) float
        Image landmarks in pixels (x right, y down).
    depth_rel : (33,) float
        Relative depth on the x pixel scale (smaller = closer to the camera).
    visibility : (33,) float
        Probability that each landmark is visible.
    world_m : (33, 3) float
        World landmarks in metres, origin at the mid-hip.
    mask : (h, w) float32 or None
        Person probability per pixel of the full frame, when requested. A read-only view
        of MediaPipe's output, valid only until the backend's next ``detect`` call: use it
        (or copy it) before then.
    """

    xy_px: np.ndarray
    depth_rel: np.ndarray
    visibility: np.ndarray
    world_m: np.ndarray
    mask: np.ndarray | None = None


class PoseBackend(Protocol):
    """Detects one person per frame of a video, frames given in time order."""

    def detect(self, rgb: np.ndarray, time_ms: int) -> FramePose | None:
        """Landmarks of the tracked person, or None when nobody is found."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


@runtime_checkable
class MultiPoseBackend(PoseBackend, Protocol):
    """A backend that can also return every person found in a frame."""

    def detect_all(self, rgb: np.ndarray, time_ms: int) -> list[FramePose]:
        """Landmarks of each person found (at most ``num_poses``), in the model's order."""
        ...


@dataclass(frozen=True)
class MediaPipeSettings:
    """Settings of MediaPipe's ``PoseLandmarker`` (VIDEO mode).

    Attributes
    ----------
    min_detection_confidence, min_presence_confidence, min_tracking_confidence
        MediaPipe's thresholds (its defaults are 0.5).
    with_masks
        Also output the person segmentation mask (needed for the back-contour metric).
    quiet_native_logs
        Hide MediaPipe's native start-up log lines (informational, not errors). Does not
        change the landmarks.
    num_poses
        Most people detected per frame. 1 is the fast path (the person detector runs only
        when tracking is lost); more makes the detector run on every frame that has fewer
        people than this (measured: 48 -> 33 frames per CPU-second on a 720p one-person clip).
    """

    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    with_masks: bool = False
    quiet_native_logs: bool = True
    num_poses: int = 1


@contextlib.contextmanager
def quiet_native_stderr(enabled: bool) -> Iterator[None]:
    """Send C++ log lines written to file descriptor 2 to /dev/null for a moment.

    MediaPipe's C++ core logs start-up chatter (XNNPACK delegate, feedback tensors, NORM_RECT)
    straight to fd 2, past Python's logging. It comes only from creating the landmarker and
    its first frame, so only those calls are wrapped; Python-level errors still raise.
    """
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_mediapipe() -> Any:
    """Import mediapipe without its audio recorder's search for a sound library.

    ``import mediapipe`` imports its audio tasks, whose recorder imports ``sounddevice``,
    and that import looks for PortAudio by running ``ldconfig``, ``gcc`` and ``ld`` on every
    start. gaitlab records no audio, and mediapipe treats a missing ``sounddevice`` as
    "audio recording unavailable": so the import is answered "not installed" while
    mediapipe loads, and restored afterwards for any other user of ``sounddevice``. Its
    drawing helpers, which import matplotlib, load only if used (:class:`_LazyModules`).
    """
    if "mediapipe" in sys.modules:
        return sys.modules["mediapipe"]
    blocked = "sounddevice" not in sys.modules
    if blocked:
        sys.modules["sounddevice"] = None  # type: ignore[assignment]  # import -> ImportError
    lazy = _LazyModules(_DRAWING_MODULES)
    sys.meta_path.insert(0, lazy)
    try:
        import mediapipe
        import mediapipe.tasks.python.vision  # the Tasks API used below
    finally:
        sys.meta_path.remove(lazy)
        if blocked:
            del sys.modules["sounddevice"]
    return mediapipe


#: mediapipe's drawing helpers, imported by its package but never used by gaitlab: they
#: import matplotlib.pyplot, most of mediapipe's import time.
_DRAWING_MODULES = frozenset(
    {"mediapipe.tasks.python.vision.drawing_utils", "mediapipe.tasks.python.vision.drawing_styles"}
)


class _LazyModules(importlib.abc.MetaPathFinder):
    """Finds ``names`` as usual but loads them on first attribute access (``LazyLoader``).

    Used only while mediapipe is imported: its package imports the drawing modules, which
    then load (matplotlib and all) only if some code uses them.
    """

    def __init__(self, names: frozenset[str]) -> None:
        self._names = names

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self._names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


class MediaPipeBackend:
    """MediaPipe Tasks ``PoseLandmarker`` in VIDEO mode (``settings.num_poses`` people).

    Every call into MediaPipe runs on one thread that may not open network sockets
    (:class:`gaitlab.pose.sandbox.NoNetworkThread`): MediaPipe's native usage logger
    cannot reach the network, and neither can the threads MediaPipe starts from it.

    Parameters
    ----------
    model_path
        A verified ``.task`` bundle (see :func:`gaitlab.pose.models.resolve_model`).
    settings
        Detection thresholds and whether to output masks.
    image_mode
        Run in IMAGE mode: every frame on its own, no tracking or smoothing across frames
        (``time_ms`` is ignored). For images that are not one video stream, such as the
        moving crops of :mod:`gaitlab.pose.zoom`.
    """

    def __init__(
        self, model_path: Path, settings: MediaPipeSettings, *, image_mode: bool = False
    ) -> None:
        # Imported here so that the maths and the CLI's fast paths never load mediapipe.
        mp = import_mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        self._thread = NoNetworkThread()
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.IMAGE if image_mode else vision.RunningMode.VIDEO,
            num_poses=settings.num_poses,
            min_pose_detection_confidence=settings.min_detection_confidence,
            min_pose_presence_confidence=settings.min_presence_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
            output_segmentation_masks=settings.with_masks,
        )
        with quiet_native_stderr(settings.quiet_native_logs):
            try:
                self._landmarker = self._thread.call(
                    vision.PoseLandmarker.create_from_options, options
                )
            except BaseException:
                self._thread.close()
                raise
        self._with_masks = settings.with_masks
        self._image_mode = image_mode
        self._quiet_first = settings.quiet_native_logs
        # Closing prints "DestroyAccelerator" lines, and the usage logger's failed upload.
        self._quiet_close = settings.quiet_native_logs
        # With several poses MediaPipe logs a NORM_RECT warning when it first tracks a second
        # person, at any frame: quiet every call (two dup2 calls, ~10 us a frame).
        self._quiet_always = settings.quiet_native_logs and settings.num_poses > 1

    def detect(self, rgb: np.ndarray, time_ms: int) -> FramePose | None:
        """Run the landmarker on one frame; see :meth:`PoseBackend.detect`."""
        result = self._run(rgb, time_ms)
        if not result.pose_landmarks:
            return None
        return self._pose(result, 0, rgb.shape)

    def detect_all(self, rgb: np.ndarray, time_ms: int) -> list[FramePose]:
        """Every person found in one frame; see :meth:`MultiPoseBackend.detect_all`."""
        result = self._run(rgb, time_ms)
        return [self._pose(result, k, rgb.shape) for k in range(len(result.pose_landmarks))]

    def _run(self, rgb: np.ndarray, time_ms: int) -> Any:  # MediaPipe's PoseLandmarkerResult
        # mp.Image reads the buffer as tightly packed rows and ignores numpy strides: a padded
        # or sliced frame would be read as garbage. A no-op for contiguous frames.
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)
        )
        with quiet_native_stderr(self._quiet_first or self._quiet_always):
            if self._image_mode:
                result = self._thread.call(self._landmarker.detect, image)
            else:
                result = self._thread.call(self._landmarker.detect_for_video, image, time_ms)
        # The start-up chatter includes a NORM_RECT warning at the first frame with a person
        # (not the first frame when the clip starts empty): stay quiet until then.
        if result.pose_landmarks:
            self._quiet_first = False
        return result

    def _pose(self, result: Any, k: int, shape: tuple[int, ...]) -> FramePose:
        height, width = shape[:2]
        image_lms = result.pose_landmarks[k]
        world_lms = result.pose_world_landmarks[k]
        norm = np.array([(lm.x, lm.y, lm.z) for lm in image_lms], dtype=float)
        visibility = np.array([lm.visibility or 0.0 for lm in image_lms], dtype=float)
        world = np.array([(lm.x, lm.y, lm.z) for lm in world_lms], dtype=float)
        mask = None
        if self._with_masks and len(result.segmentation_masks or ()) > k:
            # Masks come one per pose, in the landmarks' order. A copy: the view points into
            # an image that ``result`` owns, freed once ``result`` goes (reading it later
            # crashed the pose stage in ``mask_crop`` on rendered population clips).
            mask = np.array(np.squeeze(result.segmentation_masks[k].numpy_view()))
        return FramePose(
            xy_px=norm[:, :2] * (width, height),
            depth_rel=norm[:, 2] * width,
            visibility=visibility,
            world_m=world,
            mask=mask,
        )

    @property
    def network_sandbox(self) -> str:
        """How the model's threads were kept off the network (see :mod:`gaitlab.pose.sandbox`)."""
        return self._thread.status

    def close(self) -> None:
        """Release the model (its native shutdown log lines are not shown)."""
        try:
            with quiet_native_stderr(self._quiet_close):
                self._thread.call(self._landmarker.close)
        finally:
            self._thread.close()


def empty_pose_arrays(n: int) -> dict[str, np.ndarray]:
    """NaN/zero-filled arrays for ``n`` frames, the layout :class:`PoseSeries` expects."""
    return {
        "xy_px": np.full((n, N_LANDMARKS, 2), np.nan),
        "depth_rel": np.full((n, N_LANDMARKS), np.nan),
        "visibility": np.zeros((n, N_LANDMARKS)),
        "world_m": np.full((n, N_LANDMARKS, 3), np.nan),
    }
