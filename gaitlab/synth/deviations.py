"""Planted deviations: gait faults of known size, made by editing segment rotations.

Every edit works on the world rotations of :class:`~gaitlab.synth.skeleton.BodyPose` and then
re-chains the joint centres, so a segment that an edit does not touch keeps its orientation in
space exactly. Each edit is built so that the metric it is named after (docs/metrics.md,
computed by :mod:`gaitlab.synth.truth` from the true joint centres) moves by the planted amount:

``trunk_lean_deg``
    Pelvis and upper body lean forward from the hips: the pelvis turns about its hip axis and
    the trunk line (mid-hip -> mid-shoulder) by exactly the planted sagittal angle (see
    :func:`tilt_pelvis_and_trunk`); the legs and the pelvic obliquity are untouched. Trunk
    lean changes by the planted angle and thigh-vs-trunk hip extension by minus it (leaning
    forward from the hips flexes them); thigh-vs-vertical is unchanged.
``back_arch_deg``
    Lumbar hyperextension. The pelvis tilts forward (anteriorly) by the planted sagittal angle
    about its hip axis and the lumbar and thoracic joints extend by equal amounts, solved per
    frame so that the trunk line keeps its sagittal direction: trunk lean and hip extension are
    unchanged, the trunk line relative to the pelvis (``trunk_pelvis_angle_deg``) grows by the
    planted angle, and the silhouette shows a hollow low back above a tilted pelvis.
``pelvic_drop_deg``
    Contralateral pelvic drop. During each stance the pelvis rotates about the world forward
    axis (+X) through the *stance* hip joint centre so the swing-side hip drops; the stance leg
    is untouched and the upper body and swing leg keep their orientation. A rotation about the
    rear camera's line of sight turns the hip line's frontal-plane angle by exactly the planted
    angle (plateau from 25 % to 75 % of stance, smooth ramps at both ends).
``hip_extension_deg``
    Change in peak hip extension (negative = limited). Around each leg's peak thigh extension
    (late stance into early swing) the thigh rotates about +Y through the hip; the knee flexes
    (or extends) so the ankle keeps its original height and the foot its orientation, so the
    foot neither scuffs nor sinks and contact timing is unchanged.
``overstride_cm``
    At each foot strike the ankle is placed further ahead of the hip, at its original height,
    by a two-segment inverse kinematics of thigh and shank about +Y (foot orientation kept);
    plateau around foot strike, ramps over late swing and the first part of stance.
``cadence_scale``
    The stride is played faster (> 1) or slower; the treadmill belt speed scales with it.

Sided deviations (pelvic drop, hip extension, overstride) take an amount for both sides plus
an extra amount per side, which is how left/right asymmetry is planted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
from numpy.typing import NDArray

from gaitlab.synth.skeleton import SEG, BodyPose, descendants, rot_x, rot_y

#: Deviations that can be planted per side: ``<name>`` applies to both sides and
#: ``<name>_left`` / ``<name>_right`` add to one side only (left/right asymmetry).
SIDED: tuple[str, ...] = ("pelvic_drop_deg", "hip_extension_deg", "overstride_cm")

#: Upper-body segments carried by the lumbar joint.
UPPER_BODY: tuple[str, ...] = descendants("abdomen")
#: Segments from the chest up (carried by the thoracic joint).
CHEST_UP: tuple[str, ...] = descendants("chest")


@dataclass(frozen=True)
class Deviations:
    """Sizes of the planted deviations (all zero = the source motion as captured).

    Sided amounts add up: the right leg's overstride is ``overstride_cm + overstride_right_cm``.
    For pelvic drop the side is the *stance* side: ``pelvic_drop_left_deg`` drops the right
    hip while the runner stands on the left leg (a weak left hip abductor).

    Attributes
    ----------
    trunk_lean_deg
        Extra forward trunk lean (negative = more upright / backward).
    back_arch_deg
        Extra lumbar extension: trunk line relative to the pelvis, + = arched.
    pelvic_drop_deg, pelvic_drop_left_deg, pelvic_drop_right_deg
        Extra contralateral pelvic drop over each stance (negative reduces the source's drop).
    hip_extension_deg, hip_extension_left_deg, hip_extension_right_deg
        Change of peak hip extension (negative = limited hip extension). Exact for a total
        change within +-25 degrees.
    overstride_cm, overstride_left_cm, overstride_right_cm
        Extra distance of the ankle ahead of the mid-hip at foot strike.
    cadence_scale
        Step-rate factor (1.1 = 10 % faster cadence, same stride pattern).
    stride_variability
        Scale of the seeded stride-to-stride variation (0 = identical strides, 1 = default;
        see ``gaitlab.synth.gait.JITTER_SD``).
    """

    trunk_lean_deg: float = 0.0
    back_arch_deg: float = 0.0
    pelvic_drop_deg: float = 0.0
    pelvic_drop_left_deg: float = 0.0
    pelvic_drop_right_deg: float = 0.0
    hip_extension_deg: float = 0.0
    hip_extension_left_deg: float = 0.0
    hip_extension_right_deg: float = 0.0
    overstride_cm: float = 0.0
    overstride_left_cm: float = 0.0
    overstride_right_cm: float = 0.0
    cadence_scale: float = 1.0
    stride_variability: float = 1.0

    def __post_init__(self) -> None:
        if not 0.5 <= self.cadence_scale <= 2.0:
            raise ValueError(f"cadence_scale must be in [0.5, 2], got {self.cadence_scale}")
        if self.stride_variability < 0:
            raise ValueError(f"stride_variability must be >= 0, got {self.stride_variability}")
        if abs(self.back_arch_deg) > 40 or abs(self.trunk_lean_deg) > 40:
            raise ValueError("back_arch_deg and trunk_lean_deg must be within +-40 degrees")

    def amount(self, name: str, side: str) -> float:
        """Total amount of a sided deviation for ``side`` (``'l'``/``'r'``)."""
        stem, unit = name.rsplit("_", 1)
        extra = getattr(self, f"{stem}_{'left' if side == 'l' else 'right'}_{unit}")
        return float(getattr(self, name)) + float(extra)

    def plus(self, **extra: float) -> Deviations:
        """Add amounts; ``cadence_scale`` multiplies, ``stride_variability`` replaces."""
        out: dict[str, float] = {}
        for key, value in extra.items():
            current = getattr(self, key)
            if key == "stride_variability":
                out[key] = float(value)
            elif key == "cadence_scale":
                out[key] = current * float(value)
            else:
                out[key] = current + float(value)
        return replace(self, **out)

    def to_dict(self) -> dict[str, float]:
        """Plain dict (for JSON)."""
        return asdict(self)


#: Planted on top of the source run to bring it inside normal bands (docs/accuracy.md;
#: measured baseline in sample_videos/README.md): the captured run leans ~27 degrees forward,
#: drops the pelvis ~10 (right stance) and ~7 (left stance) degrees, lands the left ankle 8 cm
#: further ahead than the right, and after the lean correction would extend the hips ~23
#: (right) / ~19 (left) degrees.
NORMAL_RUN = Deviations(
    trunk_lean_deg=-17.0,
    pelvic_drop_deg=-3.0,
    pelvic_drop_right_deg=-3.5,
    hip_extension_deg=-8.0,
    hip_extension_right_deg=-4.0,
    overstride_left_cm=-8.0,
)

#: Named presets: (motion, deviations, what it plants on top of the motion).
PRESETS: dict[str, tuple[str, Deviations, str]] = {
    "source": ("run", Deviations(), "the captured run as is (sprint-like; leans and drops)"),
    "normal": ("run", NORMAL_RUN, "reference runner inside normal bands"),
    "pelvic_drop": (
        "run",
        NORMAL_RUN.plus(pelvic_drop_deg=8.0),
        "normal + 8 deg contralateral pelvic drop over every stance",
    ),
    "pelvic_drop_left": (
        "run",
        NORMAL_RUN.plus(pelvic_drop_left_deg=8.0),
        "normal + 8 deg pelvic drop on left stance only (the right hip drops)",
    ),
    "limited_hip_extension": (
        "run",
        NORMAL_RUN.plus(hip_extension_deg=-10.0),
        "normal with peak hip extension reduced by 10 deg on both legs",
    ),
    "back_arch": (
        "run",
        NORMAL_RUN.plus(back_arch_deg=15.0),
        "normal + 15 deg lumbar hyperextension (trunk line vs pelvis)",
    ),
    "trunk_lean": (
        "run",
        NORMAL_RUN.plus(trunk_lean_deg=12.0),
        "normal + 12 deg forward trunk lean",
    ),
    "overstride": (
        "run",
        NORMAL_RUN.plus(overstride_cm=8.0),
        "normal + 8 cm ankle ahead of the mid-hip at foot strike",
    ),
    "low_cadence": (
        "run",
        NORMAL_RUN.plus(cadence_scale=0.88),
        "normal played 12 % slower (cadence x 0.88)",
    ),
    "walk": ("walk", Deviations(), "the captured walk (a not-running case)"),
}


# --------------------------------------------------------------------------------------------
# Profiles in stride phase


def smoothstep(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """C1 ramp from 0 (x <= 0) to 1 (x >= 1)."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


@dataclass(frozen=True)
class Window:
    """A trapezoid-like weight over stride phase: 0 -> ramp -> 1 (plateau) -> ramp -> 0.

    Breakpoints are phases in the base cycle (strides); they may run past 1 or below 0 and
    repeat every stride. ``d - a`` must be below 1.
    """

    a: float
    b: float
    c: float
    d: float

    def weight(self, phase: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Weight at each phase and the stride index whose window covers it (-1 outside).

        Returns
        -------
        weight : numpy.ndarray
            ``(n,)`` in [0, 1].
        stride : numpy.ndarray
            ``(n,)`` index ``k`` such that ``a + k <= phase < d + k``, else -1.
        """
        phase = np.asarray(phase, dtype=np.float64)
        w = np.zeros_like(phase)
        k_out = np.full(phase.shape, -1, dtype=np.int64)
        base = np.floor(phase - self.a).astype(np.int64)
        x = phase - base  # in [a, a + 1)
        inside = x < self.d
        up = smoothstep((x - self.a) / max(self.b - self.a, 1e-9))
        down = 1.0 - smoothstep((x - self.c) / max(self.d - self.c, 1e-9))
        w = np.where(inside, np.minimum(up, down), 0.0)
        k_out = np.where(inside, base, -1)
        return w, k_out


def per_stride_smooth(values: NDArray[np.float64], phase: NDArray[np.float64]) -> NDArray:
    """Blend per-stride values smoothly: value ``k`` at phase ``k + 0.5``, C1 in between."""
    x = np.asarray(phase) - 0.5
    k = np.floor(x).astype(np.int64)
    f = smoothstep(x - k)
    lo = values[np.clip(k, 0, len(values) - 1)]
    hi = values[np.clip(k + 1, 0, len(values) - 1)]
    return lo + (hi - lo) * f


# --------------------------------------------------------------------------------------------
# Edits (each returns a new BodyPose)


def _apply_about(
    pose: BodyPose,
    segs: tuple[str, ...],
    rot: NDArray[np.float64],
    pivot_m: NDArray[np.float64],
    move_root: bool,
) -> BodyPose:
    """Rotate segments' world rotations by ``rot`` (n, 3, 3); optionally the root about a pivot."""
    out = pose.copy()
    for s in segs:
        out.rot[:, SEG[s]] = rot @ out.rot[:, SEG[s]]
    if move_root:
        out.root_m = pivot_m + np.einsum("nij,nj->ni", rot, pose.root_m - pivot_m)
    return out


def axis_angle(axis: NDArray[np.float64], angle_rad: NDArray[np.float64]) -> NDArray:
    """Rotation matrices about unit axes ``(n, 3)`` by angles ``(n,)`` (Rodrigues)."""
    k = np.zeros((len(axis), 3, 3))
    k[:, 0, 1], k[:, 0, 2] = -axis[:, 2], axis[:, 1]
    k[:, 1, 0], k[:, 1, 2] = axis[:, 2], -axis[:, 0]
    k[:, 2, 0], k[:, 2, 1] = -axis[:, 1], axis[:, 0]
    s = np.sin(angle_rad)[:, None, None]
    c = np.cos(angle_rad)[:, None, None]
    return np.eye(3) + s * k + (1.0 - c) * (k @ k)


def _sagittal_up_deg(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Angle of an upward vector from vertical in the X-Z plane, + forward."""
    return np.degrees(np.arctan2(v[..., 0], v[..., 2]))


def _trunk_line_deg(pose: BodyPose) -> NDArray[np.float64]:
    org = pose.origins_m()
    mid_sh = 0.5 * (org[:, SEG["upperarm_l"]] + org[:, SEG["upperarm_r"]])
    return _sagittal_up_deg(mid_sh - pose.root_m)


def _bisect(f, target: NDArray, lo: NDArray, hi: NDArray, n_iter: int = 40) -> NDArray:
    """Solve increasing ``f(x) = target`` per frame by bisection on ``[lo, hi]``."""
    lo, hi = lo.copy(), hi.copy()
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        above = f(mid) > target
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return 0.5 * (lo + hi)


def tilt_pelvis_and_trunk(
    pose: BodyPose, pelvis_deg: NDArray[np.float64], trunk_deg: NDArray[np.float64]
) -> BodyPose:
    """Tilt the pelvis and the trunk line forward by exact sagittal amounts.

    The pelvis turns about its own hip axis (the line through both hip joint centres) by the
    angle that changes the sagittal angle of its up axis by exactly ``pelvis_deg``: the hip
    centres do not move, so the legs and the pelvic obliquity are untouched (a turn about the
    world Y axis would tilt a yawed hip line in the frontal plane). The upper body follows the
    pelvis, then the lumbar and thoracic joints each turn about world Y by the angle that
    changes the trunk line (mid-hip -> mid-shoulder) by exactly ``trunk_deg``. Both angles
    are found per frame by bisection.

    Forward trunk lean is ``pelvis_deg = trunk_deg = lean``; a back arch is
    ``pelvis_deg = arch, trunk_deg = 0`` (the trunk-vs-pelvis angle grows by ``arch``).
    """
    pelvis_deg = np.asarray(pelvis_deg, dtype=np.float64)
    trunk_deg = np.asarray(trunk_deg, dtype=np.float64)
    if not (np.any(pelvis_deg) or np.any(trunk_deg)):
        return pose.copy()
    org = pose.origins_m()
    axis = org[:, SEG["thigh_l"]] - org[:, SEG["thigh_r"]]
    axis /= np.linalg.norm(axis, axis=1, keepdims=True)
    up0 = pose.rot[:, SEG["pelvis"], :, 2]
    sag0 = _sagittal_up_deg(up0)

    # Turning about the (roughly lateral, +Y) hip axis by +a tilts the up axis forward.
    def pelvis_sag(a_deg: NDArray) -> NDArray:
        return _sagittal_up_deg(np.einsum("nij,nj->ni", axis_angle(axis, np.radians(a_deg)), up0))

    span = 2.0 * np.abs(pelvis_deg) + 5.0
    a = _bisect(pelvis_sag, sag0 + pelvis_deg, -span, span)
    a = np.where(pelvis_deg == 0, 0.0, a)
    turn = axis_angle(axis, np.radians(a))
    followed = _apply_about(pose, ("pelvis", *UPPER_BODY), turn, pose.root_m, move_root=False)
    target = _trunk_line_deg(pose) + trunk_deg

    def bent(e_deg: NDArray) -> BodyPose:
        r = rot_y(np.radians(e_deg))
        b = _apply_about(followed, UPPER_BODY, r, pose.root_m, move_root=False)
        return _apply_about(b, CHEST_UP, r, pose.root_m, move_root=False)

    span = 2.0 * (np.abs(pelvis_deg) + np.abs(trunk_deg)) + 5.0
    e = _bisect(lambda x: _trunk_line_deg(bent(x)), target, -span, span)
    return bent(e)


def drop_pelvis(
    pose: BodyPose, drop_deg: NDArray[np.float64], stance_side: NDArray[np.int64]
) -> BodyPose:
    """Rotate the pelvis about +X through the stance hip so the swing-side hip drops.

    Parameters
    ----------
    drop_deg
        ``(n,)`` extra drop (0 outside stance).
    stance_side
        ``(n,)`` 0 = left stance, 1 = right stance (ignored where ``drop_deg`` is 0).
    """
    drop_deg = np.asarray(drop_deg, dtype=np.float64)
    if not np.any(drop_deg):
        return pose.copy()
    org = pose.origins_m()
    pivot = np.where((stance_side == 0)[:, None], org[:, SEG["thigh_l"]], org[:, SEG["thigh_r"]])
    # Rotation about +X by +a raises the left (+Y) hip: right stance drops the left hip (-a),
    # left stance drops the right hip (+a).
    angle = np.radians(drop_deg) * np.where(stance_side == 0, 1.0, -1.0)
    return _apply_about(pose, ("pelvis",), rot_x(angle), pivot, move_root=True)


def _leg_segments(pose: BodyPose, side: str) -> tuple[NDArray, NDArray, NDArray]:
    org = pose.origins_m()
    return org[:, SEG[f"thigh_{side}"]], org[:, SEG[f"shank_{side}"]], org[:, SEG[f"foot_{side}"]]


def _angle_xz(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Direction angle of a vector's X-Z projection, atan2(z, x) in radians."""
    return np.arctan2(v[..., 2], v[..., 0])


def rotate_leg(
    pose: BodyPose, side: str, thigh_back_deg: NDArray[np.float64], keep_ankle_height: bool = True
) -> BodyPose:
    """Swing a thigh backward (+) about +Y through the hip, the knee compensating.

    With ``keep_ankle_height`` the shank turns about +Y through the knee so the ankle returns
    to its original height (closed form; the solution nearer the original knee angle); the foot
    keeps its world orientation either way.
    """
    thigh_back_deg = np.asarray(thigh_back_deg, dtype=np.float64)
    if not np.any(thigh_back_deg):
        return pose.copy()
    hip, knee, ankle = _leg_segments(pose, side)
    out = pose.copy()
    th, sh = SEG[f"thigh_{side}"], SEG[f"shank_{side}"]
    out.rot[:, th] = rot_y(np.radians(thigh_back_deg)) @ pose.rot[:, th]
    if keep_ankle_height:
        new_knee = hip + np.einsum("nij,nj->ni", rot_y(np.radians(thigh_back_deg)), knee - hip)
        s = ankle - knee  # shank vector (unchanged by the thigh rotation so far)
        # Ankle z after rotating s by beta about Y: z' = -s_x sin(beta) + s_z cos(beta).
        # Write it as r cos(beta + g) with r = hypot(s_x, s_z), g = atan2(s_x, s_z).
        r = np.hypot(s[:, 0], s[:, 2])
        g = np.arctan2(s[:, 0], s[:, 2])
        c = np.clip((ankle[:, 2] - new_knee[:, 2]) / r, -1.0, 1.0)
        base = np.arccos(c)
        cands = np.stack([base - g, -base - g])
        cands = (cands + np.pi) % (2 * np.pi) - np.pi
        beta = cands[np.argmin(np.abs(cands), axis=0), np.arange(len(c))]
        beta = np.where(thigh_back_deg == 0, 0.0, beta)
        out.rot[:, sh] = rot_y(beta) @ pose.rot[:, sh]
    else:
        out.rot[:, sh] = pose.rot[:, sh]
    return out


def reach_ankle(pose: BodyPose, side: str, forward_m: NDArray[np.float64]) -> BodyPose:
    """Move an ankle forward by ``forward_m`` at its height: 2-link IK about +Y (foot kept).

    Unreachable targets are clamped to the straight leg; the achieved placement is what the
    ground truth reports.
    """
    forward_m = np.asarray(forward_m, dtype=np.float64)
    if not np.any(forward_m):
        return pose.copy()
    hip, knee, ankle = _leg_segments(pose, side)
    t = knee - hip
    s = ankle - knee
    lt = np.hypot(t[:, 0], t[:, 2])
    ls = np.hypot(s[:, 0], s[:, 2])
    d = ankle - hip
    d[:, 0] += forward_m
    dist = np.clip(np.hypot(d[:, 0], d[:, 2]), np.abs(lt - ls) + 1e-9, lt + ls - 1e-9)
    # Angle at the hip between hip->target and the thigh (law of cosines); the knee stays on
    # the same side of the hip-ankle line as before (knee forward of it).
    cos_hip = np.clip((lt**2 + dist**2 - ls**2) / (2 * lt * dist), -1.0, 1.0)
    # Which side of the hip->ankle line the knee is on: sign of cross(d0, t) in the X-Z
    # plane = sign of sin(angle(t) - angle(d0)); kept for the new pose.
    d0 = ankle - hip
    side_sign = np.sign(d0[:, 0] * t[:, 2] - d0[:, 2] * t[:, 0])
    side_sign = np.where(side_sign == 0, 1.0, side_sign)
    a_target = np.arctan2(d[:, 2], d[:, 0])
    a_thigh_new = a_target + side_sign * np.arccos(cos_hip)
    knee_new = hip.copy()
    knee_new[:, 0] += lt * np.cos(a_thigh_new)
    knee_new[:, 2] += lt * np.sin(a_thigh_new)
    target = hip + d
    s_new = target - knee_new
    # Rotation about +Y by angle phi maps direction angle atan2(z, x) to angle - phi.
    phi_t = _angle_xz(t) - a_thigh_new
    phi_s = _angle_xz(s) - np.arctan2(s_new[:, 2], s_new[:, 0])
    phi_t = np.where(forward_m == 0, 0.0, (phi_t + np.pi) % (2 * np.pi) - np.pi)
    phi_s = np.where(forward_m == 0, 0.0, (phi_s + np.pi) % (2 * np.pi) - np.pi)
    out = pose.copy()
    th, sh = SEG[f"thigh_{side}"], SEG[f"shank_{side}"]
    out.rot[:, th] = rot_y(phi_t) @ pose.rot[:, th]
    out.rot[:, sh] = rot_y(phi_s) @ pose.rot[:, sh]
    return out


def lift_root(pose: BodyPose, dz_m: NDArray[np.float64]) -> BodyPose:
    """Translate the whole body vertically."""
    out = pose.copy()
    out.root_m[:, 2] += dz_m
    return out


__all__ = [
    "NORMAL_RUN",
    "PRESETS",
    "Deviations",
    "Window",
    "drop_pelvis",
    "lift_root",
    "per_stride_smooth",
    "reach_ankle",
    "rotate_leg",
    "tilt_pelvis_and_trunk",
]
