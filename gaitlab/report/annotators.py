"""Small annotator classes that draw one thing each on an RGB frame.

Every annotator is configured once and applied per frame with ``annotate(frame, data)``,
returning the frame (drawn in place). ``data`` is a :class:`FrameData`: the landmarks of that
frame in the *drawn frame's* pixels plus whatever has to be written on it (angle arcs with
their values, events, stride counts). The values come from the kinematics stage; the only
maths here is the geometry of drawing (where an arc starts and ends, where a label goes).

Left is always :data:`~gaitlab.report.style.LEFT_RGB`, right
:data:`~gaitlab.report.style.RIGHT_RGB`. Lines are antialiased (``cv2.LINE_AA``); text uses
OpenCV's Hershey font, so the degree sign is drawn as a small circle.

Faces are blurred before any drawing (:mod:`gaitlab.report.faces`, applied by the renderer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

from gaitlab.landmarks import EDGES, INDEX, LANDMARK_NAMES
from gaitlab.report.faces import FACE_POINTS
from gaitlab.report.style import (
    CONTOUR_RGB,
    LEFT_RGB,
    REFERENCE_RGB,
    RGB,
    RIGHT_RGB,
    SHADOW_RGB,
    TRUNK_RGB,
    side_rgb,
)

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_SHIFT = 4  # sub-pixel precision bits for cv2 drawing calls
_ONE = 1 << _SHIFT


# ---------------------------------------------------------------------- data per frame
@dataclass(frozen=True)
class AngleArc:
    """An angle to draw: two rays from a vertex, the arc between them and its value.

    Attributes
    ----------
    vertex_px : (2,) float
        Vertex of the angle (drawn-frame pixels).
    reference_px : (2,) float
        A point on the reference ray (e.g. straight up, or the trunk line continued).
    segment_px : (2,) float
        A point on the measured segment's ray (e.g. the knee).
    value_deg
        The value to print (from the kinematics stage); NaN prints nothing.
    label
        Short name printed before the value (``"hip ext"``).
    colour
        RGB of the arc and the label.
    """

    vertex_px: np.ndarray
    reference_px: np.ndarray
    segment_px: np.ndarray
    value_deg: float
    label: str
    colour: RGB


@dataclass(frozen=True)
class EventMark:
    """A gait event to mark at a foot.

    Attributes
    ----------
    side
        ``"left"`` or ``"right"``.
    kind
        ``"foot_strike"`` or ``"toe_off"``.
    at_px : (2,) float
        Where to draw the marker (heel for a strike, toe for a toe-off).
    current
        True on the event's own frame (drawn bold); False in the frames around it.
    """

    side: str
    kind: str
    at_px: np.ndarray
    current: bool = True


@dataclass(frozen=True)
class FrameData:
    """What the annotators draw on one frame.

    Attributes
    ----------
    index
        Frame index in the clip.
    time_s
        Capture time of the frame.
    xy_px : (33, 2) float
        Landmarks in the drawn frame's pixels; NaN = not drawn.
    visibility : (33,) float or None
        Landmark visibility; points below an annotator's threshold are not drawn.
    arcs
        Angle arcs with values.
    lines
        Straight reference lines as ``((2,), (2,), RGB)`` (e.g. the hip line, horizontal).
    contour_px : (m, 2) float or None
        Back contour polyline (side view), NaN rows are gaps.
    contour_label
        Text printed next to the contour (e.g. the stance's back-arch value).
    events
        Gait events to mark.
    stride_counts
        Completed foot strikes per side up to this frame.
    in_stance
        Per side, True while the foot is on the ground.
    caption
        One line for the top banner (e.g. ``"L foot strike"``); empty = none.
    """

    index: int
    time_s: float
    xy_px: np.ndarray
    visibility: np.ndarray | None = None
    arcs: tuple[AngleArc, ...] = ()
    lines: tuple[tuple[np.ndarray, np.ndarray, RGB], ...] = ()
    contour_px: np.ndarray | None = None
    contour_label: str = ""
    events: tuple[EventMark, ...] = ()
    stride_counts: dict[str, int] = field(default_factory=dict)
    in_stance: dict[str, bool] = field(default_factory=dict)
    caption: str = ""


class Annotator(Protocol):
    """Anything that draws on a frame."""

    def annotate(self, frame: np.ndarray, data: FrameData) -> np.ndarray:
        """Draw on ``frame`` (RGB, uint8, modified in place) and return it."""
        ...


def annotate_all(frame: np.ndarray, data: FrameData, annotators: Sequence[Annotator]) -> np.ndarray:
    """Apply ``annotators`` in order."""
    for a in annotators:
        frame = a.annotate(frame, data)
    return frame


# ---------------------------------------------------------------------- drawing helpers
def _fixed(p: np.ndarray) -> tuple[int, int]:
    return round(float(p[0]) * _ONE), round(float(p[1]) * _ONE)


def _finite(*pts: np.ndarray) -> bool:
    return all(np.all(np.isfinite(p)) for p in pts)


def _line(
    img: np.ndarray, a: np.ndarray, b: np.ndarray, colour: RGB, thickness: int, outline: bool
) -> None:
    if outline:
        cv2.line(img, _fixed(a), _fixed(b), SHADOW_RGB, thickness + 2, cv2.LINE_AA, _SHIFT)
    cv2.line(img, _fixed(a), _fixed(b), colour, thickness, cv2.LINE_AA, _SHIFT)


def _dashed(
    img: np.ndarray, a: np.ndarray, b: np.ndarray, colour: RGB, thickness: int, dash_px: float
) -> None:
    length = float(np.hypot(*(b - a)))
    if length <= 0:
        return
    n = max(1, int(length // (2 * dash_px)))
    for k in range(n + 1):
        t0 = min(1.0, 2 * k * dash_px / length)
        t1 = min(1.0, (2 * k + 1) * dash_px / length)
        if t1 > t0:
            _line(img, a + t0 * (b - a), a + t1 * (b - a), colour, thickness, False)


def text_size(text: str, scale: float, thickness: int) -> tuple[int, int]:
    """Width and height in pixels of ``text`` as :func:`put_text` draws it."""
    plain = text.replace("°", "")
    (w, h), _ = cv2.getTextSize(plain, _FONT, scale, thickness)
    deg = text.count("°") * max(3, round(6 * scale))
    return w + deg, h


def put_text(
    img: np.ndarray,
    text: str,
    org: tuple[float, float],
    colour: RGB,
    scale: float = 0.5,
    thickness: int = 1,
    outline: bool = True,
) -> None:
    """Antialiased text with a dark outline; ``°`` is drawn as a small circle.

    ``org`` is the bottom-left corner of the text, as for ``cv2.putText``.
    """
    x, y = float(org[0]), float(org[1])
    _, h = text_size(text, scale, thickness)
    parts = text.split("°")
    for i, part in enumerate(parts):
        if part:
            p = (round(x), round(y))
            if outline:
                cv2.putText(img, part, p, _FONT, scale, SHADOW_RGB, thickness + 2, cv2.LINE_AA)
            cv2.putText(img, part, p, _FONT, scale, colour, thickness, cv2.LINE_AA)
            (w, _), _ = cv2.getTextSize(part, _FONT, scale, thickness)
            x += w
        if i < len(parts) - 1:
            r = max(1.5, 2.2 * scale)
            c = np.array([x + r + 1, y - h + r])
            if outline:
                cv2.circle(
                    img, _fixed(c), int(r * _ONE), SHADOW_RGB, thickness + 2, cv2.LINE_AA, _SHIFT
                )
            cv2.circle(img, _fixed(c), int(r * _ONE), colour, thickness, cv2.LINE_AA, _SHIFT)
            x += max(3, round(6 * scale))


def _box(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, alpha: float = 0.55) -> None:
    """Darken a rectangle (a translucent label background)."""
    h, w = img.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi.astype(np.float32) * (1.0 - alpha)).astype(np.uint8)


def _scale_for(frame: np.ndarray) -> float:
    """Text scale proportional to the frame's long side (0.5 at 640 px)."""
    return max(0.35, max(frame.shape[:2]) / 1280.0)


def _fmt_deg(v: float) -> str:
    return f"{v:+.0f}°" if np.isfinite(v) else "n/a"


# ---------------------------------------------------------------------- annotators
@dataclass(frozen=True)
class SkeletonAnnotator:
    """Bones and joints, left in one colour and right in the other, the midline light grey.

    Parameters
    ----------
    thickness_px
        Bone thickness (None: from the frame size).
    min_visibility
        Landmarks with visibility below this are not drawn (nor their bones).
    draw_face
        Draw the face points (nose, eyes, ears, mouth) and the bones between them.
    """

    thickness_px: int | None = None
    min_visibility: float = 0.3
    draw_face: bool = True

    def annotate(self, frame: np.ndarray, data: FrameData) -> np.ndarray:
        """Draw the skeleton of ``data.xy_px``."""
        xy = data.xy_px
        ok = np.all(np.isfinite(xy), axis=1)
        if data.visibility is not None:
            ok &= data.visibility >= self.min_visibility
        if not self.draw_face:
            ok[list(FACE_POINTS)] = False
        t = self.thickness_px or max(2, round(max(frame.shape[:2]) / 320))
        for a, b in EDGES:
            if not (ok[a] and ok[b]):
                continue
            side = _edge_side(a, b)
            _line(frame, xy[a], xy[b], side_rgb(side), t, outline=True)
        r = round(1.2 * t * _ONE)
        for i in np.flatnonzero(ok):
            side = _point_side(int(i))
            cv2.circle(frame, _fixed(xy[i]), r + _ONE, SHADOW_RGB, -1, cv2.LINE_AA, _SHIFT)
            cv2.circle(frame, _fixed(xy[i]), r, side_rgb(side), -1, cv2.LINE_AA, _SHIFT)
        return frame


def _point_side(i: int) -> str | None:
    name = LANDMARK_NAMES[i]
    if i in FACE_POINTS:
        return None
    if name.startswith("left_"):
        return "left"
    if name.startswith("right_"):
        return "right"
    return None


def _edge_side(a: int, b: int) -> str | None:
    sa, sb = _point_side(a), _point_side(b)
    return sa if sa == sb else None


@dataclass(frozen=True)
class AngleArcAnnotator:
    """Joint-angle arcs: both rays, the arc between them and ``label value°`` beside it.

    Parameters
    ----------
    radius_px
        Arc radius (None: 40 % of the shorter ray, at least 2 % of the frame's long side).
    """

    radius_px: float | None = None

    def annotate(self, frame: np.ndarray, data: FrameData) -> np.ndarray:
        """Draw every arc of ``data.arcs``."""
        scale = _scale_for(frame)
        for arc in data.arcs:
            v, ref, seg = arc.vertex_px, arc.reference_px, arc.segment_px
            if not _finite(v, ref, seg):
                continue
            d_ref, d_seg = ref - v, seg - v
            if np.hypot(*d_ref) < 1e-6 or np.hypot(*d_seg) < 1e-6:
                continue
            # Rays: the reference dashed, the segment solid, both at least the arc's length.
            u_ref = d_ref / np.hypot(*d_ref)
            u_seg = d_seg / np.hypot(*d_seg)
            radius = self.radius_px or max(
                0.4 * min(np.hypot(*d_ref), np.hypot(*d_seg)), 0.02 * max(frame.shape[:2])
            )
            _dashed(frame, v, v + 1.6 * radius * u_ref, REFERENCE_RGB, 1, 4.0)
            _line(
                frame,
                v,
                v + max(1.6 * radius, float(np.hypot(*d_seg))) * u_seg,
                arc.colour,
                1,
                False,
            )
            # Image angles (y down): cv2.ellipse sweeps from start to end, clockwise on screen.
            a0 = float(np.degrees(np.arctan2(u_ref[1], u_ref[0])))
            a1 = float(np.degrees(np.arctan2(u_seg[1], u_seg[0])))
            sweep = (a1 - a0 + 180.0) % 360.0 - 180.0  # shorter way round
            start, end = (a0, a0 + sweep) if sweep >= 0 else (a0 + sweep, a0)
            axes = (round(radius * _ONE), round(radius * _ONE))
            cv2.ellipse(frame, _fixed(v), axes, 0.0, start, end, SHADOW_RGB, 4, cv2.LINE_AA, _SHIFT)
            cv2.ellipse(frame, _fixed(v), axes, 0.0, start, end, arc.colour, 2, cv2.LINE_AA, _SHIFT)
            if not np.isfinite(arc.value_deg):
                continue
            mid_a = np.radians(0.5 * (start + end))
            label_at = v + 1.25 * radius * np.array([np.cos(mid_a), np.sin(mid_a)])
            text = f"{arc.label} {_fmt_deg(arc.value_deg)}".strip()
            w, h = text_size(text, scale, 1)
            x = float(label_at[0]) - (w if np.cos(mid_a) < 0 else 0)
            y = float(label_at[1]) + h / 2
            x = min(max(2.0, x), frame.shape[1] - w - 2.0)
            y = min(max(h + 2.0, y), frame.shape[0] - 2.0)
            put_text(frame, text, (x, y), arc.colour, scale, 1)
        return frame


@dataclass(frozen=True)
class ReferenceLineAnnotator:
    """Straight reference lines of ``data.lines`` (hip line, horizontal), dashed if grey."""

    def annotate(self, frame: np.ndarray, data: FrameData) -> np.ndarray:
        """Draw every line of ``data.lines``."""
        for a, b, colour in data.lines:
            if not _finite(a, b):
                continue
            if colour == REFERENCE_RGB:
                _dashed(frame, a, b, colour, 1, 5.0)
            else:
                _line(frame, a, b, colour, 2, outline=True)
        return frame


@dataclass(frozen=True)
class BackContourAnnotator:
    """The back contour (side view, lumbar arch) as a polyline with its label."""

    thickness_px: int = 2

    def annotate(self, frame: np.ndarray, data: FrameData) -> np.ndarray:
        """Draw ``data.contour_px`` (NaN rows break the line)."""
        c = data.contour_px
        if c is None or len(c) < 2:
            return frame
        ok = np.all(np.isfinite(c), axis=1)
        for i in range(len(c) - 1):
            if ok[i] and ok[i + 1]:
                _line(frame, c[i], c[i + 1], CONTOUR_RGB, self.thickness_px, outline=True)
        if data.contour_label and ok.any():
            scale = _scale_for(frame)
            p = c[np.flatnonzero(ok)[len(np.flatnonzero(ok)) // 2]]
            w, h = text_size(data.contour_label, scale, 1)
            x = min(max(2.0, float(p[0]) + 8), frame.shape[1] - w - 2.0)
            put_text(frame, data.contour_label, (x, float(p[1]) + h / 2), CONTOUR_RGB, scale, 1)
        return frame


@dataclass(frozen=True)
class EventAnnotator:
    """Gait events: a ring at the heel (strike) or toe (toe-off) and a short tag."""

    def annotate(self, frame: np.ndarray, data: FrameData) -> np.ndarray:
        """Draw every event of ``data.events``."""
        scale = _scale_for(frame)
        r = max(6.0, 0.018 * max(frame.shape[:2]))
        for e in data.events:
            if not _finite(e.at_px):
                continue
            colour = side_rgb(e.side)
            th = 3 if e.current else 1
            cv2.circle(
                frame, _fixed(e.at_px), int(r * _ONE), SHADOW_RGB, th + 2, cv2.LINE_AA, _SHIFT
            )
            cv2.circle(frame, _fixed(e.at_px), int(r * _ONE), colour, th, cv2.LINE_AA, _SHIFT)
            if e.current:
                tag = f"{e.side[0].upper()} {'strike' if e.kind == 'foot_strike' else 'toe-off'}"
                put_text(
                    frame, tag, (float(e.at_px[0]) + r + 3, float(e.at_px[1]) + r), colour, scale, 1
                )
        return frame


@dataclass(frozen=True)
class StrideCounterAnnotator:
    """A panel in the top-left corner: time, foot strikes per side and which foot is down."""

    def annotate(self, frame: np.ndarray, data: FrameData) -> np.ndarray:
        """Draw the panel (and ``data.caption`` under it)."""
        scale = _scale_for(frame)
        _, h = text_size("Ag", scale, 1)
        pad = max(4, round(h * 0.5))
        lines: list[tuple[str, RGB]] = [
            (f"t {data.time_s:6.2f} s  frame {data.index}", (255, 255, 255))
        ]
        for side, colour in (("left", LEFT_RGB), ("right", RIGHT_RGB)):
            n = data.stride_counts.get(side, 0)
            down = "  stance" if data.in_stance.get(side, False) else ""
            lines.append((f"{side[0].upper()} strikes {n}{down}", colour))
        if data.caption:
            lines.append((data.caption, (255, 255, 255)))
        width = max(text_size(t, scale, 1)[0] for t, _ in lines)
        line_h = h + pad
        _box(frame, 0, 0, width + 2 * pad, pad + line_h * len(lines))
        for k, (text, colour) in enumerate(lines):
            put_text(frame, text, (pad, pad + h + k * line_h), colour, scale, 1, outline=False)
        return frame


def default_annotators(blur_faces: bool = False) -> list[Annotator]:
    """The annotators of the annotated video and key frames, in drawing order.

    With ``blur_faces`` the skeleton leaves out the face points: dots at the eyes, nose and
    mouth over a blurred head would draw a face again. The blur itself is applied to the
    frame before any drawing (:mod:`gaitlab.report.faces`).
    """
    return [
        ReferenceLineAnnotator(),
        BackContourAnnotator(),
        SkeletonAnnotator(draw_face=not blur_faces),
        AngleArcAnnotator(),
        EventAnnotator(),
        StrideCounterAnnotator(),
    ]


# ---------------------------------------------------------------------- arcs by view
def _pt(xy: np.ndarray, name: str) -> np.ndarray:
    return xy[INDEX[name]]


def _mid(xy: np.ndarray, part: str) -> np.ndarray:
    return 0.5 * (_pt(xy, f"left_{part}") + _pt(xy, f"right_{part}"))


def side_view_arcs(
    xy_px: np.ndarray, angles: dict[str, float], sides: Sequence[str] = ("left", "right")
) -> tuple[AngleArc, ...]:
    """Arcs of the side view: trunk lean at the mid-hip and hip extension per side.

    Parameters
    ----------
    xy_px : (33, 2) float
        Landmarks of the frame (drawn pixels).
    angles
        This frame's values: ``trunk_lean_deg``, ``{side}_hip_extension_deg``.
    sides
        Legs whose hip extension is drawn.

    Notes
    -----
    Trunk lean: vertex mid-hip, reference straight up, segment the mid-shoulder. Hip
    extension: vertex the hip, reference the trunk line continued downward (direction
    mid-shoulder -> mid-hip), segment the knee, matching
    :func:`gaitlab.kinematics.angles.hip_extension_deg`.
    """
    hip_mid, sh_mid = _mid(xy_px, "hip"), _mid(xy_px, "shoulder")
    trunk = float(np.hypot(*(sh_mid - hip_mid))) if _finite(hip_mid, sh_mid) else float("nan")
    arcs: list[AngleArc] = []
    if np.isfinite(trunk) and trunk > 0:
        arcs.append(
            AngleArc(
                hip_mid,
                hip_mid + np.array([0.0, -trunk]),
                sh_mid,
                angles.get("trunk_lean_deg", float("nan")),
                "trunk",
                TRUNK_RGB,
            )
        )
        down = (hip_mid - sh_mid) / trunk
        for side in sides:
            hip, knee = _pt(xy_px, f"{side}_hip"), _pt(xy_px, f"{side}_knee")
            arcs.append(
                AngleArc(
                    hip,
                    hip + down * trunk,
                    knee,
                    angles.get(f"{side}_hip_extension_deg", float("nan")),
                    "hip ext",
                    side_rgb(side),
                )
            )
    return tuple(arcs)


def rear_view_overlays(
    xy_px: np.ndarray, angles: dict[str, float]
) -> tuple[tuple[AngleArc, ...], tuple[tuple[np.ndarray, np.ndarray, RGB], ...]]:
    """Rear/front view: the hip line against the horizontal, and lateral trunk lean.

    Parameters
    ----------
    xy_px : (33, 2) float
        Landmarks of the frame (drawn pixels).
    angles
        This frame's values: ``pelvic_obliquity_deg`` (+ = left hip higher) and
        ``lateral_trunk_lean_deg``.

    Returns
    -------
    arcs, lines
        The pelvis arc at the mid-hip (horizontal vs hip line) and the trunk arc; the hip
        line extended past both hips and a dashed horizontal through the mid-hip.
    """
    lh, rh = _pt(xy_px, "left_hip"), _pt(xy_px, "right_hip")
    hip_mid, sh_mid = _mid(xy_px, "hip"), _mid(xy_px, "shoulder")
    if not _finite(lh, rh, hip_mid):
        return (), ()
    half = 0.5 * float(np.hypot(*(lh - rh)))
    if half <= 0:
        return (), ()
    u = (lh - rh) / (2 * half)
    ext = 1.8 * half
    lines = (
        (hip_mid - u * ext, hip_mid + u * ext, TRUNK_RGB),
        (hip_mid - np.array([ext, 0.0]), hip_mid + np.array([ext, 0.0]), REFERENCE_RGB),
    )
    # The reference ray points the same way (image-left or -right) as the left hip.
    ref = hip_mid + np.array([np.sign(u[0]) or 1.0, 0.0]) * ext
    arcs = [
        AngleArc(
            hip_mid,
            ref,
            hip_mid + u * ext,
            angles.get("pelvic_obliquity_deg", float("nan")),
            "pelvis",
            TRUNK_RGB,
        ),
    ]
    if _finite(sh_mid):
        trunk = float(np.hypot(*(sh_mid - hip_mid)))
        if trunk > 0:
            arcs.append(
                AngleArc(
                    hip_mid,
                    hip_mid + np.array([0.0, -trunk]),
                    sh_mid,
                    angles.get("lateral_trunk_lean_deg", float("nan")),
                    "trunk",
                    (255, 255, 255),
                )
            )
    return tuple(arcs), lines
