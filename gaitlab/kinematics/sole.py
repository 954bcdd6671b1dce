r"""The foot's lowest silhouette pixel: toe-off from the shoe's pixels, not its landmarks.

In push-off a real shoe stands steeply on its tip while MediaPipe's heel and toe points sit
inside and ahead of it, so every landmark-only rule sees a real foot leave the ground 2-4
frames early (docs/metrics.md, "Contact time on real side-view footage"). The person mask
(:class:`gaitlab.series.MaskCrops`, already kept per frame by the pose pass) covers the
shoe itself: its lowest pixel near a foot stays on the ground line until the tip leaves.

Definition: in each frame's mask crop (person probability >= 0.5), the box around one
foot's heel, ankle and toe landmarks (from the ankle down to ``below_foot`` foot lengths
under the lowest of them, ``beside_foot`` foot lengths either side of the heel and toe)
holds that foot's silhouette (less the columns nearer the other foot's heel-toe span);
its lowest pixel's bottom edge is the **sole point**. Its
height above its own running ground line, in leg lengths, is the **sole height**; the
**lift** is where it rises through ``lift_frac_leg`` after mid-stance and stays up
(:func:`sole_lifts`). When the lifts of a clip come a median 0.08 stride or more after the
landmarks' toe-offs, the landmarks have left the shoe and the toe-offs are moved to the
lifts (:func:`sole_toe_offs`); otherwise the landmarks' toe-offs stand.

Why a clip-level choice: on rendered runners the landmark toe-offs are within a frame of
the truth and the mask's lowest pixel crosses the lift height 30-40 ms after them; on real
footage the lift matches the hand labels and the landmarks are 2-4 frames early. A lift
height low enough for the renders (0.05 leg) put the real clip's toe-offs a frame early,
and a per-event gate on the shift lost the far leg's corrections, whose landmark error is
only 1-2 frames. Figures: docs/metrics.md, "Contact time on real side-view footage".

The sole point is in image pixels; :func:`sole_points_an` moves it to the analysis frame
like the landmarks (camera motion, roll, facing).
"""

from __future__ import annotations

import numpy as np

from gaitlab.kinematics.angles import to_sagittal
from gaitlab.kinematics.camera import CameraMotion, against_ground
from gaitlab.kinematics.contacts import crossing_time, rolling_percentile
from gaitlab.kinematics.filtering import seconds_to_samples
from gaitlab.kinematics.geometry import SIDES, level_points
from gaitlab.kinematics.level import CameraLevel
from gaitlab.kinematics.view import ViewResult
from gaitlab.landmarks import INDEX
from gaitlab.series import MaskCrops, PoseSeries

#: Person probability (0-255) from which a mask pixel counts as the runner's.
MASK_ON = 128
#: Sole height, in leg lengths, above which the foot is off the ground.
SOLE_LIFT_FRAC_LEG = 0.1
#: Median lift after the landmarks' toe-offs, in strides, from which a clip's toe-offs
#: are taken from the silhouette (:func:`sole_toe_offs`).
SOLE_MIN_MEDIAN_SHIFT_STRIDE = 0.08


