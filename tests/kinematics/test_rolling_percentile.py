"""``contacts.rolling_percentile`` against the window-by-window loop it replaced."""

from __future__ import annotations

import numpy as np
import pytest

from gaitlab.kinematics.contacts import rolling_percentile as _rolling_percentile
from gaitlab.kinematics.geometry import nanpercentile_or_nan


def reference(y: np.ndarray, half: int, q: float) -> np.ndarray:
    """The former implementation: one percentile per truncated centred window."""
    out = np.full(y.shape[0], np.nan)
    for i in range(y.shape[0]):
        out[i] = nanpercentile_or_nan(y[max(0, i - half) : i + half + 1], q)
    return out


def series_with_gaps(rng: np.random.Generator, n: int) -> np.ndarray:
    """A noisy periodic series (repeated values too) with isolated NaNs, NaN runs and infs."""
    t = np.arange(n)
    y = 300 + 40 * np.sin(t / 7.0) + rng.normal(0, 3, n)
    tie = rng.random(n) < 0.3
    y[tie] = np.round(y[tie] / 10) * 10  # repeated values
    y[rng.random(n) < 0.1] = np.nan
    if n > 40:
        start = rng.integers(0, n - 30)
        y[start : start + rng.integers(5, 30)] = np.nan  # a gap longer than some windows
    y[rng.random(n) < 0.02] = np.inf
    y[rng.random(n) < 0.02] = -np.inf
    return y


@pytest.mark.parametrize("seed", range(8))
def test_bit_identical_to_the_loop_on_random_series_with_gaps(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in (1, 2, 7, 50, 361):
        y = series_with_gaps(rng, n)
        for half in (1, 3, 10, 21, 60):
            for q in (0, 5, 37.5, 50, 90, 100):
                np.testing.assert_array_equal(
                    _rolling_percentile(y, half, q), reference(y, half, q)
                )


def test_no_finite_value_in_a_window_gives_nan_and_ends_use_truncated_windows() -> None:
    y = np.array([1.0, 2.0, np.nan, np.nan, np.nan, np.nan, 10.0, 20.0])
    got = _rolling_percentile(y, 1, 50)
    # Window of sample 0 is [1, 2]; sample 3's is three NaNs; sample 7's is [10, 20].
    np.testing.assert_array_equal(got, [1.5, 1.5, 2.0, np.nan, np.nan, 10.0, 15.0, 15.0])
    assert np.isnan(_rolling_percentile(np.full(5, np.nan), 2, 5)).all()
    assert _rolling_percentile(np.array([]), 3, 5).shape == (0,)


def test_long_series_in_several_blocks_matches_the_loop() -> None:
    # Wide windows (a 240 fps clip) make the implementation work in blocks of rows.
    y = series_with_gaps(np.random.default_rng(9), 9000)
    np.testing.assert_array_equal(_rolling_percentile(y, 200, 5), reference(y, 200, 5))
