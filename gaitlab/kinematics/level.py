"""Whether, and by how much, to level the landmarks for the camera's roll.

The pose stage reads the camera's roll from the scene (:class:`gaitlab.series.CameraRoll`).
Here that reading becomes a decision: the landmarks are levelled (rotated by ``-roll``
about the frame's centre) only when the roll is known to within
``KinematicsSettings.level_max_uncertainty_deg``. Levelling with a wrong roll would tilt
every angle against the vertical (trunk lean, lateral lean, the shank at foot strike) by
the error, so an uncertain reading is reported, not applied. What remains unknown is
handed to the findings as a bound (:attr:`CameraLevel.residual_roll_max_deg`): a rule on
an angle against the vertical needs it (docs/metrics.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gaitlab.jsonsafe import rounded_or_none
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.series import PoseSeries

#: Standard errors the residual-roll bound spans (about 95 % for a normal error).
BOUND_SIGMAS = 2.0


@dataclass(frozen=True)
class CameraLevel:
    """The camera roll used (or not) to level the landmarks of one clip.

    Attributes
    ----------
    applied
        Whether the angles were taken on levelled landmarks.
    roll_deg
        The roll read from the scene (+ = the image-right end of a level line is lower);
        NaN when none was read.
    uncertainty_deg
        Its standard error; NaN with it.
    centre_px
        Centre of the rotation (the frame's centre).
    reason
        Why the roll was not applied, or "" when it was.
    """

    applied: bool
    roll_deg: float
    uncertainty_deg: float
    centre_px: tuple[float, float]
    reason: str = ""

    @property
    def residual_roll_max_deg(self) -> float:
        """A bound on the roll left in the levelled angles; NaN when not levelled."""
        return BOUND_SIGMAS * self.uncertainty_deg if self.applied else math.nan

    def to_dict(self) -> dict[str, Any]:
        """The ``kinematics.camera_roll`` block of result.json."""
        return {
            "applied": self.applied,
            "roll_deg": rounded_or_none(self.roll_deg),
            "uncertainty_deg": rounded_or_none(self.uncertainty_deg),
            "residual_roll_max_deg": rounded_or_none(self.residual_roll_max_deg),
            "reason": self.reason,
        }


def camera_level(series: PoseSeries, settings: KinematicsSettings) -> CameraLevel:
    """Decide whether to level a clip's landmarks by the roll its pose stage read.

    Parameters
    ----------
    series
        Landmarks, with ``camera_roll`` when the pose stage measured it.
    settings
        ``level_max_uncertainty_deg``: the least certainty that is applied.

    Returns
    -------
    CameraLevel
    """
    centre = (0.5 * series.video.width_px, 0.5 * series.video.height_px)
    roll = series.camera_roll
    if roll is None:
        return CameraLevel(False, math.nan, math.nan, centre, "the camera's roll was not measured")
    if not roll.found:
        return CameraLevel(False, math.nan, math.nan, centre, roll.reason)
    if not roll.uncertainty_deg <= settings.level_max_uncertainty_deg:
        return CameraLevel(
            False,
            roll.roll_deg,
            roll.uncertainty_deg,
            centre,
            f"the scene's lines disagree (roll {roll.roll_deg:+.1f} +- "
            f"{roll.uncertainty_deg:.1f} deg; levelling needs +- "
            f"{settings.level_max_uncertainty_deg:.1f})",
        )
    return CameraLevel(True, roll.roll_deg, roll.uncertainty_deg, centre)
