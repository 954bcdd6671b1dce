"""From :class:`~gaitlab.report.data.ReportData` to what is drawn on each frame.

:class:`FrameOverlays` prepares the per-clip lookups once (event times, stance intervals,
stride counts) and then builds a :class:`~gaitlab.report.annotators.FrameData` for any frame,
scaled to the size the frame is drawn at. :func:`keyframe_specs` chooses the key frames:
foot strike, mid-stance and toe-off of one representative stride per side, and each finding
at its worst stride.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitlab.landmarks import INDEX
from gaitlab.report.annotators import (
    EventMark,
    FrameData,
    rear_view_overlays,
    side_view_arcs,
)
from gaitlab.report.data import ReportData, ReportFinding
from gaitlab.result import Stride, unit_suffix

#: Events are ringed for this long around their time (thin), bold on their own frame.
EVENT_HALO_S = 0.06

#: Metrics where a *lower* value is the worse one (limited extension, low cadence).
LOWER_IS_WORSE: frozenset[str] = frozenset(
    {"hip_extension_deg", "thigh_extension_deg", "cadence_spm"}
)

SIDE_LETTER = {"left": "L", "right": "R"}


def nearest_frame(time_s: np.ndarray, t: float) -> int:
    """Index of the frame whose time is nearest to ``t``."""
    i = int(np.searchsorted(time_s, t))
    if i <= 0:
        return 0
    if i >= len(time_s):
        return len(time_s) - 1
    return i if time_s[i] - t < t - time_s[i - 1] else i - 1


@dataclass(frozen=True)
class KeyFrameSpec:
    """A key frame to save.

    Attributes
    ----------
    name
        File stem (``keyframe_left_toe_off``).
    frame
        Frame index.
    title
        Caption drawn on the frame and shown in the reports.
    sides
        Legs whose hip-extension arc is drawn (side view).
    finding_id
        The finding shown, if any.
    """

    name: str
    frame: int
    title: str
    sides: tuple[str, ...]
    finding_id: str = ""


class FrameOverlays:
    """Builds the overlay data of each frame of one clip.

    Parameters
    ----------
    data
        The clip's report data.
    """

    def __init__(self, data: ReportData) -> None:
        self.data = data
        self.time_s = data.time_s
        self._events = data.events
        self._strike_frames = {
            side: np.array(
                [e.frame for e in self._events if e.side == side and e.kind == "foot_strike"],
                dtype=int,
            )
            for side in ("left", "right")
        }
        self._stances = {
            side: [
                (s.foot_strike_s, s.toe_off_s)
                for s in data.strides
                if s.side == side and s.toe_off_s is not None
            ]
            for side in ("left", "right")
        }
        self._arch_by_stance = self._stance_values("lumbar_arch_angle_deg")
        masks = data.series.masks
        self._contours = masks is not None and data.is_side and data.facing is not None

    def _stance_values(self, metric: str) -> dict[tuple[str, float], float]:
        block = self.data.metrics.get(metric)
        out = {}
        for v in block.values if block is not None else ():
            if v.value is not None:
                out[(v.side, round(float(v.time_s), 6))] = float(v.value)
        return out

    # ------------------------------------------------------------ per-frame state
    def in_stance(self, t: float) -> dict[str, bool]:
        """Per side, whether ``t`` falls between a foot strike and its toe-off."""
        return {
            side: any(fs <= t <= to for fs, to in spans) for side, spans in self._stances.items()
        }

    def stride_counts(self, frame: int) -> dict[str, int]:
        """Foot strikes per side up to and including ``frame``."""
        return {side: int(np.sum(f <= frame)) for side, f in self._strike_frames.items()}

    def _stance_of(self, side: str, t: float) -> tuple[float, float] | None:
        for fs, to in self._stances[side]:
            if fs <= t <= to:
                return fs, to
        return None

    def active_side(self, t: float) -> str | None:
        """The leg whose hip extension matters now: in stance, else the last to leave it."""
        best, best_t = None, -np.inf
        for side, spans in self._stances.items():
            for fs, to in spans:
                if fs <= t <= to:
                    return side
                if to <= t and to > best_t:
                    best, best_t = side, to
        return best

    # ------------------------------------------------------------ build
    def frame_data(
        self,
        i: int,
        scale: float = 1.0,
        *,
        sides: tuple[str, ...] | None = None,
        caption: str | None = None,
    ) -> FrameData:
        """Overlay data of frame ``i`` for a frame drawn at ``scale`` times the clip's size.

        Parameters
        ----------
        i
            Frame index.
        scale
            Drawn size / clip size.
        sides
            Legs whose hip-extension arc is drawn (side view); default: the active leg.
        caption
            Banner text; default: the events on this frame.
        """
        d = self.data
        t = float(self.time_s[i])
        xy = d.landmarks_px[i] * scale
        vis = d.series.visibility[i]
        angles = {k: float(v[i]) for k, v in d.angles.items()}
        arcs: tuple = ()
        lines: tuple = ()
        if d.is_side:
            if sides is None:
                active = self.active_side(t)
                sides = (active,) if active else ()
            arcs = side_view_arcs(xy, angles, sides)
        elif d.is_frontal:
            arcs, lines = rear_view_overlays(xy, angles)
        events = []
        tags = []
        for e in self._events:
            dt = abs(e.time_s - t)
            if dt > EVENT_HALO_S:
                continue
            current = e.frame == i
            part = "heel" if e.kind == "foot_strike" else "foot_index"
            at = d.landmarks_px[i, INDEX[f"{e.side}_{part}"]] * scale
            events.append(EventMark(e.side, e.kind, at, current))
            if current:
                kind = "foot strike" if e.kind == "foot_strike" else "toe-off"
                tags.append(f"{SIDE_LETTER[e.side]} {kind}{' (inferred)' if e.inferred else ''}")
        contour, label = self._contour(i, t, scale)
        return FrameData(
            index=i,
            time_s=t,
            xy_px=xy,
            visibility=vis,
            arcs=arcs,
            lines=lines,
            contour_px=contour,
            contour_label=label,
            events=tuple(events),
            stride_counts=self.stride_counts(i),
            in_stance=self.in_stance(t),
            caption=", ".join(tags) if caption is None else caption,
        )

    def _contour(self, i: int, t: float, scale: float) -> tuple[np.ndarray | None, str]:
        """Back contour of frame ``i`` in drawn pixels, with the stance's arch value."""
        if not self._contours:
            return None, ""
        from gaitlab.kinematics.lumbar import back_contour

        d = self.data
        m = d.series.masks
        assert m is not None and d.facing is not None
        facing = d.facing[i]
        xy = d.landmarks_px[i]
        sh = 0.5 * (xy[INDEX["left_shoulder"]] + xy[INDEX["right_shoulder"]])
        hip = 0.5 * (xy[INDEX["left_hip"]] + xy[INDEX["right_hip"]])
        if not (
            np.isfinite(facing)
            and np.isfinite(m.scale[i])
            and np.isfinite(sh).all()
            and np.isfinite(hip).all()
        ):
            return None, ""
        to_crop = lambda p: (p - m.origin_px[i]) * m.scale[i]  # noqa: E731
        c = back_contour(m.prob[i], to_crop(sh), to_crop(hip), float(facing))
        crop_xy = np.stack([c.forward * facing, c.row], axis=-1)
        contour = m.to_image_px(i, crop_xy) * scale
        label = "back"
        for side in ("left", "right"):
            span = self._stance_of(side, t)
            if span is not None:
                v = self._arch_by_stance.get((side, round(span[0], 6)))
                if v is not None:
                    label = f"back arch {v:+.0f}° ({SIDE_LETTER[side]} stance)"
        return contour, label


