"""The batched silhouette search equals the one-angle-at-a-time search it replaced.

``reference_tilt_deg`` below is the original implementation (a Python loop over the 161
tilts, ``np.argsort`` and ``np.interp`` per tilt, rows scanned one by one), kept here as
the ground truth: the package's version evaluates all tilts at once and must give the same
tilt, on drawn masks with awkward geometry and on the real mask crops of the rear sample.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gaitlab.kinematics.silhouette import (
    SilhouetteSettings,
    _interp_rows,
    _row_sums,
    silhouette_tilt_deg,
)
from gaitlab.landmarks import INDEX
from tests.conftest import MODEL

SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"
TOL_DEG = 1e-9


# --- the reference: the loop the package used before, unchanged ---------------------------


def _ref_contours(inside, rows, x_mid):
    w = inside.shape[1]
    col = int(np.clip(round(x_mid), 0, w - 1))
    keep, left, right = [], [], []
    for r in rows:
        line = inside[r]
        if not line[col]:
            continue
        out = np.flatnonzero(~line)
        lo = out[out < col]
        hi = out[out > col]
        if not lo.size or not hi.size:
            continue
        keep.append(r)
        left.append(lo[-1] + 0.5)
        right.append(hi[0] - 0.5)
    return np.asarray(keep, float), np.asarray(left, float), np.asarray(right, float)


def _ref_off_median(x, rows=9):
    half = rows // 2
    padded = np.pad(x, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, rows)
    return np.abs(x - np.median(windows, axis=1))


def _ref_mirror_cost(y, xl, xr, centre, t):
    c, s = np.cos(t), np.sin(t)
    ul, vl = c * (xl - centre[0]) + s * (y - centre[1]), -s * (xl - centre[0]) + c * (y - centre[1])
    ur, vr = c * (xr - centre[0]) + s * (y - centre[1]), -s * (xr - centre[0]) + c * (y - centre[1])
    order = np.argsort(vr)
    ur_at = np.interp(vl, vr[order], ur[order], left=np.nan, right=np.nan)
    ok = np.isfinite(ur_at)
    if ok.sum() < 4:
        return np.inf
    m = float(np.mean(ul[ok] + ur_at[ok])) / 2.0
    return float(np.mean(((m - ul[ok]) - (ur_at[ok] - m)) ** 2))


def reference_tilt_deg(prob, xy_crop, settings=None):
    s = settings or SilhouetteSettings()
    hips = xy_crop[[INDEX["left_hip"], INDEX["right_hip"]]]
    shoulders = xy_crop[[INDEX["left_shoulder"], INDEX["right_shoulder"]]]
    if not (np.isfinite(hips).all() and np.isfinite(shoulders).all()):
        return float("nan")
    mid_hip = hips.mean(axis=0)
    trunk = float(np.linalg.norm(shoulders.mean(axis=0) - mid_hip))
    if trunk < s.min_trunk_px:
        return float("nan")
    h = prob.shape[0]
    r0 = max(0, int(np.floor(mid_hip[1] - s.above_trunk * trunk)))
    r1 = min(h, int(np.ceil(mid_hip[1] + s.below_trunk * trunk)) + 1)
    y, xl, xr = _ref_contours(prob >= 128, np.arange(r0, r1), float(mid_hip[0]))
    if y.size < s.min_rows:
        return float("nan")
    keep = (_ref_off_median(xl, s.median_rows) <= s.max_step_px) & (
        _ref_off_median(xr, s.median_rows) <= s.max_step_px
    )
    y, xl, xr = y[keep], xl[keep], xr[keep]
    if y.size < s.min_rows:
        return float("nan")
    grid = np.radians(np.arange(-s.max_tilt_deg, s.max_tilt_deg + 1e-9, s.step_deg))
    cost = np.array([_ref_mirror_cost(y, xl, xr, mid_hip, t) for t in grid])
    i = int(np.argmin(cost))
    if not np.isfinite(cost[i]):
        return float("nan")
    t = grid[i]
    if 0 < i < grid.size - 1 and np.isfinite(cost[i - 1 : i + 2]).all():
        denom = cost[i - 1] - 2 * cost[i] + cost[i + 1]
        if denom > 0:
            t += 0.5 * (cost[i - 1] - cost[i + 1]) / denom * (grid[1] - grid[0])
    return float(np.degrees(t))


# --- drawn masks with awkward geometry ----------------------------------------------------


def awkward_mask(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random torso-like blob: tilted ellipses, rectangles (straight and 45-degree edges,
    which tie in height when turned), notches, holes, speckle, arms and a trunk from 20 px
    to larger than the pairwise block of rows; mid-hip sometimes on the crop's border."""
    rng = np.random.default_rng(seed)
    big = seed % 5 == 0  # a tall crop: more rows than numpy sums in one block
    h, w = (int(rng.integers(500, 800)), int(rng.integers(120, 400))) if big else (256, 192)
    yy, xx = np.mgrid[0:h, 0:w].astype(float)
    mid = np.array([rng.uniform(0.2, 0.8) * w, rng.uniform(0.6 if big else 0.3, 0.9) * h])
    if seed % 11 == 0:
        mid[0] = rng.choice([0.0, w - 1.0])  # the run through the mid-hip meets the border
    trunk = rng.uniform(260.0, 0.9 * mid[1]) if big else rng.uniform(20.0, 0.8 * mid[1])
    inside = np.zeros((h, w), bool)
    for _ in range(int(rng.integers(1, 5))):
        a = np.radians(rng.uniform(-30, 30))
        u = np.cos(a) * (xx - mid[0]) + np.sin(a) * (yy - mid[1])
        v = -np.sin(a) * (xx - mid[0]) + np.cos(a) * (yy - mid[1])
        half_w, half_h = rng.uniform(5, 60), rng.uniform(0.2, 1.2) * trunk
        inside |= (u / half_w) ** 2 + ((v + rng.uniform(-0.5, 0.2) * trunk) / half_h) ** 2 <= 1
    if rng.random() < 0.5:  # an upright or 45-degree box
        diag = rng.random() < 0.5
        u, v = (xx - mid[0] + yy - mid[1], xx - mid[0] - yy + mid[1]) if diag else (xx, yy)
        c = (0.0, 0.0) if diag else mid
        half = rng.uniform(10, 50)
        inside |= (np.abs(u - c[0]) <= half) & (np.abs(v - c[1]) <= rng.uniform(10, 1.5 * trunk))
    if rng.random() < 0.5:  # an arm against one side
        side = rng.choice([-1.0, 1.0])
        x0 = mid[0] + side * rng.uniform(10, 50)
        y0 = mid[1] - rng.uniform(0, 0.5) * trunk
        inside |= (np.abs(xx - x0) < rng.uniform(2, 10)) & (np.abs(yy - y0) < rng.uniform(2, 20))
    if rng.random() < 0.5:  # notches and holes
        for _ in range(int(rng.integers(1, 6))):
            r0, c0 = rng.integers(0, h), rng.integers(0, w)
            inside[r0 : r0 + rng.integers(1, 6), c0 : c0 + rng.integers(1, 8)] = False
    if rng.random() < 0.3:  # speckle
        inside ^= rng.random((h, w)) < 0.01
    prob = np.where(inside, rng.integers(128, 256, (h, w)), rng.integers(0, 128, (h, w)))
    tilt = np.radians(rng.uniform(-25, 25))
    half_hip = rng.uniform(5, 30)
    xy = np.full((33, 2), np.nan)
    xy[INDEX["left_hip"]] = mid - half_hip * np.array([np.cos(tilt), np.sin(tilt)])
    xy[INDEX["right_hip"]] = mid + half_hip * np.array([np.cos(tilt), np.sin(tilt)])
    lean = rng.uniform(-0.3, 0.3)
    top = mid + trunk * np.array([np.sin(lean), -np.cos(lean)])
    shoulder = np.array([15.0, 0.0])
    xy[INDEX["left_shoulder"]] = top - shoulder
    xy[INDEX["right_shoulder"]] = top + shoulder
    return prob.astype(np.uint8), xy


