"""Pelvic tilt from the waistband edge in one rear- or front-view frame.

Why not the hip landmarks: MediaPipe's hip points barely follow the pelvis seen from behind
(docs/metrics.md: a true drop of 9.5-17.4 degrees reads as 2.4-4.0). The waistband, the
edge between top and shorts, moves with the pelvis and is easy to see when it contrasts.

Method
------
1. A search box anchored on the landmarks: centred on the mid-hip, ``half_width_trunk`` trunk
   lengths to each side, from ``above_trunk`` trunk lengths above the hip line to
   ``below_trunk`` below it (the waistband sits between the hip joint centres and the waist).
2. In CIE Lab colour (perceptual distances), for every column of the box, the vertical colour
   change at row ``r`` is the distance between the mean colour of the ``k`` rows below and the
   ``k`` rows above ``r``. The row of the strongest change is that column's edge point, refined
   to sub-pixel by a parabola through the peak.
3. A robust curve through the edge points. A waistband is rarely straight: seen from behind
   it sags or rises at the middle by a few centimetres. A Theil-Sen line (median of pairwise
   slopes) gives the first inliers (within ``curve_tol_trunk``); then a parabola
   ``y = a + b u + c u^2`` with ``u = x - x_mid_hip`` is fitted to them and refitted on the
   points within ``inlier_tol_trunk`` of it. The tilt is the parabola's slope at the mid-hip,
   ``b``: a left-right symmetric curve adds only ``c``, so its shape does not bias the tilt.
   When the sag across the box is under ``min_sag_trunk`` the edge is taken as straight and
   the line through the Theil-Sen inliers is used instead (one parameter fewer, less noise).

The angle is measured in the image: ``angle = atan(b)`` with image y down, so
**+ = the image-right end of the line is lower**. Which hip that is depends on the view (from
behind the runner's right is image-right); the kinematics stage converts it.

Quality gates (all must pass for ``ok``): share of edge points on the curve, contrast of the
edge against the box's typical change and in absolute terms (``min_edge_lab``), a change of
colour that shading cannot make (the RGB colours above and below the edge differ in
direction by ``min_colour_angle_deg`` or in brightness by more than ``max_shading_ratio``:
a lit and a shaded part of one colour differ only by a factor), a sag of at
most ``max_sag_trunk`` across the box, and agreement of the slopes of the left and right
halves once the common curvature is removed. Same-colour kit and arms across the waist fail
them; then the frame says "not measurable" rather than guessing.

The edge's height above the mid-hip (``offset_trunk``, in trunk lengths, along the
perpendicular of the hip line) is kept for the clip-level check that tells a waistband from
a loose hem (:mod:`gaitlab.kinematics.pelvis`): a waistband rides with the pelvis at a fixed
height, a hem flaps up and down against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from gaitlab.landmarks import INDEX


@dataclass(frozen=True)
class WaistbandSettings:
    """Search box, edge scale and quality thresholds (lengths in trunk lengths)."""

    half_width_trunk: float = 0.22
    above_trunk: float = 0.45
    below_trunk: float = 0.12
    edge_half_height_trunk: float = 0.03
    inlier_tol_trunk: float = 0.015
    curve_tol_trunk: float = 0.05
    min_sag_trunk: float = 0.01
    max_sag_trunk: float = 0.12
    min_inlier_share: float = 0.6
    min_contrast: float = 2.0
    min_edge_lab: float = 15.0
    min_colour_angle_deg: float = 6.0
    max_shading_ratio: float = 2.2
    max_halves_diff_deg: float = 6.0
    min_trunk_px: float = 40.0
    colour_gap_px: int = 2


#: Version of the edge method; part of the pose cache key (a new method re-measures).
WAISTBAND_METHOD = "parabola-v6"  # v1 line; v2 parabola; v3 line if straight; v4 hue gate;
# v5 tilt read at the band's own axis; v6 colours read off the blurred edge rows


@dataclass(frozen=True)
class WaistbandLine:
    """The waistband edge found in one frame.

    Attributes
    ----------
    angle_deg
        Line angle in the image, + = image-right end lower (NaN when not found).
    inlier_share
        Share of the box's columns whose edge point lies on the line, 0-1.
    contrast
        Median edge strength on the line over the box's median vertical colour change.
    halves_diff_deg
        Difference between slopes fitted to the left and right halves of the box (common
        curvature removed).
    ok
        True when every quality gate passed.
    offset_trunk
        Height of the edge above the mid-hip, in trunk lengths (NaN when not found).
    sag_trunk
        How much lower the edge's middle is than its ends across the box, trunk lengths.
    edge_lab
        Median colour step across the edge (OpenCV 8-bit Lab units).
    """

    angle_deg: float
    inlier_share: float
    contrast: float
    halves_diff_deg: float
    ok: bool
    offset_trunk: float = float("nan")
    sag_trunk: float = float("nan")
    edge_lab: float = float("nan")


NOT_FOUND = WaistbandLine(float("nan"), 0.0, 0.0, float("nan"), False)


def _theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Median-of-pairwise-slopes line ``y = a + b x``; robust to up to ~29 % outliers."""
    i, j = np.triu_indices(x.size, k=1)
    dx = x[j] - x[i]
    keep = dx != 0
    b = float(np.median((y[j] - y[i])[keep] / dx[keep]))
    a = float(np.median(y - b * x))
    return a, b


