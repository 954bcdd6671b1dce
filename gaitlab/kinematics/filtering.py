"""Signal cleaning on time series that contain gaps (NaN).

All functions work along axis 0 (time) of an array of any trailing shape, never modify their
input, and take the sampling rate from the time vector, never from an assumed frame rate.

- :func:`hampel` rejects outliers (sets them to NaN).
- :func:`fill_gaps` interpolates short interior gaps and leaves long ones missing.
- :func:`lowpass` is a zero-lag Butterworth applied to each contiguous valid run separately,
  so gaps are put back afterwards instead of smearing NaN or inventing data across them.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

#: Scale that turns a median absolute deviation into a standard deviation for normal data.
MAD_TO_SIGMA = 1.4826


def sample_rate_hz(time_s: np.ndarray) -> float:
    """Median sampling rate in Hz from a strictly increasing time vector.

    Parameters
    ----------
    time_s : (n,) float
        Sample times in seconds.

    Returns
    -------
    float
        ``1 / median(diff(time_s))``; NaN with fewer than two samples.
    """
    time_s = np.asarray(time_s, dtype=float)
    if time_s.shape[0] < 2:
        return float("nan")
    return float(1.0 / np.median(np.diff(time_s)))


def seconds_to_samples(duration_s: float, fs_hz: float) -> int:
    """Whole number of samples closest to ``duration_s`` at ``fs_hz`` (at least 1)."""
    return max(1, int(np.rint(duration_s * fs_hz)))


def valid_runs(valid: np.ndarray) -> list[tuple[int, int]]:
    """Contiguous runs of True as ``(start, stop)`` half-open index pairs.

    Parameters
    ----------
    valid : (n,) bool

    Returns
    -------
    list of (int, int)
        E.g. ``[F, T, T, F, T]`` -> ``[(1, 3), (4, 5)]``.
    """
    v = np.concatenate([[False], np.asarray(valid, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(v.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def hampel(x: np.ndarray, half_window: int, n_sigma: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Hampel outlier rejection: outliers become NaN.

    A sample ``x[i]`` is an outlier when ``|x[i] - m_i| > n_sigma * 1.4826 * MAD_i``, where
    ``m_i`` and ``MAD_i`` are the median and median absolute deviation of the valid samples
    in ``x[i - half_window : i + half_window + 1]``. Windows with fewer than three valid
    samples or with MAD = 0 reject nothing.

    Parameters
    ----------
    x : (n, ...) float
        Signal(s) along axis 0; NaN = missing.
    half_window
        Half-width of the window in samples (>= 1).
    n_sigma
        Rejection threshold in robust standard deviations.

    Returns
    -------
    cleaned : (n, ...) float
        Copy of ``x`` with outliers set to NaN.
    outlier : (n, ...) bool
        Where outliers were found.
    """
    if half_window < 1:
        raise ValueError(f"hampel: half_window must be >= 1 sample, got {half_window}")
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    flat = x.reshape(n, -1)
    pad = np.full((half_window, flat.shape[1]), np.nan)
    padded = np.concatenate([pad, flat, pad])
    # (n, 2w+1, k) view of every window; NaN padding keeps windows at the edges short.
    win = np.lib.stride_tricks.sliding_window_view(padded, 2 * half_window + 1, axis=0)
    count = np.sum(~np.isnan(win), axis=-1)
    enough = count >= 3
    med = np.full(flat.shape, np.nan)
    mad = np.full(flat.shape, np.nan)
    if np.any(enough):
        w_ok = win[enough]
        m = np.nanmedian(w_ok, axis=-1)
        med[enough] = m
        mad[enough] = np.nanmedian(np.abs(w_ok - m[:, None]), axis=-1)
    with np.errstate(invalid="ignore"):
        outlier = enough & (mad > 0) & (np.abs(flat - med) > n_sigma * MAD_TO_SIGMA * mad)
    cleaned = flat.copy()
    cleaned[outlier] = np.nan
    return cleaned.reshape(x.shape), outlier.reshape(x.shape)


