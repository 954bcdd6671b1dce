"""Ground truth of a synthetic clip: joint centres, angles, gait events, cadence.

Definitions follow docs/metrics.md and are computed from the *true* 3D joint centres of
the posed skeleton (world frame: +X = direction of travel, +Y = runner's left, +Z = up, m).
"Sagittal" angles use the X-Z components of vectors (what a side camera square to the running
direction sees), "frontal" angles the Y-Z components (what a rear camera sees).

=============================  ===================================================================
``trunk_lean_deg``             mid-hip -> mid-shoulder vs vertical, sagittal, + forward
``hip_extension_<s>_deg``      thigh (hip -> knee) vs the trunk line continued downward,
                               sagittal, + extension (thigh behind the trunk line)
``thigh_extension_<s>_deg``    thigh vs vertical, sagittal, + behind (pelvis-independent)
``knee_flexion_<s>_deg``       thigh angle minus shank angle, sagittal; 0 = straight
``knee_flexion_3d_<s>_deg``    180 - angle hip-knee-ankle in 3D
``shank_angle_<s>_deg``        knee -> ankle vs vertical, sagittal, + ankle ahead of the knee
``ankle_ahead_<s>_cm``         ankle X minus mid-hip X (+ ahead), cm
``pelvic_obliquity_deg``       hip line (right -> left hip joint centre) vs horizontal, frontal,
                               + when the left hip is lower
``pelvic_drop_deg`` (stance)   obliquity signed so + = swing-side hip lower
``trunk_pelvis_angle_deg``     back arch: pelvis segment's up axis minus the trunk line, sagittal,
                               + = trunk extended relative to the pelvis (lumbar arch)
``lumbar_extension_deg``       pelvis up axis minus chest up axis, sagittal (segment axes)
``lateral_trunk_lean_deg``     mid-hip -> mid-shoulder vs vertical, frontal, + towards the left
=============================  ===================================================================

Gait events come from the true geometry: a foot is in contact while the lowest point of its
sole is within ``CONTACT_HEIGHT_M`` of the floor, evaluated every millisecond; foot strike is
the first contact millisecond, toe-off the first one after it without contact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from gaitlab.landmarks import INDEX as MP_INDEX
from gaitlab.synth.skeleton import LEG_LENGTH_M, POINT_NAMES, SEG, BodyPose

#: Foot contact threshold on the lowest sole point (m).
CONTACT_HEIGHT_M = 0.005

#: Version of the ``.truth.json`` layout; bump on incompatible change.
TRUTH_SCHEMA_VERSION = 1

SIDE_NAMES: dict[str, str] = {"l": "left", "r": "right"}


def _sag_up(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sagittal angle of an upward vector from vertical, + forward (deg)."""
    return np.degrees(np.arctan2(v[..., 0], v[..., 2]))