def _tilt_at_band_axis(b: float, c2: float, height_px: float) -> float:
    """Tilt (deg) of a curved edge ``y = a + b u + c2 u^2``, read at the band's own axis.

    A curved waistband is symmetric about the body's midline, which passes through the
    mid-hip. When the pelvis turns by ``theta`` about the mid-hip, that midline turns with it,
    so at the band's height (``height_px`` above the mid-hip) the band's axis moves sideways
    by ``height_px * sin(theta)``. The slope at the mid-hip column (``b``) then mixes the
    curvature into the tilt (``b = tan(theta) - 2 c2 u_axis``): by a factor of 0.6-1.2 on the
    development renders, whose bands project curved (camera above or below the waist, or a
    curved cut). The slope at the axis, ``b + 2 c2 u_axis``, is the tilt; ``u_axis`` depends
    on ``theta``, so a few fixed-point steps solve it (they converge while
    ``|2 c2 height_px| < 1``, far beyond the curvature the sag gate lets through).
    """
    theta = float(np.arctan(b))
    for _ in range(4):
        theta = float(np.arctan(b + 2.0 * c2 * height_px * np.sin(theta)))
    return float(np.degrees(theta))


def _band_means(img: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the ``k`` rows above and below each row in ``rows`` (cumulative sums)."""
    img = img.astype(np.float32)
    csum = np.concatenate([np.zeros((1, *img.shape[1:]), np.float32), np.cumsum(img, axis=0)])
    return (csum[rows] - csum[rows - k]) / k, (csum[rows + k] - csum[rows]) / k


def _sides_off_edge(
    img: np.ndarray, rows: np.ndarray, k: int, peak: np.ndarray, cols: np.ndarray, gap: int
) -> tuple[np.ndarray, np.ndarray]:
    """Median colour of the ``k`` rows above and below the edge, ``gap`` rows away from it.

    Medians over the columns ``cols`` (the edge's inliers). The rows next to the edge are a
    blend of both colours (lens blur, scaling, compression): at a small runner's scale they
    are most of a ``k``-row window and pull both sides towards their mix, so a real kit
    boundary looked like shading and too weak (docs/accuracy.md, development seed 4040).
    """
    edge = rows[peak[cols]]
    n = img.shape[0]
    top = np.clip(edge - gap, k, n)
    bottom = np.clip(edge + gap, 0, n - k)
    img = img.astype(np.float32)
    csum = np.concatenate([np.zeros((1, *img.shape[1:]), np.float32), np.cumsum(img, axis=0)])
    above = (csum[top, cols] - csum[top - k, cols]) / k
    below = (csum[bottom + k, cols] - csum[bottom, cols]) / k
    return np.median(above, axis=0), np.median(below, axis=0)


def _colour_step(above_rgb: np.ndarray, below_rgb: np.ndarray) -> tuple[float, float]:
    """Angle (deg) between the RGB colours above and below the edge, and their length ratio."""
    a = above_rgb + 1.0
    b = below_rgb + 1.0
    cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    angle = float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
    return angle, float(np.linalg.norm(b) / np.linalg.norm(a))


def waistband_line(
    rgb: np.ndarray, xy_px: np.ndarray, settings: WaistbandSettings | None = None
) -> WaistbandLine:
    """Find the waistband edge and its angle in one frame.

    Parameters
    ----------
    rgb : (h, w, 3) uint8
        The upright frame.
    xy_px : (33, 2) float
        The frame's landmarks (NaN when no pose).
    settings
        Box geometry and quality gates.

    Returns
    -------
    WaistbandLine
        ``NOT_FOUND`` when the landmarks are missing or the box leaves the frame.
    """
    s = settings or WaistbandSettings()
    hips = xy_px[[INDEX["left_hip"], INDEX["right_hip"]]]
    shoulders = xy_px[[INDEX["left_shoulder"], INDEX["right_shoulder"]]]
    if not (np.isfinite(hips).all() and np.isfinite(shoulders).all()):
        return NOT_FOUND
    mid_hip = hips.mean(axis=0)
    trunk = float(np.linalg.norm(shoulders.mean(axis=0) - mid_hip))
    if trunk < s.min_trunk_px:
        return NOT_FOUND
    h, w = rgb.shape[:2]
    x0 = round(mid_hip[0] - s.half_width_trunk * trunk)
    x1 = round(mid_hip[0] + s.half_width_trunk * trunk)
    k = max(2, round(s.edge_half_height_trunk * trunk))
    y0 = round(mid_hip[1] - s.above_trunk * trunk) - k
    y1 = round(mid_hip[1] + s.below_trunk * trunk) + k
    if x0 < 0 or y0 < 0 or x1 > w or y1 > h or x1 - x0 < 8 or y1 - y0 < 2 * k + 3:
        return NOT_FOUND

    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB).astype(np.float32)
    rows = np.arange(k, lab.shape[0] - k + 1)
    above, below = _band_means(lab, rows, k)
    change = np.linalg.norm(below - above, axis=2)  # (len(rows), n_cols)

    peak = np.argmax(change, axis=0)
    cols = np.arange(change.shape[1])
    strength = change[peak, cols]
    # Sub-pixel refinement of each column's peak by a parabola through its neighbours.
    inner = (peak > 0) & (peak < change.shape[0] - 1)
    c_m = change[np.clip(peak - 1, 0, None), cols]
    c_p = change[np.clip(peak + 1, None, change.shape[0] - 1), cols]
    denom = c_m - 2 * strength + c_p
    offset = np.where(inner & (denom < 0), 0.5 * (c_m - c_p) / np.where(denom < 0, denom, -1), 0)
    # Row index r marks the boundary between image rows r-1 and r of the crop.
    edge_y = y0 + rows[peak] + offset - 0.5
    edge_x = x0 + cols + 0.5

    u = edge_x - mid_hip[0]
    a, b = _theil_sen(u, edge_y)
    near = np.abs(edge_y - (a + b * u)) <= max(2.0, s.curve_tol_trunk * trunk)
    tol = max(1.0, s.inlier_tol_trunk * trunk)
    coef = np.array([0.0, b, a])
    inliers = near
    for _ in range(3):
        if inliers.sum() < 6:
            break
        coef = np.polyfit(u[inliers], edge_y[inliers], 2)
        inliers = np.abs(edge_y - np.polyval(coef, u)) <= tol
    c2, b, a = (float(v) for v in coef)
    half_w = 0.5 * (x1 - x0)
    if abs(c2) * half_w**2 / trunk < s.min_sag_trunk:
        # No curvature worth a third parameter: the straight line's slope is less noisy.
        a, b = _theil_sen(u, edge_y)
        inliers = np.abs(edge_y - (a + b * u)) <= tol
        if inliers.sum() >= 6:
            b, a = (float(v) for v in np.polyfit(u[inliers], edge_y[inliers], 1))
        c2 = 0.0
    angle = _tilt_at_band_axis(b, c2, mid_hip[1] - a)
    inlier_share = float(inliers.mean())
    noise = float(np.median(change)) + 1e-6
    if inliers.any():
        cols_in = np.flatnonzero(inliers)
        gap = s.colour_gap_px
        lab_a, lab_b = _sides_off_edge(lab, rows, k, peak, cols_in, gap)
        edge_lab = float(np.linalg.norm(lab_b - lab_a))
        colour_angle, shading_ratio = _colour_step(
            *_sides_off_edge(crop, rows, k, peak, cols_in, gap)
        )
    else:
        edge_lab, colour_angle, shading_ratio = 0.0, 0.0, 1.0
    contrast = float(np.median(strength[inliers])) / noise if inliers.any() else 0.0
    # Shading scales a colour's RGB (and its gamma-encoded values) by one factor: the
    # direction stays and the brightness changes by a modest ratio. A kit boundary turns
    # the direction or changes the brightness by more.
    kit_boundary = colour_angle >= s.min_colour_angle_deg or not (
        1.0 / s.max_shading_ratio <= shading_ratio <= s.max_shading_ratio
    )
    sag = -c2 * half_w**2 / trunk  # + = the middle is lower (image y grows downwards)
    # Halves: slopes of the edge with the common curvature removed.
    flat = edge_y - c2 * u**2
    half = edge_x.size // 2
    _, b_left = _theil_sen(u[:half], flat[:half])
    _, b_right = _theil_sen(u[half:], flat[half:])
    halves = abs(float(np.degrees(np.arctan(b_left) - np.arctan(b_right))))
    ok = (
        inlier_share >= s.min_inlier_share
        and contrast >= s.min_contrast
        and edge_lab >= s.min_edge_lab
        and kit_boundary
        and halves <= s.max_halves_diff_deg
        and abs(sag) <= s.max_sag_trunk
    )
    # Height above the mid-hip, perpendicular to the hip line (image y grows downwards).
    hip_dir = (hips[1] - hips[0]) / max(float(np.linalg.norm(hips[1] - hips[0])), 1e-9)
    normal = np.array([hip_dir[1], -hip_dir[0]])
    if normal[1] > 0:
        normal = -normal
    offset = float(np.dot(np.array([0.0, a]) + np.array([mid_hip[0], 0.0]) - mid_hip, normal))
    return WaistbandLine(
        angle_deg=angle,
        inlier_share=inlier_share,
        contrast=contrast,
        halves_diff_deg=halves,
        ok=bool(ok),
        offset_trunk=offset / trunk,
        sag_trunk=float(sag),
        edge_lab=edge_lab,
    )