def _same_tilt(fast: float, ref: float) -> bool:
    return (np.isnan(fast) and np.isnan(ref)) or abs(fast - ref) <= TOL_DEG


def test_awkward_masks_give_the_reference_tilt():
    measured = 0
    for seed in range(300):
        prob, xy = awkward_mask(seed)
        fast, ref = silhouette_tilt_deg(prob, xy), reference_tilt_deg(prob, xy)
        assert _same_tilt(fast, ref), f"seed {seed}: {fast!r} != reference {ref!r}"
        measured += np.isfinite(ref)
    # The masks must exercise the search, not only its early exits.
    assert measured >= 150


def test_other_settings_give_the_reference_tilt():
    settings = SilhouetteSettings(above_trunk=0.7, below_trunk=0.3, median_rows=5, step_deg=0.1)
    for seed in range(40):
        prob, xy = awkward_mask(1000 + seed)
        fast = silhouette_tilt_deg(prob, xy, settings)
        assert _same_tilt(fast, reference_tilt_deg(prob, xy, settings)), f"seed {seed}"


def test_batched_interpolation_is_numpys_to_the_bit():
    rng = np.random.default_rng(7)
    for n in (2, 3, 5, 17, 40):
        # Knots on a coarse lattice so that knots repeat and queries land on them exactly.
        xp = np.sort(rng.integers(-20, 20, (50, n)) * 0.5, axis=1)
        fp = rng.normal(size=(50, n))
        x = rng.integers(-24, 24, (50, n)) * 0.5 + (rng.random((50, n)) < 0.5) * rng.random((50, n))
        got = _interp_rows(x, xp, fp)
        for g in range(50):
            want = np.interp(x[g], xp[g], fp[g], left=np.nan, right=np.nan)
            np.testing.assert_array_equal(got[g], want)


