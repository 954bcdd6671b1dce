"""Lumbar hyperextension (back arch) from the back contour of the segmentation mask.

Landmarks have no lumbar points, so the back itself is measured (DESIGN.md section 4): the
posterior edge of the runner's silhouette between shoulder and hip level.

Per frame, in the person crop (a uniform scaling of the image, so angles are preserved and
image rows stay rows):

1. Rows are parameterised by ``u`` = 0 at mid-shoulder height to 1 at mid-hip height
   (extended to ``u = 1.15`` to include the buttock).
2. In each row, the mask run (probability > 0.5) that contains the trunk line (mid-shoulder
   to mid-hip) is found and its posterior end taken as the back edge; its forward
   coordinate is ``X_f = facing * x`` (larger = more anterior). Taking the run through the
   trunk ignores arms that are separated from the back.
3. **Arch angle**: straight lines ``X_f(row)`` are fitted to the upper back
   (``u`` in [0.1, 0.45]) and to the lower back and buttock (``u`` in [0.7, 1.1]); with slopes
   ``s_up`` and ``s_low`` (forward pixels per pixel down),
   ``arch = atan(s_up) - atan(s_low)`` in degrees. A hollow back runs forward into the
   lumbar curve and back out to the buttock, so the arch is positive and grows with the
   lordosis; a uniform trunk lean rotates both lines alike and cancels.
4. **Hollow depth**: the largest anterior distance of the contour from the straight line
   joining the upper back (``u = 0.25``) to the buttock's most posterior point
   (``u`` in [0.8, 1.15]), in % of trunk length.

Frames are used only when both elbows and wrists are clear of the back (at least 8 % of trunk
length anterior to the contour at their row, or outside the rows): an arm on the outline
throws the measures by tens of degrees. Each stance gives the median over its usable frames.

Experimental (DESIGN.md): validated only on rendered runners; body shape and loose clothing
change the outline. Confidence is capped at medium and the finding should read "possible
increased back arch", best compared within one runner across sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gaitlab.kinematics.confidence import Grade, grade_count, grade_view
from gaitlab.kinematics.definitions import METRICS
from gaitlab.kinematics.events import Stride
from gaitlab.kinematics.geometry import mid, point
from gaitlab.kinematics.metrics import MetricResult, StrideValue, summarise
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.kinematics.view import ViewResult
from gaitlab.series import PoseSeries

_U = np.linspace(0.0, 1.15, 47)
_UPPER = (0.1, 0.45)
_LOWER = (0.7, 1.1)
_BUTTOCK = (0.8, 1.15)
_ARM_MARGIN_TRUNK = 0.08
_ARM_POINTS = ("left_elbow", "right_elbow", "left_wrist", "right_wrist")


@dataclass(frozen=True)
class BackContour:
    """Back edge of one frame in crop pixels.

    Attributes
    ----------
    u : (m,) float
        Row parameter (0 = shoulder level, 1 = hip level).
    row : (m,) float
        Crop row of each sample.
    forward : (m,) float
        Forward coordinate ``facing * x`` of the back edge (NaN where not found).
    trunk_len : float
        Trunk length in crop pixels.
    """

    u: np.ndarray
    row: np.ndarray
    forward: np.ndarray
    trunk_len: float


def back_contour(
    prob: np.ndarray, shoulder: np.ndarray, hip: np.ndarray, facing: float
) -> BackContour:
    """Posterior edge of the trunk's mask run in each row (see module doc).

    Parameters
    ----------
    prob : (h, w) array
        Person probability (any scale; thresholded at half its dtype's range for uint8,
        0.5 for floats).
    shoulder, hip : (2,) float
        Mid-shoulder and mid-hip in crop pixels.
    facing
        +1 when the runner faces image-right, -1 when facing image-left.
    """
    thr = 127 if prob.dtype == np.uint8 else 0.5
    mask = prob > thr
    h, w = mask.shape
    trunk_len = float(np.hypot(*(shoulder - hip)))
    rows = shoulder[1] + _U * (hip[1] - shoulder[1])
    line_x = shoulder[0] + _U * (hip[0] - shoulder[0])
    fwd = np.full(_U.shape, np.nan)
    for k, (r, x0) in enumerate(zip(rows, line_x, strict=True)):
        ri, xi = round(r), round(x0)
        if not (0 <= ri < h and 0 <= xi < w) or not mask[ri, xi]:
            continue
        line = mask[ri]
        if facing < 0:  # posterior is image-right: walk right from the trunk line
            j = xi
            while j + 1 < w and line[j + 1]:
                j += 1
        else:
            j = xi
            while j - 1 >= 0 and line[j - 1]:
                j -= 1
        fwd[k] = facing * j
    return BackContour(_U.copy(), rows, fwd, trunk_len)


def _fit_slope(c: BackContour, lo: float, hi: float) -> float:
    sel = (c.u >= lo) & (c.u <= hi) & np.isfinite(c.forward)
    if sel.sum() < 4:
        return float("nan")
    return float(np.polyfit(c.row[sel], c.forward[sel], 1)[0])


def arch_angle_deg(c: BackContour) -> float:
    """``atan(s_up) - atan(s_low)`` in degrees (module doc, step 3); NaN if under-sampled."""
    s_up, s_low = _fit_slope(c, *_UPPER), _fit_slope(c, *_LOWER)
    return float(np.degrees(np.arctan(s_up) - np.arctan(s_low)))


def hollow_depth_pct_trunk(c: BackContour) -> float:
    """Lumbar hollow depth in % of trunk length (module doc, step 4)."""
    ok = np.isfinite(c.forward)
    i_up = int(np.argmin(np.abs(c.u - 0.25)))
    butt = np.flatnonzero((c.u >= _BUTTOCK[0]) & (c.u <= _BUTTOCK[1]) & ok)
    if not ok[i_up] or butt.size == 0 or c.trunk_len <= 0:
        return float("nan")
    i_b = int(butt[np.argmin(c.forward[butt])])  # most posterior buttock point
    r0, f0, r1, f1 = c.row[i_up], c.forward[i_up], c.row[i_b], c.forward[i_b]
    between = np.flatnonzero(ok & (c.u > c.u[i_up]) & (c.u < c.u[i_b]))
    if between.size == 0 or r1 == r0:
        return float("nan")
    line = f0 + (c.row[between] - r0) * (f1 - f0) / (r1 - r0)
    return float(100.0 * np.max(c.forward[between] - line) / c.trunk_len)


def arms_clear(c: BackContour, arm_xy: np.ndarray, facing: float) -> bool:
    """True when no elbow or wrist (crop pixels, ``(4, 2)``) lies on or behind the back."""
    for x, y in arm_xy:
        if not np.isfinite(x):
            return False  # an arm we cannot see may be on the outline
        if y < c.row.min() or y > c.row.max():
            continue
        edge = np.interp(y, c.row, c.forward) if np.isfinite(c.forward).all() else np.nan
        if not np.isfinite(edge):
            k = int(np.argmin(np.abs(c.row - y)))
            edge = c.forward[k]
        if not np.isfinite(edge) or facing * x < edge + _ARM_MARGIN_TRUNK * c.trunk_len:
            return False
    return True


def frame_measures(
    series: PoseSeries, xy_px: np.ndarray, facing: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame arch angle, hollow depth and usable flag.

    Parameters
    ----------
    series
        Must carry ``masks``.
    xy_px : (n, 33, 2) float
        Cleaned image landmarks.
    facing : (n,) float
        Per-frame facing (+1 image-right, -1 image-left).

    Returns
    -------
    arch_deg, depth_pct, usable : (n,) arrays
        NaN / False where the mask, landmarks or clear arms are missing.
    """
    if series.masks is None:
        raise ValueError("frame_measures: the pose series has no segmentation masks")
    m = series.masks
    n = series.n_frames
    arch = np.full(n, np.nan)
    depth = np.full(n, np.nan)
    usable = np.zeros(n, dtype=bool)
    sh_img, hip_img = mid(xy_px, "shoulder"), mid(xy_px, "hip")
    # Raw arm landmarks, not the visibility-filtered ones: the far arm is "invisible"
    # behind the trunk most of the time, yet MediaPipe's guess of where it is still tells
    # whether it sticks out past the back.
    arms_raw = np.where(np.isnan(xy_px), series.xy_px, xy_px)
    arms_img = np.stack([point(arms_raw, p) for p in _ARM_POINTS], axis=1)
    for i in range(n):
        if not (np.isfinite(m.scale[i]) and np.isfinite(facing[i])):
            continue
        if not (np.isfinite(sh_img[i]).all() and np.isfinite(hip_img[i]).all()):
            continue
        to_crop = lambda p, i=i: (p - m.origin_px[i]) * m.scale[i]  # noqa: E731
        c = back_contour(m.prob[i], to_crop(sh_img[i]), to_crop(hip_img[i]), facing[i])
        if not arms_clear(c, to_crop(arms_img[i]), facing[i]):
            continue
        a, d = arch_angle_deg(c), hollow_depth_pct_trunk(c)
        if np.isfinite(a) and np.isfinite(d):
            arch[i], depth[i], usable[i] = a, d, True
    return arch, depth, usable


