"""Motion-capture clips in DeepMimic's format, made into seamless treadmill loops.

pybullet ships DeepMimic's reference motions in ``pybullet_data/data/motions/``. Each file is
JSON with a ``Frames`` list; one frame is 44 numbers (the layout ``pybullet_envs.deep_mimic``'s
``HumanoidPoseInterpolator`` reads)::

    duration_s,                       time to the next keyframe (0 on the last one)
    root position (3), root rotation quaternion (4: w, x, y, z),
    chest (4), neck (4),
    right hip (4), right knee (1, rad), right ankle (4), right shoulder (4), right elbow (1),
    left hip (4),  left knee (1),       left ankle (4),  left shoulder (4),  left elbow (1)

Quaternions are w-first and local to the parent link; knee and elbow are revolute angles about
the link's z axis (knee flexion is negative). Coordinates are y-up, +x = direction of travel.

``humanoid3d_run.txt`` holds one stride (two steps, 24 intervals of 1/30 s = 0.8 s) and
``humanoid3d_walk.txt`` one walking stride. Their last keyframe does not match the first (the
right knee differs by 16 degrees), so looping them naively jumps once per stride.
:func:`make_loop` spreads that mismatch linearly over the stride (rotations through the
rotation vector of the mismatch, positions linearly), removes the mean forward speed (the
runner stays in place, as on a treadmill) and fits periodic cubic splines so the loop can be
sampled at any time with continuous velocity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import CubicSpline
from scipy.spatial.transform import Rotation

from gaitlab.synth.skeleton import DM_TO_WORLD, SEG, SEGMENTS, BodyPose, rot_y, world_from_local

#: Motion names accepted by :func:`motion_path`, mapped to their file in pybullet_data.
MOTIONS: dict[str, str] = {"run": "humanoid3d_run.txt", "walk": "humanoid3d_walk.txt"}

#: Values per keyframe in a DeepMimic humanoid motion file.
FRAME_WIDTH = 44

# (segment, first column, kind) for each joint channel, in file order; kind 'q' = quaternion
# (4 columns), 'knee'/'elbow' = one revolute angle.
_CHANNELS: tuple[tuple[str, int, str], ...] = (
    ("chest", 8, "q"),
    ("head", 12, "q"),
    ("thigh_r", 16, "q"),
    ("shank_r", 20, "knee"),
    ("foot_r", 21, "q"),
    ("upperarm_r", 25, "q"),
    ("forearm_r", 29, "elbow"),
    ("thigh_l", 30, "q"),
    ("shank_l", 34, "knee"),
    ("foot_l", 35, "q"),
    ("upperarm_l", 39, "q"),
    ("forearm_l", 43, "elbow"),
)


class MotionFileError(ValueError):
    """A motion file is not a DeepMimic humanoid clip."""


def motion_path(name: str) -> Path:
    """Path of a motion bundled with pybullet (``'run'``, ``'walk'``) or of a given file.

    Parameters
    ----------
    name
        A key of ``MOTIONS`` or a path to a DeepMimic motion file.

    Returns
    -------
    pathlib.Path
    """
    if name in MOTIONS:
        pybullet_data = import_module("pybullet_data")
        return Path(pybullet_data.getDataPath()) / "data" / "motions" / MOTIONS[name]
    return Path(name)


@dataclass(frozen=True)
class MotionClip:
    """Keyframes of a clip, converted to the world convention of :mod:`~gaitlab.synth.skeleton`.

    Attributes
    ----------
    name
        Where the clip came from.
    time_s
        ``(k,)`` keyframe times from 0.
    root_m
        ``(k, 3)`` pelvis origin, world frame (+X travel, +Y left, +Z up), m.
    quat_xyzw
        ``(k, S, 4)`` local rotation of every segment relative to its parent as a unit
        quaternion (x, y, z, w) in world-convention axes; the pelvis entry is its world
        rotation, the abdomen entry (our added lumbar joint) is identity, the knees and elbows
        are their revolute angles as quaternions about the world Y axis.
    """

    name: str
    time_s: NDArray[np.float64]
    root_m: NDArray[np.float64]
    quat_xyzw: NDArray[np.float64]


def _dm_quat_to_world(q_wxyz: NDArray[np.float64]) -> NDArray[np.float64]:
    """DeepMimic (w, x, y, z) y-up quaternion -> (x, y, z, w) in world axes."""
    vec = q_wxyz[..., 1:4] @ DM_TO_WORLD.T  # the vector part rotates like any vector
    out = np.concatenate([vec, q_wxyz[..., :1]], axis=-1)
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def load_motion(name: str = "run") -> MotionClip:
    """Read a DeepMimic humanoid motion file.

    Parameters
    ----------
    name
        ``'run'``, ``'walk'`` or a path.

    Returns
    -------
    MotionClip

    Raises
    ------
    MotionFileError
        If the file is not a 44-column DeepMimic humanoid clip.
    """
    path = motion_path(name)
    try:
        frames = np.asarray(json.loads(path.read_text())["Frames"], dtype=np.float64)
    except (OSError, KeyError, ValueError) as exc:
        raise MotionFileError(f"{path}: not a DeepMimic motion file ({exc})") from exc
    if frames.ndim != 2 or frames.shape[1] != FRAME_WIDTH or frames.shape[0] < 3:
        raise MotionFileError(
            f"{path}: expected keyframes of {FRAME_WIDTH} values, got shape {frames.shape}"
        )
    time_s = np.concatenate([[0.0], np.cumsum(frames[:-1, 0])])
    root_m = frames[:, 1:4] @ DM_TO_WORLD.T
    k = frames.shape[0]
    quat = np.zeros((k, len(SEGMENTS), 4))
    quat[..., 3] = 1.0
    quat[:, SEG["pelvis"]] = _dm_quat_to_world(frames[:, 4:8])
    for seg, col, kind in _CHANNELS:
        if kind == "q":
            quat[:, SEG[seg]] = _dm_quat_to_world(frames[:, col : col + 4])
        else:
            # A revolute angle about DeepMimic's +z is a rotation about world -Y.
            angle = frames[:, col]
            quat[:, SEG[seg]] = Rotation.from_rotvec(np.outer(-angle, [0.0, 1.0, 0.0])).as_quat()
    return MotionClip(name=str(path), time_s=time_s, root_m=root_m, quat_xyzw=quat)


@dataclass(frozen=True)
class MotionLoop:
    """A seamless, in-place (treadmill) loop of one stride, sampled by phase.

    Attributes
    ----------
    source
        The clip it was made from.
    period_s
        Duration of one loop (one stride: two steps) at the clip's own speed.
    speed_m_per_s
        Mean forward speed removed from the root (the treadmill belt speed).
    loop_fix_deg
        Size of the last-vs-first keyframe mismatch that was spread over the stride, per
        segment (rotation angle), for the record.
    """

    source: MotionClip
    period_s: float
    speed_m_per_s: float
    loop_fix_deg: dict[str, float]
    _root_spline: CubicSpline
    _quat_spline: CubicSpline

    def sample_local(
        self, phase: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Root position and local rotation matrices at stride phases.

        Parameters
        ----------
        phase
            ``(n,)`` phase in strides (any real number; the fractional part is used).

        Returns
        -------
        root_m : numpy.ndarray
            ``(n, 3)`` pelvis origin (treadmill frame), m.
        local_rot : numpy.ndarray
            ``(n, S, 3, 3)`` local rotations (pelvis entry = its world rotation).
        """
        u = np.mod(np.asarray(phase, dtype=np.float64), 1.0)
        root = self._root_spline(u)
        q = self._quat_spline(u).reshape(u.shape[0], len(SEGMENTS), 4)
        q /= np.linalg.norm(q, axis=-1, keepdims=True)
        mats = Rotation.from_quat(q.reshape(-1, 4)).as_matrix()
        return root, mats.reshape(u.shape[0], len(SEGMENTS), 3, 3)

    def sample(self, phase: NDArray[np.float64]) -> BodyPose:
        """World pose at stride phases (see :meth:`sample_local`)."""
        root, local = self.sample_local(phase)
        return world_from_local(root, local[:, SEG["pelvis"]], local)


