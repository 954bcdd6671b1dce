"""Lumbar hyperextension (back arch) from the back contour of the segmentation mask.

Landmarks have no lumbar points, so the back itself is measured (docs/metrics.md): the
posterior edge of the runner's silhouette between shoulder and hip level.

Per frame, in the person crop (a uniform scaling of the image, so angles are preserved), in
the trunk's own frame (axis mid-shoulder to mid-hip, and across it):

1. Levels along the trunk are parameterised by ``u`` = 0 at mid-shoulder to 1 at mid-hip
   (extended to ``u = 1.15`` to include the buttock).
2. At each level, from the trunk line, the mask (probability > 0.5) is followed backward
   perpendicular to the trunk and its end taken as the back edge; its anterior distance
   ``X_f`` from the trunk line is recorded (larger = more anterior). Following the mask
   from the trunk line ignores arms that are separated from the back. The trunk frame
   (not image rows) keeps the levels anatomical when the trunk leans: measured in image
   rows, a trunk leaning 10 deg further forward read ~9 deg less arch on rendered runners
   while its true trunk-vs-pelvis angle was unchanged.
3. **Arch angle**: straight lines ``X_f(axial)`` are fitted to the upper back
   (``u`` in [0.1, 0.45]) and to the lower back and buttock (``u`` in [0.7, 1.1]); with slopes
   ``s_up`` and ``s_low`` (anterior pixels per pixel toward the hips),
   ``arch = atan(s_up) - atan(s_low)`` in degrees. A hollow back runs forward into the
   lumbar curve and back out to the buttock, so the arch is positive and grows with the
   lordosis; a uniform trunk lean rotates both lines alike and cancels.
4. **Hollow depth**: the largest anterior distance of the contour from the straight line
   joining the upper back (``u = 0.25``) to the buttock's most posterior point
   (``u`` in [0.8, 1.15]), in % of trunk length.

Frames are used only when both elbows and wrists are clear of the back (at least 8 % of trunk
length anterior to the contour at their level along the trunk, or beyond its ends): an arm on
the outline throws the measures by tens of degrees. Each stance gives the median over its
usable frames.

Experimental (docs/metrics.md): validated only on rendered runners; body shape and loose clothing
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
    """Back edge of one frame, in crop pixels and in the trunk's own frame.

    Attributes
    ----------
    u : (m,) float
        Position along the trunk (0 = mid-shoulder, 1 = mid-hip).
    row : (m,) float
        Crop row of each edge point (NaN where not found).
    forward : (m,) float
        Forward image coordinate ``facing * x`` of each edge point (NaN where not found).
    trunk_len : float
        Trunk length in crop pixels.
    axial : (m,) float
        Trunk frame: distance along the trunk from mid-shoulder toward mid-hip (pixels).
    anterior : (m,) float
        Trunk frame: signed distance of the edge point from the trunk line, + = anterior
        (the back edge lies behind the line, so mostly negative; NaN where not found).
    origin, axis, posterior : (2,) float
        The trunk frame in crop pixels: mid-shoulder, unit vector toward mid-hip, unit
        vector perpendicular to it pointing backward.
    """

    u: np.ndarray
    row: np.ndarray
    forward: np.ndarray
    trunk_len: float
    axial: np.ndarray
    anterior: np.ndarray
    origin: np.ndarray
    axis: np.ndarray
    posterior: np.ndarray

    def to_trunk(self, xy: np.ndarray) -> tuple[float, float]:
        """``(axial, anterior)`` of a crop-pixel point in the trunk frame."""
        d = np.asarray(xy, dtype=float) - self.origin
        return float(d @ self.axis), float(-(d @ self.posterior))


def back_contour(
    prob: np.ndarray, shoulder: np.ndarray, hip: np.ndarray, facing: float
) -> BackContour:
    """Posterior edge of the trunk's mask along lines across the trunk (see module doc).

    Each sample ``u`` starts on the trunk line (mid-shoulder to mid-hip) and walks
    backward, perpendicular to that line, to the end of the mask: the contour is sampled in
    the trunk's own frame, so a leaning trunk is cut at the same anatomical levels as an
    upright one (image rows would cut a trunk leaning 10 deg forward lower on the buttock
    and the back, and read ~9 deg less arch on rendered runners).

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
    shoulder = np.asarray(shoulder, dtype=float)
    hip = np.asarray(hip, dtype=float)
    trunk_len = float(np.hypot(*(shoulder - hip)))
    axis = (hip - shoulder) / trunk_len if trunk_len > 0 else np.array([0.0, 1.0])
    posterior = np.array([axis[1], -axis[0]])
    if posterior[0] * facing > 0:  # posterior points against the facing direction
        posterior = -posterior
    row, fwd, anterior = _walk_to_edge(mask, shoulder, hip, posterior, facing)
    return BackContour(
        _U.copy(), row, fwd, trunk_len, _U * trunk_len, anterior, shoulder, axis, posterior
    )


