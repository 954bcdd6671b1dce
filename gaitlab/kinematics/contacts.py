r"""Contact detection shared by every view.

Foot height over a running ground line, threshold crossings, merging split stances,
sub-frame extrema.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from gaitlab.kinematics.filtering import seconds_to_samples, valid_runs
from gaitlab.kinematics.geometry import (
    point,
)


def rolling_percentile(y: np.ndarray, half: int, q: float) -> np.ndarray:
    """Percentile ``q`` of the finite values in a centred window of ``2 half + 1`` samples.

    Windows are cut short at the ends of the series; NaN where a window holds no finite
    value. Same values, to the bit, as ``nanpercentile_or_nan`` window by window (tested),
    about 100x faster: each window's values are sorted with the non-finite ones last, and
    the windows holding the same number of finite values share one ``np.percentile`` call
    along rows, which interpolates between the same order statistics.
    """
    y = np.asarray(y, dtype=float)
    n = y.shape[0]
    out = np.full(n, np.nan)
    width = 2 * half + 1
    pad = np.full(half, np.nan)
    padded = np.concatenate([pad, np.where(np.isfinite(y), y, np.nan), pad])
    # Windows in blocks of rows: bounded memory for long high-frame-rate series.
    block = max(1, (1 << 20) // width)
    for start in range(0, n, block):
        stop = min(n, start + block)
        windows = np.sort(sliding_window_view(padded[start : stop + 2 * half], width), axis=1)
        counts = np.count_nonzero(np.isfinite(windows), axis=1)  # NaNs sort last
        done = out[start:stop]
        for m in np.unique(counts[counts > 0]):
            rows = counts == m
            done[rows] = np.percentile(windows[rows, :m], q, axis=1)
    return out


def foot_height_normalised(time_s: np.ndarray, low_y: np.ndarray, stride_s: float) -> np.ndarray:
    """Foot height above its running ground line, in units of its running swing height.

    ``h = (y - ground) / (top - ground)`` with ``ground`` and ``top`` the running 5th and
    90th percentiles of ``y`` over about two strides.
    """
    fs = 1.0 / np.median(np.diff(time_s))
    half = seconds_to_samples(stride_s, fs)
    ground = rolling_percentile(low_y, half, 5)
    top = rolling_percentile(low_y, half, 90)
    span = top - ground
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(span > 0, (low_y - ground) / span, np.nan)


def velocity(time_s: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Central-difference derivative of ``x(t)`` along axis 0; NaN next to missing samples."""
    return np.gradient(x, time_s, axis=0)


def crossing_time(time_s: np.ndarray, h: np.ndarray, i_before: int, thr: float) -> float:
    """Time at which ``h`` crosses ``thr`` between frames ``i_before`` and ``i_before + 1``."""
    h0, h1 = h[i_before], h[i_before + 1]
    t0, t1 = time_s[i_before], time_s[i_before + 1]
    if not (np.isfinite(h0) and np.isfinite(h1)) or h0 == h1:
        return float(0.5 * (t0 + t1))
    frac = float(np.clip((thr - h0) / (h1 - h0), 0.0, 1.0))
    return float(t0 + frac * (t1 - t0))