def lumbar_metrics(
    series: PoseSeries,
    xy_an: np.ndarray,
    strides: Sequence[Stride],
    view: ViewResult,
    settings: KinematicsSettings,
    visibility: np.ndarray,
    xy_px: np.ndarray | None = None,
    facing: np.ndarray | None = None,
) -> dict[str, MetricResult]:
    """``lumbar_arch_angle_deg`` and ``lumbar_hollow_depth_pct_trunk`` per stance.

    Not measurable without masks (run the pose stage with masks) or outside side view.
    ``xy_px`` and ``facing`` default to values recovered from ``xy_an`` (sagittal frame).
    """
    names = ("lumbar_arch_angle_deg", "lumbar_hollow_depth_pct_trunk")
    defs = [METRICS[n] for n in names]
    grade = Grade()
    grade_view(grade, "side", view.view, view.confidence)
    if grade.level != "not_measurable" and series.masks is None:
        grade.cap(
            "not_measurable",
            "needs the segmentation masks: run the pose stage with masks enabled",
        )
    if grade.level == "not_measurable":
        return {d.name: summarise(d, [], grade.level, grade.reasons) for d in defs}
    if facing is None:
        facing = np.full(series.n_frames, 1.0 if view.view == "side-right" else -1.0)
    if xy_px is None:
        xy_px = np.stack([facing[:, None] * xy_an[..., 0], -xy_an[..., 1]], axis=-1)
    arch, depth, usable = frame_measures(series, xy_px, facing)
    t = series.time_s
    per: dict[str, list[StrideValue]] = {n: [] for n in names}
    for s in strides:
        w = (t >= s.foot_strike_s) & (t <= s.toe_off_s) & usable
        for name, series_vals in zip(names, (arch, depth), strict=True):
            v = float(np.median(series_vals[w])) if w.sum() >= 2 else float("nan")
            at = 0.5 * (s.foot_strike_s + s.toe_off_s)
            per[name].append(StrideValue(s.side, s.foot_strike_s, v, s.inferred, at))
    n_ok = sum(1 for v in per[names[0]] if np.isfinite(v.value))
    grade_count(grade, n_ok, "stance", settings.min_strides_high, settings.min_strides_medium)
    share = float(usable.mean()) if usable.size else 0.0
    if n_ok:
        grade.cap(
            "medium",
            "experimental: validated on rendered runners only; body shape and loose clothing "
            f"change the outline ({share:.0%} of frames had both arms clear of the back)",
        )
    else:
        grade.cap(
            "not_measurable",
            f"the arms covered the back outline in stance ({share:.0%} of frames usable)",
        )
    return {d.name: summarise(d, per[d.name], grade.level, grade.reasons) for d in defs}
