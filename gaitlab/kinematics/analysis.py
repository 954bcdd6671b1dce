"""The kinematics stage's one entry point: :func:`analyze_kinematics` -> :class:`GaitAnalysis`.

Steps (each in its own module):

1. clean the landmarks (:mod:`.cleaning`: visibility, leg-swap repair, Hampel, gap fill,
   zero-lag low-pass);
2. detect the view (or take the user's), the facing and travel direction, treadmill vs
   overground (:mod:`.view`);
3. move the landmarks into the analysis frame (:mod:`.angles`);
4. estimate cadence from the periodicity of the leg motion, detect foot strikes and toe-offs,
   build strides (:mod:`.events`);
5. decide whether this is running at all (walking and standing get a verdict, no metrics);
6. per-stride metrics, summaries and confidence (:mod:`.metrics`, :mod:`.pelvis`,
   :mod:`.lumbar`, :mod:`.confidence`).

Pure: no file I/O, no drawing, no printing. The caller writes ``GaitAnalysis.to_dict()``
into result.json.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitlab.jsonsafe import to_json_ready
from gaitlab.kinematics import lumbar
from gaitlab.kinematics.angles import (
    SIGN_CONVENTIONS,
    frontal_angles,
    sagittal_angles,
    to_frontal,
    to_sagittal,
)
from gaitlab.kinematics.cleaning import CleanedLandmarks, CleaningReport, clean_landmarks
from gaitlab.kinematics.confidence import (
    Grade,
    grade_count,
    grade_fps,
    grade_swaps,
    grade_view,
    grade_visibility,
)
from gaitlab.kinematics.definitions import METRICS
from gaitlab.kinematics.desmooth import tracker_smoothing
from gaitlab.kinematics.events import (
    CadenceEstimate,
    EventDetection,
    Stride,
    build_strides,
    detect_gait_events,
    estimate_cadence,
    nearest_frame,
)
from gaitlab.kinematics.geometry import LEG_LENGTH_PER_HEIGHT, leg_length_px
from gaitlab.kinematics.metrics import (
    MetricResult,
    StrideValue,
    frontal_stance_values,
    not_measurable,
    sagittal_stride_values,
    summarise,
)
from gaitlab.kinematics.pelvis import pelvic_drop, waistband_obliquity_deg
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.kinematics.slowmo import slowmo_hint, tagged_factor
from gaitlab.kinematics.view import (
    USER_VIEWS,
    DirectionResult,
    ViewResult,
    detect_direction,
    detect_view,
)
from gaitlab.landmarks import INDEX, LEG
from gaitlab.series import PoseSeries

#: Version of the ``kinematics`` block layout in result.json.
RESULT_FORMAT_VERSION = 1

#: Side-view metrics in report order.
SIDE_METRICS: tuple[str, ...] = (
    "cadence_spm",
    "contact_time_s",
    "flight_time_s",
    "duty_factor_pct",
    "trunk_lean_deg",
    "hip_extension_deg",
    "thigh_extension_deg",
    "trunk_backward_swing_deg",
    "knee_flexion_strike_deg",
    "knee_flexion_midstance_deg",
    "overstride_pct_leg",
    "shank_angle_strike_deg",
    "vertical_oscillation_pct_leg",
    "vertical_oscillation_cm",
    "lumbar_arch_angle_deg",
    "lumbar_hollow_depth_pct_trunk",
)

#: Rear/front-view metrics in report order.
FRONTAL_METRICS: tuple[str, ...] = (
    "pelvic_drop_deg",
    "lateral_trunk_lean_deg",
    "foot_midline_offset_pct_leg",
    "step_width_pct_leg",
)


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
    """

    is_running: bool
    activity: str
    reason: str


@dataclass(frozen=True)
class CadenceSummary:
    """Clip cadence: the periodicity estimate, cross-checked with the events.

    Attributes
    ----------
    cadence_spm
        Periodicity-based cadence (the headline value); NaN when not periodic.
    periodicity
        0-1 strength of the stride rhythm.
    events_cadence_spm
        ``60 / median step time`` from consecutive foot strikes (NaN with < 3 strikes).
    agree
        True when the two differ by at most 3 %.
    """

    cadence_spm: float
    periodicity: float
    events_cadence_spm: float
    agree: bool


