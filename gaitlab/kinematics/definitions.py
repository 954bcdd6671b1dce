"""The metric catalogue: name, unit, definition, sign, view and gait instant of each metric.

This is the one place a reader looks a metric up (the report and result.json copy these
texts). The maths lives in :mod:`gaitlab.kinematics.angles` (angles) and
:mod:`gaitlab.kinematics.metrics` (per-stride extraction).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricDefinition:
    """What a metric means.

    Attributes
    ----------
    name
        Identifier with its unit as suffix (``hip_extension_deg``).
    unit
        ``deg``, ``s``, ``spm``, ``pct``, ``pct_leg`` or ``cm``.
    definition
        One or two sentences: segments and formula.
    sign
        What a positive value means.
    view
        ``side``, ``frontal`` (rear or front) or ``any`` (timing from the events, which
        every view gives; the view still sets the confidence).
    instant
        Gait instant or interval the per-stride value is taken at.
    kind
        ``angle``, ``timing`` or ``distance``: selects the confidence rules.
    landmarks
        Landmark parts whose visibility decides the metric's quality (``"leg"`` = the
        stride side's hip, knee, ankle, heel and toe).
    """

    name: str
    unit: str
    definition: str
    sign: str
    view: str
    instant: str
    kind: str
    landmarks: tuple[str, ...]


_DEFS = (
    MetricDefinition(
        "trunk_lean_deg",
        "deg",
        "Trunk line (mid-hip to mid-shoulder) vs vertical, sagittal plane, mean over the stride.",
        "+ = forward lean, - = backward lean. Typical running 3-12 deg.",
        "side",
        "stride mean",
        "angle",
        ("shoulder", "hip"),
    ),
    MetricDefinition(
        "hip_extension_deg",
        "deg",
        "Thigh (hip to knee) vs the trunk line continued downward (thigh extension minus "
        "trunk lean), peak from foot strike to the other foot's strike: late stance, "
        "toe-off and early swing, where the hip is most extended.",
        "+ = thigh behind the trunk line (extension). About 10 deg is common.",
        "side",
        "peak, foot strike to the other foot's strike",
        "angle",
        ("shoulder", "leg"),
    ),
    MetricDefinition(
        "thigh_extension_deg",
        "deg",
        "Thigh (hip to knee) vs vertical, peak from foot strike to the other foot's strike "
        "(same window as hip extension); independent of trunk and pelvis posture.",
        "+ = knee behind the hip.",
        "side",
        "peak, foot strike to the other foot's strike",
        "angle",
        ("leg",),
    ),
    MetricDefinition(
        "knee_flexion_strike_deg",
        "deg",
        "Knee flexion (thigh vs shank, 0 = straight) at foot strike.",
        "+ = flexed.",
        "side",
        "foot strike",
        "angle",
        ("leg",),
    ),
    MetricDefinition(
        "knee_flexion_midstance_deg",
        "deg",
        "Peak knee flexion during stance (mid-stance).",
        "+ = flexed.",
        "side",
        "peak over stance",
        "angle",
        ("leg",),
    ),
    MetricDefinition(
        "overstride_pct_leg",
        "pct_leg",
        "Horizontal distance of the ankle ahead of the mid-hip at foot strike, in % of leg "
        "length (hip-knee-ankle).",
        "+ = foot lands ahead of the hips (overstride grows with it).",
        "side",
        "foot strike",
        "distance",
        ("leg",),
    ),
    MetricDefinition(
        "shank_angle_strike_deg",
        "deg",
        "Shank (knee to ankle) vs vertical at foot strike.",
        "+ = ankle ahead of the knee (reaching forward); about vertical is the usual advice.",
        "side",
        "foot strike",
        "angle",
        ("leg",),
    ),
    MetricDefinition(
        "vertical_oscillation_pct_leg",
        "pct_leg",
        "Range (max - min) of the mid-hip height over the stride, in % of leg length.",
        "Always >= 0; larger = more bounce.",
        "side",
        "stride range",
        "distance",
        ("hip",),
    ),
    MetricDefinition(
        "vertical_oscillation_cm",
        "cm",
        "Vertical oscillation in centimetres, scaled by the given body height "
        "(leg length = 0.491 x height, Winter 2009).",
        "Always >= 0.",
        "side",
        "stride range",
        "distance",
        ("hip",),
    ),
    MetricDefinition(
        "cadence_spm",
        "spm",
        "Steps per minute: 120 / stride time (two steps per stride).",
        "Always > 0.",
        "any",
        "stride",
        "timing",
        ("leg",),
    ),
    MetricDefinition(
        "contact_time_s",
        "s",
        "Foot strike to toe-off of the same foot.",
        "Always > 0.",
        "any",
        "stance",
        "timing",
        ("leg",),
    ),
    MetricDefinition(
        "flight_time_s",
        "s",
        "Toe-off to the other foot's strike.",
        "+ = both feet off the ground; < 0 = double support (walking).",
        "any",
        "swing",
        "timing",
        ("leg",),
    ),
    MetricDefinition(
        "duty_factor_pct",
        "pct",
        "Contact time / stride time x 100.",
        "Running < 50 %, walking > 50 %.",
        "any",
        "stride",
        "timing",
        ("leg",),
    ),
    MetricDefinition(
        "pelvic_drop_deg",
        "deg",
        "Contralateral pelvic drop: peak drop of the swing-side hip over the stance (it "
        "peaks in early stance), pelvis line vs horizontal, relative to the clip's median "
        "(neutral).",
        "+ = swing-side hip lower than neutral. Clinic rule of thumb < 5 deg.",
        "frontal",
        "foot strike to toe-off",
        "angle",
        ("hip",),
    ),
    MetricDefinition(
        "lateral_trunk_lean_deg",
        "deg",
        "Trunk line (mid-hip to mid-shoulder) vs vertical, frontal plane, mean over stance.",
        "+ = toward the stance leg.",
        "frontal",
        "stance mean",
        "angle",
        ("shoulder", "hip"),
    ),
    MetricDefinition(
        "foot_midline_offset_pct_leg",
        "pct_leg",
        "Lateral distance of the stance ankle from the mid-hip at mid-stance, % leg length.",
        "+ = foot outside the body midline on its own side; < 0 = crossover.",
        "frontal",
        "mid-stance",
        "distance",
        ("leg",),
    ),
    MetricDefinition(
        "step_width_pct_leg",
        "pct_leg",
        "Lateral distance between this stance ankle and the previous (other) stance ankle, "
        "each at mid-stance, % leg length.",
        "+ = feet apart; <= 0 = feet on or across one line (crossover gait).",
        "frontal",
        "mid-stance",
        "distance",
        ("leg",),
    ),
    MetricDefinition(
        "lumbar_arch_angle_deg",
        "deg",
        "Back contour (segmentation mask) between shoulder and hip level: angle between the "
        "upper-back tangent and the lower-back/buttock tangent, per stance median. "
        "Experimental: reads ~0.75-0.8 deg per true degree on rendered runners.",
        "+ = back hollowed (arched); larger = more arch. Compare within one runner.",
        "side",
        "stance",
        "angle",
        ("shoulder", "hip"),
    ),
    MetricDefinition(
        "lumbar_hollow_depth_pct_trunk",
        "pct_trunk",
        "Depth of the lumbar hollow of the back contour relative to the line from the "
        "upper back to the buttock's furthest point, % of trunk length, per stance median. "
        "Experimental.",
        "+ = hollow (arched back); larger = more arch.",
        "side",
        "stance",
        "distance",
        ("shoulder", "hip"),
    ),
    MetricDefinition(
        "trunk_backward_swing_deg",
        "deg",
        "Trunk lean at mid-stance (half-way from foot strike to toe-off) minus trunk lean at "
        "toe-off: the trunk's backward swing in late stance that accompanies arching the "
        "back instead of extending the hip.",
        "+ = trunk swings backward in late stance.",
        "side",
        "mid-stance to toe-off",
        "angle",
        ("shoulder", "hip"),
    ),
)

#: All metric definitions by name.
METRICS: dict[str, MetricDefinition] = {d.name: d for d in _DEFS}


# ---------------------------------------------------------------------- physical ranges
#: The range a value can take on a human runner, per metric and per per-frame angle series
#: (side prefix dropped: ``left_knee_flexion_deg`` -> ``knee_flexion_deg``). A value outside
#: is a tracking artefact (a leg read upside down, a landmark on the background), never a
#: measurement, so plots mask it. The limits are anatomical (joint ranges of motion with a
#: margin for 2D projection and sprinting), deliberately wide: they catch artefacts, they do
#: not judge form (that is the findings' bands).
PHYSICAL_RANGES: dict[str, tuple[float, float]] = {
    # Per-frame angle series (gaitlab.kinematics.angles).
    # Knee: a few degrees of hyperextension to full flexion (heel to buttock, ~160 deg).
    "knee_flexion_deg": (-15.0, 165.0),
    # Thigh vs trunk line: ~30 deg passive hip extension plus pelvic tilt in 2D; flexion up
    # to ~130 deg at a sprinter's knee lift.
    "hip_extension_deg": (-135.0, 45.0),
    "thigh_extension_deg": (-135.0, 60.0),
    "thigh_angle_deg": (-60.0, 135.0),
    # Shank vs vertical: ahead of the knee at a reaching strike, near horizontal behind it
    # when the heel comes up under the buttock in swing.
    "shank_angle_deg": (-150.0, 90.0),
    # A runner upright enough to run: leaning past these falls over.
    "trunk_lean_deg": (-45.0, 60.0),
    "lateral_trunk_lean_deg": (-40.0, 40.0),
    "pelvic_obliquity_deg": (-30.0, 30.0),
    # Per-stride metrics (METRICS) that are not one of the series above.
    "knee_flexion_strike_deg": (-15.0, 165.0),
    "knee_flexion_midstance_deg": (-15.0, 165.0),
    "shank_angle_strike_deg": (-150.0, 90.0),
    "trunk_backward_swing_deg": (-60.0, 60.0),
    "pelvic_drop_deg": (-30.0, 30.0),
    "lumbar_arch_angle_deg": (-60.0, 90.0),
    "lumbar_hollow_depth_pct_trunk": (-50.0, 50.0),
    # A foot cannot be further from the hip than the leg is long.
    "overstride_pct_leg": (-100.0, 100.0),
    "foot_midline_offset_pct_leg": (-100.0, 100.0),
    "step_width_pct_leg": (-100.0, 100.0),
    "vertical_oscillation_pct_leg": (0.0, 50.0),
    "vertical_oscillation_cm": (0.0, 50.0),
    # Slow jogging to the fastest sprinters (~290 steps/min).
    "cadence_spm": (60.0, 300.0),
    "contact_time_s": (0.0, 1.0),
    "flight_time_s": (-0.5, 1.0),
    "duty_factor_pct": (0.0, 100.0),
}


def physical_range(name: str) -> tuple[float, float] | None:
    """The physical range of a metric or angle series (``left_``/``right_`` ignored), or None.

    Parameters
    ----------
    name
        Metric name (``knee_flexion_strike_deg``) or per-frame series name
        (``left_knee_flexion_deg``).
    """
    for prefix in ("left_", "right_"):
        if name.startswith(prefix) and name.removeprefix(prefix) in PHYSICAL_RANGES:
            return PHYSICAL_RANGES[name.removeprefix(prefix)]
    return PHYSICAL_RANGES.get(name)
