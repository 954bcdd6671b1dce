"""The kinematics stage's one entry point: :func:`analyze_kinematics` -> :class:`GaitAnalysis`.

Steps (each in its own module):

1. clean the landmarks (:mod:`.cleaning`: visibility, leg-swap repair, Hampel, gap fill,
   zero-lag low-pass);
2. detect the view (or take the user's), the facing and travel direction, treadmill vs
   overground (:mod:`.view`);
3. move the landmarks into the analysis frame (:mod:`.angles`);
4. estimate cadence from the periodicity of the leg motion, detect foot strikes and toe-offs,
   build strides (:mod:`.events`);
5. decide whether this is running at all (walking and standing get a verdict, no metrics;
   :mod:`.verdict`);
6. per-stride metrics, summaries and confidence (:mod:`.metrics`, :mod:`.pelvis`,
   :mod:`.lumbar`, :mod:`.confidence`).

Pure: no file I/O, no drawing, no printing. The caller writes ``GaitAnalysis.to_dict()``
into result.json.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gaitlab.kinematics import lumbar
from gaitlab.kinematics.angles import (
    frontal_angles,
    sagittal_angles,
    to_frontal,
    to_sagittal,
)
from gaitlab.kinematics.cadence import (
    estimate_cadence,
)
from gaitlab.kinematics.camera import against_ground, classify_camera, treadmill_against_ground
from gaitlab.kinematics.cleaning import CleanedLandmarks, clean_landmarks
from gaitlab.kinematics.confidence import (
    Grade,
    grade_count,
    grade_fps,
    grade_swaps,
    grade_view,
    grade_visibility,
)
from gaitlab.kinematics.contacts import nearest_frame
from gaitlab.kinematics.corrections import Corrections
from gaitlab.kinematics.definitions import METRICS
from gaitlab.kinematics.desmooth import tracker_smoothing
from gaitlab.kinematics.edits import edited_series
from gaitlab.kinematics.events import (
    EventDetection,
    Stride,
    build_strides,
    detect_gait_events,
    short_clip_cadence,
)
from gaitlab.kinematics.geometry import LEG_LENGTH_PER_HEIGHT, leg_length_px, level_points, mid
from gaitlab.kinematics.level import camera_level
from gaitlab.kinematics.metrics import (
    MetricResult,
    StrideValue,
    frontal_stance_values,
    not_measurable,
    sagittal_stride_values,
    summarise,
    timing_stride_values,
)
from gaitlab.kinematics.pelvis import (
    CueAgreement,
    cue_agreement,
    pelvic_drop,
    waistband_obliquity_deg,
)
from gaitlab.kinematics.result import CadenceSummary, GaitAnalysis
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.kinematics.silhouette import silhouette_tilt_series
from gaitlab.kinematics.slowmo import with_slow_band, without_timings
from gaitlab.kinematics.sole import sole_points_an
from gaitlab.kinematics.verdict import running_verdict
from gaitlab.kinematics.view import (
    OBLIQUE_NOTE_DEG,
    USER_VIEWS,
    ViewResult,
    detect_direction,
    detect_view,
    oblique_note,
)
from gaitlab.landmarks import INDEX, LEG
from gaitlab.series import PoseSeries

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

#: Metrics from the events alone: reported in every view (the view sets their confidence).
TIMING_METRICS: tuple[str, ...] = (
    "cadence_spm",
    "contact_time_s",
    "flight_time_s",
    "duty_factor_pct",
)

#: Rear/front-view metrics in report order.
FRONTAL_METRICS: tuple[str, ...] = (
    "pelvic_drop_deg",
    "lateral_trunk_lean_deg",
    "foot_midline_offset_pct_leg",
    "step_width_pct_leg",
)


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
    if d.kind == "timing" and 0 < n_strides < ctx.settings.min_strides_medium:
        # A pass-by of a stride or two: say how few steps the value rests on.
        steps = max(ctx.n_foot_strikes - 1, 0)
        grade.cap(
            "low",
            f"a short stretch: {steps} complete step{'s' if steps != 1 else ''} between "
            f"{ctx.n_foot_strikes} foot strikes",
        )
    if name != "cadence_spm":
        grade_fps(
            grade,
            d.kind,
            ctx.fps,
            ctx.settings.timing_fps_min,
            ctx.contact_s,
            ctx.settings.timing_frame_share_medium,
            ctx.settings.timing_frame_share_low,
        )
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
    if name == "cadence_spm" and ctx.cadence.check == "disagree":
        grade.cap("low", ctx.cadence.note)
    elif name == "cadence_spm" and ctx.cadence.check == "resolved":
        grade.cap("medium", ctx.cadence.note)
    yaw = ctx.view.oblique_yaw_deg
    if d.view == "side" and np.isfinite(yaw) and yaw >= OBLIQUE_NOTE_DEG:
        grade.cap("medium", oblique_note(yaw))
    if d.kind == "timing" and name != "cadence_spm" and ctx.view.is_frontal:
        # Contacts from behind or in front come from the foot's height over its ground
        # line, not its speed against the ground. Exact on the stick runner, but on
        # rendered rear clips (gaitlab synth, MediaPipe) the contact read 0.29 s at 24 fps
        # and 0.18 s at 120 fps for a true 0.26 s: usable to compare sides, not as values.
        grade.cap(
            "low",
            f"{ctx.view.view} view: contacts from the foot's height over the ground, "
            "a side view times them better",
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
    n_foot_strikes: int = 0
    contact_s: float = float("nan")


# ---------------------------------------------------------------------- entry point
def analyze_kinematics(
    series: PoseSeries,
    *,
    view: str = "auto",
    height_cm: float | None = None,
    settings: KinematicsSettings | None = None,
    pelvis_tilt_deg: np.ndarray | None = None,
    camera_shift_px: np.ndarray | None = None,
    runner_change: np.ndarray | None = None,
    corrections: Corrections | None = None,
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
    camera_shift_px : (n, 2) float, optional
        The background's shift from each frame to the next (row 0 NaN), from
        :mod:`gaitlab.imaging.camera_motion`: classifies the camera and decides treadmill
        vs overground from the runner's motion against the ground.
    runner_change : (n,) float, optional
        Mean grey-level change of the runner's box from each frame to the next (row 0
        NaN): frozen pictures (a paused or edited video) are left out (:mod:`.edits`).
    corrections
        A reviewer's edits to the detected events and excluded strides
        (:mod:`gaitlab.kinematics.corrections`), applied before strides are built.

    Returns
    -------
    GaitAnalysis

    Raises
    ------
    ValueError
        On an unknown ``view``, a non-positive ``height_cm`` or a tilt series of the wrong
        length.
    gaitlab.kinematics.corrections.CorrectionError
        When a correction does not fit the detected events.
    """
    corrections = corrections or Corrections()
    settings = settings or KinematicsSettings()
    if view != "auto" and view not in USER_VIEWS:
        raise ValueError(f"view must be 'auto' or one of {USER_VIEWS}, got {view!r}")
    if height_cm is not None and not height_cm > 0:
        raise ValueError(f"height_cm must be > 0, got {height_cm}")
    if pelvis_tilt_deg is not None and np.shape(pelvis_tilt_deg) != (series.n_frames,):
        raise ValueError(
            f"pelvis_tilt_deg must have shape ({series.n_frames},), got {np.shape(pelvis_tilt_deg)}"
        )
    freeze_note = ""
    repeats_x = float("nan")
    if runner_change is not None:
        if np.shape(runner_change) != (series.n_frames,):
            raise ValueError(
                f"runner_change must have shape ({series.n_frames},), got {np.shape(runner_change)}"
            )
        series, freeze_note, repeats_x = edited_series(series, runner_change, camera_shift_px)
    t = series.time_s
    # The view is found on the tracker's points; the leg points' smoothing is then undone
    # for side views only: from behind, events come from the feet's steepest fall against
    # the ground line, which the undone points' jitter moves (fewer rear-view events within a
    # frame of the truth with the undo: docs/accuracy.md).
    cleaned: CleanedLandmarks = clean_landmarks(series, settings)
    leg_px = leg_length_px(cleaned.xy_px)
    view_res = detect_view(t, cleaned.xy_px, cleaned.visibility, leg_px, settings, override=view)
    smoothing = tracker_smoothing(series) if settings.undo_tracker_smoothing else None
    if view_res.is_side and smoothing is not None:
        cleaned = clean_landmarks(series, settings, smoothing=smoothing)
        leg_px = leg_length_px(cleaned.xy_px)
    xy = cleaned.xy_px
    direction = detect_direction(t, xy, leg_px, view_res, settings)
    camera = None
    if camera_shift_px is not None:
        if np.shape(camera_shift_px) != (series.n_frames, 2):
            raise ValueError(
                f"camera_shift_px must have shape ({series.n_frames}, 2), "
                f"got {np.shape(camera_shift_px)}"
            )
        camera = classify_camera(t, camera_shift_px, mid(xy, "hip")[:, 0], leg_px)
        direction = treadmill_against_ground(direction, camera, view_res, settings)
    # Angles against the vertical are taken on landmarks levelled by the camera's roll;
    # the image landmarks (drawn on the video) stay as filmed.
    level = camera_level(series, settings)
    # Events, cadence and angles are taken against the ground: a panning or shaking
    # camera's own motion is taken out (a translation: no angle changes).
    xy_gr = xy if camera is None else against_ground(xy, camera, camera_shift_px)
    xy_lv = level_points(xy_gr, level.roll_deg, level.centre_px) if level.applied else xy_gr

    if view_res.is_frontal:
        xy_an = to_frontal(xy_lv, view_res.view)
        angle_series = frontal_angles(xy_an)
    else:
        facing = np.nan_to_num(direction.facing, nan=1.0) if view_res.is_side else 1.0
        xy_an = to_sagittal(xy_lv, facing)
        angle_series = sagittal_angles(xy_an)

    cad = estimate_cadence(t, xy_an, settings, sagittal=view_res.is_side)
    # No rhythm in real time: a slow-motion replay steps slower (:mod:`.slowmo`).
    cad, slow_motion = with_slow_band(t, xy_an, settings, view_res.is_side, cad, repeats_x)
    # The shoes' lowest pixels, for the side-view toe-offs (:mod:`.sole`).
    sole_an = sole_points_an(series, camera, camera_shift_px, level, direction.facing, view_res)
    detection = detect_gait_events(
        t, xy_an, cleaned.visibility, cad, settings, view_res.is_side, sole_an
    )
    detection = corrections.apply(detection, t)
    strides = corrections.keep_strides(build_strides(detection), t)
    cad = short_clip_cadence(t, cad, detection)
    ev_cad = _events_cadence(detection)
    agree = bool(np.isfinite(ev_cad) and abs(ev_cad - cad.cadence_spm) <= 0.03 * cad.cadence_spm)
    cadence = CadenceSummary(
        cad.cadence_spm,
        cad.periodicity,
        ev_cad,
        agree,
        cad.limbs_spm,
        cad.bounce_spm,
        cad.check,
        cad.note,
    )
    verdict = running_verdict(
        series,
        cad,
        strides,
        settings,
        [(e.time_s, e.side) for e in detection.events if e.kind == "foot_strike"],
        slow_motion=slow_motion,
        repeats_x=repeats_x,
    )

    cm_per_px = (
        LEG_LENGTH_PER_HEIGHT * height_cm / leg_px
        if height_cm is not None and np.isfinite(leg_px)
        else None
    )
    notes = list(detection.notes)
    if corrections:
        # The report's quality notes say the events are not all the machine's.
        notes.append(corrections.summary())
    if freeze_note:
        notes.append(freeze_note)
    if np.isfinite(view_res.oblique_yaw_deg) and view_res.oblique_yaw_deg >= OBLIQUE_NOTE_DEG:
        notes.append(oblique_note(view_res.oblique_yaw_deg))
    if cad.note:
        notes.append(f"cadence: {cad.note}")
    if camera is not None and camera.kind != "static":
        notes.append(f"camera: {camera.kind}; {camera.reason}")
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
        sum(1 for e in detection.events if e.kind == "foot_strike"),
        float(np.median([s.contact_time_s for s in strides])) if strides else float("nan"),
    )

    cues = None
    if view_res.is_frontal and series.waistband is not None and series.masks is not None:
        # Second pelvis cue, from the person mask: checks that the edge moves with the hips.
        cues = cue_agreement(
            series.waistband.angle_deg,
            series.waistband.ok,
            silhouette_tilt_series(series.masks, series.xy_px),
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
            cues,
        )
    if slow_motion and verdict.is_running:
        metrics, slow_note = without_timings(metrics, cad.cadence_spm)
        notes.append(slow_note)
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
        camera=camera,
        camera_level=level,
        corrections=corrections,
        pelvis_cues=cues,
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
    cues: CueAgreement | None = None,
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
        _cadence_headline(out, ctx)
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
                agreement=cues,
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
        timing = timing_stride_values(strides)
        for name in SIDE_METRICS:
            if name in TIMING_METRICS:
                out[name] = _grade_metric(name, timing.get(name, []), ctx)
            else:
                out[name] = not_measurable(name, f"needs a side view, this clip is {view.view}")
        _cadence_headline(out, ctx)
    else:
        for name in SIDE_METRICS + FRONTAL_METRICS:
            out[name] = not_measurable(name, f"the view is unclear ({view.reason})")
        # The cadence needs no view: the bounce and the limbs' rhythm show in any.
        out["cadence_spm"] = _grade_metric(
            "cadence_spm", timing_stride_values(strides).get("cadence_spm", []), ctx
        )
        _cadence_headline(out, ctx)
    return out


def _cadence_headline(out: dict[str, MetricResult], ctx: _Context) -> None:
    """Make the clip's cadence the periodicity estimate (robust to missed events)."""
    if not (np.isfinite(ctx.cadence.cadence_spm) and "cadence_spm" in out):
        return
    current = out["cadence_spm"]
    if current.confidence == "not_measurable":
        if current.n:
            return
        # No complete stride (a pass-by clip with a few steps): the rhythm of the whole clip
        # still gives the cadence, with the trust that few steps deserve.
        out["cadence_spm"] = dataclasses.replace(
            current,
            median=float(ctx.cadence.cadence_spm),
            confidence="low",
            reasons=(
                f"no complete stride: cadence from the rhythm of the clip's "
                f"{ctx.n_foot_strikes} visible foot strikes",
            ),
        )
        return
    out["cadence_spm"] = dataclasses.replace(current, median=float(ctx.cadence.cadence_spm))
