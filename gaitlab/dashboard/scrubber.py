"""The physio's frame scrubber: one annotated frame, decoded on demand, and its angles.

A slider moves over frame indices; each move decodes just that frame (PyAV seeks to the
key frame before it and decodes forward), scales it down and draws the same overlays as the
annotated video (:mod:`gaitlab.report.annotators` via
:class:`~gaitlab.report.frames.FrameOverlays`). Nothing is cached per frame, so memory
does not grow with clip length; one frame at 960x540 takes tens of milliseconds.

Frame ``i`` here is frame ``i`` of :func:`gaitlab.io.video.iter_frames` (the pose series'
index): the decoded frame whose capture time is nearest ``time_s[i]``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from gaitlab.io.sampling import read_frame
from gaitlab.io.video import fit_size
from gaitlab.report.annotators import Annotator, annotate_all, default_annotators
from gaitlab.report.data import ReportData
from gaitlab.report.frames import FrameOverlays
from gaitlab.report.render import MAX_SIDE_PX

#: Readable names of the per-frame angle series (``GaitAnalysis.angle_series`` keys).
ANGLE_LABELS: dict[str, str] = {
    "trunk_lean_deg": "Trunk lean",
    "hip_extension_deg": "Hip extension",
    "thigh_extension_deg": "Thigh extension",
    "thigh_angle_deg": "Thigh angle",
    "knee_flexion_deg": "Knee flexion",
    "shank_angle_deg": "Shank angle",
    "pelvic_obliquity_deg": "Pelvic obliquity",
    "pelvic_tilt_deg": "Pelvic tilt",
    "lateral_trunk_lean_deg": "Lateral trunk lean",
}


@dataclass
class FrameRenderer:
    """Draws any frame of an analysed clip with the report's overlays.

    Parameters
    ----------
    data
        The clip's report data (live or reloaded from a result folder).
    clip_path
        Where the clip is now, if not at the path recorded in the pose series.
    max_side_px
        Long side of the drawn frame.
    """

    data: ReportData
    clip_path: str | Path | None = None
    max_side_px: int = MAX_SIDE_PX

    def __post_init__(self) -> None:
        info = self.data.series.video
        if self.clip_path is not None:
            info = replace(info, path=str(self.clip_path))
        self._info = info
        self._overlays = FrameOverlays(self.data)
        self._annotators: list[Annotator] = default_annotators()
        self._w, self._h, self._scale = fit_size(info.width_px, info.height_px, self.max_side_px)

    @property
    def n_frames(self) -> int:
        """Frames in the pose series (valid indices are ``0 .. n_frames - 1``)."""
        return self.data.series.n_frames

    def render(self, index: int) -> np.ndarray:
        """The annotated RGB frame ``index`` (long side at most ``max_side_px``).

        Raises
        ------
        IndexError
            When ``index`` is outside the series.
        UnreadableVideo
            When the clip cannot be decoded.
        """
        if not 0 <= index < self.n_frames:
            raise IndexError(f"frame {index} outside 0..{self.n_frames - 1}")
        rgb = read_frame(self._info, float(self.data.time_s[index]))
        small = cv2.resize(rgb, (self._w, self._h), interpolation=cv2.INTER_AREA)
        fd = self._overlays.frame_data(index, self._scale)
        return annotate_all(small, fd, self._annotators)


@dataclass(frozen=True)
class AngleReading:
    """One angle at one instant.

    Attributes
    ----------
    name
        Series name (``left_hip_extension_deg``).
    label
        Readable name (``Hip extension (left)``).
    value_deg
        Value in degrees; NaN when not measurable in this frame.
    """

    name: str
    label: str
    value_deg: float


def angle_label(name: str) -> str:
    """``left_hip_extension_deg`` -> ``Hip extension (left)``."""
    side = ""
    base = name
    for s in ("left", "right"):
        if name.startswith(f"{s}_"):
            side, base = s, name[len(s) + 1 :]
    label = ANGLE_LABELS.get(base, base.removesuffix("_deg").replace("_", " ").capitalize())
    return f"{label} ({side})" if side else label


def angles_at(data: ReportData, index: int) -> list[AngleReading]:
    """The per-frame angles of frame ``index``, unilateral first, then left before right."""
    order = {"": 0, "left": 1, "right": 2}

    def key(name: str) -> tuple[str, int]:
        side = name.split("_", 1)[0] if name.startswith(("left_", "right_")) else ""
        base = name[len(side) + 1 :] if side else name
        return (f"{0 if not side else 1}{base}", order[side])

    return [
        AngleReading(name, angle_label(name), float(data.angles[name][index]))
        for name in sorted(data.angles, key=key)
    ]


def phase_at(data: ReportData, index: int) -> dict[str, str]:
    """Per side, ``stance`` or ``swing`` at frame ``index`` (from the result's strides)."""
    t = float(data.time_s[index])
    stance = FrameOverlays(data).in_stance(t)
    return {side: "stance" if on else "swing" for side, on in stance.items()}
