"""Face blur of every exported frame (``--blur-faces``): where the faces are, and the blur.

One code path serves the annotated video, the key frames and the finding images (all drawn
by :func:`gaitlab.report.render.render_clip`, and embedded from there into the HTML and
PDF reports):

1. **Boxes per frame**: every box of the face detector
   (:class:`gaitlab.pose.faces.MediaPipeFaceDetector`, whole frame plus tiles), plus a box
   around the followed runner's face landmarks (nose, eyes, ears, mouth) when the frame has
   them. A frame without runner landmarks still gets the detector's boxes.
2. **United over neighbouring frames**: a frame is blurred with the boxes of every frame
   within ``window_frames`` of it (:func:`blur_boxes_stream`). A face the detector misses
   in one frame (motion blur, a turned head, the tile phase) is covered by its boxes a few
   frames away; faces move little in 0.1 s.
3. **Blur**: each box is grown by ``margin`` on every side (a detector box covers brows
   to chin; the head is larger), then pixelated to at most ``cells`` blocks along its
   longer side and smoothed (:func:`pixelate_boxes`). The result holds 5x5 colours per
   head: nothing of the face can be recovered from it.

Detection is the costly part; see ``docs/privacy.md`` for the measured cost and limits.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar

import cv2
import numpy as np

#: Face landmarks (nose, eyes, ears, mouth): indices 0-10 in MediaPipe's topology.
FACE_POINTS: tuple[int, ...] = tuple(range(11))


@dataclass(frozen=True)
class FaceBlurSettings:
    """How much around a face is blurred, and how strongly.

    Attributes
    ----------
    window_frames
        A frame is blurred with the boxes of the frames up to this many before and after it
        (4 = +-0.13 s at 30 fps).
    margin
        Each detector box grows by this fraction of its side on every side.
    landmark_half_size
        Half-width of the runner's landmark box as a multiple of the face landmarks' spread
        (the ears are about as far apart as the head is wide: 1.0 would just reach them).
    min_half_frac
        Smallest half-width of the runner's landmark box, as a fraction of the frame's long
        side (when the landmarks bunch up, e.g. a face seen from the side).
    cells
        Pixelation: the box keeps at most this many blocks along its longer side.
    """

    window_frames: int = 4
    margin: float = 0.4
    landmark_half_size: float = 1.6
    min_half_frac: float = 0.02
    cells: int = 5

    def __post_init__(self) -> None:
        if self.window_frames < 0:
            raise ValueError(f"window_frames must be >= 0, got {self.window_frames}")
        if self.cells < 1:
            raise ValueError(f"cells must be >= 1, got {self.cells}")
        if self.margin < 0 or self.landmark_half_size <= 0 or self.min_half_frac < 0:
            raise ValueError("margin, landmark_half_size and min_half_frac must be positive")


class FaceBoxDetector(Protocol):
    """Anything that returns face boxes ``(n, >=4)``: ``x0, y0, x1, y1`` in pixels."""

    def detect(self, rgb: np.ndarray, phase: int | None = 0) -> np.ndarray:
        """Face boxes of one frame (``phase``: a frame counter, or None for a full search)."""
        ...


def landmark_face_box(
    xy_px: np.ndarray,
    frame_shape: tuple[int, ...],
    settings: FaceBlurSettings | None = None,
) -> np.ndarray | None:
    """A box around the face landmarks of one person.

    Parameters
    ----------
    xy_px : (33, 2) float
        Landmarks in the frame's pixels; NaN = missing.
    frame_shape
        ``(height, width, ...)`` of the frame.
    settings
        Box size rules.

    Returns
    -------
    (4,) float or None
        ``x0, y0, x1, y1`` (1.2 times taller than wide: chin and hair), or None when no face
        landmark is finite.
    """
    # Every finite face point counts, whatever its visibility: a face turned away still
    # has to be covered where MediaPipe puts it.
    s = settings or FaceBlurSettings()
    pts = np.asarray(xy_px, dtype=float)[list(FACE_POINTS)]
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts) == 0:
        return None
    centre = pts.mean(axis=0)
    spread = float(np.max(np.ptp(pts, axis=0))) if len(pts) > 1 else 0.0
    half = max(s.landmark_half_size * spread, s.min_half_frac * max(frame_shape[:2]))
    return np.array(
        [centre[0] - half, centre[1] - 1.2 * half, centre[0] + half, centre[1] + 1.2 * half]
    )


def grow_boxes(boxes: np.ndarray, margin: float) -> np.ndarray:
    """Boxes grown by ``margin`` times their width (height) on the left and right (top and bottom).

    Parameters
    ----------
    boxes : (n, >=4) float
        ``x0, y0, x1, y1`` first; extra columns (a score) are dropped.
    margin
        Fraction of the box's own side added on each side.

    Returns
    -------
    (n, 4) float
    """
    b = np.asarray(boxes, dtype=float)
    if b.size == 0:
        return np.zeros((0, 4))
    b = b.reshape(len(b), -1)[:, :4]
    w = (b[:, 2] - b[:, 0])[:, None]
    h = (b[:, 3] - b[:, 1])[:, None]
    return b + np.hstack([-margin * w, -margin * h, margin * w, margin * h])


def pixelate_boxes(frame: np.ndarray, boxes: np.ndarray, cells: int = 5) -> np.ndarray:
    """Pixelate and smooth each box of ``frame`` (in place): an irreversible blur.

    Each box (clipped to the frame) is averaged down to at most ``cells`` blocks along its
    longer side (area averaging), then scaled back up bilinearly, so only ``cells`` x
    ``cells`` colours of the head remain and no block edge is left for a detector to read.

    Parameters
    ----------
    frame : (h, w, 3) uint8
        The frame, modified in place.
    boxes : (n, 4) float
        ``x0, y0, x1, y1`` in pixels; outside parts are clipped, empty boxes skipped.
    cells
        Blocks along the box's longer side.

    Returns
    -------
    np.ndarray
        ``frame``.
    """
    h, w = frame.shape[:2]
    for x0, y0, x1, y1 in np.asarray(boxes, dtype=float).reshape(-1, 4):
        if not np.all(np.isfinite((x0, y0, x1, y1))):
            continue
        xa, xb = max(0, int(np.floor(x0))), min(w, int(np.ceil(x1)))
        ya, yb = max(0, int(np.floor(y0))), min(h, int(np.ceil(y1)))
        if xb - xa < 2 or yb - ya < 2:
            continue
        roi = frame[ya:yb, xa:xb]
        bw, bh = xb - xa, yb - ya
        scale = cells / max(bw, bh)
        small = cv2.resize(
            roi,
            (max(1, round(bw * scale)), max(1, round(bh * scale))),
            interpolation=cv2.INTER_AREA,
        )
        roi[:] = cv2.resize(small, (bw, bh), interpolation=cv2.INTER_LINEAR)
    return frame


def blur_image(
    rgb: np.ndarray,
    detector: FaceBoxDetector,
    runner_boxes: Iterable[np.ndarray] = (),
    settings: FaceBlurSettings | None = None,
) -> np.ndarray:
    """Blur every face of a single image (in place), with no neighbouring frames to help.

    The detector searches all its tiles at once (``phase=None``) instead of a share per
    frame.

    Parameters
    ----------
    rgb : (h, w, 3) uint8
        The image, modified in place.
    detector
        Face detector.
    runner_boxes
        Extra boxes (already grown), e.g. the runner's :func:`landmark_face_box`.
    settings
        Margins and pixelation.

    Returns
    -------
    np.ndarray
        ``rgb``.
    """
    s = settings or FaceBlurSettings()
    boxes = [grow_boxes(detector.detect(rgb, phase=None), s.margin)]
    boxes += [np.reshape(b, (1, 4)) for b in runner_boxes]
    return pixelate_boxes(rgb, np.concatenate(boxes), s.cells)


FrameT = TypeVar("FrameT")


def blur_boxes_stream(
    frames: Iterable[FrameT],
    rgb_of: Callable[[FrameT], np.ndarray],
    detector: FaceBoxDetector,
    runner_boxes: Callable[[FrameT], list[np.ndarray]],
    settings: FaceBlurSettings | None = None,
    search: Callable[[FrameT], bool] | None = None,
) -> Iterator[tuple[FrameT, np.ndarray]]:
    """Pair each frame with the boxes to blur in it, united over neighbouring frames.

    Frames come out in order, ``window_frames`` frames after they went in (at the end, the
    last ones are flushed): at most ``2 * window_frames + 1`` frames are held.

    Parameters
    ----------
    frames
        The frames, in time order.
    rgb_of
        The RGB image of a frame (what the detector reads).
    detector
        Face detector; called once per frame with a running frame counter as ``phase``.
    runner_boxes
        The runner's face boxes in a frame (already grown), possibly none.
    settings
        Window and margins.
    search
        Whether to run the detector on a frame (default: every frame). A frame that is not
        exported and has no exported frame within the window need not be searched: its
        boxes would blur nothing.

    Yields
    ------
    frame, boxes
        ``boxes`` is ``(n, 4)`` float, ``x0, y0, x1, y1`` in pixels, margins applied.
    """
    s = settings or FaceBlurSettings()
    w = s.window_frames
    held: deque[tuple[FrameT, np.ndarray]] = deque()
    next_out = 0  # position in ``held`` of the next frame to yield

    def united(pos: int) -> np.ndarray:
        parts = [held[k][1] for k in range(max(0, pos - w), min(len(held), pos + w + 1))]
        return np.concatenate(parts) if parts else np.zeros((0, 4))

    counter = 0
    for frame in frames:
        boxes = [np.reshape(b, (1, 4)) for b in runner_boxes(frame)]
        if search is None or search(frame):
            boxes.append(grow_boxes(detector.detect(rgb_of(frame), phase=counter), s.margin))
            counter += 1
        held.append((frame, np.concatenate(boxes) if boxes else np.zeros((0, 4))))
        while next_out < len(held) and len(held) - 1 - next_out >= w:
            yield held[next_out][0], united(next_out)
            next_out += 1
            if next_out > w:
                held.popleft()
                next_out -= 1
    while next_out < len(held):
        yield held[next_out][0], united(next_out)
        next_out += 1
