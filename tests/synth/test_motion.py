"""Motion parsing, the seamless loop, and our forward kinematics against pybullet's."""

from __future__ import annotations

import json

import numpy as np
import pytest

pybullet = pytest.importorskip("pybullet")

from gaitlab.synth.motion import FRAME_WIDTH, load_motion, motion_path  # noqa: E402
from gaitlab.synth.skeleton import DM_TO_WORLD, SEG, world_from_local  # noqa: E402


def test_run_clip_layout() -> None:
    clip = load_motion("run")
    frames = json.loads(motion_path("run").read_text())["Frames"]
    assert len(frames[0]) == FRAME_WIDTH
    assert clip.time_s.shape == (25,)
    assert clip.time_s[-1] == pytest.approx(0.8, abs=1e-3)  # one stride, 24 x 1/30 s
    assert np.allclose(np.linalg.norm(clip.quat_xyzw, axis=-1), 1.0)


def test_loop_is_seamless(run_loop) -> None:
    eps = 1e-5
    before, after = run_loop.sample(np.array([1.0 - eps])), run_loop.sample(np.array([eps]))
    assert np.abs(before.origins_m() - after.origins_m()).max() < 1e-4
    assert np.abs(before.rot - after.rot).max() < 1e-3
    # The raw clip's last keyframe differs by >10 degrees at the knees: the fix mattered.
    assert run_loop.loop_fix_deg["shank_r"] > 10.0
    # Velocity is continuous across the seam (periodic spline): compare one-sided slopes.
    h = 1e-4
    p = lambda u: run_loop.sample(np.array([u])).origins_m()[0]  # noqa: E731
    slope_end = (p(1.0 - h) - p(1.0 - 2 * h)) / h
    slope_start = (p(2 * h) - p(h)) / h
    assert np.abs(slope_end - slope_start).max() < 0.05 * np.abs(slope_start).max() + 1e-3


def test_treadmill_speed_and_cadence(run_loop) -> None:
    assert run_loop.speed_m_per_s == pytest.approx(3.557, abs=0.01)
    assert 60.0 * 2 / run_loop.period_s == pytest.approx(150.0, abs=0.5)


def test_forward_kinematics_matches_pybullet() -> None:
    """Our numpy FK equals pybullet's for the URDF DeepMimic uses (lumbar joint at rest)."""
    import pybullet_data
    from scipy.spatial.transform import Rotation

    cid = pybullet.connect(pybullet.DIRECT)
    try:
        pybullet.setAdditionalSearchPath(pybullet_data.getDataPath(), physicsClientId=cid)
        body = pybullet.loadURDF(
            "humanoid/humanoid.urdf",
            [0, 0, 0],
            globalScaling=0.25,
            useFixedBase=True,
            flags=pybullet.URDF_MAINTAIN_LINK_ORDER,
            physicsClientId=cid,
        )
        frames = np.asarray(json.loads(motion_path("run").read_text())["Frames"])
        clip = load_motion("run")
        links = {  # pybullet joint index -> (file column, our segment)
            1: (8, "chest"),
            2: (12, "head"),
            3: (16, "thigh_r"),
            4: (20, "shank_r"),
            5: (21, "foot_r"),
            6: (25, "upperarm_r"),
            7: (29, "forearm_r"),
            9: (30, "thigh_l"),
            10: (34, "shank_l"),
            11: (35, "foot_l"),
            12: (39, "upperarm_l"),
            13: (43, "forearm_l"),
        }
        for k in (0, 7, 13, 19):
            f = frames[k]
            pybullet.resetBasePositionAndOrientation(
                body, f[1:4].tolist(), [f[5], f[6], f[7], f[4]], physicsClientId=cid
            )
            for j, (col, seg) in links.items():
                value = (
                    [f[col]]
                    if seg.startswith(("shank", "forearm"))
                    else [f[col + 1], f[col + 2], f[col + 3], f[col]]
                )
                pybullet.resetJointStateMultiDof(body, j, value, physicsClientId=cid)
            local = Rotation.from_quat(clip.quat_xyzw[k]).as_matrix()[None]
            pose = world_from_local(clip.root_m[k][None], local[:, SEG["pelvis"]], local)
            org = pose.origins_m()[0]
            for j, (_, seg) in links.items():
                state = pybullet.getLinkState(
                    body, j, computeForwardKinematics=True, physicsClientId=cid
                )
                pos = DM_TO_WORLD @ np.asarray(state[4])
                rot = (
                    DM_TO_WORLD
                    @ np.asarray(pybullet.getMatrixFromQuaternion(state[5])).reshape(3, 3)
                    @ DM_TO_WORLD.T
                )
                assert np.abs(pos - org[SEG[seg]]).max() < 1e-5, seg
                assert np.abs(rot - pose.rot[0, SEG[seg]]).max() < 1e-5, seg
    finally:
        pybullet.disconnect(physicsClientId=cid)