def detect_contacts(
    time_s: np.ndarray,
    h: np.ndarray,
    thr: float,
    stride_s: float,
    guard: np.ndarray | None = None,
) -> list[tuple[float, float]]:
    """Stance phases ``(foot_strike_s, toe_off_s)`` of one foot from a contact signal.

    Contact is ``h < thr`` (``h``: normalised height or normalised speed relative to the
    ground) where ``guard`` (optional extra condition) holds. Breaks in contact shorter
    than 10 % of a stride are closed and contacts shorter than 5 % of a stride dropped
    (landmark jitter). A stance touching a
    missing stretch or the clip's ends is dropped: its start or end is not observed.
    """
    n = h.shape[0]
    fs = 1.0 / np.median(np.diff(time_s))
    finite = np.isfinite(h)
    contact = finite & (h < thr)
    if guard is not None:
        contact &= guard
    # Close short breaks inside contact.
    max_break = max(1, int(0.1 * stride_s * fs))
    for a, b in valid_runs(~contact):
        if a > 0 and b < n and (b - a) <= max_break and finite[a:b].all():
            contact[a:b] = True
    out: list[tuple[float, float]] = []
    min_len = max(1, int(np.ceil(0.05 * stride_s * fs)))
    for a, b in valid_runs(contact):
        if b - a < min_len or a == 0 or b == n:
            continue
        if not (finite[a - 1] and finite[b]):
            continue
        t_fs = crossing_time(time_s, h, a - 1, thr)
        t_to = crossing_time(time_s, h, b - 1, thr)
        out.append((t_fs, t_to))
    return out


#: Shortest swing phase of a running stride, as a share of the stride: a swing lasts ~60-70 %
#: of the stride in running (duty factor 30-40 %) and still ~40 % in walking, so a "swing"
#: under a quarter of the stride is a stance split in two by a landmark glitch (typically a
#: 1-4 frame left/right label flip where the legs cross at mid-stance).
MIN_SWING_FRAC_STRIDE = 0.25


def merge_split_stances(
    contacts: list[tuple[float, float]],
    stride_s: float,
    min_swing_frac: float = MIN_SWING_FRAC_STRIDE,
) -> list[tuple[float, float]]:
    """Join stances of one foot separated by a swing too short to be one.

    Parameters
    ----------
    contacts
        ``(foot_strike_s, toe_off_s)`` of one foot, in time order.
    stride_s
        Stride duration (s).
    min_swing_frac
        Shortest plausible swing as a share of the stride (:data:`MIN_SWING_FRAC_STRIDE`).

    Returns
    -------
    list of (float, float)
        The stances, with each implausibly short swing closed (first strike, last toe-off).
    """
    out: list[tuple[float, float]] = []
    for t_fs, t_to in contacts:
        if out and t_fs - out[-1][1] < min_swing_frac * stride_s:
            out[-1] = (out[-1][0], max(out[-1][1], t_to))
        else:
            out.append((t_fs, t_to))
    return out


def landmark_height_frac_leg(
    time_s: np.ndarray, xy_up: np.ndarray, name: str, stride_s: float, leg_px: float
) -> np.ndarray:
    """Height of one landmark above its own running ground line, in leg lengths, ``(n,)``.

    The ground line is the running 5th percentile of the landmark's height over about two
    strides: each landmark gets its own, so a heel that never comes down to the toe's level
    (a forefoot striker) still has a ground line.
    """
    y = point(xy_up, name)[:, 1]
    fs = 1.0 / np.median(np.diff(time_s))
    ground = rolling_percentile(y, seconds_to_samples(stride_s, fs), 5)
    return (y - ground) / leg_px


def parabolic_time(time_s: np.ndarray, y: np.ndarray, i: int) -> float:
    """Sub-frame time of the extremum of ``y`` at frame ``i`` (parabola through 3 frames)."""
    if not 0 < i < y.size - 1 or not np.all(np.isfinite(y[i - 1 : i + 2])):
        return float(time_s[i])
    y0, y1, y2 = y[i - 1], y[i], y[i + 1]
    denom = y0 - 2 * y1 + y2
    delta = float(np.clip(0.5 * (y0 - y2) / denom, -0.5, 0.5)) if denom != 0 else 0.0
    dt = time_s[i + 1] - time_s[i] if delta > 0 else time_s[i] - time_s[i - 1]
    return float(time_s[i] + delta * dt)


def nearest_frame(time_s: np.ndarray, t: float) -> int:
    """Index of the frame whose time is nearest to ``t``."""
    return int(np.argmin(np.abs(time_s - t)))
