"""The synthetic runner's skeleton: segments, joint offsets and forward kinematics.

The skeleton is DeepMimic's humanoid (``pybullet_data/humanoid/humanoid.urdf`` loaded with
``globalScaling=0.25``, as ``pybullet_envs.deep_mimic`` does) with one joint added: a **lumbar**
joint 0.10 m above the hip centres splits DeepMimic's root link into a pelvis and an abdomen,
so the low back can be arched (see :mod:`gaitlab.synth.deviations`). With the lumbar joint at
identity the kinematics are DeepMimic's exactly (tested against pybullet's own forward
kinematics in ``tests/synth/test_skeleton.py``).

Frames
------
World: metres, **+X = direction of travel, +Y = runner's left, +Z = up** (right-handed).
DeepMimic's files are y-up with +x forward and +z to the runner's right; ``DM_TO_WORLD`` maps
one to the other. Every segment's local frame is aligned with the world frame when the body
stands in the rest pose (all joint rotations identity, facing +X), so a segment's local +Z
points from its distal end towards its proximal joint for the limbs.

A pose is stored as the world position of the root (the pelvis origin = mid-point of the hip
joint centres) and the world rotation matrix of every segment; joint centres follow by
chaining fixed offsets (:func:`chain`). Deviations edit world rotations and re-chain, so a
segment whose rotation is not touched keeps its orientation in space exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: DeepMimic (x forward, y up, z right) -> world (X forward, Y left, Z up).
DM_TO_WORLD: NDArray[np.float64] = np.array(
    [[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]], dtype=np.float64
)

#: globalScaling that pybullet's DeepMimic environment loads humanoid.urdf with.
DM_SCALE = 0.25

#: Height of the added lumbar joint above the hip-joint centres (m).
LUMBAR_HEIGHT_M = 0.10

#: DeepMimic's chest joint sits 0.944604 (x 0.25) above the root origin.
_CHEST_JOINT_ABOVE_ROOT_M = 0.944604 * DM_SCALE

SEGMENTS: tuple[str, ...] = (
    "pelvis",
    "abdomen",
    "chest",
    "head",
    "thigh_r",
    "shank_r",
    "foot_r",
    "upperarm_r",
    "forearm_r",
    "thigh_l",
    "shank_l",
    "foot_l",
    "upperarm_l",
    "forearm_l",
)
SEG: dict[str, int] = {name: i for i, name in enumerate(SEGMENTS)}


def _dm(x: float, y: float, z: float) -> tuple[float, float, float]:
    """Convert a DeepMimic URDF offset (unscaled, y-up) to world-convention metres."""
    v = DM_TO_WORLD @ (np.array([x, y, z]) * DM_SCALE)
    return (float(v[0]), float(v[1]), float(v[2]))


#: parent segment and the child's joint position in the parent's local frame (m).
JOINTS: dict[str, tuple[str | None, tuple[float, float, float]]] = {
    "pelvis": (None, (0.0, 0.0, 0.0)),
    "abdomen": ("pelvis", (0.0, 0.0, LUMBAR_HEIGHT_M)),
    "chest": ("abdomen", (0.0, 0.0, _CHEST_JOINT_ABOVE_ROOT_M - LUMBAR_HEIGHT_M)),
    "head": ("chest", _dm(0.0, 0.895576, 0.0)),
    "thigh_r": ("pelvis", _dm(0.0, 0.0, 0.339548)),
    "shank_r": ("thigh_r", _dm(0.0, -1.686184, 0.0)),
    "foot_r": ("shank_r", _dm(0.0, -1.639480, 0.0)),
    "upperarm_r": ("chest", _dm(-0.096200, 0.974000, 0.732440)),
    "forearm_r": ("upperarm_r", _dm(0.0, -1.099152, 0.0)),
    "thigh_l": ("pelvis", _dm(0.0, 0.0, -0.339548)),
    "shank_l": ("thigh_l", _dm(0.0, -1.686184, 0.0)),
    "foot_l": ("shank_l", _dm(0.0, -1.639480, 0.0)),
    "upperarm_l": ("chest", _dm(-0.096200, 0.974000, -0.732440)),
    "forearm_l": ("upperarm_l", _dm(0.0, -1.099152, 0.0)),
}
PARENT_INDEX: tuple[int, ...] = tuple(
    -1 if JOINTS[s][0] is None else SEG[JOINTS[s][0]] for s in SEGMENTS
)
OFFSET_M: NDArray[np.float64] = np.array([JOINTS[s][1] for s in SEGMENTS], dtype=np.float64)

# Foot: DeepMimic's foot box (centre (0.18, -0.09, 0), size (0.708, 0.22, 0.36) unscaled) in
# the foot's local frame. The shoe is drawn inside this box so the sole we lock to the floor
# is the sole the camera sees.
FOOT_HEEL_X_M = (0.18 - 0.708 / 2) * DM_SCALE  # -0.0435
FOOT_TOE_X_M = (0.18 + 0.708 / 2) * DM_SCALE  # 0.1335
FOOT_SOLE_Z_M = (-0.09 - 0.22 / 2) * DM_SCALE  # -0.05
FOOT_TOP_Z_M = (-0.09 + 0.22 / 2) * DM_SCALE  # 0.005
FOOT_HALF_WIDTH_M = 0.36 / 2 * DM_SCALE  # 0.045

#: Sole contact points in the foot frame (m): the sole's four corners and two mid points.
SOLE_POINTS_M: NDArray[np.float64] = np.array(
    [
        [x, y, FOOT_SOLE_Z_M]
        for x in (FOOT_HEEL_X_M, 0.5 * (FOOT_HEEL_X_M + FOOT_TOE_X_M), FOOT_TOE_X_M)
        for y in (-FOOT_HALF_WIDTH_M, FOOT_HALF_WIDTH_M)
    ],
    dtype=np.float64,
)

#: Head sphere of DeepMimic's neck link: centre above the neck joint and radius (m).
HEAD_CENTRE_M = _dm(0.0, 0.7, 0.0)
HEAD_RADIUS_M = 0.41 * DM_SCALE

#: Named points (MediaPipe-equivalent where one exists) as (segment, local offset in m).
#: Joint centres are segment origins; heel and toe sit 1.2 cm inside the back and the front
#: of the shoe, 1.2 cm above the sole (inside the shoe, so they project onto it), where
#: MediaPipe's heel and foot_index landmarks sit.
POINTS: dict[str, tuple[str, tuple[float, float, float]]] = {
    "nose": ("head", (HEAD_RADIUS_M * 0.97, 0.0, HEAD_CENTRE_M[2] - 0.01)),
    "head_centre": ("head", HEAD_CENTRE_M),
    "neck": ("head", (0.0, 0.0, 0.0)),
    "lumbar": ("abdomen", (0.0, 0.0, 0.0)),
    "thorax": ("chest", (0.0, 0.0, 0.0)),
    "mid_hip": ("pelvis", (0.0, 0.0, 0.0)),
    "left_shoulder": ("upperarm_l", (0.0, 0.0, 0.0)),
    "right_shoulder": ("upperarm_r", (0.0, 0.0, 0.0)),
    "left_elbow": ("forearm_l", (0.0, 0.0, 0.0)),
    "right_elbow": ("forearm_r", (0.0, 0.0, 0.0)),
    "left_wrist": ("forearm_l", _dm(0.0, -1.035788, 0.0)),
    "right_wrist": ("forearm_r", _dm(0.0, -1.035788, 0.0)),
    "left_hip": ("thigh_l", (0.0, 0.0, 0.0)),
    "right_hip": ("thigh_r", (0.0, 0.0, 0.0)),
    "left_knee": ("shank_l", (0.0, 0.0, 0.0)),
    "right_knee": ("shank_r", (0.0, 0.0, 0.0)),
    "left_ankle": ("foot_l", (0.0, 0.0, 0.0)),
    "right_ankle": ("foot_r", (0.0, 0.0, 0.0)),
    "left_heel": ("foot_l", (FOOT_HEEL_X_M + 0.012, 0.0, FOOT_SOLE_Z_M + 0.012)),
    "right_heel": ("foot_r", (FOOT_HEEL_X_M + 0.012, 0.0, FOOT_SOLE_Z_M + 0.012)),
    "left_foot_index": ("foot_l", (FOOT_TOE_X_M - 0.012, 0.0, FOOT_SOLE_Z_M + 0.012)),
    "right_foot_index": ("foot_r", (FOOT_TOE_X_M - 0.012, 0.0, FOOT_SOLE_Z_M + 0.012)),
}
POINT_NAMES: tuple[str, ...] = tuple(POINTS)

#: Leg length used to normalise distances (%leg): hip centre to ankle plus ankle to sole (m).
LEG_LENGTH_M = float(-OFFSET_M[SEG["shank_r"], 2] - OFFSET_M[SEG["foot_r"], 2] - FOOT_SOLE_Z_M)


@dataclass
class BodyPose:
    """Poses of the whole body over ``n`` frames.

    Attributes
    ----------
    root_m
        ``(n, 3)`` world position of the pelvis origin (mid-point of the hip joint centres), m.
    rot
        ``(n, S, 3, 3)`` world rotation of each segment (``SEGMENTS`` order); column ``k`` is
        the segment's local axis ``k`` in world coordinates.
    """

    root_m: NDArray[np.float64]
    rot: NDArray[np.float64]

    @property
    def n(self) -> int:
        """Number of frames."""
        return int(self.root_m.shape[0])

    def copy(self) -> BodyPose:
        """Return a deep copy."""
        return BodyPose(self.root_m.copy(), self.rot.copy())

    def origins_m(self) -> NDArray[np.float64]:
        """World position of every segment's origin (its proximal joint), ``(n, S, 3)``."""
        return chain(self.root_m, self.rot)

    def points_m(self, names: tuple[str, ...] = POINT_NAMES) -> NDArray[np.float64]:
        """World positions of named points (see ``POINTS``), ``(n, len(names), 3)`` in m."""
        org = self.origins_m()
        out = np.empty((self.n, len(names), 3))
        for j, name in enumerate(names):
            seg, local = POINTS[name]
            s = SEG[seg]
            out[:, j] = org[:, s] + self.rot[:, s] @ np.asarray(local)
        return out

    def sole_points_m(self, side: str) -> NDArray[np.float64]:
        """World positions of one foot's sole contact points (``'l'``/``'r'``), ``(n, 6, 3)``."""
        s = SEG[f"foot_{side}"]
        org = self.origins_m()[:, s]
        return org[:, None, :] + np.einsum("nij,pj->npi", self.rot[:, s], SOLE_POINTS_M)


