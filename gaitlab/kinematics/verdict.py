"""Is this clip running at all? Running, walking, not stepping or unknown, and why.

Walking and standing clips get a verdict and no metrics; a "not running" verdict that slow
motion may explain says so.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gaitlab.kinematics.cadence import CadenceEstimate
from gaitlab.kinematics.events import Stride
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.kinematics.slowmo import slow_running_reason, slowmo_hint, tagged_factor
from gaitlab.series import PoseSeries

#: Without a periodic rhythm, a pose seen for less than this long gets "unknown", not
#: "not running": two strides of a runner take ~1.4 s, of a walker ~2 s.
MIN_RHYTHM_SPAN_S = 2.0


@dataclass(frozen=True)
class RunningVerdict:
    """Whether a clip shows running, and why.

    Attributes
    ----------
    is_running
        True only when metrics should be computed.
    activity
        ``running``, ``walking``, ``not_stepping`` (standing / no periodic stepping) or
        ``unknown`` (too little data to tell).
    reason
        One sentence for the user.
    slow_motion
        True when the clip is running in slow motion: the rhythm was found only below the
        real-time band and the strides run, so the angles are measured but the timings wait
        for the slow-motion factor (``--slowmo N``).
    """

    is_running: bool
    activity: str
    reason: str
    slow_motion: bool = False


def running_verdict(
    series: PoseSeries,
    cadence: CadenceEstimate,
    strides: Sequence[Stride],
    settings: KinematicsSettings,
    foot_strikes: Sequence[tuple[float, str]] = (),
    *,
    slow_motion: bool = False,
    repeats_x: float = float("nan"),
) -> RunningVerdict:
    """Decide running / walking / not stepping from cadence, duty factor and flight.

    Rules, in order: too few frames with a pose -> unknown; no periodic stepping ->
    not_stepping; no complete strides -> unknown; median duty factor >= 50 % or median
    flight time < 0 (double support) -> walking; cadence below
    ``running_cadence_min_spm`` -> walking; otherwise running. A "not running" verdict that
    slow motion may explain says so (:func:`gaitlab.kinematics.slowmo.slowmo_hint`).

    ``foot_strikes`` are ``(time_s, side)`` of the detected strikes: without a complete
    stride, running is only called when the legs' rhythm and the body's bounce agree, or at
    least one step is seen in the strikes (a strike of one foot followed by the other's, one
    step time apart at the rhythm's cadence).

    ``slow_motion`` says the rhythm was found only below the real-time band
    (:func:`gaitlab.kinematics.slowmo.slow_band`): strides that run (duty factor and flight
    as above) are then running in slow motion, whose clip-time cadence is no running
    cadence; the reason says so and asks for ``--slowmo N``. ``repeats_x`` is how many
    frames each picture is shown for (:func:`gaitlab.kinematics.edits.repeat_factor`), the
    slow-down the reason gives when the clip repeats its pictures.
    """
    n_pose = int(series.detected.sum())
    duration = float(series.time_s[-1] - series.time_s[0]) if series.n_frames > 1 else 0.0
    if n_pose < 10 or series.detection_rate < 0.3 or duration < 1.0:
        return RunningVerdict(
            False,
            "unknown",
            f"a person was found in only {n_pose} frames ({series.detection_rate:.0%}) of a "
            f"{duration:.1f} s clip; film at least 10 s with the whole body in frame",
        )
    seen = series.time_s[series.detected]
    seen_s = float(seen[-1] - seen[0]) if seen.size > 1 else 0.0
    if not np.isfinite(cadence.cadence_spm) and seen_s < MIN_RHYTHM_SPAN_S:
        # Too short a stretch to call a rhythm absent (a pass-by seen for a second or two).
        return RunningVerdict(
            False,
            "unknown",
            f"the person is seen for only {seen_s:.1f} s ({n_pose} frames): too short to "
            "find a stepping rhythm; film at least 10 s with the whole body in frame",
        )
    if not np.isfinite(cadence.cadence_spm):
        return RunningVerdict(
            False,
            "not_stepping",
            _with_hint(
                "this is not running: no periodic stepping was found (periodicity "
                f"{cadence.periodicity:.2f} < {settings.periodicity_min}); standing, or not "
                "moving steadily",
                slowmo_hint(series.video, float("nan"), running_like=False),
            ),
        )
    if not strides:
        # The rhythm alone must be backed: by the body's bounce agreeing with the legs, or
        # by a step seen in the events (a weak limbs-only peak is no proof of stepping).
        backed = cadence.check in ("agree", "resolved") or steps_seen(
            foot_strikes, 60.0 / cadence.cadence_spm
        )
        if cadence.cadence_spm >= settings.running_cadence_min_spm and backed:
            # A pass-by clip may hold a few steps but no complete stride of one foot: the
            # rhythm still tells running from walking, the stride metrics wait for strides.
            return RunningVerdict(
                True,
                "running",
                f"running at {cadence.cadence_spm:.0f} steps/min (from the stepping rhythm; "
                "no complete stride, so only the cadence is measured)",
            )
        return RunningVerdict(
            False, "unknown", "no complete strides were detected; the feet may be hidden"
        )
    df = float(np.median([s.duty_factor_pct for s in strides]))
    flights = [s.flight_time_s for s in strides if np.isfinite(s.flight_time_s)]
    flight = float(np.median(flights)) if flights else float("nan")
    if slow_motion and df < settings.walking_duty_factor_min_pct and not flight < 0:
        reason = slow_running_reason(cadence.cadence_spm, df, repeats_x)
        if tagged_factor(series.video) is not None:
            # The file's own word gives the factor: that hint replaces the guess.
            reason = (
                f"running in slow motion: the feet leave the ground between steps as in "
                f"running (duty factor {df:.0f} %), at {cadence.cadence_spm:.0f} steps/min "
                "of clip time; cadence, contact and flight times wait for the factor; "
                + slowmo_hint(series.video, cadence.cadence_spm, running_like=True)
            )
        return RunningVerdict(True, "running", reason, slow_motion=True)
    if df >= settings.walking_duty_factor_min_pct or flight < 0:
        # Slow motion does not change the duty factor: only the file's own word suggests it.
        tagged = tagged_factor(series.video) is not None
        return RunningVerdict(
            False,
            "walking",
            _with_hint(
                f"this is not running: each foot is on the ground {df:.0f} % of the stride "
                f"(>= {settings.walking_duty_factor_min_pct:.0f} %, double support) at "
                f"{cadence.cadence_spm:.0f} steps/min; this looks like walking",
                slowmo_hint(series.video, float("nan"), running_like=False) if tagged else "",
            ),
        )
    if cadence.cadence_spm < settings.running_cadence_min_spm:
        return RunningVerdict(
            False,
            "walking",
            _with_hint(
                f"this is not running: {cadence.cadence_spm:.0f} steps/min is below "
                f"{settings.running_cadence_min_spm:.0f} (walking is ~100-125)",
                # Duty factor and flight say running here: only the cadence does not.
                slowmo_hint(series.video, cadence.cadence_spm, running_like=True),
            ),
        )
    return RunningVerdict(
        True,
        "running",
        f"running at {cadence.cadence_spm:.0f} steps/min, duty factor {df:.0f} %",
    )


#: A step seen in the events may differ from the rhythm's step time by this share: the
#: strikes of a pass-by are a frame or two off at 30 fps (one frame is ~10 % of a step).
STEP_TIME_TOLERANCE = 0.3


def steps_seen(foot_strikes: Sequence[tuple[float, str]], step_s: float) -> int:
    """Consecutive strikes of opposite feet one step time (+-30 %) apart.

    A rhythm with no step in the events is not proof of stepping: on a 1.7 s clip of a
    person balancing on a stopped treadmill the legs' periodogram still peaks (194
    steps/min, periodicity 0.37) with a single foot strike detected.
    """
    ordered = sorted(foot_strikes)
    return sum(
        1
        for (t0, s0), (t1, s1) in itertools.pairwise(ordered)
        if s0 != s1 and abs((t1 - t0) - step_s) <= STEP_TIME_TOLERANCE * step_s
    )


def _with_hint(reason: str, hint: str) -> str:
    return f"{reason}; {hint}" if hint else reason