def make_loop(clip: MotionClip) -> MotionLoop:
    """Make a clip into a seamless in-place loop.

    The mismatch between the last and the first keyframe is spread linearly over the stride:
    each rotation channel ``q(u)`` becomes ``q(u) * D**u`` with ``D = q(T)^-1 q(0)`` and
    ``u = t / T``, so the last keyframe equals the first; root height and sideways position
    get the linear correction ``u * (p(0) - p(T))``; the forward position loses the mean speed
    ``(x(T) - x(0)) / T``. Periodic cubic splines through the corrected keyframes (quaternion
    components, kept in one hemisphere, renormalised after sampling) give smooth motion at
    any frame rate.

    Parameters
    ----------
    clip
        Keyframes whose last keyframe is meant to close the loop (DeepMimic ``"Loop": "wrap"``).

    Returns
    -------
    MotionLoop
    """
    period_s = float(clip.time_s[-1])
    u = clip.time_s / period_s
    root = clip.root_m.copy()
    travel_m = root[-1, 0] - root[0, 0]
    root[:, 0] -= u * travel_m
    root[:, 1:] += np.outer(u, root[0, 1:] - root[-1, 1:])
    root[:, 0] -= root[:, 0].mean()
    root[:, 1] -= root[:, 1].mean()
    k, n_seg = clip.quat_xyzw.shape[:2]
    quat = np.empty_like(clip.quat_xyzw)
    loop_fix_deg: dict[str, float] = {}
    for s in range(n_seg):
        rots = Rotation.from_quat(clip.quat_xyzw[:, s])
        mismatch = rots[-1].inv() * rots[0]
        loop_fix_deg[SEGMENTS[s]] = float(np.degrees(mismatch.magnitude()))
        fixed = rots * Rotation.from_rotvec(np.outer(u, mismatch.as_rotvec()))
        q = fixed.as_quat()
        # Same hemisphere as the previous keyframe, so the spline does not cross the sphere.
        for i in range(1, k):
            if np.dot(q[i], q[i - 1]) < 0:
                q[i] = -q[i]
        q[-1] = q[0]  # equal by construction; exact so the periodic spline accepts it
        quat[:, s] = q
    root[-1] = root[0]
    return MotionLoop(
        source=clip,
        period_s=period_s,
        speed_m_per_s=float(travel_m / period_s),
        loop_fix_deg=loop_fix_deg,
        _root_spline=CubicSpline(u, root, axis=0, bc_type="periodic"),
        _quat_spline=CubicSpline(u, quat.reshape(k, -1), axis=0, bc_type="periodic"),
    )


def sagittal_angle_deg(v: NDArray[np.float64]) -> NDArray[np.float64]:
    """Angle of a downward-pointing vector from straight down in the X-Z plane, + forward.

    ``atan2(v_x, -v_z)`` in degrees. Used for limb segments (thigh, shank).
    """
    return np.degrees(np.arctan2(v[..., 0], -v[..., 2]))


def rotate_sagittal(rot: NDArray[np.float64], forward_deg: NDArray[np.float64]) -> NDArray:
    """Pre-multiply world rotations by a rotation about world Y that swings limbs forward.

    Parameters
    ----------
    rot
        ``(n, 3, 3)`` world rotations.
    forward_deg
        ``(n,)`` angle; + swings a downward limb forward (= tilts an upward trunk backward).

    Returns
    -------
    numpy.ndarray
        ``(n, 3, 3)``.
    """
    return rot_y(-np.radians(forward_deg)) @ rot
