r"""Contralateral pelvic drop per stance (rear / front view).

For a stance of side S the swing-side hip should stay level. With the pelvic obliquity
``o(t)`` (+ = left hip higher, :func:`gaitlab.kinematics.angles.pelvic_obliquity_deg`) and
the clip's neutral ``o_0 = median(o)`` (cancels camera roll and landmark bias), the drop is
the peak over the stance (foot strike to toe-off; the drop peaks in early stance, the
whole stance tolerates late rear-view foot strikes) of

.. math::

    d(t) = o_0 - o(t) \quad \text{(right stance: the left hip drops)}, \qquad
    d(t) = o(t) - o_0 \quad \text{(left stance: the right hip drops)}

**Source of the tilt** (docs/metrics.md). MediaPipe's hip landmarks barely follow the
pelvis (true 9.5-17.4 deg read as 2.4-4.0 deg), while the waistband edge in the video frames
tracks it. Frames are not part of :class:`~gaitlab.series.PoseSeries`, so this module takes
the tilt series as an input: pass an image-based series (``source="waistband"``) once that
method exists; until then :func:`pelvic_drop` falls back to the hip landmarks and reports the
result as low confidence with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gaitlab.kinematics.confidence import Grade, grade_count, grade_view
from gaitlab.kinematics.definitions import METRICS
from gaitlab.kinematics.events import Stride
from gaitlab.kinematics.filtering import fill_gaps, lowpass
from gaitlab.kinematics.geometry import SIDES, nanmedian_or_nan
from gaitlab.kinematics.metrics import (
    MetricResult,
    StrideValue,
    peak_over_interval,
    summarise,
)

#: Reason attached whenever the drop comes from the hip landmarks.
HIP_LANDMARK_REASON = (
    "read from the hip landmarks, which under-read pelvic drop (the waistband edge was not "
    "available)"
)
#: Lowest median height of a waistband above the mid-hip landmark (trunk lengths). On the
#: development renders (docs/accuracy.md) tucked waistbands sat 0.27-0.35 above it and
#: untucked hems -0.03-0.02; the threshold is half-way.
WAISTBAND_MIN_OFFSET_TRUNK = 0.12
#: Largest median frame-to-frame disagreement (deg, each cue's clip median removed) between
#: the waistband edge and the hips' silhouette (:mod:`gaitlab.kinematics.silhouette`) for
#: the edge to count as moving with the pelvis. Development seeds 2026 and 2027
#: (docs/accuracy.md): tucked contrasting waistbands 0.8-2.0 deg, edges that were not the
#: waistband (low contrast, small runner, colour-blocked top) 3.9-5.6; the one untucked hem
#: 3.0, so it is caught by the height check, not this one.
MAX_CUE_DIFFERENCE_DEG = 3.0
#: Frames with both cues needed before their disagreement is trusted.
MIN_FRAMES_BOTH_CUES = 10
#: What to wear so the waistband method works (docs/filming.md).
WAISTBAND_ADVICE = (
    "wear fitted shorts or tights with a waistband that contrasts with the top, top tucked in"
)


@dataclass(frozen=True)
class CueAgreement:
    """How the waistband edge and the hips' silhouette agree on one clip's pelvic tilt.

    Attributes
    ----------
    waistband_frames, silhouette_frames, both_frames
        Frames where the edge passed its gates, where the silhouette gave a tilt, and both.
    median_difference_deg
        Median absolute difference between the two per-frame tilts (deg) after removing
        each cue's clip median (the drop is measured from the clip's neutral, so a constant
        offset between the cues does not matter); NaN with fewer than
        :data:`MIN_FRAMES_BOTH_CUES` frames.
    correlation
        Pearson correlation of the two per-frame tilts over the shared frames (NaN as above).
    silhouette_measures
        Whether the silhouette gave the drop (always False: on the development seeds it
        read 0.6-1.0 of the true tilt, 1.2-2.8 deg per frame from the truth against the
        edge's 0.2-1.5; docs/accuracy.md). It only checks the edge.
    """

    waistband_frames: int
    silhouette_frames: int
    both_frames: int
    median_difference_deg: float
    correlation: float
    silhouette_measures: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready block (NaN -> None, 2 decimals)."""

        def r(v: float) -> float | None:
            return round(float(v), 2) if np.isfinite(v) else None

        return {
            "waistband_frames": self.waistband_frames,
            "silhouette_frames": self.silhouette_frames,
            "both_frames": self.both_frames,
            "median_difference_deg": r(self.median_difference_deg),
            "correlation": r(self.correlation),
            "silhouette_measures": self.silhouette_measures,
            "max_difference_deg": MAX_CUE_DIFFERENCE_DEG,
        }


def cue_agreement(
    edge_deg: np.ndarray, edge_ok: np.ndarray, silhouette_deg: np.ndarray
) -> CueAgreement:
    """Agreement of the per-frame waistband and silhouette tilts (image angles, deg).

    Parameters
    ----------
    edge_deg, edge_ok : (n,)
        The waistband edge's angle and its quality flag per frame.
    silhouette_deg : (n,)
        :func:`gaitlab.kinematics.silhouette.silhouette_tilt_series` (NaN = none).
    """
    edge_deg = np.asarray(edge_deg, dtype=float)
    silhouette_deg = np.asarray(silhouette_deg, dtype=float)
    edge = np.asarray(edge_ok, dtype=bool) & np.isfinite(edge_deg)
    sil = np.isfinite(silhouette_deg)
    both = edge & sil
    diff = corr = float("nan")
    if both.sum() >= MIN_FRAMES_BOTH_CUES:
        a = edge_deg[both] - np.median(edge_deg[both])
        b = silhouette_deg[both] - np.median(silhouette_deg[both])
        diff = float(np.median(np.abs(a - b)))
        if a.std() > 0 and b.std() > 0:
            corr = float(np.corrcoef(a, b)[0, 1])
    return CueAgreement(int(edge.sum()), int(sil.sum()), int(both.sum()), diff, corr)


def waistband_obliquity_deg(
    angle_deg: np.ndarray,
    ok: np.ndarray,
    view: str,
    time_s: np.ndarray,
    *,
    lowpass_hz: float,
    max_gap_s: float,
    min_ok_share: float,
    offset_trunk: np.ndarray | None = None,
    min_offset_trunk: float = WAISTBAND_MIN_OFFSET_TRUNK,
    agreement: CueAgreement | None = None,
) -> tuple[np.ndarray | None, str]:
    """Pelvic obliquity (+ = left hip higher) from the per-frame waistband edge angle.

    The edge angle is measured in the image with + = image-right end lower
    (:mod:`gaitlab.imaging.waistband`). From behind the runner's left is image-left, so a
    higher left hip tilts the line down to the right: obliquity = +angle. From the front the
    runner's left is image-right: obliquity = -angle. Frames that failed the edge's quality
    gates are missing; short gaps are bridged and the series is low-passed like landmarks.

    A waistband sits at the waist, above the hip joints; a loose or untucked top hangs its
    hem over the shorts, down to the hips, where it flaps against them and does not follow
    the pelvis. When the edge's median height above the mid-hip (``offset_trunk``, trunk
    lengths, :mod:`gaitlab.imaging.waistband`) is below ``min_offset_trunk``, the edge is
    taken for a hem and the drop is not measured. A hem also moves against the hips: when
    the edge's tilt and the hips' silhouette (``agreement``, :func:`cue_agreement`) differ
    by more than :data:`MAX_CUE_DIFFERENCE_DEG` from frame to frame, the edge is not taken
    for the pelvis either.

    Returns
    -------
    obliquity, reason
        The series (None when too few frames passed or the edge is a hem) and, when None, why.
    """
    if view not in ("rear", "front"):
        return None, f"needs a rear or front view, this clip is {view}"
    good = np.asarray(ok, dtype=bool) & np.isfinite(angle_deg)
    share = float(good.mean()) if good.size else 0.0
    if share < min_ok_share:
        return None, (
            f"the waistband edge was clear in only {share:.0%} of frames "
            f"(needs {min_ok_share:.0%}): {WAISTBAND_ADVICE}"
        )
    if offset_trunk is not None:
        height = np.asarray(offset_trunk, dtype=float)[good]
        height = height[np.isfinite(height)]
        if height.size and float(np.median(height)) < min_offset_trunk:
            return None, (
                f"top untucked: the edge found is {float(np.median(height)):.2f} trunk lengths "
                f"above the hips, where a loose hem hangs (a waistband sits >= "
                f"{min_offset_trunk:.2f} above them): tuck the top in"
            )
    if agreement is not None and agreement.median_difference_deg > MAX_CUE_DIFFERENCE_DEG:
        return None, (
            f"top untucked or another edge: the edge found moves against the hips' outline "
            f"(median {agreement.median_difference_deg:.1f} deg apart; a waistband stays "
            f"within {MAX_CUE_DIFFERENCE_DEG:.1f}): {WAISTBAND_ADVICE}"
        )
    sign = 1.0 if view == "rear" else -1.0
    tilt = np.where(good, sign * np.asarray(angle_deg, dtype=float), np.nan)
    tilt, _ = fill_gaps(tilt, time_s, max_gap_s)
    return lowpass(tilt, time_s, lowpass_hz), ""


TILT_SOURCES: tuple[str, ...] = ("hip_landmarks", "waistband")


#: Share of a step (foot strike to the other foot's strike) that a stance is taken to last
#: at least, counted back from its toe-off. Rear-view foot strikes come late (the foot lands
#: behind the other leg's shank) while toe-offs hold: on development seed 4040 the detected
#: strikes were up to 0.2 s late, cutting the early-stance peak off (a 4.6 deg drop read as
#: 1.7), toe-offs within 0.1 s. The rendered runners' contact is 0.7 of a step and a running
#: contact is about 0.55-0.8; from 0.75 of a step before a true toe-off the true drop peaks
#: are unchanged on every development clip, since before the strike the swing hip is still
#: rising from the other side's drop (docs/accuracy.md).
MIN_STANCE_STEP_SHARE = 0.75
#: How far after the other foot's toe-off (steps) the counted-back window may start: half
#: the flight of the rendered runners (0.3 of a step). 0.1 still let the normal rear
#: sample's push-off in (per-stride p90 0.68 against 0.56 without counting back); 0.15-0.25
#: kept the sample's figures and seed 4040's gain alike (docs/accuracy.md).
OTHER_TOE_OFF_MARGIN_STEPS = 0.15


def _step_s(strides: Sequence[Stride]) -> float:
    """Median time from one foot's strike to the other foot's next one, s (NaN: none).

    Only consecutive strikes of different feet count: a missed stance must not make a step
    look a stride long.
    """
    ordered = sorted(strides, key=lambda s: s.foot_strike_s)
    steps = [
        b.foot_strike_s - a.foot_strike_s
        for a, b in itertools.pairwise(ordered)
        if a.side != b.side
    ]
    return float(np.median(steps)) if steps else float("nan")


def _counted_back_start(s: Stride, strides: Sequence[Stride], step_s: float) -> float:
    """Earliest start of a stance's window: counted back from its toe-off (NaN: no step).

    Never before :data:`OTHER_TOE_OFF_MARGIN_STEPS` of a step after the other foot's last
    toe-off: a short stance can also be an early toe-off (the strike right), and then the
    window would reach the other foot's push-off, where the pelvis rolls towards this side's
    drop too (the normal rear sample read 5.0 deg there for a true 1.5).
    """
    if not np.isfinite(step_s):
        return float("nan")
    start = s.toe_off_s - MIN_STANCE_STEP_SHARE * step_s
    other = [o.toe_off_s for o in strides if o.side != s.side and o.toe_off_s <= s.foot_strike_s]
    if other:
        start = max(start, max(other) + OTHER_TOE_OFF_MARGIN_STEPS * step_s)
    return start


def pelvic_drop_values(
    time_s: np.ndarray, obliquity_deg: np.ndarray, strides: Sequence[Stride]
) -> list[StrideValue]:
    """Peak contralateral drop (degrees, + = swing hip below neutral) for each stance.

    The window of a stance runs to its toe-off from its foot strike, or from
    :data:`MIN_STANCE_STEP_SHARE` of the median step before the toe-off when the detected
    strike is later than that, but not before :data:`OTHER_TOE_OFF_MARGIN_STEPS` of a step
    after the other foot's toe-off; the counted-back window's peak is taken when it is
    higher than the detected stance's.

    Parameters
    ----------
    time_s : (n,) float
    obliquity_deg : (n,) float
        Pelvic obliquity, + = left hip higher (any source).
    strides
        Strides; each contributes its stance (foot strike to toe-off).
    """
    neutral = nanmedian_or_nan(obliquity_deg)
    step_s = _step_s(strides)
    out = []
    for s in strides:
        sign = -1.0 if s.side == "right" else 1.0
        drop = sign * (obliquity_deg - neutral)
        # The whole stance, not only its first half: the drop peaks in early stance (on every
        # rendered rear stance the whole-stance peak is the first half's), and the rear
        # view's foot strikes can come late by a third of a stance, which would cut it off.
        v, t_peak = peak_over_interval(time_s, drop, s.foot_strike_s, s.toe_off_s, min_share=0.5)
        start = _counted_back_start(s, strides, step_s)
        if start < s.foot_strike_s:
            early_v, early_t = peak_over_interval(time_s, drop, start, s.toe_off_s, min_share=0.5)
            if early_v > v or (np.isfinite(early_v) and not np.isfinite(v)):
                v, t_peak = early_v, early_t
        out.append(StrideValue(s.side, s.foot_strike_s, v, s.inferred, t_peak))
    return out


def pelvic_drop(
    time_s: np.ndarray,
    strides: Sequence[Stride],
    obliquity_deg: np.ndarray,
    source: str,
    view: str,
    view_confidence: float,
    min_steps: int,
) -> MetricResult:
    """Pelvic drop metric with its confidence.

    Parameters
    ----------
    time_s : (n,) float
    strides
        Strides of both legs (one stance each).
    obliquity_deg : (n,) float
        Pelvic tilt series, + = left side higher.
    source
        ``"hip_landmarks"`` (always low confidence) or ``"waistband"``.
    view, view_confidence
        The clip's view; pelvic drop needs rear or front.
    min_steps
        Stances per side needed to trust it (docs/metrics.md: >= 7).
    """
    if source not in TILT_SOURCES:
        raise ValueError(f"pelvic_drop: source must be one of {TILT_SOURCES}, got {source!r}")
    definition = METRICS["pelvic_drop_deg"]
    grade = Grade()
    grade_view(grade, "frontal", view, view_confidence)
    if grade.level == "not_measurable":
        return summarise(definition, [], grade.level, grade.reasons)
    values = pelvic_drop_values(time_s, obliquity_deg, strides)
    per_side = [sum(1 for v in values if v.side == s and np.isfinite(v.value)) for s in SIDES]
    grade_count(grade, min(per_side), "stance per side", min_steps, min(3, min_steps))
    if source == "hip_landmarks":
        grade.cap("low", HIP_LANDMARK_REASON)
    return summarise(definition, values, grade.level, grade.reasons)
