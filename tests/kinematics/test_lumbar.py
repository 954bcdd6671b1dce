"""Back-contour measures on drawn silhouettes: the trunk frame makes them lean-invariant."""

import cv2
import numpy as np
import pytest

from gaitlab.kinematics.lumbar import (
    arch_angle_deg,
    arms_clear,
    back_contour,
    hollow_depth_pct_trunk,
)

SHOULDER = np.array([0.0, 0.0])
HIP = np.array([0.0, 200.0])


def _torso(lordosis_px: float) -> np.ndarray:
    """Torso outline in the trunk frame (runner facing +x, y down), shoulder-hip on x = 0.

    The back runs 40 px behind the trunk line, bulges into the lumbar hollow by
    ``lordosis_px`` around 60-80 % of the trunk and out to the buttock below the hip.
    """
    v = np.linspace(-0.1, 1.25, 60)
    back = (
        -40.0
        + lordosis_px * np.exp(-(((v - 0.7) / 0.15) ** 2))
        - 25.0 * np.exp(-(((v - 1.1) / 0.12) ** 2))
    )
    front = np.full_like(v, 45.0)
    pts = np.concatenate(
        [np.stack([back, 200 * v], axis=1), np.stack([front, 200 * v], axis=1)[::-1]]
    )
    return pts


def _render(pts: np.ndarray, lean_deg: float, facing: float):
    """Rotate the outline about the hip by ``lean_deg`` (top forward), mirror for facing."""
    a = np.radians(lean_deg)
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])  # top moves +x

    def tf(p):
        q = (np.asarray(p, dtype=float) - HIP) @ rot.T + HIP
        q[..., 0] *= facing
        return q + np.array([300.0, 100.0])

    img = np.zeros((560, 600), np.uint8)
    cv2.fillPoly(img, [np.round(tf(pts)).astype(np.int32)], 255)
    return img, tf(SHOULDER), tf(HIP), tf


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_arch_and_hollow_depth_do_not_move_with_trunk_lean(facing):
    pts = _torso(lordosis_px=18.0)
    ref_img, sh, hip, _ = _render(pts, 0.0, facing)
    c0 = back_contour(ref_img, sh, hip, facing)
    a0, d0 = arch_angle_deg(c0), hollow_depth_pct_trunk(c0)
    assert a0 > 5.0 and d0 > 3.0  # a hollow back reads as arched
    for lean in (10.0, 20.0):
        img, sh, hip, _ = _render(pts, lean, facing)
        c = back_contour(img, sh, hip, facing)
        assert arch_angle_deg(c) == pytest.approx(a0, abs=1.5)
        assert hollow_depth_pct_trunk(c) == pytest.approx(d0, abs=1.0)


def test_arch_grows_with_lordosis():
    flat = back_contour(*_render(_torso(0.0), 10.0, 1.0)[:3], 1.0)
    hollow = back_contour(*_render(_torso(18.0), 10.0, 1.0)[:3], 1.0)
    # the buttock alone makes some "arch"; the lumbar hollow adds to it
    assert arch_angle_deg(hollow) > arch_angle_deg(flat) + 5.0
    assert hollow_depth_pct_trunk(hollow) > hollow_depth_pct_trunk(flat) + 3.0


def test_contour_points_lie_on_the_mask_edge_and_arms_are_checked_in_the_trunk_frame():
    img, sh, hip, tf = _render(_torso(18.0), 15.0, -1.0)
    c = back_contour(img, sh, hip, -1.0)
    ok = np.isfinite(c.row)
    x = c.forward[ok] * -1.0
    assert np.all(img[np.round(c.row[ok]).astype(int), np.round(x).astype(int)] > 0)
    front = tf(np.array([[30.0, 100.0]] * 4))  # arms in front of the trunk
    behind = tf(np.array([[-60.0, 100.0]] + [[30.0, 100.0]] * 3))  # one elbow behind the back
    assert arms_clear(c, front, -1.0)
    assert not arms_clear(c, behind, -1.0)