@dataclass(frozen=True)
class GaitAnalysis:
    """Everything the kinematics stage found in one clip.

    Attributes
    ----------
    time_s : (n,) float
        Frame times (from the pose series).
    view, direction
        Camera view (with confidence, possibly user-set) and direction of travel.
    treadmill
        True when the runner stays in frame, None when undecidable.
    running
        Running verdict; metrics are empty unless ``running.is_running``.
    cleaning
        What cleaning did (frames repaired, gaps filled, filter used).
    cadence
        Periodicity cadence cross-checked with events.
    events
        Foot strikes and toe-offs per side.
    strides
        Strides of both legs, time-ordered.
    metrics
        Metric name -> :class:`MetricResult` (report order).
    landmarks_px : (n, 33, 2) float
        Cleaned image landmarks (for drawing).
    landmarks_analysis : (n, 33, 2) float
        Cleaned landmarks in the analysis frame (sagittal or frontal, +Y up, pixels).
    swapped : (n,) bool
        Frames whose leg labels were repaired.
    angle_series
        Per-frame angle series (name -> (n,) degrees) for plots and CSV.
    leg_length_px
        Leg length (hip-knee-ankle) in pixels.
    cm_per_px
        Scale from the given body height, else None.
    settings
        The parameters used.
    notes
        Remarks for the user (event quality, inferred legs, ...).
    """

    time_s: np.ndarray
    view: ViewResult
    direction: DirectionResult
    treadmill: bool | None
    running: RunningVerdict
    cleaning: CleaningReport
    cadence: CadenceSummary
    events: EventDetection
    strides: tuple[Stride, ...]
    metrics: dict[str, MetricResult]
    landmarks_px: np.ndarray
    landmarks_analysis: np.ndarray
    swapped: np.ndarray
    angle_series: dict[str, np.ndarray]
    leg_length_px: float
    cm_per_px: float | None
    settings: KinematicsSettings
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``kinematics`` block of result.json (NaN -> null, no arrays)."""
        return {
            "format_version": RESULT_FORMAT_VERSION,
            "view": {
                "view": self.view.view,
                "confidence": to_json_ready(self.view.confidence),
                "source": self.view.source,
                "detected_view": self.view.detected_view,
                "width_ratio": to_json_ready(self.view.width_ratio),
                "reason": self.view.reason,
            },
            "direction": {
                "travel": self.direction.travel,
                "direction_changes": self.direction.direction_changes,
                "drift_speed_leg_s": to_json_ready(self.direction.drift_speed_leg_s),
            },
            "treadmill": self.treadmill,
            "running": dataclasses.asdict(self.running),
            "cadence": to_json_ready(dataclasses.asdict(self.cadence)),
            "cleaning": to_json_ready(self.cleaning.to_dict()),
            "events": [to_json_ready(dataclasses.asdict(e)) for e in self.events.events],
            "event_detection": {
                "near_side": self.events.near_side,
                "far_leg_inferred": self.events.far_inferred,
                "alternation_share": to_json_ready(self.events.alternation_share),
                "notes": list(self.events.notes),
            },
            "strides": [_stride_dict(s) for s in self.strides],
            "metrics": {name: m.to_dict() for name, m in self.metrics.items()},
            "body_scale": {
                "leg_length_px": to_json_ready(self.leg_length_px),
                "cm_per_px": to_json_ready(self.cm_per_px),
            },
            "sign_conventions": dict(SIGN_CONVENTIONS),
            "settings": self.settings.to_dict(),
            "notes": list(self.notes),
        }


def _stride_dict(s: Stride) -> dict[str, Any]:
    d = to_json_ready(dataclasses.asdict(s))
    d.update(
        stride_time_s=to_json_ready(s.stride_time_s),
        contact_time_s=to_json_ready(s.contact_time_s),
        flight_time_s=to_json_ready(s.flight_time_s),
        duty_factor_pct=to_json_ready(s.duty_factor_pct),
    )
    return d


# ---------------------------------------------------------------------- verdict
def running_verdict(
    series: PoseSeries,
    cadence: CadenceEstimate,
    strides: Sequence[Stride],
    settings: KinematicsSettings,
) -> RunningVerdict:
    """Decide running / walking / not stepping from cadence, duty factor and flight.

    Rules, in order: too few frames with a pose -> unknown; no periodic stepping ->
    not_stepping; no complete strides -> unknown; median duty factor >= 50 % or median
    flight time < 0 (double support) -> walking; cadence below
    ``running_cadence_min_spm`` -> walking; otherwise running. A "not running" verdict that
    slow motion may explain says so (:func:`gaitlab.kinematics.slowmo.slowmo_hint`).
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
        return RunningVerdict(
            False, "unknown", "no complete strides were detected; the feet may be hidden"
        )
    df = float(np.median([s.duty_factor_pct for s in strides]))
    flights = [s.flight_time_s for s in strides if np.isfinite(s.flight_time_s)]
    flight = float(np.median(flights)) if flights else float("nan")
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


