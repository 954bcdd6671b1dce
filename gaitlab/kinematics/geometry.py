"""Small body-geometry helpers shared by the kinematics modules (mid-points, body scale)."""

from __future__ import annotations

import math

import numpy as np

from gaitlab.landmarks import INDEX

SIDES: tuple[str, str] = ("left", "right")

#: Winter (2009) segment lengths as fractions of standing height: thigh 0.245 + shank 0.246.
#: Converts the landmark leg length (hip-knee-ankle) to centimetres when the height is known.
LEG_LENGTH_PER_HEIGHT = 0.491


def point(xy: np.ndarray, name: str) -> np.ndarray:
    """Landmark ``name`` of every frame: ``(n, 2)`` from ``(n, 33, 2)``."""
    return xy[:, INDEX[name]]


def mid(xy: np.ndarray, part: str) -> np.ndarray:
    """Mid-point of the left and right ``part`` (e.g. "hip", "shoulder"): ``(n, 2)``."""
    return 0.5 * (xy[:, INDEX[f"left_{part}"]] + xy[:, INDEX[f"right_{part}"]])


def nanmedian_or_nan(x: np.ndarray) -> float:
    """Median of the finite values of ``x``, NaN (without a warning) when there are none."""
    x = np.asarray(x, dtype=float)
    finite = x[np.isfinite(x)]
    return float(np.median(finite)) if finite.size else float("nan")


def nanpercentile_or_nan(x: np.ndarray, q: float) -> float:
    """Percentile of the finite values of ``x``, NaN (without a warning) when there are none."""
    x = np.asarray(x, dtype=float)
    finite = x[np.isfinite(x)]
    return float(np.percentile(finite, q)) if finite.size else float("nan")


def leg_length_series_px(xy: np.ndarray, side: str) -> np.ndarray:
    """Per-frame leg length ``|hip - knee| + |knee - ankle|`` in pixels: ``(n,)``."""
    hip, knee, ankle = (point(xy, f"{side}_{p}") for p in ("hip", "knee", "ankle"))
    return np.linalg.norm(knee - hip, axis=-1) + np.linalg.norm(ankle - knee, axis=-1)


def leg_length_px(xy: np.ndarray) -> float:
    """Clip leg length in pixels: the larger of the two legs' 90th-percentile lengths.

    An upper percentile because foreshortening (a thigh swinging toward a rear camera) only
    ever shortens the projected segments; not the maximum, which noise inflates.
    """
    lengths = [nanpercentile_or_nan(leg_length_series_px(xy, s), 90) for s in SIDES]
    finite = [v for v in lengths if np.isfinite(v)]
    return max(finite) if finite else float("nan")


def trunk_length_series_px(xy: np.ndarray) -> np.ndarray:
    """Per-frame trunk length mid-hip to mid-shoulder in pixels: ``(n,)``."""
    return np.linalg.norm(mid(xy, "shoulder") - mid(xy, "hip"), axis=-1)


def foot_low_y(xy_up: np.ndarray, side: str) -> np.ndarray:
    """Height (up = +) of the lower of heel and toe of one foot, ``(n,)``.

    ``xy_up`` is any frame with +Y up (sagittal or frontal analysis frame).
    NaN-tolerant: uses whichever of heel and toe is present.
    """
    heel = point(xy_up, f"{side}_heel")[:, 1]
    toe = point(xy_up, f"{side}_foot_index")[:, 1]
    both = np.stack([heel, toe])
    out = np.where(np.isnan(heel), toe, np.where(np.isnan(toe), heel, np.min(both, axis=0)))
    return out


def level_points(xy_px: np.ndarray, roll_deg: float, centre_px: tuple[float, float]) -> np.ndarray:
    """Rotate image points by ``-roll_deg`` about ``centre_px`` so level lines become level.

    Parameters
    ----------
    xy_px
        (..., 2) image points, x right, y down; NaN stays NaN.
    roll_deg
        The camera's roll: the angle of a level world line in the image, + = its image-right
        end lower (:class:`gaitlab.series.CameraRoll`).
    centre_px
        Centre of rotation (the frame's centre).

    Returns
    -------
    np.ndarray
        The points as a level camera at the same place would have seen them (roll is a
        rotation of the image about the principal point).
    """
    a = math.radians(-roll_deg)
    c, s = math.cos(a), math.sin(a)
    cx, cy = centre_px
    x = xy_px[..., 0] - cx
    y = xy_px[..., 1] - cy
    out = np.empty(np.shape(xy_px), dtype=float)
    out[..., 0] = cx + c * x - s * y
    out[..., 1] = cy + s * x + c * y
    return out
