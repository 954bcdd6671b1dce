r"""Step frequency (cadence) from the periodicity of the body's motion, in every view.

Step frequency
--------------
A robust periodicity estimate that needs no events: the Lomb-Scargle periodogram (valid with
gaps and uneven sampling) of each foot's height and, in side view, of each foot's forward
position relative to the mid-hip, each detrended by a moving mean over the longest period
searched. Both oscillate once per *stride*; their normalised
periodograms are averaged and the peak in ``[step_hz_min / 2, step_hz_max / 2]`` is refined
by parabolic interpolation. Cadence is twice that frequency, in steps per minute. The peak's
height (fraction of the signals' variance a single sinusoid explains, 0-1) measures how
periodic the stepping is: standing still gives ~0. When frequent left/right label swaps
spoil those per-leg signals, leg-label-free signals that oscillate once per *step* (mid-hip
height; the ankles' horizontal separation in side view) give the cadence instead.

Half and double cadence
-----------------------
Two physical rhythms give the cadence independently: the body's vertical bounce (mid-hip
height) comes once per *step*, whatever the view; the limbs alternate once per *stride*.
A limb rhythm read an octave off (labels swapped every stride make each "leg" repeat every
two strides; a camera that pans unevenly adds a slow sway) halves or doubles the cadence,
and a bounce spoiled by a left/right asymmetry peaks at the stride rate. So both are
measured: when they agree (within 3 %) the limbs' value stands; when one is half or double
the other, the cadence kept is the one with the most evidence in the periodograms together:
the limbs' power at its stride rate plus, at its step rate, the bounce's and that of the
feet's spacing (how far apart the feet are, in height and in side view forward: once per
step whichever foot is labelled left, so no label swap can fool it);
any other disagreement is reported, with the value that same sum supports best, and lowers
the cadence's confidence to low. Nothing is ever halved silently: every estimate carries
both values and the check's outcome.

Sprints
-------
The band reaches 300 steps/min (5 Hz), a sprinter's rate. Above 240 steps/min a limbs'
peak counts only when the bounce agrees with it: up there the limbs' periodogram also holds
overtones of slower rhythms (labels swapped every stride put a peak at 1.5x the cadence),
so without that agreement the limbs' peak is taken below 240.

Pass-by clips
-------------
A runner crossing the frame or moving away from a static camera changes size in the
image. When the trunk's length changes by more than 15 % over the clip, each detrended
signal is multiplied by the median trunk length over the current one, so far strides weigh
like near ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage, signal

from gaitlab.kinematics.filtering import seconds_to_samples
from gaitlab.kinematics.geometry import (
    SIDES,
    foot_low_y,
    mid,
    point,
)
from gaitlab.kinematics.settings import KinematicsSettings


@dataclass(frozen=True)
class CadenceEstimate:
    """Periodicity-based step frequency.

    Attributes
    ----------
    cadence_spm
        Steps per minute (2 x stride frequency x 60); NaN when not periodic.
    stride_hz
        Stride frequency in Hz.
    periodicity
        Normalised periodogram peak (0-1): how much of the leg motion one stride rhythm
        explains (of the bounce when the bounce decided).
    limbs_spm, limbs_periodicity
        Cadence (2 x the stride rate) and peak height from the limbs' alternation alone.
    bounce_spm, bounce_periodicity
        Cadence (the step rate) and peak height from the mid-hip's vertical bounce alone.
    check
        How the two sources were reconciled: ``agree``, ``resolved`` (one was half or double
        the other; the cadence all signals support was kept), ``disagree`` (not an octave
        apart: the better-supported value is reported at low confidence),
        ``limbs_only`` (no periodic bounce), ``bounce_only`` (limb rhythm too weak) or
        ``none`` (not periodic).
    note
        One sentence for the user when the check was not a plain agreement.
    """

    cadence_spm: float
    stride_hz: float
    periodicity: float
    limbs_spm: float = float("nan")
    limbs_periodicity: float = float("nan")
    bounce_spm: float = float("nan")
    bounce_periodicity: float = float("nan")
    check: str = "none"
    note: str = ""


def _lombscargle_norm(t: np.ndarray, y: np.ndarray, freqs_hz: np.ndarray) -> np.ndarray:
    """Normalised Lomb-Scargle power (0-1) of ``y(t)`` ignoring NaN; zeros if too few samples."""
    ok = np.isfinite(y)
    if ok.sum() < 10 or np.ptp(y[ok]) == 0:
        return np.zeros_like(freqs_hz)
    yy = y[ok] - np.mean(y[ok])
    return signal.lombscargle(t[ok], yy, 2 * np.pi * freqs_hz, normalize=True)


def detrend_moving_mean(time_s: np.ndarray, y: np.ndarray, window_s: float) -> np.ndarray:
    """``y`` minus its NaN-aware centred moving mean over ``window_s`` seconds.

    Removes slow drifts (a runner crossing the frame, perspective, turning round) that
    would otherwise dominate the variance and hide the stride rhythm.
    """
    fs = 1.0 / np.median(np.diff(time_s))
    w = max(3, seconds_to_samples(window_s, fs) | 1)
    ok = np.isfinite(y)
    num = ndimage.uniform_filter1d(np.where(ok, y, 0.0), w, mode="constant")
    den = ndimage.uniform_filter1d(ok.astype(float), w, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        trend = np.where(den > 0, num / den, np.nan)
    return np.where(ok, y - trend, np.nan)


def detrend_local_linear(time_s: np.ndarray, y: np.ndarray, window_s: float) -> np.ndarray:
    """``y`` minus a NaN-aware line fitted over ``window_s`` seconds around each sample.

    For a runner approaching or receding: the image height of the hips (and of the feet)
    then drifts along a curve (perspective, one over the distance), fastest where the
    runner is near, and the stretch where the runner is seen ends where that drift is
    steepest. A moving mean near such an end is one-sided and lags the drift by half a
    window times its slope, which leaves a slow swing larger than the bounce itself
    (measured on the real rear pass-by: 56 px at the first frames, against a bounce of
    about 45 px peak to peak there); a line fitted over the same window follows the slope
    and leaves the bounce.
    """
    fs = 1.0 / np.median(np.diff(time_s))
    w = max(3, seconds_to_samples(window_s, fs) | 1)
    ok = np.isfinite(y)
    x = time_s - time_s[0]

    def window_sum(a: np.ndarray) -> np.ndarray:
        return ndimage.uniform_filter1d(np.where(ok, a, 0.0), w, mode="constant")

    n = window_sum(np.ones_like(x))
    sx, sy, sxx, sxy = window_sum(x), window_sum(y), window_sum(x * x), window_sum(x * y)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx, my = sx / n, sy / n
        var = sxx / n - mx * mx
        # One sample (or all at one time) in the window: no slope, the mean only.
        slope = np.where(var > 1e-12, (sxy / n - mx * my) / var, 0.0)
        trend = my + slope * (x - mx)
    return np.where(ok & (n > 0), y - trend, np.nan)


#: Above this cadence (steps/min) only sprinters step (4.5-5 Hz): a limbs' rhythm there
#: needs the bounce's agreement.
SPRINT_SPM = 240.0
#: Bounce and limb cadences closer than this (relative) agree.
AGREE_TOLERANCE = 0.03
#: A ratio of 2 (or 1/2) within this relative tolerance is an octave error of one source.
OCTAVE_TOLERANCE = 0.08
#: The octave guard of the fallback keeps a value only when its evidence beats the rival's
#: by this factor; otherwise the cadence is reported at low confidence ("disagree").
OCTAVE_MARGIN = 1.2
#: The body's size in the image must change by more than this factor over the clip before
#: the signals are rescaled (a runner crossing or receding); tripod clips stay untouched.
SCALE_CHANGE_MIN = 1.15


def body_scale_px(time_s: np.ndarray, xy_up: np.ndarray) -> np.ndarray:
    """Runner's size in the image over time: the trunk length (mid-hip to mid-shoulder), px.

    A running median over one second smooths the landmarks' jitter and the trunk's own
    small length changes within a stride; NaN where no trunk was seen in the window. The
    trunk is used because it keeps its length in every view (side, rear, front).
    """
    trunk = np.linalg.norm(mid(xy_up, "shoulder") - mid(xy_up, "hip"), axis=1)
    fs = 1.0 / np.median(np.diff(time_s))
    half = max(1, seconds_to_samples(0.5, fs))
    padded = np.concatenate([np.full(half, np.nan), trunk, np.full(half, np.nan)])
    windows = sliding_window_view(padded, 2 * half + 1)
    ok = np.isfinite(windows).any(axis=1)
    out = np.full(trunk.shape, np.nan)
    if ok.any():
        out[ok] = np.nanmedian(windows[ok], axis=1)
    return out


def _scale_factor(time_s: np.ndarray, xy_up: np.ndarray) -> tuple[np.ndarray | None, float]:
    """Per-frame factor that undoes the runner's change of size, and that change (max/min).

    None when the size changes by less than :data:`SCALE_CHANGE_MIN` (or cannot be seen).
    """
    scale = body_scale_px(time_s, xy_up)
    ok = np.isfinite(scale) & (scale > 0)
    if ok.sum() < 10:
        return None, float("nan")
    change = float(np.max(scale[ok]) / np.min(scale[ok]))
    if change < SCALE_CHANGE_MIN:
        return None, change
    return np.where(ok, np.median(scale[ok]) / np.where(ok, scale, 1.0), np.nan), change


def _spectrum(
    time_s: np.ndarray,
    signals: list[np.ndarray],
    freqs: np.ndarray,
    window_s: float,
    factor: np.ndarray | None,
) -> np.ndarray:
    """Mean normalised periodogram of detrended (and, for pass-by clips, rescaled) signals.

    Pass-by clips (``factor`` given) are detrended by a local line
    (:func:`detrend_local_linear`), others by a moving mean (:func:`detrend_moving_mean`).
    """
    powers = []
    for y in signals:
        if factor is None:
            d = detrend_moving_mean(time_s, y, window_s)
        else:
            # A runner changing size drifts along a curve: a line per window, not a mean.
            d = detrend_local_linear(time_s, y, window_s)
        if factor is not None:
            # Detrend first (the drift is in pixels), then undo the change of size so a far
            # runner's small steps weigh as much as a near runner's large ones.
            d = d * factor
        powers.append(_lombscargle_norm(time_s, d, freqs))
    return np.mean(powers, axis=0)


def _two_cycles_hz(time_s: np.ndarray, xy_up: np.ndarray) -> float:
    """Lowest frequency with two whole cycles between the first and last frame with hips."""
    seen = np.flatnonzero(np.isfinite(mid(xy_up, "hip")[:, 1]))
    if seen.size < 2:
        return float("inf")
    return 2.0 / float(time_s[seen[-1]] - time_s[seen[0]])


def _label_free_feet(xy_up: np.ndarray, sagittal: bool) -> list[np.ndarray]:
    """Signals of the feet that repeat once per step whichever foot is labelled left."""
    out = [np.abs(foot_low_y(xy_up, "left") - foot_low_y(xy_up, "right"))]
    if sagittal:
        out.append(np.abs(point(xy_up, "left_ankle")[:, 0] - point(xy_up, "right_ankle")[:, 0]))
    return out


def octave_guard(
    candidate_spm: float,
    others_spm: tuple[float, float],
    evidence: Callable[[float], float],
    step_band_hz: tuple[float, float],
) -> tuple[float, str, str]:
    """Check a fallback cadence against half and double its value before reporting it.

    The fallback (:func:`estimate_cadence` when the legs' own rhythm is too weak) reads the
    step rate from signals that mix a once-per-step bounce with anything that repeats once
    per stride (one foot lifting higher than the other, a hip dropping more on one side), so its
    peak can land an octave off. When the limbs' or the bounce's own peak
    (``others_spm``, however weak) lies near half or double the candidate, each of the
    candidate, its half and its double (those inside ``step_band_hz``) is scored by
    ``evidence`` (the limbs' power at its stride rate plus the bounce's and the feet's
    spacing's at its step rate) and the best-supported is kept.

    Parameters
    ----------
    candidate_spm
        The fallback's cadence, steps/min.
    others_spm
        The limbs' and the bounce's cadences, steps/min (NaN when absent).
    evidence
        Evidence for a cadence (steps/min -> summed normalised periodogram power).
    step_band_hz
        Step frequencies searched, Hz.

    Returns
    -------
    tuple of (float, str, str)
        The cadence kept (steps/min), the check (``bounce_only``: no octave rival;
        ``resolved``: a rival was weighed; ``disagree``: the rival had as much evidence,
        within :data:`OCTAVE_MARGIN`, so the value is uncertain) and a note for the user
        ("" for ``bounce_only``).
    """
    rivals = []
    for other in others_spm:
        if not np.isfinite(other) or other <= 0:
            continue
        for mult in (2.0, 0.5):
            if abs(other / (mult * candidate_spm) - 1.0) <= OCTAVE_TOLERANCE:
                rivals.append(mult * candidate_spm)
    rivals = sorted({r for r in rivals if step_band_hz[0] <= r / 60.0 <= step_band_hz[1]})
    if not rivals:
        return candidate_spm, "bounce_only", ""
    scored = sorted({candidate_spm, *rivals}, key=evidence, reverse=True)
    best, runner_up = scored[0], scored[1]
    kept_word = "kept" if best == candidate_spm else "taken instead"
    note = (
        f"the fallback's {candidate_spm:.1f} steps/min has an octave rival "
        f"({', '.join(f'{r:.1f}' for r in rivals)} from the limbs' or the bounce's own "
        f"peak); {best:.1f} is {kept_word}: the legs' rhythm, the bounce and the feet's "
        f"spacing together support it ({evidence(best):.2f} vs {evidence(runner_up):.2f})"
    )
    if evidence(best) < OCTAVE_MARGIN * evidence(runner_up):
        return best, "disagree", note + ", too close to be sure"
    return best, "resolved", note


def estimate_cadence(
    time_s: np.ndarray, xy_up: np.ndarray, settings: KinematicsSettings, sagittal: bool
) -> CadenceEstimate:
    """Cadence from the periodicity of the leg motion, checked against the body's bounce.

    Parameters
    ----------
    time_s : (n,) float
    xy_up : (n, 33, 2) float
        Cleaned landmarks in an analysis frame with +Y up (+X forward when ``sagittal``).
    settings
        ``step_hz_min``, ``step_hz_max``, ``periodicity_min``.
    sagittal
        Also use the feet's forward position relative to the mid-hip (side view).

    Returns
    -------
    CadenceEstimate
        The cadence, both sources' own estimates and how they were reconciled (module doc,
        "Half and double cadence").
    """
    factor, change = _scale_factor(time_s, xy_up)
    # A rhythm needs two whole cycles inside the stretch where the runner is seen: slower
    # "rhythms" are the drift of a runner crossing or receding (measured on a 1.4 s rear
    # pass-by: the receding hips read 69 steps/min while the feet stepped at ~175).
    f_min = _two_cycles_hz(time_s, xy_up)
    f_lo, f_hi = max(settings.step_hz_min / 2, f_min), settings.step_hz_max / 2
    if not f_lo < f_hi:
        # Hips seen in one frame, or for less than two of the fastest strides: no rhythm.
        return CadenceEstimate(float("nan"), float("nan"), 0.0)
    freqs = np.arange(f_lo, f_hi, 0.002)
    hip_x = mid(xy_up, "hip")[:, 0]
    signals = []
    for side in SIDES:
        signals.append(foot_low_y(xy_up, side))
        if sagittal:
            signals.append(point(xy_up, f"{side}_ankle")[:, 0] - hip_x)
    # Detrend over the longest period searched: keeps the stride rhythm, drops drifts. A
    # moving mean shorter than the band's own longest stride tilts the spectrum across the
    # stride peak (3.5 s rendered clips read a median 1.1 steps/min low with a 1.75 s
    # window, 0.3 high with 2 s), so only a runner whose size changes (receding or
    # approaching: the feet's height drifts up or down the image) gets the window cut to
    # two cycles of the clip; without it a 2.4 s rear pass-by shrinking 3-fold shows no
    # rhythm at all (periodicity 0.23).
    if factor is None:
        window_s, step_window_s = 2.0 / settings.step_hz_min, 1.0 / settings.step_hz_min
    else:
        window_s, step_window_s = 1.0 / f_lo, 1.0 / max(settings.step_hz_min, f_min)
    limb_power = _spectrum(time_s, signals, freqs, window_s, factor)
    stride = _periodogram_peak(freqs, limb_power)
    f_lo_step, f_hi_step = max(settings.step_hz_min, f_min), settings.step_hz_max
    step_freqs = np.arange(f_lo_step, f_hi_step, 0.004)
    hip_y = mid(xy_up, "hip")[:, 1]
    bounce_power = _spectrum(time_s, [hip_y], step_freqs, step_window_s, factor)
    bounce = _periodogram_peak(step_freqs, bounce_power)
    sprint = 120.0 * stride[0] > SPRINT_SPM
    if sprint and not abs(bounce[0] * 60.0 / (120.0 * stride[0]) - 1.0) <= AGREE_TOLERANCE:
        # A sprint's rhythm must be the body's bounce too: above the runner's range the
        # limbs' periodogram also holds overtones of slower rhythms (labels swapped every
        # stride repeat each "leg" every two strides: its third overtone reads 1.5x the
        # cadence), so without the bounce's word the limbs are searched below it.
        below = freqs <= SPRINT_SPM / 120.0
        stride = _periodogram_peak(freqs[below], limb_power[below])
    scale_note = (
        f"the runner's size in the image changed {change:.1f}-fold; signals rescaled"
        if factor is not None
        else ""
    )
    limbs_spm = 120.0 * stride[0]
    bounce_spm = 60.0 * bounce[0]
    common = {
        "limbs_spm": limbs_spm,
        "limbs_periodicity": stride[1],
        "bounce_spm": bounce_spm,
        "bounce_periodicity": bounce[1],
    }
    # A third voter that no label swap can fool: the feet's spacing (height apart, and
    # forward apart in side view) peaks once per step whichever foot is which.
    free_power = _spectrum(
        time_s, _label_free_feet(xy_up, sagittal), step_freqs, step_window_s, factor
    )

    def joint(cadence_spm: float) -> float:
        # Evidence for one cadence: the limbs at its stride rate, the bounce and the
        # feet's spacing at its step rate.
        at_step = cadence_spm / 60.0
        return float(
            np.interp(cadence_spm / 120.0, freqs, limb_power, left=0.0, right=0.0)
            + np.interp(at_step, step_freqs, bounce_power, left=0.0, right=0.0)
            + np.interp(at_step, step_freqs, free_power, left=0.0, right=0.0)
        )

    limbs_ok = bool(np.isfinite(stride[0]) and stride[1] >= settings.periodicity_min)
    bounce_ok = bool(np.isfinite(bounce[0]) and bounce[1] >= settings.periodicity_min)
    if limbs_ok:
        if not bounce_ok:
            return CadenceEstimate(
                limbs_spm, stride[0], stride[1], check="limbs_only", note=scale_note, **common
            )

        ratio = bounce_spm / limbs_spm
        if abs(ratio - 1.0) <= AGREE_TOLERANCE:
            return CadenceEstimate(
                limbs_spm, stride[0], stride[1], check="agree", note=scale_note, **common
            )
        if abs(ratio - 2.0) <= 2.0 * OCTAVE_TOLERANCE or abs(ratio - 0.5) <= (
            0.5 * OCTAVE_TOLERANCE
        ):
            keep_limbs = joint(limbs_spm) >= joint(bounce_spm)
            chosen = limbs_spm if keep_limbs else bounce_spm
            why = (
                f"limb alternation gives {limbs_spm:.1f} and the body's bounce "
                f"{bounce_spm:.1f} steps/min (one is {'double' if ratio > 1 else 'half'} the "
                f"other); {chosen:.1f} is kept: the legs' rhythm, the bounce and the feet's "
                f"spacing together support it "
                f"({max(joint(limbs_spm), joint(bounce_spm)):.2f} vs "
                f"{min(joint(limbs_spm), joint(bounce_spm)):.2f})"
            )
            note = "; ".join(n for n in (why, scale_note) if n)
            if keep_limbs:
                return CadenceEstimate(
                    limbs_spm, stride[0], stride[1], check="resolved", note=note, **common
                )
            return CadenceEstimate(
                bounce_spm, 0.5 * bounce[0], bounce[1], check="resolved", note=note, **common
            )
        keep_limbs = joint(limbs_spm) >= joint(bounce_spm)
        chosen = limbs_spm if keep_limbs else bounce_spm
        note = (
            f"limb alternation gives {limbs_spm:.1f} but the body's bounce {bounce_spm:.1f} "
            f"steps/min: the two do not agree; {chosen:.1f}, which the legs' rhythm, the "
            "bounce and the feet's spacing support best together, is reported"
        )
        note = "; ".join(n for n in (note, scale_note) if n)
        if keep_limbs:
            return CadenceEstimate(
                limbs_spm, stride[0], stride[1], check="disagree", note=note, **common
            )
        return CadenceEstimate(
            bounce_spm, 0.5 * bounce[0], bounce[1], check="disagree", note=note, **common
        )
    # Fallback, label-free: the per-leg signals above break down when MediaPipe swaps the
    # leg labels in many frames (seen on rendered side views: 25 % of frames, periodicity
    # 0.27 while the runner ran steadily). Signals that do not depend on which leg is which
    # oscillate once per *step*: the mid-hip height (one bounce per step) and, in side
    # view, the horizontal distance between the ankles; in rear/front view the feet's
    # height apart.
    step_signals = [hip_y]
    if sagittal:
        step_signals.append(
            np.abs(point(xy_up, "left_ankle")[:, 0] - point(xy_up, "right_ankle")[:, 0])
        )
    else:
        step_signals.append(np.abs(foot_low_y(xy_up, "left") - foot_low_y(xy_up, "right")))
    step = _periodogram_peak(
        step_freqs, _spectrum(time_s, step_signals, step_freqs, step_window_s, factor)
    )
    # A pass-by seen for less than two of the slowest strides cannot show the legs' own
    # rhythm at all (its band was cut to two whole cycles), so the edge of that band is no
    # rival: two whole *steps* (one stride) of the label-free step signals are then enough.
    stride_band_cut = f_min > settings.step_hz_min / 2
    if (
        np.isfinite(step[0])
        and step[1] >= settings.periodicity_min
        and (step[1] > stride[1] or (stride_band_cut and not np.isfinite(stride[0])))
    ):
        fallback_note = (
            "the legs' own rhythm was too weak (left/right labels unreliable); "
            "cadence from the body's bounce" + (" and the feet's spacing" if sagittal else "")
        )
        spm, check, guard_note = octave_guard(
            60.0 * step[0], (limbs_spm, bounce_spm), joint, (f_lo_step, f_hi_step)
        )
        return CadenceEstimate(
            spm,
            spm / 120.0,
            step[1],
            check=check,
            note="; ".join(n for n in (fallback_note, guard_note, scale_note) if n),
            **common,
        )
    return CadenceEstimate(
        float("nan"),
        float("nan"),
        max(stride[1], step[1]),
        check="none",
        note=scale_note,
        **common,
    )


#: Below this many steps in the clip the periodogram's peak is biased (measured on the stick
#: runner at 30 fps: +1.2 to +2.7 steps/min at 5-7 steps) and a line through the detected
#: strikes is used instead. From 8 steps the periodogram is the better of the two on
#: MediaPipe's landmarks (rendered 3.5 s clips, 8-9 steps: periodogram within 1 step/min on
#: 35 of 38, the strikes' line on 27, off by up to 8 where a strike was a frame or two out).
SHORT_CLIP_STEPS = 8.0


def steps_cadence_spm(strike_times_s: np.ndarray, sides: Sequence[str] | None = None) -> float:
    """Cadence from every complete step: the step time of a line fitted to the strikes.

    The strikes, in time order, are fitted as ``t_i = a + i T (+ b for one foot)`` by least
    squares and the cadence is ``60 / T``. The foot term ``b`` (with ``sides``, when both
    feet strike at least twice) takes out a constant lag between the feet's detected
    strikes: the far leg's events are found a few milliseconds later or earlier than the
    near leg's, which the span from first to last strike turns into a cadence error when
    the two ends are strikes of different feet (measured on rendered 3.5 s clips: up to 4
    steps/min). With three strikes (one stride) the fit is the span of the stride.

    ``strike_times_s`` are the foot strikes of both feet. NaN with fewer than 3 strikes (two
    complete steps, one stride: the least in which one step can be checked against
    another) or when a step was missed or split (a step time outside 0.7-1.4 x the median).
    """
    order = np.argsort(np.asarray(strike_times_s, dtype=float))
    fs = np.asarray(strike_times_s, dtype=float)[order]
    if fs.size < 3:
        return float("nan")
    steps = np.diff(fs)
    med = float(np.median(steps))
    if med <= 0 or np.any(steps < 0.7 * med) or np.any(steps > 1.4 * med):
        return float("nan")
    index = np.arange(fs.size, dtype=float)
    columns = [np.ones_like(index), index]
    if sides is not None:
        left = (np.asarray(sides)[order] == "left").astype(float)
        if 2 <= left.sum() <= fs.size - 2:
            columns.append(left)
    coef = np.linalg.lstsq(np.column_stack(columns), fs, rcond=None)[0]
    return float(60.0 / coef[1]) if coef[1] > 0 else float("nan")


def _periodogram_peak(freqs: np.ndarray, power: np.ndarray) -> tuple[float, float]:
    """Frequency (parabolic refinement between grid points) and height of the highest peak.

    The frequency is NaN when the peak sits on the edge of the band (not a peak).
    """
    k = int(np.argmax(power))
    peak = float(power[k])
    if k in (0, len(freqs) - 1):
        return float("nan"), peak
    y0, y1, y2 = power[k - 1], power[k], power[k + 1]
    denom = y0 - 2 * y1 + y2
    delta = 0.5 * (y0 - y2) / denom if denom != 0 else 0.0
    return float(freqs[k] + delta * (freqs[1] - freqs[0])), peak
