"""The ``<clip>.truth.json`` file: what a synthetic clip shows, exactly.

Layout (``schema_version`` 1)::

    schema_version, generator, definitions        how to read the rest
    video        path, sha256, fps, n_frames, width/height, frame times rule
    spec         motion, preset, seed, planted deviations, outfit
    camera       view, position, roll, fov and the exact view/projection matrices
    camera_motion  static / panning / pass-by and its parameters; the runner's ground speed
    source       motion file, loop fix, treadmill speed, source stance windows
    events       per side: foot_strike_s, toe_off_s (1 ms resolution, true geometry)
    cadence_spm, stances (per-stance metrics), summary (medians per side)
    frames       per frame: time_s, stride phase, planted amounts, angles,
                 points: name -> {mediapipe_index, xy_px [[x, y]...], xyz_m [[x, y, z]...],
                                  occluded [0/1...]},
                 camera (panning only): pan_deg, tilt_deg, roll_deg, view_matrix per frame

Per-frame arrays are lists with one entry per video frame. Numbers are rounded to 0.01 px,
0.1 mm and 0.001 degree.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gaitlab.synth import truth
from gaitlab.synth.gait import JITTER_SD, Synthesis
from gaitlab.synth.render import Camera, ClipSpec, occluded
from gaitlab.synth.skeleton import LEG_LENGTH_M, POINT_NAMES


def _r(a: NDArray[np.float64], nd: int) -> list:
    return np.round(np.asarray(a, dtype=np.float64), nd).tolist()


def build_truth(
    spec: ClipSpec,
    syn: Synthesis,
    xy_px: NDArray[np.float64],
    seg_at: NDArray[np.int16] | None = None,
    render_s: float | None = None,
    cameras: list[Camera] | None = None,
) -> dict[str, Any]:
    """Assemble the ground-truth document for a rendered clip.

    Parameters
    ----------
    spec
        The clip's spec.
    syn
        The synthesis the clip was rendered from.
    xy_px
        ``(n, P, 2)`` projected named points (``POINT_NAMES`` order).
    seg_at
        ``(n, P)`` segment index under each projected point (for the occlusion flag).
    render_s
        Wall time spent rendering (recorded for benchmarks).
    cameras
        Each frame's camera when it turned (panning); ``xy_px`` was projected with them.
    """
    t_end = float(syn.time_s[-1]) + 1.0 / spec.fps
    dense_t, dense_pose = syn.dense
    dense_angles = truth.frame_angles(dense_pose)
    events = truth.contact_events(dense_t, dense_pose)
    stances = truth.stance_metrics(dense_t, dense_angles, events, 0.0, t_end)
    angles = truth.frame_angles(syn.pose)
    pts = syn.pose.points_m()
    occ = occluded(seg_at) if seg_at is not None else None
    points: dict[str, Any] = {}
    for j, name in enumerate(POINT_NAMES):
        entry: dict[str, Any] = {
            "mediapipe_index": truth.mediapipe_index(name),
            "xy_px": _r(xy_px[:, j], 2),
            "xyz_m": _r(pts[:, j], 4),
        }
        if occ is not None:
            entry["occluded"] = occ[:, j].astype(int).tolist()
        points[name] = entry
    loop_events = {
        truth.SIDE_NAMES[s]: [
            {"foot_strike_s": round(a, 4), "toe_off_s": round(b, 4)}
            for a, b in events[s]
            if -0.5 <= a <= t_end
        ]
        for s in ("l", "r")
    }
    cam = spec.camera
    frames: dict[str, Any] = {
        "time_s": _r(syn.time_s, 6),
        "phase": _r(syn.phase, 4),
        "foot_lock_lift_m": _r(syn.lift_m, 4),
        "planted": {k: _r(v, 3) for k, v in syn.planted.items()},
        "angles": {k: _r(v, 3) for k, v in angles.items()},
        "points": points,
    }
    if cameras is not None:
        frames["camera"] = {
            "pan_deg": [round(c.pan_deg, 4) for c in cameras],
            "tilt_deg": [round(c.tilt_deg, 4) for c in cameras],
            "roll_deg": [round(c.roll_deg, 4) for c in cameras],
            "view_matrix": [c.view_matrix().round(9).tolist() for c in cameras],
        }
    motion = spec.camera_motion
    travel = syn.travel_m
    ground_speed = None
    if motion.overground and travel is not None and len(syn.time_s) > 1:
        span_s = float(syn.time_s[-1] - syn.time_s[0])
        ground_speed = round(float(travel[-1, 0] - travel[0, 0]) / span_s, 4)
    return {
        "schema_version": truth.TRUTH_SCHEMA_VERSION,
        "generator": "gaitlab synth",
        "definitions": truth.DEFINITIONS,
        "video": {
            "path": spec.out_path.name,
            "sha256": None,
            "fps": spec.fps,
            "n_frames": int(syn.pose.n),
            "duration_s": round(t_end, 6),
            "width_px": cam.width_px,
            "height_px": cam.height_px,
            "frame_time_rule": "time_s[i] = i / fps (PTS i, time base 1/fps)",
            "codec": f"H.264 yuv420p CRF {spec.crf}",
            "render_wall_s": None if render_s is None else round(render_s, 2),
        },
        "spec": {
            "motion": spec.motion,
            "preset": spec.preset,
            "seed": spec.seed,
            "deviations": spec.deviations.to_dict(),
            "stride_variation_sd_at_1": JITTER_SD,
            "outfit": asdict(spec.outfit),
            "scene": asdict(spec.scene),
        },
        "camera": cam.to_dict(),
        "camera_motion": {
            **motion.to_dict(),
            "overground": motion.overground,
            "ground_speed_m_per_s": ground_speed,
        },
        "runner": {
            "leg_length_m": round(LEG_LENGTH_M, 4),
            "height_m": 1.62,
            "treadmill_speed_m_per_s_nominal": None,
        },
        "events": loop_events,
        "cadence_spm": round(truth.cadence_spm(events, 0.0, t_end), 3),
        "stances": stances,
        "summary": truth.summarize(stances),
        "strides": {
            "phase_rule": "phase = k + (t - start_k) / duration_k for stride k",
            "start_s": _r(syn.strides.start_s, 4),
        },
        "frames": frames,
    }
