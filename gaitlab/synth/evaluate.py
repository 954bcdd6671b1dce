"""Check a synthetic clip with MediaPipe: detection rate and landmark error against the truth.

Used by the integration test and by ``benchmarks/accuracy.py``; it talks to mediapipe's Tasks
``PoseLandmarker`` (VIDEO mode) directly so the check does not depend on the analyser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Points compared with MediaPipe (names as in the truth file; all have a MediaPipe index).
COMPARED: tuple[str, ...] = tuple(
    f"{side}_{part}"
    for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")
    for side in ("left", "right")
)


@dataclass(frozen=True)
class PoseCheck:
    """MediaPipe on a synthetic clip.

    Attributes
    ----------
    n_frames
        Frames decoded.
    detection_rate
        Share of frames with a pose.
    median_error_px
        Per point: median distance between MediaPipe's landmark and the true projection,
        over frames with a pose, as labelled (left vs left).
    median_error_best_px
        The same after taking, per frame, the better of labelled and left/right-swapped legs
        (MediaPipe swaps the legs in side views; docs/architecture.md).
    swap_rate
        Share of detected frames where the swapped leg labels fit the truth better.
    figure_height_px
        Median true head-to-heel height, for scale.
    """

    n_frames: int
    detection_rate: float
    median_error_px: dict[str, float]
    median_error_best_px: dict[str, float]
    swap_rate: float
    figure_height_px: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dict."""
        return dict(self.__dict__)


def run_mediapipe(video: Path, model: Path) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Landmarks in pixels ``(n, 33, 2)`` (NaN where no pose) and the detected mask."""
    av = import_module("av")
    mp = import_module("mediapipe")
    vision = import_module("mediapipe.tasks.python.vision")
    base = import_module("mediapipe.tasks.python")
    options = vision.PoseLandmarkerOptions(
        base_options=base.BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    out: list[NDArray[np.float64]] = []
    with vision.PoseLandmarker.create_from_options(options) as lm, av.open(str(video)) as c:
        stream = c.streams.video[0]
        for frame in c.decode(stream):
            rgb = frame.to_ndarray(format="rgb24")
            h, w = rgb.shape[:2]
            ts_ms = round(float(frame.pts * stream.time_base) * 1000)
            res = lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ts_ms)
            xy = np.full((33, 2), np.nan)
            if res.pose_landmarks:
                xy = np.array([[p.x * w, p.y * h] for p in res.pose_landmarks[0]])
            out.append(xy)
    arr = np.asarray(out)
    return arr, ~np.isnan(arr[:, 0, 0])


def check_clip(video: Path, truth_path: Path, model: Path) -> PoseCheck:
    """Run MediaPipe on a clip and compare with its ``.truth.json``."""
    truth = json.loads(Path(truth_path).read_text())
    pts = truth["frames"]["points"]
    mp_xy, found = run_mediapipe(video, model)
    n = min(len(mp_xy), len(truth["frames"]["time_s"]))
    mp_xy, found = mp_xy[:n], found[:n]
    true = {name: np.asarray(pts[name]["xy_px"])[:n] for name in COMPARED}
    idx = {name: pts[name]["mediapipe_index"] for name in COMPARED}

    def mirror(name: str) -> str:
        return name.replace("left", "#").replace("right", "left").replace("#", "right")

    err = {k: np.linalg.norm(mp_xy[:, idx[k]] - true[k], axis=1) for k in COMPARED}
    legs = [
        k for k in COMPARED if k.split("_", 1)[1] in ("hip", "knee", "ankle", "heel", "foot_index")
    ]
    err_sw = {k: np.linalg.norm(mp_xy[:, idx[mirror(k)]] - true[k], axis=1) for k in legs}
    labelled = np.nansum([err[k] for k in legs], axis=0)
    swapped = np.nansum([err_sw[k] for k in legs], axis=0)
    use_swap = found & (swapped < labelled)
    best = {k: np.where(use_swap, err_sw[k], err[k]) if k in err_sw else err[k] for k in COMPARED}
    head = np.asarray(pts["head_centre"]["xy_px"])[:n]
    heel = np.asarray(pts["left_heel"]["xy_px"])[:n]
    return PoseCheck(
        n_frames=n,
        detection_rate=float(found.mean()) if n else 0.0,
        median_error_px={k: round(float(np.median(v[found])), 2) for k, v in err.items()},
        median_error_best_px={k: round(float(np.median(v[found])), 2) for k, v in best.items()},
        swap_rate=float(use_swap[found].mean()) if found.any() else 0.0,
        figure_height_px=float(np.median(np.abs(heel[:, 1] - head[:, 1]))),
    )