def _with_hint(reason: str, hint: str) -> str:
    return f"{reason}; {hint}" if hint else reason


def _events_cadence(detection: EventDetection) -> float:
    fs = sorted(e.time_s for e in detection.events if e.kind == "foot_strike")
    if len(fs) < 3:
        return float("nan")
    return float(60.0 / np.median(np.diff(fs)))


# ---------------------------------------------------------------------- metric grading
def _visibility_at(
    visibility: np.ndarray,
    time_s: np.ndarray,
    values: Sequence[StrideValue],
    parts: tuple[str, ...],
) -> float:
    """Median over strides of the least visible of a metric's landmarks at foot strike."""
    vis = []
    for v in values:
        f = nearest_frame(time_s, v.time_s)
        idx: list[int] = []
        for part in parts:
            if part == "leg":
                idx += list(LEG[v.side])
            else:
                idx += [INDEX[f"left_{part}"], INDEX[f"right_{part}"]]
        # The least visible landmark bounds the metric (an angle needs all its points).
        vis.append(float(np.min(visibility[f, idx])))
    return float(np.median(vis)) if vis else float("nan")


def _grade_metric(
    name: str,
    values: list[StrideValue],
    ctx: _Context,
) -> MetricResult:
    d = METRICS[name]
    grade = Grade()
    grade_view(grade, d.view, ctx.view.view, ctx.view.confidence)
    if grade.level == "not_measurable":
        return summarise(d, [], grade.level, grade.reasons)
    n_strides = sum(1 for v in values if np.isfinite(v.value))
    grade_count(
        grade, n_strides, "stride", ctx.settings.min_strides_high, ctx.settings.min_strides_medium
    )
    grade_fps(grade, d.kind, ctx.fps, ctx.settings.timing_fps_min)
    grade_visibility(
        grade,
        _visibility_at(ctx.visibility, ctx.time_s, values, d.landmarks),
        ctx.settings.visibility_good,
    )
    if "leg" in d.landmarks:
        # The far leg in side view is often hidden: say which side's values to doubt.
        for side in ("left", "right"):
            side_vals = [v for v in values if v.side == side]
            vis = _visibility_at(ctx.visibility, ctx.time_s, side_vals, d.landmarks)
            if side_vals and vis < ctx.settings.visibility_good:
                grade.cap(
                    "medium",
                    f"{side} leg partly hidden (median visibility {vis:.2f}); its values "
                    "are less reliable",
                )
    if "leg" in d.landmarks:
        grade_swaps(grade, ctx.swap_share, ctx.settings.swap_share_max)
    asym_ok = True
    if ctx.far_inferred and ("leg" in d.landmarks):
        asym_ok = False
        grade.cap(
            "medium",
            f"{ctx.far_side} (far) leg events inferred from the near leg: left/right "
            "asymmetry not measurable",
        )
    if name == "cadence_spm" and not ctx.cadence.agree:
        grade.cap(
            "medium",
            f"periodicity ({ctx.cadence.cadence_spm:.1f}) and event "
            f"({ctx.cadence.events_cadence_spm:.1f}) cadences differ by more than 3 %",
        )
    return summarise(d, values, grade.level, grade.reasons, asymmetry_measurable=asym_ok)


@dataclass(frozen=True)
class _Context:
    time_s: np.ndarray
    fps: float
    view: ViewResult
    visibility: np.ndarray
    swap_share: float
    far_inferred: bool
    far_side: str | None
    cadence: CadenceSummary
    settings: KinematicsSettings


