import numpy as np
import pytest

from gaitlab.kinematics.filtering import (
    butter_sos,
    fill_gaps,
    hampel,
    lowpass,
    sample_rate_hz,
    valid_runs,
)


def test_sample_rate_from_time_vector_not_assumed():
    t = np.arange(100) / 59.94
    assert sample_rate_hz(t) == pytest.approx(59.94)
    assert np.isnan(sample_rate_hz(np.array([0.0])))


def test_valid_runs():
    assert valid_runs(np.array([0, 1, 1, 0, 1], bool)) == [(1, 3), (4, 5)]
    assert valid_runs(np.zeros(3, bool)) == []


def test_hampel_rejects_spikes_and_keeps_clean_signal():
    rng = np.random.default_rng(1)
    t = np.arange(300) / 60
    x = np.sin(2 * np.pi * 1.4 * t) + rng.normal(0, 0.01, t.size)
    spiked = x.copy()
    spiked[[50, 120, 121, 200]] += 2.0
    cleaned, out = hampel(spiked, half_window=6, n_sigma=4)
    assert set(np.flatnonzero(out)) == {50, 120, 121, 200}
    assert np.all(np.isnan(cleaned[out]))
    np.testing.assert_array_equal(cleaned[~out], spiked[~out])


def test_hampel_works_per_column_with_nan():
    rng = np.random.default_rng(2)
    x = rng.normal(0, 0.01, (50, 2, 2))
    x[:, 0, 0] += np.linspace(0, 1, 50)
    x[10:13] = np.nan
    x[30, 1, 1] = 5.0
    cleaned, out = hampel(x, half_window=5, n_sigma=5)
    assert out[30, 1, 1] and out[:, 1, 1].sum() <= 2
    assert np.isnan(cleaned[10:13]).all()


def test_fill_gaps_short_filled_linearly_long_left_missing():
    t = np.arange(40) / 30.0
    x = 2.0 * t
    x[5:8] = np.nan  # 3 missing: bounding samples 4/30 s apart -> filled at max 0.15 s
    x[20:30] = np.nan  # 10 missing: 11/30 s apart -> stays missing
    x[0:2] = np.nan  # leading: never extrapolated
    filled, was = fill_gaps(x, t, max_gap_s=0.15)
    np.testing.assert_allclose(filled[5:8], 2.0 * t[5:8])
    assert np.isnan(filled[20:30]).all() and np.isnan(filled[:2]).all()
    assert set(np.flatnonzero(was)) == {5, 6, 7}


def test_fill_gaps_limit_is_in_seconds_not_frames():
    # Same 0.1 s hole at 30 and 120 fps: filled at both rates.
    for fps in (30.0, 120.0):
        t = np.arange(int(fps)) / fps
        x = t.copy()
        k = round(0.1 * fps) - 1
        x[10 : 10 + k] = np.nan
        filled, _ = fill_gaps(x, t, max_gap_s=0.11)
        assert np.isfinite(filled).all(), fps


def test_lowpass_zero_lag_passes_slow_and_removes_fast():
    t = np.arange(600) / 60.0
    slow = np.sin(2 * np.pi * 1.5 * t)
    fast = 0.5 * np.sin(2 * np.pi * 20 * t)
    y = lowpass(slow + fast, t, cutoff_hz=8.0, order=2)
    core = slice(60, -60)
    # No lag: the filtered slow wave lines up with the original (error << 1 %).
    assert np.max(np.abs(y[core] - slow[core])) < 0.02
    lag = np.argmax(np.correlate(y[core], slow[core], "full")) - (len(slow[core]) - 1)
    assert lag == 0


def test_lowpass_puts_gaps_back_and_filters_each_run():
    t = np.arange(300) / 60.0
    x = np.sin(2 * np.pi * t)
    x[100:140] = np.nan
    y = lowpass(x, t, cutoff_hz=6.0)
    assert np.isnan(y[100:140]).all()
    assert np.isfinite(y[:100]).all() and np.isfinite(y[140:]).all()
    np.testing.assert_allclose(y[10:90], x[10:90], atol=0.01)


def test_cutoff_validated_against_nyquist():
    with pytest.raises(ValueError, match="Nyquist"):
        butter_sos(15.0, 30.0)
    with pytest.raises(ValueError, match="cut-off"):
        lowpass(np.zeros(50), np.arange(50) / 24.0, cutoff_hz=12.0)
