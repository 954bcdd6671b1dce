r"""Pelvic tilt from the silhouette of the hips and waist (rear / front view), a second cue.

The waistband (:mod:`gaitlab.imaging.waistband`) needs a colour boundary. The person mask
needs none: seen from behind, the outline of the hips and waist is left-right symmetric
about the pelvis' midline and turns with the pelvis.

Definition (docs/metrics.md, "Pelvic tilt from the silhouette"): in each frame's mask crop
(:class:`gaitlab.series.MaskCrops`, person probability >= 0.5), for every row from
``above_trunk`` trunk lengths above the mid-hip landmark down to ``below_trunk`` below it,
the left and right contour of the run of mask pixels that contains the mid-hip (an arm
that touches the body steps the contour out: rows more than ``max_step_px`` from the
running median of the 15 rows around them are dropped).
The tilt :math:`\theta` is the rotation about the mid-hip that makes the two contours
mirror images of each other: contour points turned by :math:`-\theta`, the right contour
mirrored about the best vertical line, squared horizontal differences to the left
contour at equal heights summed; :math:`\theta` minimises that sum (a 0.25 deg grid, then a
parabola through the best three). It is an image angle, + = image-right end lower, like
the waistband's; :func:`gaitlab.kinematics.pelvis.waistband_obliquity_deg` turns either
into the runner's obliquity.

The mask crop is small (the whole body in 256 x 192 px), so the hips are 30-50 crop pixels
wide and a pixel of contour is 1-2 deg of tilt: this cue is for agreement with the
waistband, not a measure on its own (docs/accuracy.md gives the numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitlab.landmarks import INDEX
from gaitlab.series import MaskCrops


@dataclass(frozen=True)
class SilhouetteSettings:
    """Rows searched (trunk lengths about the mid-hip) and the tilt grid (deg)."""

    above_trunk: float = 0.45
    below_trunk: float = 0.05
    max_step_px: float = 3.0
    median_rows: int = 15
    min_rows: int = 8
    max_tilt_deg: float = 20.0
    step_deg: float = 0.25
    min_trunk_px: float = 20.0


def _contours(
    inside: np.ndarray, rows: np.ndarray, x_mid: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left and right edge (crop px, pixel-centre units) of the run through ``x_mid``."""
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
        if not lo.size or not hi.size:  # the run reaches the crop's border
            continue
        keep.append(r)
        left.append(lo[-1] + 0.5)
        right.append(hi[0] - 0.5)
    return np.asarray(keep, float), np.asarray(left, float), np.asarray(right, float)


def _off_median(x: np.ndarray, rows: int = 9) -> np.ndarray:
    """Distance of each value from the median of the ``rows`` values around it."""
    half = rows // 2
    padded = np.pad(x, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, rows)
    return np.abs(x - np.median(windows, axis=1))


def _mirror_cost(y: np.ndarray, xl: np.ndarray, xr: np.ndarray, centre: np.ndarray, t: float):
    """Mean squared mismatch of the contours turned by ``-t`` rad about ``centre``."""
    c, s = np.cos(t), np.sin(t)
    # Turn back by -t (image coordinates, y down: +t turns the image-right end down).
    ul, vl = c * (xl - centre[0]) + s * (y - centre[1]), -s * (xl - centre[0]) + c * (y - centre[1])
    ur, vr = c * (xr - centre[0]) + s * (y - centre[1]), -s * (xr - centre[0]) + c * (y - centre[1])
    order = np.argsort(vr)
    ur_at = np.interp(vl, vr[order], ur[order], left=np.nan, right=np.nan)
    ok = np.isfinite(ur_at)
    if ok.sum() < 4:
        return np.inf
    # Mirror line: the mean of the two contours at equal height.
    m = float(np.mean(ul[ok] + ur_at[ok])) / 2.0
    return float(np.mean(((m - ul[ok]) - (ur_at[ok] - m)) ** 2))


def silhouette_tilt_deg(
    prob: np.ndarray, xy_crop: np.ndarray, settings: SilhouetteSettings | None = None
) -> float:
    """Tilt of the hips' outline in one mask crop (deg, + = image-right end lower).

    Parameters
    ----------
    prob : (h, w) uint8
        Person probability, 0-255.
    xy_crop : (33, 2) float
        Landmarks in the crop's pixels.
    settings
        Rows and grid.

    Returns
    -------
    float
        NaN when the landmarks are missing, the runner is too small or too few rows remain.
    """
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
    y, xl, xr = _contours(prob >= 128, np.arange(r0, r1), float(mid_hip[0]))
    if y.size < s.min_rows:
        return float("nan")
    # An arm laid against the side makes a step in that side's contour: rows whose contour
    # leaves the running median of its neighbours by more than a few pixels are dropped.
    keep = (_off_median(xl, s.median_rows) <= s.max_step_px) & (
        _off_median(xr, s.median_rows) <= s.max_step_px
    )
    y, xl, xr = y[keep], xl[keep], xr[keep]
    if y.size < s.min_rows:
        return float("nan")
    grid = np.radians(np.arange(-s.max_tilt_deg, s.max_tilt_deg + 1e-9, s.step_deg))
    cost = np.array([_mirror_cost(y, xl, xr, mid_hip, t) for t in grid])
    i = int(np.argmin(cost))
    if not np.isfinite(cost[i]):
        return float("nan")
    t = grid[i]
    if 0 < i < grid.size - 1 and np.isfinite(cost[i - 1 : i + 2]).all():
        denom = cost[i - 1] - 2 * cost[i] + cost[i + 1]
        if denom > 0:
            t += 0.5 * (cost[i - 1] - cost[i + 1]) / denom * (grid[1] - grid[0])
    return float(np.degrees(t))


def silhouette_tilt_series(
    masks: MaskCrops, xy_px: np.ndarray, settings: SilhouetteSettings | None = None
) -> np.ndarray:
    """Per-frame :func:`silhouette_tilt_deg` of a clip's mask crops.

    Parameters
    ----------
    masks
        The clip's mask crops.
    xy_px : (n, 33, 2) float
        Image landmarks, mapped into each crop (the crops are scaled uniformly, so angles
        are the image's).

    Returns
    -------
    (n,) float
        Tilt per frame, deg, + = image-right end lower; NaN where not measured.
    """
    n = xy_px.shape[0]
    out = np.full(n, np.nan)
    for i in range(n):
        if not np.isfinite(masks.scale[i]):
            continue
        crop_xy = (xy_px[i] - masks.origin_px[i]) * masks.scale[i]
        out[i] = silhouette_tilt_deg(masks.prob[i], crop_xy, settings)
    return out
