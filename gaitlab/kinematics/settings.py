"""Tunable parameters of the kinematics stage, as one frozen dataclass.

Every threshold of cleaning, view detection, event detection and confidence grading lives
here with its unit in its name and the reason for its default, so that a result can record
exactly which parameters produced it (:meth:`KinematicsSettings.to_dict`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KinematicsSettings:
    """Parameters of :func:`gaitlab.kinematics.analyze_kinematics`.

    Attributes
    ----------
    undo_tracker_smoothing
        Undo the pose tracker's own One-Euro smoothing before anything else, where the
        series says it was applied (:mod:`gaitlab.kinematics.desmooth`): the filter lags
        where a point starts to move, which made toe-offs late.
    visibility_min
        Landmarks with MediaPipe visibility below this are treated as missing before any
        other cleaning. Low on purpose: MediaPipe keeps predicting the hidden far leg with
        visibility ~0.5-0.8, and those points are still useful after swap repair.
    hampel_window_s
        Half-width of the Hampel outlier window in seconds (converted to frames from the
        real sampling rate). 0.1 s spans a third of a running step.
    hampel_n_sigma
        A sample further than this many robust standard deviations (1.4826 x MAD) from the
        window median is an outlier and becomes missing.
    max_gap_s
        Interior gaps whose bounding valid samples are at most this far apart in time are
        filled by interpolation; longer gaps stay missing (NaN).
    lowpass_hz
        Cut-off of the zero-lag Butterworth low-pass on landmark coordinates. Running
        kinematics are usually filtered at 8-12 Hz. It is lowered to
        ``lowpass_max_nyquist_fraction`` x Nyquist on low frame-rate clips (recorded in
        the cleaning report).
    lowpass_order
        Butterworth order of one pass (filtering forward and backward doubles it).
    lowpass_max_nyquist_fraction
        Highest usable cut-off as a fraction of the Nyquist frequency.
    swap_repair
        Repair left/right leg label swaps by continuity.
    swap_context_s
        Context of the swap repair in seconds: half-width of the running median that
        repairs glitches, and length of the line fits either side of a sustained swap's
        break (:mod:`gaitlab.kinematics.swap`).
    side_width_ratio_max
        Clip median of shoulder width (image x) / trunk length below which the view is
        side-on (real side clips: 0.14-0.20; rendered side views filmed 19-27 deg off square
        0.31-0.42, rendered rear views 0.66-0.73): side views up to about 30 deg off square
        are analysed, with their foreshortening stated (:mod:`gaitlab.kinematics.view`).
    frontal_width_ratio_min
        Clip-level width ratio above which the view is frontal (rear or front; real frontal
        clips: 0.59-0.69). Between the two thresholds (roughly 30-50 degrees off-axis) the
        view is "unclear": neither sagittal nor frontal angles can be trusted there.
    treadmill_speed_max_leg_s
        Mid-hip drift speed across the image (leg lengths per second) below which the
        runner stays in frame (treadmill). Overground running crosses at ~3-5 leg/s.
    step_hz_min, step_hz_max
        Search band of the step-frequency estimate (60-300 steps/min). The top is a
        sprinter's: elite sprinters step at 4.5-5 Hz (270-300 steps/min), which a band
        ending at 4 Hz could not find at all ("no periodic stepping").
    periodicity_min
        Minimum normalised periodogram peak (0-1) for "periodic stepping".
    foot_contact_frac
        Rear/front views: a foot is on the ground while its lowest point is within this
        fraction of its swing height (running 90th percentile minus ground) above the ground.
    foot_speed_contact_frac
        Side view: a foot is on the ground while its heel or toe moves relative to the
        ground at less than this fraction of the running speed. Not calibrated against a
        force plate: MediaPipe's heel and toe points rotate with the foot after heel-off,
        so low values cut late stance short. On the 30 fps treadmill clip 0.3 / 0.4 / 0.5
        gave contact times of ~175 / ~260 / ~285 ms (0.4 also gave the least spread over
        strides). On the stick runner 0.4 finds foot strikes within a frame and toe-offs
        ~10 ms late (the foot leaves the ground gradually). A 120/240 fps clip with known
        contacts would settle it.
    side_contact_max_height
        Side view: a foot counts as possibly on the ground (before the speed test) only
        while its lowest point is within this fraction of its swing height above its
        ground line. At 0.5 the foot retracting backward just before landing (moving with
        the belt, still 10 % of a leg length up) passed as contact: foot strikes came up to
        75 ms early on rendered runners with exact contacts; 0.3 removed that and moved the
        real treadmill clip's strikes by at most one frame.
    foot_ground_height_frac_leg
        Side view: a heel or toe landmark within this fraction of a leg length of its own
        ground line touches the ground; used to widen each speed-based contact to the
        first and last touch (:func:`gaitlab.kinematics.side_contacts.refine_side_contacts`).
        0.02 is ~4 px at 540 p and ~2.5 cm on an adult: above landmark jitter on the
        stance foot (1-3 px on rendered clips), below the swing toe's clearance.
    toe_lift_height_frac_leg
        Side view, near leg: the toe-off is the toe landmark's last rise above this
        fraction of a leg length over its ground line before it leaves the ground
        (:func:`gaitlab.kinematics.side_contacts.refine_side_contacts`; ~9 mm on an adult).
        Within a frame of the true toe-off on the true landmark positions of rendered
        runners (+2 to +5 ms) and on the noisy stick runner; 0.005 reached jitter.
    running_cadence_min_spm
        Below this cadence, a gait with duty factor >= ``walking_duty_factor_min_pct``
        is walking.
    walking_duty_factor_min_pct
        Duty factor at or above which there is double support, i.e. walking.
    min_strides_high, min_strides_medium
        Strides needed for high / medium confidence in a per-stride metric.
    min_steps_pelvic_drop
        Steps per side needed before pelvic drop may be trusted (docs/metrics.md).
    timing_fps_min
        Frame rate needed to trust timing metrics (contact, flight, duty factor) when no
        contact time was measured to compare the frame interval with.
    timing_frame_share_medium, timing_frame_share_low
        One frame interval as a share of the clip's median contact time above which the
        timing metrics drop to medium / low confidence: each event is placed to about a
        frame, so at 25 fps (40 ms) a 250 ms contact is known to 16 %, at 120 fps to 3 %.
    swap_share_max
        Share of repaired frames above which leg angles lose a confidence level.
    visibility_good
        Median visibility of a metric's landmarks at its events for it to count as well seen.
    waistband_ok_share_min
        Rear/front views: share of frames whose waistband edge passed its quality gates
        (:mod:`gaitlab.imaging.waistband`) needed to measure pelvic drop at all. Below it
        the drop is "not measurable" with advice on clothing, never read from the hip
        landmarks (docs/metrics.md: they under-read the drop by a factor of 3-4).
    level_max_uncertainty_deg
        The landmarks are levelled by the camera roll read from the scene only when that
        roll is known this well (deg): a wrong levelling would tilt every angle against the
        vertical by its error, so an uncertain roll is reported and not applied.
    """

    undo_tracker_smoothing: bool = True
    visibility_min: float = 0.3
    hampel_window_s: float = 0.1
    hampel_n_sigma: float = 4.0
    max_gap_s: float = 0.15
    lowpass_hz: float = 10.0
    lowpass_order: int = 2
    lowpass_max_nyquist_fraction: float = 0.8
    swap_repair: bool = True
    swap_context_s: float = 0.12
    side_width_ratio_max: float = 0.45
    frontal_width_ratio_min: float = 0.55
    treadmill_speed_max_leg_s: float = 0.5
    step_hz_min: float = 1.0
    step_hz_max: float = 5.0
    periodicity_min: float = 0.3
    foot_contact_frac: float = 0.06
    foot_speed_contact_frac: float = 0.4
    side_contact_max_height: float = 0.3
    foot_ground_height_frac_leg: float = 0.02
    toe_lift_height_frac_leg: float = 0.01
    running_cadence_min_spm: float = 135.0
    walking_duty_factor_min_pct: float = 50.0
    min_strides_high: int = 8
    min_strides_medium: int = 4
    min_steps_pelvic_drop: int = 7
    timing_fps_min: float = 60.0
    timing_frame_share_medium: float = 0.08
    timing_frame_share_low: float = 0.12
    swap_share_max: float = 0.2
    visibility_good: float = 0.7
    waistband_ok_share_min: float = 0.6
    level_max_uncertainty_deg: float = 1.0

    def __post_init__(self) -> None:
        positive = (
            "hampel_window_s",
            "hampel_n_sigma",
            "lowpass_hz",
            "step_hz_min",
            "step_hz_max",
            "timing_fps_min",
            "timing_frame_share_medium",
            "timing_frame_share_low",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(
                    f"KinematicsSettings.{name} must be > 0, got {getattr(self, name)}"
                )
        if self.max_gap_s < 0:
            raise ValueError(f"KinematicsSettings.max_gap_s must be >= 0, got {self.max_gap_s}")
        if not 0 <= self.visibility_min <= 1:
            raise ValueError(
                f"KinematicsSettings.visibility_min must be in [0, 1], got {self.visibility_min}"
            )
        if not 0 < self.lowpass_max_nyquist_fraction < 1:
            raise ValueError(
                "KinematicsSettings.lowpass_max_nyquist_fraction must be in (0, 1), "
                f"got {self.lowpass_max_nyquist_fraction}"
            )
        if self.step_hz_min >= self.step_hz_max:
            raise ValueError("KinematicsSettings.step_hz_min must be below step_hz_max")
        if self.side_width_ratio_max >= self.frontal_width_ratio_min:
            raise ValueError(
                "KinematicsSettings.side_width_ratio_max must be below frontal_width_ratio_min"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON representation (for provenance in result.json)."""
        return dataclasses.asdict(self)