def chain(root_m: NDArray[np.float64], rot: NDArray[np.float64]) -> NDArray[np.float64]:
    """Segment origins from the root position and world rotations.

    ``origin[child] = origin[parent] + rot[parent] @ offset[child]``.

    Parameters
    ----------
    root_m
        ``(n, 3)`` pelvis origin, m.
    rot
        ``(n, S, 3, 3)`` world rotations.

    Returns
    -------
    numpy.ndarray
        ``(n, S, 3)`` world positions of the segment origins, m.
    """
    n = root_m.shape[0]
    org = np.empty((n, len(SEGMENTS), 3))
    for s, parent in enumerate(PARENT_INDEX):
        if parent < 0:
            org[:, s] = root_m
        else:
            org[:, s] = org[:, parent] + rot[:, parent] @ OFFSET_M[s]
    return org


def world_from_local(
    root_m: NDArray[np.float64], root_rot: NDArray[np.float64], local_rot: NDArray[np.float64]
) -> BodyPose:
    """Compose local joint rotations into a :class:`BodyPose`.

    Parameters
    ----------
    root_m
        ``(n, 3)`` root (pelvis) position, m.
    root_rot
        ``(n, 3, 3)`` pelvis world rotation.
    local_rot
        ``(n, S, 3, 3)`` each segment's rotation relative to its parent (the pelvis entry is
        ignored).

    Returns
    -------
    BodyPose
    """
    n = root_m.shape[0]
    rot = np.empty((n, len(SEGMENTS), 3, 3))
    for s, parent in enumerate(PARENT_INDEX):
        rot[:, s] = root_rot if parent < 0 else rot[:, parent] @ local_rot[:, s]
    return BodyPose(np.asarray(root_m, dtype=np.float64).copy(), rot)