def sole_points_px(
    masks: MaskCrops,
    xy_px: np.ndarray,
    below_foot: float = 0.6,
    beside_foot: float = 0.5,
) -> np.ndarray:
    """Lowest silhouette pixel under each foot, image pixels, ``(n, 2, 2)``.

    Parameters
    ----------
    masks
        The pose pass's person-mask crops (``n`` frames).
    xy_px : (n, 33, 2) float
        Image landmarks of the same frames (they place each foot's box).
    below_foot, beside_foot
        How far the box reaches below the foot's lowest landmark and beyond its heel and
        toe, in foot lengths (the clip's median heel-to-toe distance): the landmarks sit
        inside the shoe.

    Returns
    -------
    (n, 2, 2) float
        Per frame, per side in :data:`~gaitlab.kinematics.geometry.SIDES` order, the sole
        point ``(x, y)`` (x the mean column of the lowest row, y its bottom edge), image
        pixels; NaN where the foot or its mask is missing.
    """
    n = xy_px.shape[0]
    out = np.full((n, len(SIDES), 2), np.nan)
    if masks.prob.shape[0] != n:
        return out
    h, w = masks.prob.shape[1:]
    for k, side in enumerate(SIDES):
        idx = [INDEX[f"{side}_{p}"] for p in ("heel", "ankle", "foot_index")]
        other = [INDEX[f"{s}_{p}"] for s in SIDES if s != side for p in ("heel", "foot_index")]
        # One foot length for the clip: in push-off the heel and toe points bunch up
        # (the shoe seen end-on), and a box sized by them would miss the shoe's tip.
        foot_px = np.hypot(*(xy_px[:, idx[2]] - xy_px[:, idx[0]]).T)
        foot_px = foot_px[np.isfinite(foot_px)]
        if foot_px.size == 0:
            continue
        foot_img = float(np.median(foot_px))
        for i in range(n):
            scale = masks.scale[i]
            pts = xy_px[i, idx]
            if not (np.isfinite(scale) and np.isfinite(pts).all()):
                continue
            c = (pts - masks.origin_px[i]) * scale  # crop pixels
            heel, ankle, toe = c
            foot = max(foot_img * scale, 3.0)
            x0 = int(np.floor(min(heel[0], toe[0]) - beside_foot * foot))
            x1 = int(np.ceil(max(heel[0], toe[0]) + beside_foot * foot))
            y0 = int(np.floor(ankle[1]))
            y1 = int(np.ceil(max(heel[1], toe[1]) + below_foot * foot))
            x0, x1, y0, y1 = max(x0, 0), min(x1, w), max(y0, 0), min(y1, h)
            if x1 <= x0 or y1 <= y0:
                continue
            on = masks.prob[i, y0:y1, x0:x1] >= MASK_ON
            o = (xy_px[i, other, 0] - masks.origin_px[i][0]) * scale
            if np.isfinite(o).all():
                # Columns nearer the other foot's heel-toe span are that foot's (a foot
                # swinging past the planted one must not read as planted).
                xs = np.arange(x0, x1) + 0.5
                lo, hi = min(heel[0], toe[0]), max(heel[0], toe[0])
                d_own = np.maximum(np.maximum(lo - xs, xs - hi), 0.0)
                d_other = np.maximum(np.maximum(o.min() - xs, xs - o.max()), 0.0)
                on &= (d_own <= d_other)[None, :]
            rows = np.flatnonzero(on.any(axis=1))
            if rows.size == 0:
                continue
            r = int(rows[-1])
            cols = np.flatnonzero(on[r])
            crop_xy = np.array([x0 + cols.mean() + 0.5, y0 + r + 1.0])
            out[i, k] = masks.to_image_px(i, crop_xy)
    return out


def sole_points_an(
    series: PoseSeries,
    camera: CameraMotion | None,
    shift_px: np.ndarray | None,
    level: CameraLevel,
    facing: np.ndarray,
    view: ViewResult,
) -> np.ndarray | None:
    """The sole points of a side view in the sagittal analysis frame, ``(n, 2, 2)``.

    Moved like the landmarks in :func:`gaitlab.kinematics.analysis.analyze`: against the
    ground under a moving camera, levelled by the camera's roll, then ``X`` along the
    direction of travel (``facing``: +1 image-right, -1 image-left, NaN read as +1) and
    ``Y`` up. None for a view that is not a side view or a series without mask crops.
    """
    if not view.is_side or series.masks is None:
        return None
    sole = sole_points_px(series.masks, series.xy_px)
    if camera is not None and shift_px is not None:
        sole = against_ground(sole, camera, shift_px)
    if level.applied:
        sole = level_points(sole, level.roll_deg, level.centre_px)
    return to_sagittal(sole, np.nan_to_num(facing, nan=1.0))


def sole_height_frac_leg(
    time_s: np.ndarray, sole_y_up: np.ndarray, stride_s: float, leg_px: float
) -> np.ndarray:
    """Sole point's height above its running ground line, leg lengths, ``(n,)``.

    The ground line is the running 5th percentile of the height over about a stride, as
    for the landmarks (:func:`gaitlab.kinematics.contacts.landmark_height_frac_leg`).
    """
    fs = 1.0 / np.median(np.diff(time_s))
    ground = rolling_percentile(sole_y_up, seconds_to_samples(stride_s, fs), 5)
    return (sole_y_up - ground) / leg_px


