"""One synthetic clip on disk: render the video, then write its ``<clip>.truth.json``.

A module of its own above :mod:`~gaitlab.synth.render` (the pictures) and
:mod:`~gaitlab.synth.truth_file` (the truth document, which reads the render's camera and
occlusion): the truth module imports the render module, never the other way round.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from gaitlab.jsonsafe import to_json_ready
from gaitlab.synth.camera_path import camera_angles
from gaitlab.synth.figure import hem_motion
from gaitlab.synth.gait import Synthesis
from gaitlab.synth.render import (
    Camera,
    ClipSpec,
    Renderer,
    VideoWriter,
    pose_arrays,
    sample_segment,
    synthesize_clip,
)
from gaitlab.synth.truth_file import build_truth


def truth_path_for(video_path: Path) -> Path:
    """``clip.mp4`` -> ``clip.truth.json``."""
    return video_path.with_name(video_path.stem + ".truth.json")


def render_clip(spec: ClipSpec, progress: bool = False) -> tuple[Path, Path]:
    """Render a clip and write its ground truth.

    Parameters
    ----------
    spec
        What to render.
    progress
        Print a progress line every second of video (to stderr).

    Returns
    -------
    (video_path, truth_path)
    """
    out = Path(spec.out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    syn = synthesize_clip(spec)
    origins, quats = pose_arrays(syn.pose)
    points = syn.pose.points_m()
    # A turning camera projects each frame with that frame's camera.
    cameras = frame_cameras(spec, syn)
    if cameras is None:
        px = spec.camera.project(points)
    else:
        px = np.stack([cam.project(points[i]) for i, cam in enumerate(cameras)])
    seg_at = np.full(points.shape[:2], -2, dtype=np.int16)
    hem_dz, hem_roll = hem_motion(syn.phase, spec.outfit, spec.seed)
    t0 = time.perf_counter()
    writer = VideoWriter(out, spec.camera.width_px, spec.camera.height_px, spec.fps, spec.crf)
    try:
        with Renderer(
            spec.camera, spec.outfit, spec.scene, overground_span_m(syn), cameras
        ) as renderer:
            for i in range(syn.pose.n):
                cam = None if cameras is None else cameras[i]
                rgb, seg = renderer.render(origins[i], quats[i], (hem_dz[i], hem_roll[i]), cam)
                writer.write(rgb)
                seg_at[i] = sample_segment(seg, px[i])
                if progress and i % max(int(spec.fps), 1) == 0:
                    print(f"  frame {i}/{syn.pose.n}", file=sys.stderr)
    finally:
        writer.close()
    render_s = time.perf_counter() - t0
    truth = build_truth(spec, syn, px, seg_at, render_s=render_s, cameras=cameras)
    truth["video"]["sha256"] = hashlib.sha256(out.read_bytes()).hexdigest()
    tpath = truth_path_for(out)
    # A clip shorter than a stride has no cadence or stride values: null in the JSON.
    tpath.write_text(json.dumps(to_json_ready(truth), separators=(",", ":"), allow_nan=False))
    return out, tpath


def frame_cameras(spec: ClipSpec, syn: Synthesis) -> list[Camera] | None:
    """Each frame's camera when it turns to follow the runner (panning); None if fixed."""
    if spec.camera_motion.kind != "panning":
        return None
    cam = spec.camera
    eye, target, _ = cam.eye_target_up()
    runner = syn.pose.points_m(("mid_hip",))[:, 0]
    pan, tilt, roll = camera_angles(spec.camera_motion, eye, target - eye, syn.time_s, runner)
    return [
        replace(cam, pan_deg=float(a), tilt_deg=float(b), roll_deg=cam.roll_deg + float(c))
        for a, b, c in zip(pan, tilt, roll, strict=True)
    ]


def overground_span_m(syn: Synthesis) -> tuple[float, float] | None:
    """``(x_min, x_max)`` of an overground runner's pelvis over the clip, None on a treadmill."""
    if syn.travel_m is None or not np.any(syn.travel_m):
        return None
    x = syn.pose.root_m[:, 0]
    return float(x.min()), float(x.max())
