"""The camera's own motion between frames, from the background with the runner left out.

Corners are found in the earlier frame outside the runner's box (the landmarks' bounding
box widened by a quarter of its size, so limbs and shadows stay out), followed into the
next frame with pyramidal Lucas-Kanade optical flow, and kept only when tracking them back
lands within half a pixel of where they started. The scene's shift is the median of the
kept corners' motion: a camera panning right moves the whole background left.

Picture-in-picture overlays (a player's buttons in a screen recording, a burned-in timer)
do not move with the scene; corners within :data:`EDGE_BAND` of the top and bottom of the
picture are not used, and where most corners stand still while a coherent group moves,
that group is the scene (:func:`scene_shift_px`).

Pure image maths: frames in, numbers out; reading the video is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

#: Share of the picture's height at the top and bottom where no corner is used (players'
#: controls and captions live there).
EDGE_BAND = 0.12
#: Corners moving less than this (px) between frames stand still.
STILL_PX = 0.3
#: A moving group this large a share of the tracked corners is the scene even when more
#: stand still (a static overlay is then what stands still).
MOVING_SHARE_MIN = 0.3
#: Fewer tracked corners than this: no measurement for the frame.
MIN_CORNERS = 8


def background_mask(shape: tuple[int, int], runner_xy_px: np.ndarray) -> np.ndarray:
    """Where background corners may be taken: ``(h, w)`` uint8, 255 = usable.

    Parameters
    ----------
    shape
        ``(height, width)`` of the frame.
    runner_xy_px : (33, 2) float
        The runner's landmarks in this frame's pixels (NaN allowed; all NaN = no runner).
    """
    h, w = shape
    mask = np.full((h, w), 255, dtype=np.uint8)
    band = int(EDGE_BAND * h)
    mask[:band] = 0
    mask[h - band :] = 0
    pts = runner_xy_px[np.all(np.isfinite(runner_xy_px), axis=1)]
    if pts.size:
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        pad_x, pad_y = 0.25 * (x1 - x0) + 10, 0.25 * (y1 - y0) + 10
        xa, xb = int(max(0, x0 - pad_x)), int(min(w, x1 + pad_x))
        ya, yb = int(max(0, y0 - pad_y)), int(min(h, y1 + pad_y))
        mask[ya:yb, xa:xb] = 0
    return mask


def scene_shift_px(
    prev_grey: np.ndarray, grey: np.ndarray, mask: np.ndarray
) -> tuple[float, float, int]:
    """How far the background moved from ``prev_grey`` to ``grey``, in pixels.

    Parameters
    ----------
    prev_grey, grey : (h, w) uint8
        Consecutive frames in grey levels.
    mask : (h, w) uint8
        :func:`background_mask` of the earlier frame.

    Returns
    -------
    dx_px, dy_px, n_corners
        Median motion of the background (+x right, +y down); NaN with fewer than
        :data:`MIN_CORNERS` corners tracked both ways.
    """
    corners = cv2.goodFeaturesToTrack(
        prev_grey, maxCorners=150, qualityLevel=0.01, minDistance=7, mask=mask
    )
    if corners is None or len(corners) < MIN_CORNERS:
        return float("nan"), float("nan"), 0
    nxt, ok, _ = cv2.calcOpticalFlowPyrLK(prev_grey, grey, corners, None, winSize=(21, 21))
    back, ok_back, _ = cv2.calcOpticalFlowPyrLK(grey, prev_grey, nxt, None, winSize=(21, 21))
    good = (
        ok.ravel().astype(bool)
        & ok_back.ravel().astype(bool)
        & (np.linalg.norm((back - corners).reshape(-1, 2), axis=1) < 0.5)
    )
    if good.sum() < MIN_CORNERS:
        return float("nan"), float("nan"), int(good.sum())
    flow = (nxt - corners).reshape(-1, 2)[good]
    moving = np.linalg.norm(flow, axis=1) >= STILL_PX
    # A still majority with a coherent moving group: the still corners are an overlay on
    # a panning picture (a still camera has no coherent moving group outside the runner).
    if MOVING_SHARE_MIN <= moving.mean() < 0.5:
        spread = np.median(np.abs(flow[moving] - np.median(flow[moving], axis=0)), axis=0)
        if np.all(spread < 0.25 * np.abs(np.median(flow[moving], axis=0)) + 0.5):
            flow = flow[moving]
    dx, dy = np.median(flow, axis=0)
    return float(dx), float(dy), int(flow.shape[0])


def runner_box_change(prev_grey: np.ndarray, grey: np.ndarray, runner_xy_px: np.ndarray) -> float:
    """Mean absolute grey-level change (0-255) inside the runner's box between two frames.

    A running body always changes the pixels of its own box (limbs swing); only a frozen
    picture (a paused or edited video) leaves them at the encoder's noise, under ~1 level.
    NaN without a runner.
    """
    pts = runner_xy_px[np.all(np.isfinite(runner_xy_px), axis=1)]
    if not pts.size:
        return float("nan")
    h, w = grey.shape
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    xa, xb = int(max(0, x0)), int(min(w, x1 + 1))
    ya, yb = int(max(0, y0)), int(min(h, y1 + 1))
    if xb <= xa or yb <= ya:
        return float("nan")
    a = prev_grey[ya:yb, xa:xb].astype(np.int16)
    b = grey[ya:yb, xa:xb].astype(np.int16)
    return float(np.mean(np.abs(b - a)))


class SceneShifts:
    """:func:`scene_shifts_px` one frame at a time, for a pass that sees each frame once.

    Parameters
    ----------
    n
        Rows of the pose series the shifts are for.
    frame_scale
        Size of the frames given to :meth:`add` over the landmarks' image.
    """

    def __init__(self, n: int, frame_scale: float) -> None:
        self.shift_px = np.full((n, 2), np.nan)
        self.runner_change = np.full(n, np.nan)
        self._scale = frame_scale
        self._prev: np.ndarray | None = None
        self._prev_i = -1
        self._prev_xy: np.ndarray | None = None

    def add(self, i: int, picture: np.ndarray, xy_px: np.ndarray) -> None:
        """Frame ``i`` (scaled by ``frame_scale``) and its landmarks ``(33, 2)``, in order.

        ``picture`` is RGB ``(h, w, 3)`` or already grey ``(h, w)`` uint8. The shift of row
        ``i`` is measured when row ``i - 1`` was the frame added before; rows past the end
        (more frames than expected) are not measured.
        """
        grey = picture if picture.ndim == 2 else cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
        n, s = self.shift_px.shape[0], self._scale
        if self._prev is not None and self._prev_xy is not None and i == self._prev_i + 1 < n:
            box = self._prev_xy * s
            dx, dy, _ = scene_shift_px(self._prev, grey, background_mask(grey.shape, box))
            self.shift_px[i] = (dx / s, dy / s)
            self.runner_change[i] = runner_box_change(self._prev, grey, box)
        self._prev, self._prev_i, self._prev_xy = grey, i, xy_px


def scene_shifts_px(
    frames: Iterable[tuple[float, np.ndarray]],
    time_s: np.ndarray,
    xy_px: np.ndarray,
    frame_scale: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The background's shift and the runner box's change between consecutive frames.

    Parameters
    ----------
    frames
        ``(time_s, picture)`` of each decoded frame in order (RGB or grey, as
        :meth:`SceneShifts.add`), scaled by ``frame_scale`` from the landmarks' image (a
        smaller picture is enough and much faster).
    time_s : (n,) float
        The pose series' frame times; each frame is matched to the nearest.
    xy_px : (n, 33, 2) float
        The runner's landmarks, to leave the runner out of the background.
    frame_scale
        Size of the decoded frames over the landmarks' image.

    Returns
    -------
    shift_px : (n, 2) float
        Shift of frame ``i`` against frame ``i - 1`` in the landmarks' pixels (+x right,
        +y down); NaN where not measured, always in row 0.
    runner_change : (n,) float
        :func:`runner_box_change` from frame ``i - 1`` to ``i`` (NaN in row 0).
    """
    shifts = SceneShifts(time_s.shape[0], frame_scale)
    for t, picture in frames:
        i = int(np.argmin(np.abs(time_s - t)))
        shifts.add(i, picture, xy_px[i])
    return shifts.shift_px, shifts.runner_change
