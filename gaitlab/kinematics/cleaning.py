"""The cleaning chain from raw MediaPipe landmarks to analysable trajectories.

Order matters and is fixed:

0. **tracker smoothing undone** (:mod:`.desmooth`) on the leg's points where the series
   was smoothed by the pose tracker, so that events are timed on per-frame detections;
1. **visibility**: landmarks with visibility below ``visibility_min`` become missing;
2. **leg-swap repair** on the raw positions (a swap is a jump; the outlier filter would
   otherwise delete the swapped frames instead of relabelling them);
3. **Hampel** outlier rejection per coordinate (window in seconds);
4. **gap filling** of interior gaps up to ``max_gap_s``; longer gaps stay missing;
5. **zero-lag low-pass** (Butterworth, cut-off in Hz) per contiguous valid run.

Every step and its parameters are recorded in :class:`CleaningReport` (provenance).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from gaitlab.kinematics.desmooth import UNDONE_POINTS, OneEuroParams, undo_one_euro
from gaitlab.kinematics.filtering import (
    fill_gaps,
    hampel,
    lowpass,
    sample_rate_hz,
    seconds_to_samples,
)
from gaitlab.kinematics.geometry import leg_length_px
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.kinematics.swap import detect_leg_swaps, swap_legs
from gaitlab.landmarks import INDEX
from gaitlab.series import PoseSeries


@dataclass(frozen=True)
class CleaningReport:
    """What cleaning did, for result.json.

    Attributes
    ----------
    sample_rate_hz
        Median sampling rate from the timestamps.
    tracker_smoothing_undone
        The pose tracker's One-Euro filter that was inverted (its parameters), or None
        when step 0 did not run.
    frames_with_pose
        Frames in which MediaPipe found a pose.
    low_visibility_points
        Landmark samples dropped for visibility below the threshold.
    outlier_points
        Coordinate samples rejected by the Hampel filter.
    gap_points_filled
        Coordinate samples filled by interpolation.
    gap_points_left
        Coordinate samples still missing after gap filling (gaps too long), among frames
        with a pose.
    swap_frames_repaired
        Frames whose left/right leg labels were exchanged.
    swap_share
        ``swap_frames_repaired / frames_with_pose``.
    lowpass_hz
        Cut-off actually used (may be below the setting on low frame-rate clips).
    lowpass_order
        Butterworth order of one pass.
    steps
        The applied steps in order, as text.
    """

    sample_rate_hz: float
    tracker_smoothing_undone: dict[str, float] | None
    frames_with_pose: int
    low_visibility_points: int
    outlier_points: int
    gap_points_filled: int
    gap_points_left: int
    swap_frames_repaired: int
    swap_share: float
    lowpass_hz: float
    lowpass_order: int
    steps: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON representation."""
        d = dataclasses.asdict(self)
        d["steps"] = list(self.steps)
        return d


@dataclass(frozen=True)
class CleanedLandmarks:
    """Cleaned landmarks (image pixels) and the cleaning report.

    Attributes
    ----------
    xy_px : (n, 33, 2) float
        Cleaned, swap-repaired, low-passed image landmarks; NaN where missing.
    visibility : (n, 33) float
        Visibility with the leg swap applied (0 where no pose).
    swapped : (n,) bool
        Frames whose leg labels were exchanged.
    filled : (n, 33) bool
        Landmarks (either coordinate) interpolated across a short gap.
    report : CleaningReport
    """

    xy_px: np.ndarray
    visibility: np.ndarray
    swapped: np.ndarray
    filled: np.ndarray
    report: CleaningReport


def clean_landmarks(
    series: PoseSeries,
    settings: KinematicsSettings,
    *,
    smoothing: tuple[OneEuroParams, np.ndarray] | None = None,
) -> CleanedLandmarks:
    """Apply the cleaning chain (module doc) to a pose series.

    Parameters
    ----------
    series
        Raw landmarks from the pose stage.
    settings
        Thresholds, window lengths, cut-off.
    smoothing
        The tracker's filter and its restarts, as :func:`.desmooth.tracker_smoothing`
        finds them: step 0 undoes it. None (the default) skips step 0; the analysis passes
        it for side views only.

    Returns
    -------
    CleanedLandmarks
    """
    t = series.time_s
    fs = sample_rate_hz(t)
    detected = series.detected
    xy = np.array(series.xy_px, dtype=float, copy=True)
    vis = np.array(series.visibility, dtype=float, copy=True)
    steps: list[str] = []
    low = detected[:, None] & (vis < settings.visibility_min)

    if smoothing is not None:
        params, restart = smoothing
        legs = [INDEX[f"{side}_{p}"] for side in ("left", "right") for p in UNDONE_POINTS]
        xy = undo_one_euro(xy, t, params, restart, points=legs)
        steps.append(
            f"pose tracker's One-Euro smoothing undone on {', '.join(UNDONE_POINTS)} "
            f"(min cut-off {params.min_cutoff_hz} Hz, beta {params.beta}, derivative cut-off "
            f"{params.derivative_cutoff_hz} Hz)"
        )

    xy[low] = np.nan
    steps.append(f"visibility < {settings.visibility_min} -> missing")

    leg_px = leg_length_px(xy)
    swapped = np.zeros(series.n_frames, dtype=bool)
    if settings.swap_repair and series.n_frames >= 3:
        rep = detect_leg_swaps(xy, leg_px, time_s=t, context_s=settings.swap_context_s)
        swapped = rep.swapped
        xy = swap_legs(xy, swapped)
        vis = swap_legs(vis, swapped)
        steps.append(
            "left/right leg swap repair (glitches: nearer the running-median path; "
            "sustained swaps: between paired breaks in the legs' positions and velocities)"
        )

    n_out = 0
    if np.isfinite(fs) and series.n_frames >= 5:
        half = seconds_to_samples(settings.hampel_window_s, fs)
        xy, outlier = hampel(xy, half, settings.hampel_n_sigma)
        n_out = int(outlier.sum())
        steps.append(
            f"Hampel outliers: window +-{settings.hampel_window_s} s ({half} samples), "
            f"{settings.hampel_n_sigma} sigma -> missing"
        )

    before = np.isnan(xy)
    xy, was_filled = fill_gaps(xy, t, settings.max_gap_s)
    steps.append(f"linear gap fill up to {settings.max_gap_s} s; longer gaps stay missing")

    cutoff = float("nan")
    if np.isfinite(fs) and series.n_frames >= 5:
        cutoff = min(settings.lowpass_hz, settings.lowpass_max_nyquist_fraction * fs / 2)
        xy = lowpass(xy, t, cutoff, settings.lowpass_order)
        steps.append(
            f"zero-lag Butterworth low-pass {cutoff:.3g} Hz, order {settings.lowpass_order} "
            "(forward-backward), per contiguous run"
        )

    missing_left = np.isnan(xy) & detected[:, None, None]
    report = CleaningReport(
        sample_rate_hz=fs,
        tracker_smoothing_undone=None if smoothing is None else smoothing[0].to_dict(),
        frames_with_pose=int(detected.sum()),
        low_visibility_points=int(low.sum()),
        outlier_points=n_out,
        gap_points_filled=int((was_filled & before).sum()),
        gap_points_left=int(missing_left.sum()),
        swap_frames_repaired=int(swapped.sum()),
        swap_share=float(swapped.sum() / detected.sum()) if detected.any() else 0.0,
        lowpass_hz=cutoff,
        lowpass_order=settings.lowpass_order,
        steps=tuple(steps),
    )
    return CleanedLandmarks(xy, vis, swapped, np.any(was_filled, axis=-1), report)
