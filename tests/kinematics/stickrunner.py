"""A synthetic stick runner with analytic ground truth, as a :class:`PoseSeries`.

The runner is built in a body frame (+X forward, +Y up, +Z the runner's right; metres) and
projected orthographically to image pixels for a side, rear or front camera.

Legs. Each leg's phase ``phi = (t f_stride + offset) mod 1`` (right leg half a stride after
the left). In stance (``phi < duty``) the ankle sits ``ankle_h`` above the ground and moves
backward relative to the hips at running speed from ``x_fs`` to ``x_fs - speed * contact``
(a foot on a treadmill belt, or standing still overground); the knee flexes as
``knee_fs + (knee_mid - knee_fs) sin(pi tau / contact)``, which fixes the hip-ankle distance
``2 l cos(knee / 2)`` and so the hip height. In flight the hips follow a ballistic parabola.
In swing the ankle follows a cubic Hermite curve back to the next strike, leaving and
landing at running speed, and lifts off with ``swing_lift sin(pi s)``. Knees come from
two-link inverse kinematics (knee forward), so every angle has a closed form:

- knee flexion ``pi - acos((l1^2 + l2^2 - d^2) / (2 l1 l2))`` (law of cosines);
- thigh angle from the downward vertical ``theta_HA + acos((l1^2 + d^2 - l2^2) / (2 l1 d))``;
- trunk lean is the input; hip extension ``-(thigh angle + trunk lean)``.

The foot is flat in stance (heel and toe on the ground, moving with it) and hangs toe-down
in swing. Foot strike is exactly at ``phi = 0``, toe-off at ``phi = duty``.

Corruptions: Gaussian pixel noise from a seeded generator, planted left/right leg-label
swaps (frame ranges), and dropouts (frames without a pose).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gaitlab.landmarks import INDEX, LEG, N_LANDMARKS
from gaitlab.series import ModelInfo, PoseSeries, VideoInfo

G = 9.81


@dataclass(frozen=True)
class RunnerSpec:
    """Parameters of a synthetic run (SI units unless the name says otherwise)."""

    cadence_spm: float = 170.0
    contact_s: float = 0.24
    speed_m_s: float = 3.2
    trunk_lean_deg: float = 8.0
    knee_fs_deg: float = 15.0
    knee_mid_deg: float = 40.0
    x_fs_m: float = 0.33
    thigh_m: float = 0.49
    shank_m: float = 0.49
    ankle_h_m: float = 0.08
    swing_lift_m: float = 0.35
    trunk_m: float = 0.52
    pelvic_drop_deg: float = 0.0
    fps: float = 60.0
    duration_s: float = 8.0
    view: str = "side-right"  # side-left, side-right, rear, front, oblique
    treadmill: bool = True
    px_per_m: float = 400.0
    noise_px: float = 0.0
    seed: int = 0
    swaps: tuple[tuple[int, int], ...] = ()
    dropouts: tuple[tuple[int, int], ...] = ()
    standing: bool = False
    far_visibility: float = 0.8
    #: Pinhole camera this far from the mid-hip (m), at hip height, for the rear and front
    #: views; None = orthographic. With a camera, a stance foot on the treadmill belt moves
    #: toward (rear) or away from (front) the camera and sinks (rises) in the image.
    camera_distance_m: float | None = None
    #: Side views only: the camera turned this far toward the runner's back (deg), an oblique
    #: side view; the sagittal plane is foreshortened by cos(yaw).
    yaw_deg: float = 0.0
    #: Heel strike: the foot lands toe-up by this angle and rolls flat about the heel within
    #: ``foot_flat_s`` after the strike (it tilts up over the last 30 % of the swing). 0 = the
    #: flat landing. Only the heel and toe landmarks change (the ankle keeps its path).
    heel_strike_deg: float = 0.0
    foot_flat_s: float = 0.05
    #: Push-off: over the last ``heel_off_s`` of stance the foot pivots about its toe, the
    #: heel rising (ever faster) to this angle at toe-off; the rotation carries on into the
    #: swing at the same rate and relaxes over its first 30 %.
    toe_off_pivot_deg: float = 0.0
    heel_off_s: float = 0.08
    #: The right leg's contact time when it differs from ``contact_s`` (a timing asymmetry;
    #: None = both legs alike). Its toe-off moves, its strike stays half a stride on.
    contact_s_right: float | None = None

    @property
    def stride_s(self) -> float:
        """Stride duration."""
        return 120.0 / self.cadence_spm

    @property
    def duty(self) -> float:
        """Duty factor (contact / stride)."""
        return self.contact_s / self.stride_s

    def contact_of(self, side: str) -> float:
        """Contact time of one leg."""
        if side == "right" and self.contact_s_right is not None:
            return self.contact_s_right
        return self.contact_s


@dataclass(frozen=True)
class StickRun:
    """A synthetic series and its ground truth."""

    spec: RunnerSpec
    series: PoseSeries
    #: (side, kind, time_s) of every foot strike and toe-off inside the clip.
    events: list[tuple[str, str, float]]
    #: Per-frame true angles (degrees) keyed like ``gaitlab.kinematics.angles.sagittal_angles``.
    angles: dict[str, np.ndarray] = field(default_factory=dict)
    #: Per-frame true mid-hip height (m) and pelvic obliquity (deg, + = left higher).
    hip_height_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    obliquity_deg: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def leg_px(self) -> float:
        """Leg length (hip-knee-ankle) in pixels."""
        return (self.spec.thigh_m + self.spec.shank_m) * self.spec.px_per_m


def _ik(hip: np.ndarray, ankle: np.ndarray, l1: float, l2: float):
    """Knee position (knee forward), thigh angle and knee flexion (degrees)."""
    d_vec = ankle - hip
    d = np.clip(np.linalg.norm(d_vec, axis=-1), 1e-6, (l1 + l2) * 0.9999)
    theta_ha = np.arctan2(d_vec[..., 0], -d_vec[..., 1])
    alpha = np.arccos(np.clip((l1**2 + d**2 - l2**2) / (2 * l1 * d), -1, 1))
    thigh = theta_ha + alpha
    knee = hip + l1 * np.stack([np.sin(thigh), -np.cos(thigh)], axis=-1)
    flex = np.pi - np.arccos(np.clip((l1**2 + l2**2 - d**2) / (2 * l1 * l2), -1, 1))
    # Re-place the ankle at the reachable distance along the hip-ankle direction.
    unit = d_vec / np.linalg.norm(d_vec, axis=-1, keepdims=True)
    ankle_ok = hip + unit * d[..., None]
    d_sh = ankle_ok - knee
    shank = np.arctan2(d_sh[..., 0], -d_sh[..., 1])
    return knee, ankle_ok, np.degrees(thigh), np.degrees(flex), np.degrees(shank)


def make_run(spec: RunnerSpec) -> StickRun:
    """Generate the series and its truth for ``spec``."""
    n = round(spec.duration_s * spec.fps)
    t = np.arange(n) / spec.fps
    f = 1.0 / spec.stride_s
    tcs = {s: spec.contact_of(s) for s in ("left", "right")}
    duties = {s: tcs[s] / spec.stride_s for s in tcs}
    duty = spec.duty
    l1, l2 = spec.thigh_m, spec.shank_m
    offsets = {"left": 0.0, "right": 0.5}
    if spec.standing:
        phases = {s: np.full(n, 0.5 * duty) for s in offsets}
    else:
        phases = {s: np.mod(t * f + 0.1 + o, 1.0) for s, o in offsets.items()}

    # Ankle relative to the hips (x) and above the ground (y), per leg.
    ank_x, ank_y, stance, h_req = {}, {}, {}, {}
    for side, phi in phases.items():
        tc, duty = tcs[side], duties[side]
        x_to = spec.x_fs_m - spec.speed_m_s * tc
        st = phi < duty
        tau = phi * spec.stride_s  # time since foot strike while in stance
        knee = spec.knee_fs_deg + (spec.knee_mid_deg - spec.knee_fs_deg) * np.sin(
            np.pi * np.clip(tau / tc, 0, 1)
        )
        d = (l1 + l2) * np.cos(np.radians(knee) / 2)
        x_st = spec.x_fs_m - spec.speed_m_s * tau
        s = np.clip((phi - duty) / (1 - duty), 0, 1)  # swing progress 0-1
        # Cubic Hermite: the ankle leaves and lands moving backward at running speed,
        # so its horizontal velocity (and the joint angles) have no corner at the events.
        m = -spec.speed_m_s * (1 - duty) * spec.stride_s
        h00, h10 = 2 * s**3 - 3 * s**2 + 1, s**3 - 2 * s**2 + s
        h01, h11 = -2 * s**3 + 3 * s**2, s**3 - s**2
        x_sw = h00 * x_to + h10 * m + h01 * spec.x_fs_m + h11 * m
        y_sw = spec.ankle_h_m + spec.swing_lift_m * np.sin(np.pi * s)
        ank_x[side] = np.where(st, x_st, x_sw)
        ank_y[side] = np.where(st, spec.ankle_h_m, y_sw)
        stance[side] = st
        h_req[side] = np.where(st, spec.ankle_h_m + np.sqrt(np.maximum(d**2 - x_st**2, 0)), np.nan)

    # Hip height: set by the stance leg (the lower requirement in double support); in flight
    # a ballistic parabola between the heights at toe-off and the next strike.
    both = np.stack([h_req["left"], h_req["right"]])
    hip_h = np.min(np.where(np.isnan(both), np.inf, both), axis=0)
    hip_h[np.isinf(hip_h)] = np.nan
    flight = np.isnan(hip_h)
    if flight.any():
        idx = np.flatnonzero(flight)
        runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
        for r in runs:
            a, b = r[0] - 1, r[-1] + 1
            ha = hip_h[a] if a >= 0 else hip_h[b]
            hb = hip_h[b] if b < n else ha
            ta, tb = t[max(a, 0)], t[min(b, n - 1)]
            if tb <= ta:
                hip_h[r] = ha
                continue
            u = (t[r] - ta) / (tb - ta)
            hip_h[r] = ha + (hb - ha) * u + 0.5 * G * (t[r] - ta) * (tb - t[r])

    hip_x = spec.speed_m_s * t * (0.0 if (spec.treadmill or spec.standing) else 1.0)
    mid_hip = np.stack([hip_x, hip_h], axis=-1)
    lean = np.radians(spec.trunk_lean_deg)
    mid_sh = mid_hip + spec.trunk_m * np.array([np.sin(lean), np.cos(lean)])

    # Pelvic obliquity (+ = left hip higher): the swing-side hip drops during each stance.
    obl = np.zeros(n)
    for side, sign in (("right", -1.0), ("left", 1.0)):
        tau = phases[side] * spec.stride_s
        bump = np.where(stance[side], np.sin(np.pi * np.clip(tau / tcs[side], 0, 1)), 0.0)
        obl += sign * spec.pelvic_drop_deg * bump
    hip_half = 0.10

    # Body-frame 3D points (bx, by, bz): bz = runner's right.
    pts = np.full((n, N_LANDMARKS, 3), np.nan)

    def put(name: str, xy: np.ndarray, z: float) -> None:
        pts[:, INDEX[name], 0] = xy[:, 0]
        pts[:, INDEX[name], 1] = xy[:, 1]
        pts[:, INDEX[name], 2] = z

    angles: dict[str, np.ndarray] = {"trunk_lean_deg": np.full(n, spec.trunk_lean_deg)}
    for side, zs in (("left", -1.0), ("right", 1.0)):
        dy = (-zs) * hip_half * np.tan(np.radians(obl))  # left side up when obl > 0
        hip = mid_hip + np.stack([np.zeros(n), dy], axis=-1)
        ankle_target = np.stack([hip_x + ank_x[side], ank_y[side]], axis=-1)
        knee, ankle, thigh, flex, shank = _ik(hip, ankle_target, l1, l2)
        put(f"{side}_hip", hip, zs * hip_half)
        put(f"{side}_knee", knee, zs * 0.10)
        put(f"{side}_ankle", ankle, zs * 0.09)
        tc, duty = tcs[side], duties[side]
        s_prog = np.clip((phases[side] - duty) / (1 - duty), 0, 1)
        pf = np.where(stance[side], 0.0, np.radians(40.0) * np.sin(np.pi * s_prog))
        c, s_ = np.cos(-pf), np.sin(-pf)
        foot = {}
        for name, (vx, vy) in (
            ("heel", (-0.06, -spec.ankle_h_m)),
            ("foot_index", (0.16, -spec.ankle_h_m)),
        ):
            rel = np.stack([c * vx - s_ * vy, s_ * vx + c * vy], axis=-1)
            foot[name] = ankle + rel
        # Heel strike (toe up, rolling flat about the heel) and push-off (heel up, pivoting
        # about the toe): extra pitch of the rigid foot, toe-up positive.
        tau = phases[side] * spec.stride_s
        smooth = lambda x: 3 * np.clip(x, 0, 1) ** 2 - 2 * np.clip(x, 0, 1) ** 3  # noqa: E731
        e_fs = np.radians(spec.heel_strike_deg) * np.where(
            stance[side],
            np.clip(1 - tau / spec.foot_flat_s, 0, 1),
            smooth((s_prog - 0.7) / 0.3),
        )
        # Push-off: the heel rises with a growing rate, q^2 (no jerk at heel-off); after
        # toe-off the rotation carries on at the same rate and relaxes (cubic Hermite over
        # the first 30 % of the swing), so only the toe's lift marks the toe-off.
        q = np.clip((tau - (tc - spec.heel_off_s)) / spec.heel_off_s, 0, 1)
        x = np.clip(s_prog / 0.3, 0, 1)
        m0 = 2.0 / spec.heel_off_s * 0.3 * (1 - duty) * spec.stride_s
        e_to = np.radians(spec.toe_off_pivot_deg) * np.where(
            stance[side],
            q**2,
            (2 * x**3 - 3 * x**2 + 1) + m0 * (x**3 - 2 * x**2 + x),
        )
        foot_len = 0.22
        pitch = -pf + e_fs
        toe = foot["heel"] + foot_len * np.stack([np.cos(pitch), np.sin(pitch)], axis=-1)
        pitch = pitch - e_to
        heel = toe - foot_len * np.stack([np.cos(pitch), np.sin(pitch)], axis=-1)
        put(f"{side}_heel", heel, zs * 0.09)
        put(f"{side}_foot_index", toe, zs * 0.09)
        angles[f"{side}_thigh_angle_deg"] = thigh
        angles[f"{side}_thigh_extension_deg"] = -thigh
        angles[f"{side}_hip_extension_deg"] = -(thigh + spec.trunk_lean_deg)
        angles[f"{side}_knee_flexion_deg"] = flex
        angles[f"{side}_shank_angle_deg"] = shank
        # Arms swing opposite to the same-side leg.
        arm = np.radians(35.0) * np.sin(2 * np.pi * (phases[side] + 0.25))
        sh = mid_sh.copy()
        elbow = sh + 0.28 * np.stack([-np.sin(arm), -np.cos(arm)], axis=-1)
        wrist = elbow + 0.25 * np.stack([np.cos(arm), -np.sin(arm)], axis=-1)
        put(f"{side}_shoulder", sh, zs * 0.18)
        put(f"{side}_elbow", elbow, zs * 0.22)
        put(f"{side}_wrist", wrist, zs * 0.22)
        for hand in ("pinky", "index", "thumb"):
            put(f"{side}_{hand}", wrist + np.array([0.03, -0.04]), zs * 0.22)
        put(f"{side}_ear", mid_sh + np.array([0.0, 0.2]), zs * 0.07)
        put(f"{side}_eye", mid_sh + np.array([0.08, 0.23]), zs * 0.03)
        put(f"{side}_eye_inner", mid_sh + np.array([0.085, 0.23]), zs * 0.015)
        put(f"{side}_eye_outer", mid_sh + np.array([0.075, 0.23]), zs * 0.045)
        put(f"mouth_{side}", mid_sh + np.array([0.085, 0.16]), zs * 0.025)
    put("nose", mid_sh + np.array([0.11, 0.2]), 0.0)

    # Projection to pixels.
    k = spec.px_per_m
    cx, cy = 640.0, 900.0
    bx, by, bz = pts[..., 0], pts[..., 1], pts[..., 2]
    vis = np.full((n, N_LANDMARKS), 0.98)
    ca, sa = np.cos(np.radians(spec.yaw_deg)), np.sin(np.radians(spec.yaw_deg))
    if spec.view == "side-right":
        x_img, depth = cx + k * (ca * bx + sa * bz), k * (sa * bx - ca * bz)
        far = "left"
    elif spec.view == "side-left":
        x_img, depth = cx - k * (ca * bx + sa * bz), k * (ca * bz - sa * bx)
        far = "right"
    elif spec.view == "rear":
        x_img, depth = cx + k * bz, k * bx
        far = None
        vis[:, :11] = 0.4  # face hidden from behind
    elif spec.view == "front":
        x_img, depth = cx - k * bz, -k * bx
        far = None
    elif spec.view == "oblique":  # camera 45 degrees behind the runner's right side
        c45 = np.sqrt(0.5)
        x_img, depth = cx + k * c45 * (bx + bz), k * c45 * (bx - bz)
        far = None
    else:
        raise ValueError(spec.view)
    if far is not None:
        vis[:, list(LEG[far][1:])] = spec.far_visibility
    y_img = cy - k * by
    if spec.camera_distance_m is not None and spec.view in ("rear", "front"):
        # Pinhole at hip height, distance D from the mid-hip; same scale at the body plane.
        d_cam = spec.camera_distance_m
        dist = d_cam + (bx - hip_x[:, None]) * (1.0 if spec.view == "rear" else -1.0)
        h_cam = float(np.nanmedian(hip_h))
        scale = d_cam / dist
        x_img = cx + (x_img - cx) * scale
        y_img = (cy - k * h_cam) - k * (by - h_cam) * scale
    xy = np.stack([x_img, y_img], axis=-1)
    rng = np.random.default_rng(spec.seed)
    if spec.noise_px > 0:
        xy = xy + rng.normal(0.0, spec.noise_px, xy.shape)
    world = np.stack([bz, -by, bx], axis=-1) - np.stack([bz, -by, bx], axis=-1)[:, [23, 24]].mean(
        axis=1, keepdims=True
    )

    left, right = list(LEG["left"]), list(LEG["right"])
    for a, b in spec.swaps:
        for arr in (xy, vis, depth, world):
            arr[a:b, left], arr[a:b, right] = arr[a:b, right].copy(), arr[a:b, left].copy()
    for a, b in spec.dropouts:
        xy[a:b] = np.nan
        depth[a:b] = np.nan
        world[a:b] = np.nan
        vis[a:b] = 0.0

    events: list[tuple[str, str, float]] = []
    if not spec.standing:
        for side, o in offsets.items():
            # phi = 0 when t f + 0.1 + o is an integer.
            for m in range(-2, int(spec.duration_s * f) + 3):
                t_fs = (m - 0.1 - o) / f
                for kind, tt in (("foot_strike", t_fs), ("toe_off", t_fs + tcs[side])):
                    if 0 <= tt <= t[-1]:
                        events.append((side, kind, float(tt)))
    events.sort(key=lambda e: e[2])

    video = VideoInfo(
        path="synthetic.mp4",
        sha256="0" * 64,
        width_px=1280,
        height_px=1280,
        rotation_deg=0,
        n_frames=n,
        duration_s=n / spec.fps,
        nominal_fps=spec.fps,
        capture_fps=spec.fps,
        slowmo_factor=1.0,
        codec="h264",
        container="mp4",
        vfr=False,
    )
    series = PoseSeries(
        time_s=t,
        xy_px=xy,
        depth_rel=depth,
        visibility=vis,
        world_m=world,
        video=video,
        model=ModelInfo(name="stickrunner", sha256="0" * 64),
    )
    return StickRun(spec, series, events, angles, hip_h, obl)
