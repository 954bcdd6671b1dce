"""The vectorised back-edge walk gives exactly the per-pixel walk it replaced.

The reference below is the original implementation of :func:`back_contour`'s walk (one
Python step per pixel, ~75 % of the kinematics stage's time). The vectorised one must agree
bit for bit, on real mask crops of MediaPipe on a sample clip and on random masks with
awkward geometry (trunk points off the crop, rounding ties, a zero-length trunk, a mask
that fills the crop).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from gaitlab.io.video import probe_video
from gaitlab.kinematics.geometry import mid
from gaitlab.kinematics.lumbar import _U, BackContour, back_contour
from gaitlab.pose import passes
from gaitlab.pose.backend import MediaPipeBackend, MediaPipeSettings
from gaitlab.pose.extract import Segment
from tests.conftest import MODEL, REPO

SAMPLE = REPO / "sample_videos" / "synth_side_back_arch.mp4"
FIELDS = ("u", "row", "forward", "trunk_len", "axial", "anterior", "origin", "axis", "posterior")


def reference_back_contour(
    prob: np.ndarray, shoulder: np.ndarray, hip: np.ndarray, facing: float
) -> BackContour:
    """The per-pixel walk as it was before vectorising (kept verbatim as the reference)."""
    thr = 127 if prob.dtype == np.uint8 else 0.5
    mask = prob > thr
    h, w = mask.shape
    shoulder = np.asarray(shoulder, dtype=float)
    hip = np.asarray(hip, dtype=float)
    trunk_len = float(np.hypot(*(shoulder - hip)))
    axis = (hip - shoulder) / trunk_len if trunk_len > 0 else np.array([0.0, 1.0])
    posterior = np.array([axis[1], -axis[0]])
    if posterior[0] * facing > 0:
        posterior = -posterior
    m = _U.size
    row = np.full(m, np.nan)
    fwd = np.full(m, np.nan)
    anterior = np.full(m, np.nan)
    max_steps = int(h + w)
    for k, u in enumerate(_U):
        base = shoulder + u * (hip - shoulder)
        xi, ri = round(base[0]), round(base[1])
        if not (0 <= ri < h and 0 <= xi < w) or not mask[ri, xi]:
            continue
        j = 0
        while j < max_steps:
            x, y = base + (j + 1) * posterior
            xn, yn = round(x), round(y)
            if not (0 <= yn < h and 0 <= xn < w) or not mask[yn, xn]:
                break
            j += 1
        edge = base + j * posterior
        row[k], fwd[k], anterior[k] = edge[1], facing * edge[0], -float(j)
    return BackContour(
        _U.copy(), row, fwd, trunk_len, _U * trunk_len, anterior, shoulder, axis, posterior
    )


def assert_identical(a: BackContour, b: BackContour) -> None:
    for name in FIELDS:
        x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
        assert np.array_equal(x, y, equal_nan=True), f"{name} differs: {x} vs {y}"


@pytest.fixture(scope="module")
def real_crops() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MediaPipe mask crops and crop-space mid-shoulder / mid-hip, first 1.5 s of a sample."""
    info = probe_video(SAMPLE)
    backend = MediaPipeBackend(MODEL, MediaPipeSettings(with_masks=True))
    try:
        rows = passes.run_segment(
            backend, info, Segment(0.0, 0.0, 1.5), with_masks=True, with_waistband=False
        )
    finally:
        backend.close()
    found = [i for i, xy in enumerate(rows.xy_px) if xy is not None]
    xy = np.stack([rows.xy_px[i] for i in found])
    origin = np.stack([rows.origins[i] for i in found])
    scale = np.asarray([rows.scales[i] for i in found])[:, None]
    sh = (mid(xy, "shoulder") - origin) * scale
    hip = (mid(xy, "hip") - origin) * scale
    return rows.crops.array()[found], sh, hip


def test_identical_on_real_mask_crops(real_crops):
    crops, sh, hip = real_crops
    assert len(crops) >= 80  # the runner is found in (nearly) every frame of 1.5 s at 60 fps
    walked = 0
    for crop, s, h in zip(crops, sh, hip, strict=True):
        for facing in (1.0, -1.0):  # the sample faces one way; the other walks into the front
            new = back_contour(crop, s, h, facing)
            assert_identical(new, reference_back_contour(crop, s, h, facing))
            walked += int(np.isfinite(new.anterior).sum())
        # a trunk line shifted by a fraction of a pixel moves every rounding decision
        s2, h2 = s + np.array([0.37, -0.21]), h + np.array([-0.5, 0.5])
        assert_identical(back_contour(crop, s2, h2, 1.0), reference_back_contour(crop, s2, h2, 1.0))
    assert walked > 40 * len(crops)  # the walks really ran over the mask, not all NaN


def _random_mask(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    img = np.zeros(shape, np.uint8)
    h, w = shape
    for _ in range(int(rng.integers(1, 6))):
        centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        axes = (int(rng.uniform(5, 120)), int(rng.uniform(5, 120)))
        value = int(rng.integers(100, 256))  # some blobs below the uint8 threshold
        cv2.ellipse(img, centre, axes, float(rng.uniform(0, 180)), 0, 360, value, -1)
    return img


def test_identical_on_random_masks_and_awkward_geometry():
    rng = np.random.default_rng(7)
    shape = (256, 192)
    for trial in range(300):
        mask = _random_mask(rng, shape)
        prob = mask if trial % 3 else mask.astype(np.float32) / 255.0  # both dtypes
        sh = rng.uniform(-20.0, [shape[1] + 20.0, shape[0] + 20.0])  # may lie off the crop
        hip = rng.uniform(-20.0, [shape[1] + 20.0, shape[0] + 20.0])
        if trial % 5 == 0:  # half-pixel coordinates: rounding ties at every level
            sh, hip = np.round(sh * 2) / 2, np.round(hip * 2) / 2
        if trial % 17 == 0:
            hip = sh.copy()  # zero-length trunk
        facing = 1.0 if trial % 2 else -1.0
        assert_identical(
            back_contour(prob, sh, hip, facing), reference_back_contour(prob, sh, hip, facing)
        )


def test_walk_that_never_leaves_the_mask_stops_at_the_crop_edge():
    full = np.full((50, 40), 255, np.uint8)
    sh, hip = np.array([20.0, 5.0]), np.array([20.0, 40.0])
    c = back_contour(full, sh, hip, 1.0)
    assert_identical(c, reference_back_contour(full, sh, hip, 1.0))
    # facing right, the back is at -x: 20 steps reach x = 0, the last pixel of the crop
    assert np.all(c.anterior[np.isfinite(c.anterior)] == -20.0)