def _sag_down(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sagittal angle of a downward vector from straight down, + forward (deg)."""
    return np.degrees(np.arctan2(v[..., 0], -v[..., 2]))


def named_points(pose: BodyPose) -> dict[str, NDArray[np.float64]]:
    """World positions of all named points, ``{name: (n, 3)}`` in m."""
    pts = pose.points_m()
    return {name: pts[:, i] for i, name in enumerate(POINT_NAMES)}


def frame_angles(pose: BodyPose) -> dict[str, NDArray[np.float64]]:
    """Per-frame true angles and distances (see the module table), ``{name: (n,)}``."""
    p = named_points(pose)
    mid_hip = p["mid_hip"]
    mid_sh = 0.5 * (p["left_shoulder"] + p["right_shoulder"])
    trunk = mid_sh - mid_hip
    out: dict[str, NDArray[np.float64]] = {}
    lean = _sag_up(trunk)
    out["trunk_lean_deg"] = lean
    out["lateral_trunk_lean_deg"] = np.degrees(np.arctan2(trunk[:, 1], trunk[:, 2]))
    for s, name in SIDE_NAMES.items():
        hip, knee, ankle = p[f"{name}_hip"], p[f"{name}_knee"], p[f"{name}_ankle"]
        thigh_fwd = _sag_down(knee - hip)
        shank_fwd = _sag_down(ankle - knee)
        # The trunk line continued downward points at -lean from straight down.
        out[f"hip_extension_{s}_deg"] = -lean - thigh_fwd
        out[f"thigh_extension_{s}_deg"] = -thigh_fwd
        out[f"knee_flexion_{s}_deg"] = thigh_fwd - shank_fwd
        a, b = hip - knee, ankle - knee
        cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        out[f"knee_flexion_3d_{s}_deg"] = 180.0 - np.degrees(np.arccos(np.clip(cos, -1, 1)))
        out[f"shank_angle_{s}_deg"] = shank_fwd
        out[f"ankle_ahead_{s}_cm"] = 100.0 * (ankle[:, 0] - mid_hip[:, 0])
    hip_line = p["left_hip"] - p["right_hip"]
    out["pelvic_obliquity_deg"] = np.degrees(np.arctan2(-hip_line[:, 2], hip_line[:, 1]))
    pelvis_up = pose.rot[:, SEG["pelvis"], :, 2]
    chest_up = pose.rot[:, SEG["chest"], :, 2]
    out["trunk_pelvis_angle_deg"] = _sag_up(pelvis_up) - lean
    out["lumbar_extension_deg"] = _sag_up(pelvis_up) - _sag_up(chest_up)
    out["mid_hip_height_m"] = mid_hip[:, 2].copy()
    return out


def contact_events(
    time_s: NDArray[np.float64], pose: BodyPose, threshold_m: float = CONTACT_HEIGHT_M
) -> dict[str, list[tuple[float, float]]]:
    """Contacts per side as ``(foot_strike_s, toe_off_s)``, from densely sampled geometry.

    Contacts cut by the start or end of the sampled span are dropped.
    """
    out: dict[str, list[tuple[float, float]]] = {}
    for s in ("l", "r"):
        z = pose.sole_points_m(s)[..., 2].min(axis=1)
        contact = z <= threshold_m
        edges = np.diff(contact.astype(np.int8))
        starts = np.flatnonzero(edges == 1) + 1
        ends = np.flatnonzero(edges == -1) + 1
        pairs = []
        for a in starts:
            later = ends[ends > a]
            if len(later):
                pairs.append((float(time_s[a]), float(time_s[later[0]])))
        out[s] = pairs
    return out


def _interp(time_s: NDArray, values: NDArray, t: float) -> float:
    return float(np.interp(t, time_s, values))


def stance_metrics(
    time_s: NDArray[np.float64],
    angles: dict[str, NDArray[np.float64]],
    events: dict[str, list[tuple[float, float]]],
    t_start_s: float,
    t_end_s: float,
) -> list[dict[str, Any]]:
    """Per-stance metrics at the instants of docs/metrics.md, for stances starting inside the clip.

    ``angles`` must be sampled densely at ``time_s`` (the 1 kHz grid).
    """
    obliq = angles["pelvic_obliquity_deg"]
    inside = (time_s >= t_start_s) & (time_s <= t_end_s)
    neutral = float(np.median(obliq[inside]))
    strikes_all = sorted((fs, s) for s in events for fs, _ in events[s])
    rows: list[dict[str, Any]] = []
    for s, name in SIDE_NAMES.items():
        other = "r" if s == "l" else "l"
        for fs, to in events[s]:
            if not t_start_s <= fs <= t_end_s:
                continue
            mid = 0.5 * (fs + to)
            sign = 1.0 if s == "r" else -1.0  # right stance: left (swing) hip lower is +
            early = (time_s >= fs) & (time_s <= mid)
            whole = (time_s >= fs) & (time_s <= to)
            next_other = [f for f, _ in events[other] if f > to]
            until = next_other[0] if next_other else to + 0.15
            late = (time_s >= fs) & (time_s <= until)
            drop = sign * obliq
            nxt = [f for f, side in strikes_all if f > fs]
            same_next = [f for f, _ in events[s] if f > fs]
            stride_end = same_next[0] if same_next else None
            stride = (time_s >= fs) & (time_s <= stride_end) if stride_end is not None else None
            rows.append(
                {
                    "side": name,
                    "foot_strike_s": round(fs, 4),
                    "toe_off_s": round(to, 4),
                    "mid_stance_s": round(mid, 4),
                    "contact_time_s": round(to - fs, 4),
                    "complete": bool(to <= t_end_s),
                    "step_time_s": round(nxt[0] - fs, 4) if nxt else None,
                    "overstride_cm": round(_interp(time_s, angles[f"ankle_ahead_{s}_cm"], fs), 3),
                    "overstride_pct_leg": round(
                        _interp(time_s, angles[f"ankle_ahead_{s}_cm"], fs) / LEG_LENGTH_M, 3
                    ),
                    "shank_angle_at_strike_deg": round(
                        _interp(time_s, angles[f"shank_angle_{s}_deg"], fs), 3
                    ),
                    "knee_flexion_at_strike_deg": round(
                        _interp(time_s, angles[f"knee_flexion_{s}_deg"], fs), 3
                    ),
                    "knee_flexion_mid_stance_deg": round(
                        _interp(time_s, angles[f"knee_flexion_{s}_deg"], mid), 3
                    ),
                    "trunk_lean_mean_deg": round(float(angles["trunk_lean_deg"][whole].mean()), 3),
                    "trunk_lean_stride_mean_deg": (
                        round(float(angles["trunk_lean_deg"][stride].mean()), 3)
                        if stride is not None
                        else None
                    ),
                    "stride_time_s": (
                        round(stride_end - fs, 4) if stride_end is not None else None
                    ),
                    "knee_flexion_peak_stance_deg": round(
                        float(angles[f"knee_flexion_{s}_deg"][whole].max()), 3
                    ),
                    "hip_extension_peak_deg": round(
                        float(angles[f"hip_extension_{s}_deg"][late].max()), 3
                    ),
                    "hip_extension_at_toe_off_deg": round(
                        _interp(time_s, angles[f"hip_extension_{s}_deg"], to), 3
                    ),
                    "thigh_extension_peak_deg": round(
                        float(angles[f"thigh_extension_{s}_deg"][late].max()), 3
                    ),
                    "thigh_extension_at_toe_off_deg": round(
                        _interp(time_s, angles[f"thigh_extension_{s}_deg"], to), 3
                    ),
                    "pelvic_drop_peak_deg": round(float(drop[early].max()), 3),
                    "pelvic_drop_peak_rel_neutral_deg": round(
                        float(drop[early].max() - sign * neutral), 3
                    ),
                    "pelvic_drop_peak_whole_stance_deg": round(float(drop[whole].max()), 3),
                    "trunk_pelvis_angle_mean_deg": round(
                        float(angles["trunk_pelvis_angle_deg"][whole].mean()), 3
                    ),
                }
            )
    rows.sort(key=lambda r: r["foot_strike_s"])
    return rows


def cadence_spm(events: dict[str, list[tuple[float, float]]], t0: float, t1: float) -> float:
    """Steps per minute from all foot strikes inside ``[t0, t1]``."""
    strikes = sorted(fs for s in events for fs, _ in events[s] if t0 <= fs <= t1)
    if len(strikes) < 2:
        return float("nan")
    return 60.0 * (len(strikes) - 1) / (strikes[-1] - strikes[0])


def summarize(stances: list[dict[str, Any]]) -> dict[str, Any]:
    """Median (and min/max) of each per-stance metric, per side and overall."""
    keys = [
        k
        for k, v in (stances[0].items() if stances else [])
        if isinstance(v, float) and not k.endswith("_s")
    ] + ["contact_time_s", "step_time_s", "stride_time_s", "trunk_lean_stride_mean_deg"]
    keys = list(dict.fromkeys(keys))  # a stance's optional keys may appear twice
    out: dict[str, Any] = {}
    for group in ("left", "right", "all"):
        rows = [r for r in stances if group in ("all", r["side"])]
        stats = {}
        for k in keys:
            vals = np.array([r[k] for r in rows if r.get(k) is not None], dtype=np.float64)
            if vals.size:
                stats[k] = {
                    "median": round(float(np.median(vals)), 3),
                    "min": round(float(vals.min()), 3),
                    "max": round(float(vals.max()), 3),
                }
        out[group] = {"n_stances": len(rows), **stats}
    return out


#: MediaPipe landmark index of each exported point that has one (others: -1).
def mediapipe_index(name: str) -> int:
    """MediaPipe BlazePose index of a named point, -1 if it has no equivalent."""
    return MP_INDEX.get(name, -1)


DEFINITIONS: dict[str, str] = {
    "frame": "world metres: +x direction of travel, +y runner's left, +z up; floor z = 0; "
    "the runner faces +x and runs in place (treadmill) or, when camera_motion is not "
    "static, overground along +x with the stance foot still on the floor",
    "pixels": "x right, y down, origin at the top-left corner of the top-left pixel "
    "(pixel i spans [i, i+1)); same convention as MediaPipe's normalised x * width",
    "joint_centres": "hip/knee/ankle/shoulder/elbow/wrist = joint centres of the skeleton "
    "(DeepMimic humanoid, scaled 0.25); heel and foot_index = 1.2 cm inside the back and "
    "front of the shoe, 1.2 cm above the sole; nose = front of the head; "
    "mid_hip = midpoint of the hip centres",
    "trunk_lean_deg": "mid-hip -> mid-shoulder vs vertical, sagittal (x-z), + forward",
    "hip_extension_deg": "thigh (hip -> knee) vs trunk line continued downward, sagittal, "
    "+ extension",
    "thigh_extension_deg": "thigh vs vertical, sagittal, + thigh behind",
    "knee_flexion_deg": "thigh angle minus shank angle, sagittal, 0 = straight",
    "shank_angle_deg": "knee -> ankle vs vertical, sagittal, + ankle ahead of knee",
    "overstride_cm": "ankle x minus mid-hip x at foot strike, + ankle ahead",
    "overstride_pct_leg": f"overstride / leg length ({LEG_LENGTH_M:.4f} m, hip centre to sole)",
    "pelvic_obliquity_deg": "hip line vs horizontal in the frontal (y-z) plane, + left hip lower",
    "pelvic_drop_deg": "obliquity signed + when the swing-side (non-stance) hip is lower; "
    "peak from foot strike to mid-stance; *_rel_neutral subtracts the clip's median obliquity",
    "trunk_pelvis_angle_deg": "back arch: sagittal angle of the pelvis segment's up axis minus "
    "trunk lean; grows with lumbar hyperextension",
    "lumbar_extension_deg": "sagittal angle of pelvis up axis minus chest up axis",
    "hip_extension_peak_deg": "max hip extension from foot strike to the other foot's next "
    "strike (late stance and early swing); the same window gaitlab's hip_extension_deg uses",
    "thigh_extension_peak_deg": "max thigh extension over the same window",
    "trunk_lean_stride_mean_deg": "mean trunk lean from this foot strike to the next strike "
    "of the same foot (gaitlab's trunk_lean_deg); trunk_lean_mean_deg is over stance only",
    "knee_flexion_peak_stance_deg": "max knee flexion from foot strike to toe-off "
    "(gaitlab's knee_flexion_midstance_deg); knee_flexion_mid_stance_deg is at mid-stance",
    "stride_time_s": "this foot strike to the next strike of the same foot",
    "foot_strike_s/toe_off_s": f"lowest sole point within {CONTACT_HEIGHT_M * 1000:.0f} mm of "
    "the floor, evaluated every 1 ms on the true geometry",
    "cadence_spm": "60 * (number of foot strikes in the clip - 1) / (last - first strike time)",
    "occluded": "the front-most body segment at the projected pixel is not the point's own "
    "segment or an adjacent one (or the point is outside the image)",
}
