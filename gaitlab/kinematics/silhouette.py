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
    inside: np.ndarray, first_row: int, x_mid: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left and right edge (crop px, pixel-centre units) of the run through ``x_mid``.

    ``inside`` holds the crop's rows from ``first_row`` on; rows are returned in crop px.
    """
    w = inside.shape[1]
    col = int(np.clip(round(x_mid), 0, w - 1))
    # The run's ends: the last outside pixel left of ``col`` and the first one right of it.
    out_lo = ~inside[:, :col]
    out_hi = ~inside[:, col + 1 :]
    # A run that reaches the crop's border has no outside pixel on that side.
    keep = inside[:, col] & out_lo.any(axis=1) & out_hi.any(axis=1)
    if not keep.any():
        return np.empty(0), np.empty(0), np.empty(0)
    lo = col - 1 - np.argmax(out_lo[keep, ::-1], axis=1)
    hi = col + 1 + np.argmax(out_hi[keep], axis=1)
    return np.flatnonzero(keep) + float(first_row), lo + 0.5, hi - 0.5


def _off_median(x: np.ndarray, rows: int = 9) -> np.ndarray:
    """Distance of each value from the median of the ``rows`` (odd) values around it.

    Along the last axis (each row of a 2-D ``x`` on its own), the ends repeated outwards.
    """
    half = rows // 2
    padded = np.concatenate([x[..., :1].repeat(half, -1), x, x[..., -1:].repeat(half, -1)], -1)
    step = padded.strides[-1]
    windows = np.lib.stride_tricks.as_strided(
        padded, (*x.shape, rows), (*padded.strides[:-1], step, step), writeable=False
    )
    # The middle of the sorted window is its median (np.median's value, without its cost).
    return np.abs(x - np.sort(windows, axis=-1)[..., half])


def _interp_rows(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``np.interp(x[g], xp[g], fp[g], left=nan, right=nan)`` for every row ``g`` at once.

    ``xp`` ascending along each row. The same arithmetic as numpy's own interpolation (the
    last knot at or below x, its value on a tie, else slope times offset plus value), so
    each row's result is the one ``np.interp`` gives, to the bit.
    """
    g, n = xp.shape
    rows = np.arange(g)[:, None]
    # One search in all rows: each row shifted past the one before. The shift rounds, but
    # monotonically, so a knot at or below x stays so; a knot just above x may round onto
    # it and be counted, hence the exact step back after.
    shift = rows * (max(xp[:, -1].max(), x.max()) - min(xp[:, 0].min(), x.min()) + 1.0)
    # Knot numbers counted over all rows (row g's knots are n * g on).
    first = n * rows
    j = np.searchsorted((xp + shift).ravel(), x + shift, side="right") - 1
    flat = xp.ravel()
    while True:
        over = (j >= first) & (flat[np.maximum(j, first)] > x)
        if not over.any():
            break
        j = j - over
    at = np.clip(j, first, first + n - 2)
    x0, x1 = flat[at], flat[at + 1]
    y0, y1 = fp.ravel()[at], fp.ravel()[at + 1]
    # Where the clipped index is not the knot used, x1 - x0 may be 0: replaced below. On
    # a knot, x - x0 = 0 gives its value exactly, as numpy's shortcut does.
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (y1 - y0) / (x1 - x0) * (x - x0) + y0
    out = np.where(j == first + n - 1, fp[:, -1:], out)
    return np.where((j < first) | (x > xp[:, -1:]), np.nan, out)


#: numpy sums a contiguous run of up to this many values in 8 interleaved partial sums.
_PAIRWISE_BLOCK = 128


