"""Undo the pose tracker's own temporal smoothing of the landmarks.

MediaPipe's pose landmarker in VIDEO mode with one pose smooths every landmark coordinate
with a One-Euro filter (Casiez et al. 2012, *CHI* 2527) before it returns it: an
exponential low-pass whose cut-off rises with the landmark's speed. The filter has no
look-ahead, so it lags where a point starts to move after resting: a toe leaving the
ground is reported 1-3 frames late, and side-view toe-offs found on these landmarks came
+18 ms late on rendered runners at 60 fps (docs/accuracy.md). Asking MediaPipe for
two poses switches the filter off but costs ~30 % of the inference speed, so instead the
filter is inverted here, frame by frame: each output is
``y[i] = y[i-1] + alpha_i * (x[i] - y[i-1])`` with ``alpha_i`` a known function of the raw
step, so the raw value ``x[i]`` is a root of a quadratic; where up to three roots explain a
step, a beam search keeps the smoothest path (:func:`undo_one_euro`). Our own zero-lag
low-pass then does the smoothing (:mod:`.cleaning`).

The filter model (:data:`MEDIAPIPE_POSE`) follows MediaPipe's
``pose_landmark_filtering.pbtxt`` (one_euro_filter, min_cutoff 0.05 Hz, derivate_cutoff
1 Hz, the speed divided by the object's size), with two things the Tasks API does not
expose replaced by what fits: the object size is the previous output frame's landmark box
(mean of its width and height; MediaPipe uses its tracking region, which is larger), and
``beta`` is 40 (MediaPipe's 80 on the larger region). Checked against MediaPipe itself in
``tests/test_ground_truth.py`` (the same clip with the filter on and off).

Only the leg's points are undone in the analysis (:data:`UNDONE_POINTS`, which says why).
Functions take and return arrays only; :func:`tracker_smoothing` reads a series'
provenance to tell whether its landmarks were smoothed and where the filter restarted.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gaitlab.kinematics.filtering import valid_runs
from gaitlab.series import PoseSeries


@dataclass(frozen=True)
class OneEuroParams:
    """A One-Euro filter as the pose tracker applies it (MediaPipe's form).

    Attributes
    ----------
    min_cutoff_hz
        Cut-off of the position low-pass at rest.
    beta
        Cut-off increase per unit of the smoothed speed, the speed being measured in
        object sizes per second.
    derivative_cutoff_hz
        Cut-off of the low-pass on the speed.
    """

    min_cutoff_hz: float
    beta: float
    derivative_cutoff_hz: float

    def to_dict(self) -> dict[str, float]:
        """Plain-JSON representation."""
        return {
            "min_cutoff_hz": self.min_cutoff_hz,
            "beta": self.beta,
            "derivative_cutoff_hz": self.derivative_cutoff_hz,
        }


#: MediaPipe pose landmarker (VIDEO mode, one pose), image landmarks; see the module doc.
MEDIAPIPE_POSE = OneEuroParams(min_cutoff_hz=0.05, beta=40.0, derivative_cutoff_hz=1.0)

#: Landmarks (both sides) whose smoothing the kinematics undo: the leg below the hip.
#: Measured over fifteen rendered side-view clips (30 and 60 fps) against the same
#: analysis on the true pixels (mean error): undoing these puts 485 of 554 events within a
#: frame (414 on the smoothed points), knee flexion at strike +1.1 deg (+3.9), hip
#: extension -1.2 deg (-0.5), overstride +2.8 % leg (+1.9). Undoing every landmark gains 4
#: events but reads hip extension +4.2 deg and thigh extension +1.5 deg too high:
#: MediaPipe's unsmoothed hip and shoulder points (its two-pose output) already overstate
#: the peak extension by 2-3 deg on two sample clips, which the smoothing happened to hide,
#: and the inversion adds its model error at the hips' turning points. So the trunk and
#: hips stay as the tracker returned them.
UNDONE_POINTS: tuple[str, ...] = ("knee", "ankle", "heel", "foot_index")

#: The provenance string of the pose stage whose single-pose output is smoothed.
_MEDIAPIPE_VIDEO = "mediapipe.tasks.PoseLandmarker(VIDEO)"


def tracker_timestamps_s(time_s: np.ndarray) -> np.ndarray:
    """The timestamps the tracker filtered with: whole, strictly increasing milliseconds.

    The pose stage hands MediaPipe ``max(previous + 1, round(1000 t))`` ms, and the filter's
    sampling rate comes from those, not from the exact frame times.
    """
    rounded = np.rint(np.asarray(time_s, dtype=float) * 1000.0)
    i = np.arange(rounded.size)
    # last[i] = max(last[i-1] + 1, rounded[i])  <=>  last[i] - i = running max of rounded - i
    return (np.maximum.accumulate(rounded - i) + i) / 1000.0 if rounded.size else rounded


def _alpha(cutoff_hz: np.ndarray | float, rate_hz: float) -> np.ndarray | float:
    return 1.0 / (1.0 + rate_hz / (2.0 * np.pi * cutoff_hz))


def _box_scales(xy: np.ndarray) -> np.ndarray:
    """Inverse object size per frame: 1 / mean of the landmark box's width and height."""
    size = 0.5 * np.ptp(xy, axis=1).sum(axis=-1)
    with np.errstate(divide="ignore"):
        return np.where(size > 0, 1.0 / size, 0.0)


def _restart_mask(n: int, detected: np.ndarray, restart: np.ndarray | None) -> np.ndarray:
    """Frames where the filter starts afresh: each detected run's first frame, plus ``restart``."""
    first = np.zeros(n, dtype=bool)
    for a, _ in valid_runs(detected):
        first[a] = True
    if restart is not None:
        first |= np.asarray(restart, dtype=bool) & detected
    return first


def one_euro_filter(
    xy: np.ndarray,
    time_s: np.ndarray,
    params: OneEuroParams,
    restart: np.ndarray | None = None,
) -> np.ndarray:
    """Smooth landmarks as the tracker does (the forward model of :func:`undo_one_euro`).

    Parameters
    ----------
    xy : (n, k, 2) float
        Unsmoothed landmarks in pixels; a frame with any NaN is a frame without a pose.
    time_s : (n,) float
        Frame times in seconds (turned into the tracker's whole milliseconds).
    params
        The filter.
    restart : (n,) bool, optional
        Frames where the filter starts afresh besides the first frame of each run of
        frames with a pose (e.g. where a second landmarker's segment takes over).

    Returns
    -------
    (n, k, 2) float
        What the tracker would have returned.
    """
    x = np.asarray(xy, dtype=float)
    t = tracker_timestamps_s(time_s)
    detected = np.isfinite(x).all(axis=(1, 2))
    fresh = _restart_mask(x.shape[0], detected, restart)
    y = np.full_like(x, np.nan)
    speed = np.zeros(x.shape[1:])
    for i in np.flatnonzero(detected):
        if fresh[i]:
            y[i], speed = x[i], np.zeros(x.shape[1:])
            continue
        rate = 1.0 / (t[i] - t[i - 1])
        a_d = _alpha(params.derivative_cutoff_hz, rate)
        speed = (
            a_d * (x[i] - x[i - 1]) * _box_scales(y[i - 1][None])[0] * rate + (1.0 - a_d) * speed
        )
        a = _alpha(params.min_cutoff_hz + params.beta * np.abs(speed), rate)
        y[i] = y[i - 1] + a * (x[i] - y[i - 1])
    return y


def undo_one_euro(
    xy: np.ndarray,
    time_s: np.ndarray,
    params: OneEuroParams,
    restart: np.ndarray | None = None,
    beam: int = 16,
    points: Sequence[int] | None = None,
) -> np.ndarray:
    """Recover the landmarks a One-Euro filter was given from what it returned.

    With ``u = x[i] - y[i-1]`` (the raw value's distance from the last output) and
    ``D = y[i] - y[i-1]`` (the output's step), the filter's update is ``D = alpha(u) u``
    with ``alpha = c / (c + rate / 2 pi)`` and ``c = min_cutoff + beta |s|``, where the
    smoothed speed ``s = a_d (x[i] - x[i-1]) scale rate + (1 - a_d) s_prev`` is linear in
    ``u``. On each sign of ``s`` that is a quadratic in ``u``; its roots with ``|u| >= |D|``,
    ``u`` of the sign of ``D`` and ``s`` of the assumed sign are the raw values that explain
    the step. Up to three do, often (a quarter of the steps of a swinging limb: where the
    speed changes sign within the step), and a wrong one changes the filter state for the
    frames after it. Each coordinate's raw path is therefore chosen by a beam search: the
    ``beam`` paths of least squared acceleration (second difference of the raw values) are
    followed through every frame and the best one is kept at the end of each run. A
    trajectory is smoother than the filter's alternatives, which jump by several pixels.

    On the filter's own output (:func:`one_euro_filter` of limb-like motion plus 0.5 px
    noise, ``tests/kinematics/test_desmooth.py``) the raw values come back to rounding;
    rounding is multiplied by ``1 / alpha`` (at most ~190 at rest at 60 fps).

    Parameters
    ----------
    xy, time_s, restart
        As :func:`one_euro_filter`, with ``xy`` the filter's output.
    params
        The filter.
    beam
        Paths kept per coordinate.
    points
        Indices of the landmarks to recover (default all); the others are returned as
        given. The object size always comes from every landmark.

    Returns
    -------
    (n, k, 2) float
        The filter's input (NaN where ``xy`` has no pose).
    """
    y = np.asarray(xy, dtype=float)
    n = y.shape[0]
    t = tracker_timestamps_s(time_s)
    detected = np.isfinite(y).all(axis=(1, 2))
    fresh = _restart_mask(n, detected, restart)
    idx = np.arange(y.shape[1]) if points is None else np.asarray(points, dtype=int)
    flat = y[:, idx].reshape(n, -1)  # coordinates are independent given the outputs
    out = np.full_like(flat, np.nan)
    for a, b in _filter_runs(detected, fresh):
        out[a:b] = _undo_run(flat[a:b], t[a:b], _box_scales(y[a:b]), params, beam)
    result = y.copy()
    result[:, idx] = out.reshape(n, idx.size, y.shape[2])
    return result


def _filter_runs(detected: np.ndarray, fresh: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` of each stretch one filter ran over without a restart."""
    runs = []
    for a, b in valid_runs(detected):
        starts = [a, *[int(i) for i in np.flatnonzero(fresh[a + 1 : b]) + a + 1], b]
        runs.extend(itertools.pairwise(starts))
    return runs


def _undo_run(
    y: np.ndarray, t: np.ndarray, scale: np.ndarray, params: OneEuroParams, beam: int
) -> np.ndarray:
    """Beam search of :func:`undo_one_euro` over one run, ``y`` of shape ``(m, c)``."""
    m, c = y.shape
    rate = 1.0 / np.diff(t)  # rate[i - 1] is frame i's
    a_d = _alpha(params.derivative_cutoff_hz, rate)
    k_all = a_d * scale[:-1] * rate  # speed = k u + b
    x_prev = np.repeat(y[0][:, None], beam, axis=1)  # (c, beam)
    x_prev2 = x_prev
    speed = np.zeros_like(x_prev)
    cost = np.full_like(x_prev, np.inf)
    cost[:, 0] = 0.0  # one path at the start; the other slots are empty
    xs = np.empty((m, c, beam))
    parent = np.zeros((m, c, beam), dtype=np.int16)
    xs[0] = x_prev
    rows = np.arange(c)[:, None]
    for i in range(1, m):
        k = float(k_all[i - 1])
        y_prev = y[i - 1][:, None]
        b = k * (y_prev - x_prev) + (1.0 - a_d[i - 1]) * speed
        d = np.broadcast_to((y[i] - y[i - 1])[:, None], b.shape)
        u = _step_roots(d, k, b, params, rate[i - 1] / (2.0 * np.pi))  # (c, beam, 4)
        x_new = y_prev[..., None] + u
        # No acceleration to judge on the first step of a run.
        accel = x_new - 2.0 * x_prev[..., None] + x_prev2[..., None] if i > 1 else 0.0 * u
        total = (cost[..., None] + accel * accel).reshape(c, -1)
        total[np.isnan(total)] = np.inf
        pick = np.argsort(total, axis=1, kind="stable")[:, :beam]
        src = pick // u.shape[-1]
        cost = total[rows, pick]
        x_sel = x_new.reshape(c, -1)[rows, pick]
        speed = k * (x_sel - y_prev) + b[rows, src]
        x_prev2 = x_prev[rows, src]
        x_prev = x_sel
        xs[i], parent[i] = x_sel, src
    out = np.empty((m, c))
    j = np.argmin(cost, axis=1)
    cols = np.arange(c)
    for i in range(m - 1, -1, -1):
        out[i] = xs[i, cols, j]
        j = parent[i, cols, j]
    return out


#: The two signs of the smoothed speed, as an axis in front of the coordinates.
_SIGNS = np.array([1.0, -1.0]).reshape(2, 1, 1)


def _step_roots(
    d: np.ndarray, k: float, b: np.ndarray, params: OneEuroParams, rate_over_2pi: float
) -> np.ndarray:
    """Every raw step ``u`` with ``alpha(u) u = d`` (see :func:`undo_one_euro`), ``(c, m, 4)``.

    ``d`` and ``b`` are ``(c, m)``. NaN where a candidate does not qualify. ``d == 0`` has
    the one answer ``u = 0``; a step no root explains (rounding at rest) is passed through
    as ``u = d``.
    """
    # alpha(u) u = d  <=>  c (u - d) = d rate/2pi, c = mc + beta sg (k u + b), sg = sign(k u + b):
    # beta sg k u^2 + (mc + beta sg b - beta sg k d) u - (mc + beta sg b) d - d rate/2pi = 0.
    mc, beta = params.min_cutoff_hz, params.beta
    sg = _SIGNS
    g = mc + beta * sg * b  # (2, c, m)
    qa = beta * k * sg
    qb = g - qa * d
    qc = -d * (g + rate_over_2pi)
    with np.errstate(invalid="ignore", divide="ignore"):
        disc = np.sqrt(qb * qb - 4.0 * qa * qc)
        # Stable roots: q = -(qb + sign(qb) disc) / 2; roots q / qa and qc / q (qa = 0 when
        # the object size is unknown: the one root -qc / qb).
        q = -0.5 * (qb + np.copysign(disc, qb))
        first = q / qa if k != 0 else -qc / qb
        second = qc / q if k != 0 else np.full_like(q, np.nan)
    u = np.stack([first, second])  # (2 roots, 2 signs, c, m)
    with np.errstate(invalid="ignore"):
        ok = (u * d >= d * d * (1.0 - 1e-9)) & (sg * (k * u + b) >= -1e-12)
    u = np.where(ok, u, np.nan).reshape(4, *d.shape)
    u = np.moveaxis(u, 0, -1).copy()
    none = np.isnan(u).all(axis=-1)
    zero = d == 0
    u[..., 0] = np.where(zero, 0.0, np.where(none, d, u[..., 0]))
    u[zero, 1:] = np.nan
    return u


def tracker_smoothing(series: PoseSeries) -> tuple[OneEuroParams, np.ndarray] | None:
    """Whether a series' landmarks were smoothed by the tracker, and where its filter restarted.

    Smoothed: MediaPipe's VIDEO-mode landmarker with one pose, as the pose stage runs it by
    default. Not smoothed: a several-people pass (``pose.people.mode == "multi"``; with two
    or more poses MediaPipe does not smooth), and series from any other source (synthetic
    runners, other backends). Restarts: besides every return of the pose after frames
    without one, where each later segment of a split run takes over (its landmarker's
    filter started during the overlap, not on the frame before).

    Returns
    -------
    (params, restart) or None
        ``restart`` is an ``(n,)`` bool mask of the frames where the filter started afresh.
    """
    model = series.model
    if model.backend != _MEDIAPIPE_VIDEO:
        return None
    if int(model.settings.get("mediapipe", {}).get("num_poses", 1)) != 1:
        return None
    if (series.people or {}).get("mode") == "multi":
        return None
    restart = np.zeros(series.n_frames, dtype=bool)
    for seg in model.settings.get("segments", [])[1:]:
        i = int(np.searchsorted(series.time_s, float(seg["keep_from_s"]) - 1e-9))
        if i < series.n_frames:
            restart[i] = True
    return MEDIAPIPE_POSE, restart
