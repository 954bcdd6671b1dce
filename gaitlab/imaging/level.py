"""The camera's roll, read from straight lines in the scene behind the runner.

Why: trunk lean, lateral lean and the shank angle at foot strike are angles against the
vertical, and a phone propped a few degrees off level adds its roll to every one of them
(docs/metrics.md). The scene usually holds the reference: the edge of the floor or of a
treadmill belt, a skirting board, a door frame, a lamp post.

Method
------
1. In each sampled frame (grey levels), the runner is blanked out: a box around their
   landmarks, grown by ``runner_margin`` of its size on every side, so that limbs and the
   trunk (which lean by design) never count as scene lines.
2. Canny edges and a probabilistic Hough transform find straight segments at least
   ``min_length_share`` of the frame's shorter side long.
3. Each segment within ``max_tilt_deg`` of horizontal votes its angle; each within that of
   vertical votes its angle's difference from vertical. Both equal the roll for lines that
   are level or plumb in the world and square to the camera's axis. Lines receding in depth
   (a floor edge seen from an angle, a belt's sides from behind) are steeper than
   ``max_tilt_deg`` from a usual filming position, and are left out.
4. The roll is the length-weighted median of the votes; its uncertainty the weighted median
   absolute deviation over the square root of the number of frames that gave lines, with a
   floor of ``min_uncertainty_deg`` (the Hough angle step and pixel quantisation).

Sign: ``roll_deg`` is the angle of a level world line in the image, with image y down,
so **+ = the image-right end of a level line is lower** (the camera turned clockwise as seen
from behind it). Levelling the landmarks means rotating them by ``-roll_deg``
(:func:`gaitlab.kinematics.geometry.level_points`).

Nothing here reads a video: frames come in as arrays, the estimate goes out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from gaitlab.series import CameraRoll

#: Box of the runner in pixels: x0, y0, x1, y1 (image x right, y down).
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class LevelSettings:
    """Tunable constants of :func:`estimate_roll`, with why each has its value.

    Attributes
    ----------
    max_tilt_deg
        Largest deviation from horizontal or vertical a segment may have and still vote.
        Larger than any roll a propped phone has (the filming guide asks for level; 10 deg
        is far beyond a careless tripod), smaller than most receding lines.
    min_length_share
        Shortest segment that votes, as a share of the frame's shorter side: short edges
        (text, clothing folds of bystanders, leaves) are noisy in angle.
    runner_margin
        How much the landmarks' box grows on each side, as a share of its size, so that
        hair, shoes and loose clothing stay out.
    plumb_band_share
        Near-vertical segments vote only when their middle lies in this central share of
        the frame's width: with the camera pitched 20 deg, a plumb line a third of the width
        off centre leans by about 6 deg in the image, one near the centre hardly at all.
    disagreement_share
        When the level lines and the plumb lines each give a roll, half their difference
        (times this) is the least uncertainty: they can only disagree through perspective.
    max_segments
        Longest segments kept per frame (the refit of each costs a pass over the edge
        pixels near it; the long ones carry the estimate).
    max_side_px
        Frames are searched at most this large (longer side, px): the angles do not depend
        on scale, and the refit to edge pixels keeps a tenth of a degree at this size.
    min_lines
        Fewest voting segments over all frames for an estimate at all.
    min_uncertainty_deg
        Floor of the reported uncertainty (Hough angle step 0.25 deg, edge pixels).
    canny_low, canny_high
        Canny thresholds on 8-bit grey levels after a light blur: low, because the edges
        that matter (a floor against a wall) are often soft and of low contrast.
    """

    max_tilt_deg: float = 10.0
    min_length_share: float = 0.12
    runner_margin: float = 0.15
    plumb_band_share: float = 0.5
    min_lines: int = 4
    max_segments: int = 40
    max_side_px: int = 640
    min_uncertainty_deg: float = 0.3
    disagreement_share: float = 1.0
    canny_low: int = 8
    canny_high: int = 24

    def __post_init__(self) -> None:
        if not 0.0 < self.max_tilt_deg < 45.0:
            raise ValueError("max_tilt_deg must be in (0, 45)")
        if not 0.0 < self.min_length_share < 1.0:
            raise ValueError("min_length_share must be in (0, 1)")


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, 0.5 * cum[-1])])


def _edges_near(segment: np.ndarray, edge_xy: np.ndarray) -> np.ndarray:
    """Edge pixels inside the segment's box grown by its length (all the refit can reach)."""
    xa, ya, xb, yb = segment
    grow = np.hypot(xb - xa, yb - ya) + 3.0
    x0, x1 = min(xa, xb) - grow, max(xa, xb) + grow
    y0, y1 = min(ya, yb) - grow, max(ya, yb) + grow
    x, y = edge_xy[:, 0], edge_xy[:, 1]
    return edge_xy[(x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)]