def _row_sums(a: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``a[g, :count[g]].sum()`` for every row, adding in the order numpy adds such a run.

    A mean is only bit-identical to ``np.mean`` of the run if its additions come in the
    same order: numpy sums fewer than 8 values one after another, and up to 128 values in
    8 interleaved partial sums, combined pairwise, then the rest one after another. Adding
    a zero changes no sum, so the rows are padded with zeros instead of cut.
    """
    g, n = a.shape
    if n > _PAIRWISE_BLOCK:  # numpy splits longer runs recursively: sum them one by one
        return np.array([a[i, : count[i]].sum() for i in range(g)])
    whole = count - count % 8
    cols = np.arange(n)
    blocks = np.zeros((g, -(-n // 8) * 8))
    blocks[:, :n] = np.where(cols < whole[:, None], a, 0.0)
    blocks = blocks.reshape(g, -1, 8)
    r = blocks[:, 0]
    for b in range(1, blocks.shape[1]):
        r = r + blocks[:, b]
    # ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the rest in order.
    r = r[:, 0::2] + r[:, 1::2]
    r = r[:, 0::2] + r[:, 1::2]
    total = r[:, 0] + r[:, 1]
    rest = whole[:, None] + np.arange(7)
    rest = np.where(rest < count[:, None], a[np.arange(g)[:, None], np.minimum(rest, n - 1)], 0.0)
    for i in range(int((count - whole).max(initial=0))):
        total = total + rest[:, i]
    return total


def _mirror_costs(
    y: np.ndarray, xl: np.ndarray, xr: np.ndarray, centre: np.ndarray, grid: np.ndarray
) -> np.ndarray:
    """Mean squared mismatch of the contours turned by ``-t`` rad about ``centre``, per ``t``.

    All angles of ``grid`` at once, with for each the arithmetic, in the order, of turning,
    sorting, interpolating and averaging that angle alone (``np.argsort``, ``np.interp``,
    ``np.mean``): the same costs to the bit, so the same grid minimum and parabola.
    """
    g, n = grid.size, y.size
    base = n * np.arange(g)[:, None]
    c, s = np.cos(grid)[:, None], np.sin(grid)[:, None]
    dxl, dxr, dy = xl - centre[0], xr - centre[0], y - centre[1]
    # Turn back by -t (image coordinates, y down: +t turns the image-right end down).
    # (-s * dx + c * dy is c * dy - s * dx to the bit: both round the same sum once.)
    cdy, sdy = c * dy, s * dy
    ul, vl = c * dxl + sdy, cdy - s * dxl
    ur, vr = c * dxr + sdy, cdy - s * dxr
    if not (vr[:, 1:] > vr[:, :-1]).all():  # rows strictly in order sort to themselves
        order = np.argsort(vr, axis=1) + base
        vr, ur = vr.ravel()[order], ur.ravel()[order]
    ur_at = _interp_rows(vl, vr, ur)
    ok = np.isfinite(ur_at)
    count = ok.sum(axis=1)
    # The heights both contours reach, moved to the front of each row in their order: a
    # shift where they are one run (nearly always), else a scatter.
    first = np.argmax(ok, axis=1)
    last = n - 1 - np.argmax(ok[:, ::-1], axis=1)
    if (count == last - first + 1).all():
        at = np.minimum(first[:, None] + np.arange(n), n - 1) + base
        left, right = ul.ravel()[at], ur_at.ravel()[at]
    else:
        to = (np.cumsum(ok, axis=1) - 1 + base)[ok]
        left, right = np.zeros(g * n), np.zeros(g * n)
        left[to], right[to] = ul[ok], ur_at[ok]
        left, right = left.reshape(g, n), right.reshape(g, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Mirror line: the mean of the two contours at equal height.
        m = (_row_sums(left + right, count) / count / 2.0)[:, None]
        cost = _row_sums(((m - left) - (right - m)) ** 2, count) / count
    return np.where(count >= 4, cost, np.inf)


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
    y, xl, xr = _contours(prob[r0 : max(r0, r1)] >= 128, r0, float(mid_hip[0]))
    if y.size < s.min_rows:
        return float("nan")
    # An arm laid against the side makes a step in that side's contour: rows whose contour
    # leaves the running median of its neighbours by more than a few pixels are dropped.
    keep = (_off_median(np.stack([xl, xr]), s.median_rows) <= s.max_step_px).all(axis=0)
    y, xl, xr = y[keep], xl[keep], xr[keep]
    if y.size < s.min_rows:
        return float("nan")
    grid = np.radians(np.arange(-s.max_tilt_deg, s.max_tilt_deg + 1e-9, s.step_deg))
    cost = _mirror_costs(y, xl, xr, mid_hip, grid)
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