# ---------------------------------------------------------------------- entry point
def analyze_kinematics(
    series: PoseSeries,
    *,
    view: str = "auto",
    height_cm: float | None = None,
    settings: KinematicsSettings | None = None,
    pelvis_tilt_deg: np.ndarray | None = None,
) -> GaitAnalysis:
    """Analyse one clip's landmarks: clean, view, events, strides, metrics, confidence.

    Parameters
    ----------
    series
        Landmarks from the pose stage.
    view
        ``"auto"`` or one of ``side-left``, ``side-right``, ``rear``, ``front``, ``unclear``
        (the user's choice; detection is still reported).
    height_cm
        Runner's height; enables centimetre outputs.
    settings
        Parameters (defaults: :class:`KinematicsSettings`).
    pelvis_tilt_deg : (n,) float, optional
        Image-based pelvic obliquity (+ = left hip higher), e.g. from the waistband method;
        when absent pelvic drop falls back to the hip landmarks at low confidence.

    Returns
    -------
    GaitAnalysis

    Raises
    ------
    ValueError
        On an unknown ``view``, a non-positive ``height_cm`` or a tilt series of the wrong
        length.
    """
    settings = settings or KinematicsSettings()
    if view != "auto" and view not in USER_VIEWS:
        raise ValueError(f"view must be 'auto' or one of {USER_VIEWS}, got {view!r}")
    if height_cm is not None and not height_cm > 0:
        raise ValueError(f"height_cm must be > 0, got {height_cm}")
    if pelvis_tilt_deg is not None and np.shape(pelvis_tilt_deg) != (series.n_frames,):
        raise ValueError(
            f"pelvis_tilt_deg must have shape ({series.n_frames},), got {np.shape(pelvis_tilt_deg)}"
        )
    t = series.time_s
    # The view is found on the tracker's points; the leg points' smoothing is then undone
    # for side views only: from behind, events come from the feet's steepest fall against
    # the ground line, which the undone points' jitter moves (rendered rear clips: events
    # within a frame 39-68 % -> 26-45 % at 60 fps with the undo).
    cleaned: CleanedLandmarks = clean_landmarks(series, settings)
    leg_px = leg_length_px(cleaned.xy_px)
    view_res = detect_view(t, cleaned.xy_px, cleaned.visibility, leg_px, settings, override=view)
    smoothing = tracker_smoothing(series) if settings.undo_tracker_smoothing else None
    if view_res.is_side and smoothing is not None:
        cleaned = clean_landmarks(series, settings, smoothing=smoothing)
        leg_px = leg_length_px(cleaned.xy_px)
    xy = cleaned.xy_px
    direction = detect_direction(t, xy, leg_px, view_res, settings)

    if view_res.is_frontal:
        xy_an = to_frontal(xy, view_res.view)
        angle_series = frontal_angles(xy_an)
    else:
        facing = np.nan_to_num(direction.facing, nan=1.0) if view_res.is_side else 1.0
        xy_an = to_sagittal(xy, facing)
        angle_series = sagittal_angles(xy_an)

    cad = estimate_cadence(t, xy_an, settings, sagittal=view_res.is_side)
    detection = detect_gait_events(t, xy_an, cleaned.visibility, cad, settings, view_res.is_side)
    strides = tuple(build_strides(detection))
    ev_cad = _events_cadence(detection)
    agree = bool(np.isfinite(ev_cad) and abs(ev_cad - cad.cadence_spm) <= 0.03 * cad.cadence_spm)
    cadence = CadenceSummary(cad.cadence_spm, cad.periodicity, ev_cad, agree)
    verdict = running_verdict(series, cad, strides, settings)

    cm_per_px = (
        LEG_LENGTH_PER_HEIGHT * height_cm / leg_px
        if height_cm is not None and np.isfinite(leg_px)
        else None
    )
    notes = list(detection.notes)
    if direction.direction_changes:
        notes.append(f"the runner turned round {direction.direction_changes} time(s)")
    far_side = None
    if detection.near_side is not None:
        far_side = "right" if detection.near_side == "left" else "left"
    ctx = _Context(
        t,
        cleaned.report.sample_rate_hz,
        view_res,
        cleaned.visibility,
        cleaned.report.swap_share,
        detection.far_inferred,
        far_side,
        cadence,
        settings,
    )

    metrics: dict[str, MetricResult] = {}
    if verdict.is_running:
        metrics = _all_metrics(
            series,
            t,
            xy,
            direction.facing,
            xy_an,
            angle_series,
            strides,
            leg_px,
            cm_per_px,
            ctx,
            pelvis_tilt_deg,
        )
    return GaitAnalysis(
        time_s=t,
        view=view_res,
        direction=direction,
        treadmill=direction.treadmill,
        running=verdict,
        cleaning=cleaned.report,
        cadence=cadence,
        events=detection,
        strides=strides,
        metrics=metrics,
        landmarks_px=xy,
        landmarks_analysis=xy_an,
        swapped=cleaned.swapped,
        angle_series=angle_series,
        leg_length_px=leg_px,
        cm_per_px=cm_per_px,
        settings=settings,
        notes=tuple(notes),
    )