def descendants(segment: str) -> tuple[str, ...]:
    """The segment and every segment below it in the tree (e.g. ``'chest'`` -> arms, head)."""
    out = [segment]
    for s, parent in enumerate(PARENT_INDEX):
        if parent >= 0 and SEGMENTS[parent] in out:
            out.append(SEGMENTS[s])
    return tuple(out)


def rot_x(angle_rad: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """Rotation matrices about world +X (forward axis); ``(..., 3, 3)``."""
    a = np.asarray(angle_rad, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    out = np.zeros((*a.shape, 3, 3))
    out[..., 0, 0] = 1.0
    out[..., 1, 1], out[..., 1, 2] = c, -s
    out[..., 2, 1], out[..., 2, 2] = s, c
    return out


def rot_y(angle_rad: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """Rotation matrices about world +Y (the runner's left).

    A positive angle tilts an upward axis forward (+X) and swings a downward-pointing limb
    backward, i.e. it is forward lean for the trunk and extension for the thigh.
    """
    a = np.asarray(angle_rad, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    out = np.zeros((*a.shape, 3, 3))
    out[..., 1, 1] = 1.0
    out[..., 0, 0], out[..., 0, 2] = c, s
    out[..., 2, 0], out[..., 2, 2] = -s, c
    return out


def rot_z(angle_rad: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """Rotation matrices about world +Z (up); ``(..., 3, 3)``."""
    a = np.asarray(angle_rad, dtype=np.float64)
    c, s = np.cos(a), np.sin(a)
    out = np.zeros((*a.shape, 3, 3))
    out[..., 2, 2] = 1.0
    out[..., 0, 0], out[..., 0, 1] = c, -s
    out[..., 1, 0], out[..., 1, 1] = s, c
    return out