def test_row_sums_add_in_numpys_order():
    # Values of very different size make the order of the additions visible in the result.
    rng = np.random.default_rng(8)
    for n in (4, 9, 30, 128, 200):
        a = rng.normal(size=(60, n)) * 10.0 ** rng.integers(-8, 9, (60, n))
        count = rng.integers(0, n + 1, 60)
        # np.mean of a run is this sum divided by its length.
        want = np.array([a[i, : count[i]].sum() for i in range(60)])
        np.testing.assert_array_equal(_row_sums(a, count), want)


# --- the real mask crops of the rear sample clip ------------------------------------------


@pytest.mark.integration
def test_the_rear_sample_crops_give_the_reference_tilt(tmp_path: Path):
    if not MODEL.exists():
        pytest.skip(f"pose model not available: {MODEL}")
    from gaitlab.pipeline import default_pose_settings
    from gaitlab.pose import extract_pose

    series = extract_pose(
        SAMPLES / "synth_rear_normal.mp4", settings=default_pose_settings(), cache_dir=tmp_path
    )
    masks = series.masks
    assert masks is not None
    compared = 0
    for i in range(series.n_frames):
        if not np.isfinite(masks.scale[i]):
            continue
        xy = (series.xy_px[i] - masks.origin_px[i]) * masks.scale[i]
        fast, ref = silhouette_tilt_deg(masks.prob[i], xy), reference_tilt_deg(masks.prob[i], xy)
        assert _same_tilt(fast, ref), f"frame {i}: {fast!r} != reference {ref!r}"
        compared += np.isfinite(ref)
    # The runner is seen from behind throughout: nearly every frame has a tilt.
    assert compared >= 0.9 * series.n_frames