def _refined_angle_deg(segment: np.ndarray, edge_xy: np.ndarray) -> float:
    """The segment's angle, refitted to the edge pixels along its line.

    Hough's segment ends sit on a 1-px grid and its angle step is 0.25 deg, so a 100 px
    segment is only good to about half a degree. Worse, a line a fraction of a degree off
    level is a staircase of flat runs in Canny's pixel edges, and Hough returns one flat
    run. So the fit grows: a total-least-squares line through the edge pixels within 2 px
    of the current line, over the segment and half its length beyond each end, three times.
    """
    xa, ya, xb, yb = segment
    d = np.array([xb - xa, yb - ya])
    length = float(np.hypot(*d))
    u = d / length
    origin = np.array([xa, ya], dtype=float)
    lo, hi = 0.0, length
    for _ in range(3):
        rel = edge_xy - origin
        along = rel @ u
        across = rel @ np.array([-u[1], u[0]])
        span = hi - lo
        near = (np.abs(across) <= 2.0) & (along >= lo - 0.5 * span) & (along <= hi + 0.5 * span)
        if np.count_nonzero(near) < 10:
            break
        pts = edge_xy[near]
        centre = pts.mean(axis=0)
        # The principal direction of the points is the line's direction.
        _, _, vt = np.linalg.svd(pts - centre, full_matrices=False)
        u = vt[0] if vt[0] @ u >= 0 else -vt[0]
        proj = (pts - centre) @ u
        origin, lo, hi = centre, float(proj.min()), float(proj.max())
    a = math.degrees(math.atan2(u[1], u[0]))
    if a > 90.0:
        a -= 180.0
    elif a <= -90.0:
        a += 180.0
    return a