def fill_gaps(x: np.ndarray, time_s: np.ndarray, max_gap_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Linearly interpolate interior gaps no longer than ``max_gap_s``; keep longer gaps NaN.

    A gap is a run of NaN between two valid samples at times ``t_a`` and ``t_b``; it is
    filled when ``t_b - t_a <= max_gap_s`` (so the duration bridged is what is limited,
    whatever the frame rate). Leading and trailing gaps are never filled (no extrapolation).
    Each column of ``x`` is treated independently.

    Parameters
    ----------
    x : (n, ...) float
    time_s : (n,) float
    max_gap_s
        Longest time span to bridge, in seconds.

    Returns
    -------
    filled : (n, ...) float
    was_filled : (n, ...) bool
        Samples that were NaN and are now interpolated.
    """
    x = np.asarray(x, dtype=float)
    time_s = np.asarray(time_s, dtype=float)
    n = x.shape[0]
    if time_s.shape != (n,):
        raise ValueError(f"fill_gaps: time_s must have shape ({n},), got {time_s.shape}")
    flat = x.reshape(n, -1).copy()
    was = np.zeros(flat.shape, dtype=bool)
    for k in range(flat.shape[1]):
        col = flat[:, k]
        missing = np.isnan(col)
        if not missing.any() or missing.all():
            continue
        for a, b in valid_runs(missing):
            if a == 0 or b == n:
                continue  # leading / trailing: would be extrapolation
            t0, t1 = time_s[a - 1], time_s[b]
            if t1 - t0 > max_gap_s + 1e-9:
                continue
            frac = (time_s[a:b] - t0) / (t1 - t0)
            col[a:b] = col[a - 1] + frac * (col[b] - col[a - 1])
            was[a:b, k] = True
    return flat.reshape(x.shape), was.reshape(x.shape)


def butter_sos(cutoff_hz: float, fs_hz: float, order: int = 2) -> np.ndarray:
    """Second-order sections of a low-pass Butterworth, cut-off validated against Nyquist.

    Raises
    ------
    ValueError
        If ``cutoff_hz`` is not in ``(0, fs_hz / 2)``.
    """
    nyquist = fs_hz / 2.0
    if not 0 < cutoff_hz < nyquist:
        raise ValueError(
            f"low-pass cut-off must be in (0, {nyquist:.3g}) Hz (Nyquist at {fs_hz:.3g} Hz "
            f"sampling), got {cutoff_hz:.3g} Hz"
        )
    return signal.butter(order, cutoff_hz, btype="low", fs=fs_hz, output="sos")


def lowpass(x: np.ndarray, time_s: np.ndarray, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-lag Butterworth low-pass, applied per contiguous valid run; gaps stay NaN.

    The filter runs forward and backward (:func:`scipy.signal.sosfiltfilt`), so there is
    no phase lag and the effective order is ``2 * order``. The sampling rate comes from
    ``time_s`` (median interval). Runs too short to pad are returned unfiltered: a handful
    of samples cannot carry a meaningful low-pass anyway.

    Parameters
    ----------
    x : (n, ...) float
    time_s : (n,) float
    cutoff_hz
        -3 dB point of one pass, in Hz; must be below Nyquist.
    order
        Butterworth order of one pass.

    Returns
    -------
    (n, ...) float
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    sos = butter_sos(cutoff_hz, sample_rate_hz(time_s), order)
    default_pad = 3 * (2 * len(sos) + 1)
    flat = x.reshape(n, -1)
    out = flat.copy()
    for k in range(flat.shape[1]):
        for a, b in valid_runs(~np.isnan(flat[:, k])):
            length = b - a
            if length < 4:
                continue
            padlen = min(default_pad, length - 1)
            out[a:b, k] = signal.sosfiltfilt(sos, flat[a:b, k], padlen=padlen)
    return out.reshape(x.shape)