def _walk_to_edge(
    mask: np.ndarray, shoulder: np.ndarray, hip: np.ndarray, posterior: np.ndarray, facing: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk from each trunk-line sample along ``posterior`` to the last mask pixel.

    All levels and steps at once: step ``j`` (1, 2, ...) of level ``k`` samples the pixel
    nearest to ``base_k + j * posterior`` (round half to even, as Python's ``round``), and
    the edge is the step before the first sample off the mask or the image. Steps are
    tried in blocks, so a typical crop (the back ~30-60 px behind the trunk line) costs one
    or two blocks instead of the full ``h + w`` walk.

    Returns
    -------
    row, forward, anterior : (m,) float
        As :class:`BackContour` (NaN where the trunk-line sample is off the mask).
    """
    h, w = mask.shape
    m = _U.size
    row = np.full(m, np.nan)
    fwd = np.full(m, np.nan)
    anterior = np.full(m, np.nan)
    base = shoulder[None, :] + _U[:, None] * (hip - shoulder)[None, :]  # (m, 2) x, y
    xi, ri = np.rint(base[:, 0]), np.rint(base[:, 1])
    start_ok = (ri >= 0) & (ri < h) & (xi >= 0) & (xi < w)
    start_ok[start_ok] = mask[ri[start_ok].astype(np.intp), xi[start_ok].astype(np.intp)]
    levels = np.flatnonzero(start_ok)
    steps = np.zeros(m, dtype=np.intp)  # steps taken on the mask so far
    max_steps = int(h + w)
    block = 64
    first = 1
    while levels.size and first <= max_steps:
        j = np.arange(first, min(first + block, max_steps + 1), dtype=float)  # (b,)
        x = base[levels, 0, None] + j[None, :] * posterior[0]  # (l, b)
        y = base[levels, 1, None] + j[None, :] * posterior[1]
        xn, yn = np.rint(x), np.rint(y)
        inside = (yn >= 0) & (yn < h) & (xn >= 0) & (xn < w)
        on = np.zeros(inside.shape, dtype=bool)
        on[inside] = mask[yn[inside].astype(np.intp), xn[inside].astype(np.intp)]
        stopped = ~on.all(axis=1)
        # steps on the mask in this block before the first miss (all of them when none)
        steps[levels] += np.where(stopped, np.argmin(on, axis=1), j.size)
        levels = levels[~stopped]
        first += j.size
    done = np.flatnonzero(start_ok)
    edge = base[done] + steps[done, None].astype(float) * posterior[None, :]
    row[done] = edge[:, 1]
    fwd[done] = facing * edge[:, 0]
    anterior[done] = -steps[done].astype(float)
    return row, fwd, anterior


def _fit_slope(c: BackContour, lo: float, hi: float) -> float:
    """Slope of the back edge in the trunk frame: anterior pixels per pixel toward the hip."""
    sel = (c.u >= lo) & (c.u <= hi) & np.isfinite(c.anterior)
    if sel.sum() < 4:
        return float("nan")
    return float(np.polyfit(c.axial[sel], c.anterior[sel], 1)[0])


def arch_angle_deg(c: BackContour) -> float:
    """``atan(s_up) - atan(s_low)`` in degrees (module doc, step 3); NaN if under-sampled."""
    s_up, s_low = _fit_slope(c, *_UPPER), _fit_slope(c, *_LOWER)
    return float(np.degrees(np.arctan(s_up) - np.arctan(s_low)))


def hollow_depth_pct_trunk(c: BackContour) -> float:
    """Lumbar hollow depth in % of trunk length (module doc, step 4), in the trunk frame."""
    ok = np.isfinite(c.anterior)
    i_up = int(np.argmin(np.abs(c.u - 0.25)))
    butt = np.flatnonzero((c.u >= _BUTTOCK[0]) & (c.u <= _BUTTOCK[1]) & ok)
    if not ok[i_up] or butt.size == 0 or c.trunk_len <= 0:
        return float("nan")
    i_b = int(butt[np.argmin(c.anterior[butt])])  # most posterior buttock point
    r0, f0, r1, f1 = c.axial[i_up], c.anterior[i_up], c.axial[i_b], c.anterior[i_b]
    between = np.flatnonzero(ok & (c.u > c.u[i_up]) & (c.u < c.u[i_b]))
    if between.size == 0 or r1 == r0:
        return float("nan")
    line = f0 + (c.axial[between] - r0) * (f1 - f0) / (r1 - r0)
    return float(100.0 * np.max(c.anterior[between] - line) / c.trunk_len)


def arms_clear(c: BackContour, arm_xy: np.ndarray, facing: float) -> bool:
    """True when no elbow or wrist (crop pixels, ``(4, 2)``) lies on or behind the back.

    Compared in the trunk frame: an arm point level with the contour (along the trunk)
    must lie at least ``_ARM_MARGIN_TRUNK`` trunk lengths anterior to the back edge there.
    ``facing`` is kept for the signature; the frame already carries it.
    """
    del facing
    ok = np.isfinite(c.anterior)
    for xy in arm_xy:
        if not np.isfinite(xy).all():
            return False  # an arm we cannot see may be on the outline
        a, f = c.to_trunk(xy)
        if a < c.axial.min() or a > c.axial.max():
            continue
        if ok.all():
            edge = float(np.interp(a, c.axial, c.anterior))
        else:
            edge = float(c.anterior[int(np.argmin(np.abs(c.axial - a)))])
        if not np.isfinite(edge) or f < edge + _ARM_MARGIN_TRUNK * c.trunk_len:
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