def sole_lifts(
    time_s: np.ndarray,
    sole_h: np.ndarray,
    contacts: list[tuple[float, float]],
    stride_s: float,
    lift_frac_leg: float = SOLE_LIFT_FRAC_LEG,
    stay_stride: float = 0.08,
) -> np.ndarray:
    """Time the sole point leaves the ground in each contact, seconds, ``(len(contacts),)``.

    From the contact's mid-stance to 0.3 stride before the next contact's strike (or 0.4
    stride after its toe-off, whichever is first): the first crossing of ``sole_h`` above
    ``lift_frac_leg`` after which it stays above for ``stay_stride`` of a stride (at least
    2 frames), interpolated between frames. NaN when there is none: the sole was never
    seen on the ground line there (mask missing), or it only left later (a running foot
    swings for well over 0.3 stride, so a lift that late would join two stances: the
    feet's landmarks swapped, or the box took in the other foot).

    Parameters
    ----------
    time_s : (n,) float
    sole_h : (n,) float
        :func:`sole_height_frac_leg`.
    contacts
        ``(strike_s, toe_off_s)`` of one foot, in time order.
    stride_s
        Stride time (sets the search's limits).
    lift_frac_leg
        Height, in leg lengths, above which the sole is off the ground.
    stay_stride
        See above.
    """
    out = np.full(len(contacts), np.nan)
    n = time_s.size
    fs_hz = 1.0 / float(np.median(np.diff(time_s)))
    stay_frames = max(2, int(np.ceil(stay_stride * stride_s * fs_hz)))
    for k, (t_fs, t_to) in enumerate(contacts):
        i0 = int(np.searchsorted(time_s, 0.5 * (t_fs + t_to)))
        t_end = contacts[k + 1][0] - 0.3 * stride_s if k + 1 < len(contacts) else np.inf
        i1 = min(int(np.searchsorted(time_s, min(t_end, t_to + 0.4 * stride_s))), n)
        seg = sole_h[i0:i1]
        with np.errstate(invalid="ignore"):
            down = np.isfinite(seg) & (seg < lift_frac_leg)
            up = np.isfinite(seg) & (seg >= lift_frac_leg)
        for j in range(1, seg.size - stay_frames + 1):
            if down[j - 1] and up[j : j + stay_frames].all():
                out[k] = crossing_time(time_s, sole_h, i0 + j - 1, lift_frac_leg)
                break
    return out


def sole_toe_offs(
    contacts: dict[str, list[tuple[float, float]]],
    lifts: dict[str, np.ndarray],
    stride_s: float,
    min_median_shift_stride: float = SOLE_MIN_MEDIAN_SHIFT_STRIDE,
    max_shift_stride: float = 0.25,
) -> tuple[dict[str, list[tuple[float, float]]], float]:
    """Toe-offs moved to the sole's lift, when the clip's landmarks leave the shoe early.

    The decision is the clip's, not each event's: the median of (lift - landmark toe-off)
    over every contact of both feet. Where the landmarks follow the shoe (rendered
    runners: their toe-offs within a frame of the truth) the mask's lowest pixel, smeared
    and a few pixels coarse, crosses the lift height 30-40 ms after them, 0.04-0.05 of a
    stride; where MediaPipe's toe point leaves a real shoe standing on its tip, the lift
    comes 2-4 frames (0.1-0.15 stride at 30 fps) after them. From
    ``min_median_shift_stride`` up, every toe-off with a lift within ``max_shift_stride``
    of it (and after its strike) is moved to the lift.

    Parameters
    ----------
    contacts
        Per side, ``(strike_s, toe_off_s)`` in time order.
    lifts
        Per side, :func:`sole_lifts` of those contacts.
    stride_s
        Stride time.
    min_median_shift_stride, max_shift_stride
        See above.

    Returns
    -------
    contacts, median_shift_s
        The contacts (the same lists when nothing moved) and the clip's median shift
        (NaN without any lift).
    """
    shifts = np.concatenate(
        [lifts[side] - np.array([to for _, to in c]) for side, c in contacts.items() if c]
        or [np.empty(0)]
    )
    shifts = shifts[np.isfinite(shifts)]
    median_s = float(np.median(shifts)) if shifts.size else float("nan")
    if not median_s >= min_median_shift_stride * stride_s:
        return contacts, median_s
    out: dict[str, list[tuple[float, float]]] = {}
    for side, c in contacts.items():
        out[side] = [
            (fs, float(t))
            if np.isfinite(t) and abs(t - to) <= max_shift_stride * stride_s and t > fs
            else (fs, to)
            for (fs, to), t in zip(c, lifts[side], strict=True)
        ]
    return out, median_s
