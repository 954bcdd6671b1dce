"""What the kinematics stage hands on: :class:`GaitAnalysis` and its ``result.json`` block.

Built by :func:`gaitlab.kinematics.analysis.analyze_kinematics`; read by the findings, the
reports and the dashboard.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitlab.jsonsafe import to_json_ready
from gaitlab.kinematics.angles import SIGN_CONVENTIONS
from gaitlab.kinematics.camera import CameraMotion
from gaitlab.kinematics.cleaning import CleaningReport
from gaitlab.kinematics.corrections import Corrections
from gaitlab.kinematics.events import EventDetection, Stride
from gaitlab.kinematics.level import CameraLevel
from gaitlab.kinematics.metrics import MetricResult
from gaitlab.kinematics.pelvis import CueAgreement
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.kinematics.verdict import RunningVerdict
from gaitlab.kinematics.view import DirectionResult, ViewResult

#: Version of the ``kinematics`` block layout in result.json.
RESULT_FORMAT_VERSION = 1


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
    limbs_spm, bounce_spm
        Cadence from the limbs' alternation alone and from the body's bounce alone.
    check
        Half/double-cadence guard outcome (:class:`~gaitlab.kinematics.cadence.CadenceEstimate`).
    note
        What the guard found when the two did not simply agree.
    """

    cadence_spm: float
    periodicity: float
    events_cadence_spm: float
    agree: bool
    limbs_spm: float = float("nan")
    bounce_spm: float = float("nan")
    check: str = "none"
    note: str = ""


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
        Cleaned landmarks in the analysis frame (sagittal or frontal, +Y up, pixels),
        levelled by the camera's roll when ``camera_level.applied``.
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
    camera
        The camera's motion and the runner's speed against the ground, when the
        background's shift was measured (None otherwise).
    camera_level
        The camera roll read from the scene and whether the angles were levelled by it
        (None for analyses built without one).
    pelvis_cues
        Rear/front views: agreement of the waistband edge and the hips' silhouette
        (:class:`gaitlab.kinematics.pelvis.CueAgreement`); None otherwise.
    corrections
        The reviewer's edits included in the events and strides (empty: as detected).
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
    camera: CameraMotion | None = None
    camera_level: CameraLevel | None = None
    corrections: Corrections = field(default_factory=Corrections)
    pelvis_cues: CueAgreement | None = None

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
                "oblique_yaw_deg": to_json_ready(self.view.oblique_yaw_deg),
                "reason": self.view.reason,
            },
            "direction": {
                "travel": self.direction.travel,
                "direction_changes": self.direction.direction_changes,
                "drift_speed_leg_s": to_json_ready(self.direction.drift_speed_leg_s),
            },
            "treadmill": self.treadmill,
            "camera": self.camera.to_dict() if self.camera is not None else None,
            "camera_roll": None if self.camera_level is None else self.camera_level.to_dict(),
            "pelvis_cues": None if self.pelvis_cues is None else self.pelvis_cues.to_dict(),
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
            # The reviewer's edits the events above include (empty: as detected).
            "corrections": self.corrections.to_dict(),
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