def line_votes(
    gray: np.ndarray, runner_box: Box | None, settings: LevelSettings = LevelSettings()
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The scene's near-level and near-plumb segments in one frame, as roll votes.

    Parameters
    ----------
    gray
        (height, width) uint8 grey-level frame.
    runner_box
        The runner's landmarks' box in pixels, or None when no runner was found in the frame.
    settings
        Thresholds.

    Returns
    -------
    votes_deg, lengths_px, is_horizontal
        One entry per voting segment: its roll vote (deg, sign as :class:`CameraRoll`),
        its length, and whether it was near-horizontal.
    """
    if gray.ndim != 2:
        raise ValueError("gray must be a 2-D grey-level image")
    scale = settings.max_side_px / max(gray.shape)
    if scale < 1.0:
        # Angles do not change with scale; the line search's cost falls with the pixels.
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if runner_box is not None:
            runner_box = tuple(v * scale for v in runner_box)  # type: ignore[assignment]
    h, w = gray.shape
    # Smoothed first: low thresholds then find soft, low-contrast edges (a grey floor
    # against a grey wall) without picking up pixel noise and compression blocks.
    edges = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 1.2), settings.canny_low, settings.canny_high)
    if runner_box is not None:
        x0, y0, x1, y1 = runner_box
        mx, my = settings.runner_margin * (x1 - x0), settings.runner_margin * (y1 - y0)
        c0, r0 = max(0, int(x0 - mx)), max(0, int(y0 - my))
        c1, r1 = min(w, math.ceil(x1 + mx)), min(h, math.ceil(y1 + my))
        edges[r0:r1, c0:c1] = 0
    min_len = settings.min_length_share * min(h, w)
    segments = cv2.HoughLinesP(
        edges,
        rho=1,
        theta=np.radians(0.25),
        threshold=max(20, int(min_len * 0.5)),
        minLineLength=min_len,
        maxLineGap=max(3, int(0.01 * min(h, w))),
    )
    empty = np.zeros(0)
    if segments is None:
        return empty, empty, np.zeros(0, dtype=bool)
    # OpenCV 4 returns (n, 1, 4), OpenCV 5 (n, 4).
    seg = np.asarray(segments, dtype=float).reshape(-1, 4)
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    # The longest segments carry the estimate; a cluttered scene gives hundreds of short
    # ones, and refitting each costs a pass over the edge pixels near it.
    longest = np.argsort(length)[::-1][: settings.max_segments]
    seg, length = seg[longest], length[longest]
    ey, ex = np.nonzero(edges)
    edge_xy = np.column_stack([ex, ey]).astype(float)
    # Direction-free angle in (-90, 90]: a segment and its reverse are the same line.
    angle = np.array([_refined_angle_deg(s, _edges_near(s, edge_xy)) for s in seg])
    horizontal = np.abs(angle) <= settings.max_tilt_deg
    plumb_dev = angle - np.sign(angle) * 90.0
    vertical = np.abs(plumb_dev) <= settings.max_tilt_deg
    # A plumb line rolled clockwise by r has angle 90 + r (or -90 + r): plumb_dev = r.
    votes = np.where(horizontal, angle, plumb_dev)
    # A camera tilted up or down makes plumb lines converge: off the image's centre line
    # they lean by up to several degrees. Only those near the centre line vote.
    mid_x = 0.5 * (seg[:, 0] + seg[:, 2])
    central = np.abs(mid_x - 0.5 * w) <= settings.plumb_band_share * 0.5 * w
    keep = horizontal | (vertical & central)
    return votes[keep], length[keep], horizontal[keep]


def estimate_roll(
    frames_gray: Sequence[np.ndarray],
    runner_boxes: Sequence[Box | None],
    settings: LevelSettings = LevelSettings(),
) -> CameraRoll:
    """The camera's roll from straight lines behind the runner in a few frames.

    Parameters
    ----------
    frames_gray
        Grey-level frames (uint8), a dozen spread over the clip is plenty.
    runner_boxes
        The runner's box in each frame (None where no runner was found), to blank them out.
    settings
        Thresholds, see :class:`LevelSettings`.

    Returns
    -------
    CameraRoll
        The roll and its uncertainty, or NaN with the reason when the scene has too few
        straight lines (an open field, a blurred background).
    """
    if len(frames_gray) != len(runner_boxes):
        raise ValueError("one runner box (or None) per frame")
    votes, lengths, horiz, frames_with = [], [], [], 0
    for gray, box in zip(frames_gray, runner_boxes, strict=True):
        v, ln, hz = line_votes(gray, box, settings)
        if v.size:
            frames_with += 1
            votes.append(v)
            lengths.append(ln)
            horiz.append(hz)
    n_lines = int(sum(v.size for v in votes))
    if n_lines < settings.min_lines:
        return CameraRoll(
            math.nan,
            math.nan,
            n_lines,
            frames_with,
            math.nan,
            reason=(
                f"the background shows {n_lines} straight level or upright line(s) "
                f"(needs {settings.min_lines}): no reference for the camera's roll"
            ),
        )
    v, ln, hz = np.concatenate(votes), np.concatenate(lengths), np.concatenate(horiz)
    roll = _weighted_median(v, ln)
    mad = _weighted_median(np.abs(v - roll), ln)
    # 1.4826 * MAD estimates a standard deviation; segments of one frame are not
    # independent (the same edge found again), frames nearly are.
    sigma = 1.4826 * mad / math.sqrt(max(frames_with, 1))
    if hz.any() and (~hz).any():
        split = abs(_weighted_median(v[hz], ln[hz]) - _weighted_median(v[~hz], ln[~hz]))
        sigma = max(sigma, settings.disagreement_share * 0.5 * split)
    return CameraRoll(
        roll_deg=roll,
        uncertainty_deg=max(settings.min_uncertainty_deg, sigma),
        n_lines=n_lines,
        n_frames=frames_with,
        horizontal_share=float(ln[hz].sum() / ln.sum()),
    )