def _all_metrics(
    series: PoseSeries,
    t: np.ndarray,
    xy_px: np.ndarray,
    facing: np.ndarray,
    xy_an: np.ndarray,
    angle_series: dict[str, np.ndarray],
    strides: tuple[Stride, ...],
    leg_px: float,
    cm_per_px: float | None,
    ctx: _Context,
    pelvis_tilt_deg: np.ndarray | None,
) -> dict[str, MetricResult]:
    out: dict[str, MetricResult] = {}
    view = ctx.view
    if view.is_side:
        values = sagittal_stride_values(t, angle_series, xy_an, strides, leg_px, cm_per_px)
        for name in SIDE_METRICS:
            if name.startswith("lumbar_"):
                continue
            if name == "vertical_oscillation_cm" and cm_per_px is None:
                out[name] = not_measurable(name, "give the runner's height to get centimetres")
                continue
            out[name] = _grade_metric(name, values.get(name, []), ctx)
        if np.isfinite(ctx.cadence.cadence_spm) and "cadence_spm" in out:
            # The clip value is the periodicity estimate (robust to missed events).
            out["cadence_spm"] = dataclasses.replace(
                out["cadence_spm"], median=float(ctx.cadence.cadence_spm)
            )
        out.update(
            lumbar.lumbar_metrics(
                series, xy_an, strides, view, ctx.settings, ctx.visibility, xy_px, facing
            )
        )
        for name in FRONTAL_METRICS:
            out[name] = not_measurable(
                name, f"needs a rear or front view, this clip is {view.view}"
            )
    elif view.is_frontal:
        # The hip landmarks cannot measure pelvic drop (docs/metrics.md); the waistband
        # edge can. Without a usable edge the drop is not measurable (with what to wear).
        tilt, why_not = pelvis_tilt_deg, ""
        if tilt is None and series.waistband is not None:
            tilt, why_not = waistband_obliquity_deg(
                series.waistband.angle_deg,
                series.waistband.ok,
                view.view,
                t,
                lowpass_hz=min(
                    ctx.settings.lowpass_hz,
                    ctx.settings.lowpass_max_nyquist_fraction * 0.5 * ctx.fps,
                ),
                max_gap_s=ctx.settings.max_gap_s,
                min_ok_share=ctx.settings.waistband_ok_share_min,
                offset_trunk=series.waistband.offset_trunk,
            )
        elif tilt is None:
            why_not = "this pose series has no waistband measurement; re-run the pose stage"
        if tilt is None:
            out["pelvic_drop_deg"] = not_measurable("pelvic_drop_deg", why_not)
        else:
            out["pelvic_drop_deg"] = pelvic_drop(
                t,
                strides,
                tilt,
                "waistband",
                view.view,
                view.confidence,
                ctx.settings.min_steps_pelvic_drop,
            )
        values = frontal_stance_values(t, angle_series, xy_an, strides, leg_px)
        for name in FRONTAL_METRICS[1:]:
            out[name] = _grade_metric(name, values.get(name, []), ctx)
        for name in SIDE_METRICS:
            out[name] = not_measurable(name, f"needs a side view, this clip is {view.view}")
    else:
        for name in SIDE_METRICS + FRONTAL_METRICS:
            out[name] = not_measurable(name, f"the view is unclear ({view.reason})")
    return out
