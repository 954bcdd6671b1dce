"""Slow motion analysed at playback speed: the hint for an unexplained "not running" verdict.

A phone's slow-motion clip plays slower than it was filmed: 240 fps stored to play at 30 fps
is 8 times slower, and analysed without ``--slowmo 8`` every time is 8 times too long (a
runner at 170 steps/min reads 21). Duty factor and the flight phase are shares of the
stride and do not change with the speed, so a clip whose feet leave the ground between
steps like a runner's but whose cadence is far below running is probably slowed down.

:func:`slowmo_hint` adds a hint to the verdict, from (in order of trust):

1. the container's capture frame rate (Android's ``com.android.capture.fps``, ...), when it
   is well above the rate the file plays at: the factor is their ratio;
2. running-like motion at a cadence below running: the phone factor (2, 4 or 8) that puts
   the cadence back in the running range;
3. a file stored at 100 fps or more: slow-motion capture rates; no factor can be given.

Below the real-time band
------------------------
No one moving with a flight phase steps fewer than 60 times a minute (even a slow walk
takes 80-100 steps/min), so the cadence search of :mod:`gaitlab.kinematics.cadence` starts
there. A slow-motion replay can step far slower in clip time (a 170 steps/min run slowed 4x
steps 42 times a minute), and a search over that band alone finds nothing. When the
real-time band finds no rhythm, the search is repeated over :func:`slow_band`: a rhythm
found there is clip time only. If the feet then leave the ground between steps as in
running, the clip is running in slow motion (:func:`slow_running_reason`): its angles are
measured, its timings are not (they wait for ``--slowmo N``).

Pure: takes the clip's :class:`~gaitlab.series.VideoInfo` and the measured cadence.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from gaitlab.kinematics.cadence import CadenceEstimate, estimate_cadence
from gaitlab.kinematics.edits import REPEAT_SLOWMO_MIN
from gaitlab.kinematics.metrics import MetricResult, not_measurable
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.series import VideoInfo

#: Slow-motion factors phones use: 2 (60 fps played at 30), 4 (120), 8 (240).
PHONE_FACTORS: tuple[int, ...] = (2, 4, 8)
#: A stored rate from this on is a slow-motion capture rate (phones: 120 and 240 fps).
HIGH_STORED_FPS = 100.0
#: A tagged capture rate at least this many times the stored rate means slow motion.
TAG_RATIO_MIN = 1.5
#: Cadences (steps/min) a runner has; a factor is suggested only when it lands here.
RUNNING_SPM = (140.0, 220.0)
#: The middle of the running range, to choose between factors that both land in it.
TYPICAL_RUNNING_SPM = 170.0
#: Lowest step rate (Hz) searched in slow motion: 15 steps/min, a 120 steps/min shuffle
#: slowed 8x (the largest phone factor).
SLOW_STEP_HZ_MIN = 0.25


def slow_band(settings: KinematicsSettings) -> KinematicsSettings:
    """The settings with the cadence search moved below real time (module doc).

    The band runs from :data:`SLOW_STEP_HZ_MIN` up to where the real-time band starts.
    """
    return replace(settings, step_hz_min=SLOW_STEP_HZ_MIN, step_hz_max=settings.step_hz_min)


def slow_running_reason(
    clip_cadence_spm: float, duty_factor_pct: float, repeats_x: float = float("nan")
) -> str:
    """The verdict's sentence for running found in slow motion without a factor.

    Parameters
    ----------
    clip_cadence_spm
        The cadence in clip time (below the real-time band).
    duty_factor_pct
        Median duty factor of the strides (a share: the same in any time scale).
    repeats_x
        Frames each picture is shown for (NaN or below ``REPEAT_SLOWMO_MIN``: no
        repetition); when the clip
        repeats its pictures, that is the slow-down given.
    """
    if math.isfinite(repeats_x) and repeats_x >= REPEAT_SLOWMO_MIN:
        looks = (
            f"each picture is shown about {repeats_x:.1f} times: slowed about "
            f"{repeats_x:.0f}x, {repeats_x * clip_cadence_spm:.0f} steps/min in real time"
        )
    else:
        looks = (
            f"it looks slowed about {TYPICAL_RUNNING_SPM / clip_cadence_spm:.1f}x (if the run "
            f"was at a typical {TYPICAL_RUNNING_SPM:.0f} steps/min)"
        )
    return (
        f"running in slow motion: the feet leave the ground between steps as in running "
        f"(duty factor {duty_factor_pct:.0f} %), at {clip_cadence_spm:.0f} steps/min of clip "
        f"time, which no runner has; {looks}. The angles are measured; cadence, "
        "contact and flight times are not: analyse it again with --slowmo N (N = how many "
        "times slower than real time it plays) to get them"
    )


def tagged_factor(video: VideoInfo) -> float | None:
    """Capture rate over stored rate when the metadata says the clip is slow motion."""
    if not video.tagged_capture_fps or not math.isfinite(video.capture_fps):
        return None
    # capture_fps is in capture time: the file plays at capture_fps / slowmo_factor.
    stored_fps = video.capture_fps / video.slowmo_factor
    ratio = video.tagged_capture_fps / stored_fps
    return round(ratio * 2) / 2 if ratio >= TAG_RATIO_MIN else None


def factor_from_cadence(cadence_spm: float) -> int | None:
    """The phone factor that brings ``cadence_spm`` into :data:`RUNNING_SPM`, if one does."""
    if not math.isfinite(cadence_spm) or cadence_spm <= 0:
        return None
    fits = [n for n in PHONE_FACTORS if RUNNING_SPM[0] <= n * cadence_spm <= RUNNING_SPM[1]]
    return min(fits, key=lambda n: abs(n * cadence_spm - TYPICAL_RUNNING_SPM), default=None)


def slowmo_hint(video: VideoInfo, cadence_spm: float, *, running_like: bool) -> str:
    """A sentence suggesting ``--slowmo N`` for a "not running" verdict, or "".

    Parameters
    ----------
    video
        The clip (stored rate, slow-motion factor given, tagged capture rate).
    cadence_spm
        The measured cadence (NaN when no stepping rhythm was found).
    running_like
        The feet leave the ground between steps (duty factor below walking's, a flight
        phase): running in every respect but the cadence.

    Returns
    -------
    str
        Empty when the user already gave a slow-motion factor or nothing points to one.
    """
    if video.slowmo_factor != 1.0:
        return ""
    stored_fps = video.capture_fps
    tagged = tagged_factor(video)
    if tagged is not None:
        return (
            f"the file says it was filmed at {video.tagged_capture_fps:g} fps "
            f"({video.capture_fps_tag}) and it plays at {stored_fps:.0f} fps: it is slow "
            f"motion; analyse it again with --slowmo {tagged:g}"
        )
    factor = factor_from_cadence(cadence_spm) if running_like else None
    if factor is not None:
        return (
            "the feet leave the ground between steps as in running, at a cadence no runner "
            f"has: if this is slow motion slowed {factor}x, analyse it again with --slowmo "
            f"{factor} ({factor * cadence_spm:.0f} steps/min)"
        )
    if math.isfinite(stored_fps) and stored_fps >= HIGH_STORED_FPS:
        return (
            f"the clip is stored at {stored_fps:.0f} fps, a slow-motion rate, and its "
            "timestamps are read as real time: if it plays slower than it was filmed, analyse "
            "it again with --slowmo N (N = filmed fps / playback fps)"
        )
    return ""


def with_slow_band(
    time_s: np.ndarray,
    xy_up: np.ndarray,
    settings: KinematicsSettings,
    sagittal: bool,
    cadence: CadenceEstimate,
    repeats_x: float,
) -> tuple[CadenceEstimate, bool]:
    """The cadence, searched below real time when none was found, and whether it is slow.

    Slow motion is also a walking-pace rhythm of a clip that shows each picture
    ``repeats_x`` >= :data:`~gaitlab.kinematics.edits.REPEAT_SLOWMO_MIN` times.
    """
    slow_motion = False
    if not np.isfinite(cadence.cadence_spm):
        slow = estimate_cadence(time_s, xy_up, slow_band(settings), sagittal)
        if np.isfinite(slow.cadence_spm):
            cadence, slow_motion = slow, True
    if repeats_x >= REPEAT_SLOWMO_MIN and cadence.cadence_spm < settings.running_cadence_min_spm:
        slow_motion = True
    return cadence, slow_motion


#: Metrics in seconds or per minute: not measurable in slow motion without the factor.
TIMED_METRICS: tuple[str, ...] = ("cadence_spm", "contact_time_s", "flight_time_s")


def without_timings(
    metrics: dict[str, MetricResult], clip_cadence_spm: float
) -> tuple[dict[str, MetricResult], str]:
    """The metrics with the timed ones not measurable, and the note saying why."""
    why = f"slow motion ({clip_cadence_spm:.0f} steps/min of clip time): give --slowmo N"
    out = dict(metrics)
    for name in TIMED_METRICS:
        if name in out:
            out[name] = not_measurable(name, why + " for real time")
    note = (
        f"slow motion: the stepping rhythm ({clip_cadence_spm:.0f} steps/min of clip time) "
        "is below any real-time gait; timings left out until --slowmo N is given"
    )
    return out, note