# ---------------------------------------------------------------------- key frames
def _representative_stride(data: ReportData, side: str) -> Stride | None:
    """The middle stride of one side in time, preferring strides not inferred."""
    strides = [s for s in data.strides if s.side == side and s.toe_off_s is not None]
    seen = [s for s in strides if not s.inferred]
    pool = seen or strides
    return pool[len(pool) // 2] if pool else None


def keyframe_specs(data: ReportData) -> list[KeyFrameSpec]:
    """Key frames: strike / mid-stance / toe-off per side, and each finding at its worst."""
    t = data.time_s
    specs: list[KeyFrameSpec] = []
    for side in ("left", "right"):
        s = _representative_stride(data, side)
        if s is None:
            continue
        # The representative stride has a toe-off (strides without one are not picked).
        fs = float(s.foot_strike_s)
        to = float(s.toe_off_s) if s.toe_off_s is not None else fs
        for name, when, label in (
            ("foot_strike", fs, "foot strike"),
            ("midstance", 0.5 * (fs + to), "mid-stance"),
            ("toe_off", to, "toe-off"),
        ):
            specs.append(
                KeyFrameSpec(
                    f"keyframe_{side}_{name}",
                    nearest_frame(t, when),
                    f"{side.capitalize()} {label} ({when:.2f} s)",
                    (side,),
                )
            )
    for k, f in enumerate(data.findings.findings):
        moment = worst_moment(data, f)
        if moment is None:
            continue
        when, stride_value = moment
        side_txt = f" ({f.side})" if f.side else ""
        value = f": {stride_value:.1f}{unit_suffix(f.unit)}" if stride_value is not None else ""
        specs.append(
            KeyFrameSpec(
                f"finding_{k + 1:02d}_{_slug(f.id or f.title)}",
                nearest_frame(t, when),
                f"{f.title}{side_txt}{value} at {when:.2f} s",
                (f.side,) if f.side else ("left", "right"),
                f.id,
            )
        )
    return specs


def _slug(text: str) -> str:
    s = "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")
    while "__" in s:
        s = s.replace("__", "_")
    return s[:40] or "finding"


def worst_moment(data: ReportData, finding: ReportFinding) -> tuple[float, float | None] | None:
    """When the finding shows most, and that stride's value (None if not known).

    The finding's first key time when it gives one, else its metric's worst stride: the
    worst stride is the lowest value for :data:`LOWER_IS_WORSE` metrics or a negative
    finding value, else the highest, among the finding's side's strides. The time is the
    one the kinematics read that value at (``at_s``: the event, the peak, or the interval's
    middle), or the stride's foot strike for results saved without it.
    """
    if finding.key_times_s:
        return float(finding.key_times_s[0]), None
    block = data.metrics.get(finding.metric)
    values = [
        (v, float(v.value)) for v in (block.values if block is not None else ())
        if v.value is not None and (finding.side is None or v.side == finding.side)
    ]  # fmt: skip
    if not values:
        return None
    low = finding.metric in LOWER_IS_WORSE or (np.isfinite(finding.value) and finding.value < 0)
    pick, value = (min if low else max)(values, key=lambda pair: pair[1])
    return float(pick.time_s if pick.at_s is None else pick.at_s), value
