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
height above its own running ground line, in leg lengths, is the **sole height**; a stance
ends where the sole height crosses ``lift_frac_leg`` after mid-stance and stays above it
(:func:`sole_toe_offs`), when that is later than the landmarks' toe-off by more than their
own error on rendered runners (0.065 stride) and not so late that it would join two stances.

Measured on commit 6255dbc + this change, 2026-12-08, 2-core x86_64 sandbox (docs/metrics.md):
on the hand-labelled 30 fps treadmill clip, toe-offs within a frame of the labels went from
2 of 34 to 25 of 34; on rendered runners at 60 fps (where the landmark toe-offs are within a
frame of the truth and the mask's lowest pixel rises 30-40 ms after them) the toe-offs are
unchanged but for one event. A lift threshold of 0.05 leg put the renders' toe-offs on the
truth but the real clip's one frame early; a single rule without the 0.065-stride gate
could not serve both.

The sole point is in image pixels; :func:`gaitlab.kinematics.analysis.analyze` moves it
to the analysis frame like the landmarks (camera motion, roll, facing).
"""

from __future__ import annotations

import numpy as np

from gaitlab.kinematics.contacts import crossing_time, rolling_percentile
from gaitlab.kinematics.filtering import seconds_to_samples
from gaitlab.kinematics.geometry import SIDES
from gaitlab.landmarks import INDEX
from gaitlab.series import MaskCrops

#: Person probability (0-255) from which a mask pixel counts as the runner's.
MASK_ON = 128
#: Sole height, in leg lengths, above which the foot is off the ground.
SOLE_LIFT_FRAC_LEG = 0.1


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


def sole_toe_offs(
    time_s: np.ndarray,
    sole_h: np.ndarray,
    contacts: list[tuple[float, float]],
    stride_s: float,
    lift_frac_leg: float,
    min_shift_stride: float = 0.065,
    max_shift_stride: float = 0.25,
    stay_stride: float = 0.08,
) -> list[tuple[float, float]]:
    """Toe-offs moved to the sole point's lift, where the silhouette shows one.

    For each contact, from its mid-stance to 0.3 stride before the next contact's strike
    (or 0.4 stride after its toe-off, whichever is first), the toe-off is the
    first crossing of ``sole_h`` above ``lift_frac_leg`` after which it stays above for
    ``stay_frames`` frames, interpolated between frames. A contact keeps its toe-off when
    the sole was never seen on the ground line in that stretch (mask missing or far from
    the ground), or when the lift is more than ``max_shift_stride`` strides from it (a
    mask that swallowed the other foot, or lost this one).

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
    max_shift_stride, stay_frames
        See above.
    """
    out: list[tuple[float, float]] = []
    n = time_s.size
    fs_hz = 1.0 / float(np.median(np.diff(time_s)))
    stay_frames = max(2, int(np.ceil(stay_stride * stride_s * fs_hz)))
    for k, (t_fs, t_to) in enumerate(contacts):
        i0 = int(np.searchsorted(time_s, 0.5 * (t_fs + t_to)))
        # A running foot swings for well over 0.3 of a stride: a lift later than that
        # before the next strike would join two stances (landmarks of the feet swapped).
        t_end = contacts[k + 1][0] - 0.3 * stride_s if k + 1 < len(contacts) else np.inf
        i1 = min(int(np.searchsorted(time_s, min(t_end, t_to + 0.4 * stride_s))), n)
        new_to = t_to
        seg = sole_h[i0:i1]
        with np.errstate(invalid="ignore"):
            down = np.isfinite(seg) & (seg < lift_frac_leg)
        for j in range(1, seg.size):
            if not down[j - 1]:
                continue
            after = seg[j : j + stay_frames]
            if after.size == stay_frames and np.all(np.isfinite(after) & (after >= lift_frac_leg)):
                t = crossing_time(time_s, sole_h, i0 + j - 1, lift_frac_leg)
                shift = t - t_to
                if min_shift_stride * stride_s <= shift <= max_shift_stride * stride_s:
                    new_to = t
                break
        out.append((t_fs, new_to))
    return out
