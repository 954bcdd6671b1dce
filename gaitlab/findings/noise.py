"""Measurement noise of a clip's medians: how large a number noise alone can produce.

A finding must rest on more than noise (:mod:`gaitlab.findings.engine`, step 3): a left/right
difference beyond the two sides' stride-to-stride spread (:func:`left_right_noise`), a
value beyond a band edge by more than the method's own error and that spread
(:func:`edge_noise`). Pure: metric summaries in, a bound and its parts (phrases for the
reason shown) out.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gaitlab.findings.change import median_se
from gaitlab.findings.knowledge import FindingRule
from gaitlab.kinematics.metrics import MetricResult

#: Two-sided 95 % quantile of the normal distribution (noise bound of a difference).
Z95 = 1.96


def finite(v: Any) -> bool:
    """Whether ``v`` is a finite int or float."""
    return isinstance(v, int | float) and math.isfinite(v)


def fmt_value(value: float, unit: str) -> str:
    """A value in its unit for a reason's text (seconds as milliseconds)."""
    if unit == "s":
        return f"{1000 * value:.0f} ms"
    return f"{value:.1f} {unit}"


def stride_se(metric: MetricResult, side: str | None) -> float | None:
    """Standard error of a median from its stride-to-stride spread (None: < 2 strides).

    Of ``side``'s strides, or of all of them when ``side`` is None; ``se`` from the IQR as in
    :func:`gaitlab.findings.change.median_se`.
    """
    vals = np.array(
        [v.value for v in metric.values if (side is None or v.side == side) and finite(v.value)]
    )
    if vals.size < 2:
        return None
    q25, q75 = np.percentile(vals, [25.0, 75.0])
    return median_se(float(q75 - q25), int(vals.size))


def left_right_noise(
    rule: FindingRule, metric: MetricResult, fps: float
) -> tuple[float, tuple[str, ...]]:
    """The left/right difference that measurement noise alone can produce, in metric units.

    The larger of: the 95 % bound of the difference of the two side medians from their
    stride-to-stride spread (``1.96 sqrt(se_L^2 + se_R^2)``, each ``se`` from the IQR as in
    :func:`gaitlab.findings.change.median_se`), and, for a timing rule, ``min_frames``
    frames at ``fps`` (each contact is timed by two events, each placed to about a frame).

    Returns
    -------
    tuple
        The bound (NaN when the frame rate a timing rule needs is unknown) and one
        phrase per part, for the reason shown when a difference does not beat it.
    """
    parts: list[str] = []
    bound = 0.0
    unit = metric.unit
    if rule.min_frames > 0:
        if not (finite(fps) and fps > 0):
            return math.nan, ("the frame rate is unknown, so frame timing cannot be judged",)
        floor = rule.min_frames / fps
        bound = floor
        parts.append(f"{rule.min_frames:g} frames at {fps:.0f} fps = {fmt_value(floor, unit)}")
    se_l, se_r = stride_se(metric, "left"), stride_se(metric, "right")
    if se_l is not None and se_r is not None:
        stride = Z95 * math.hypot(se_l, se_r)
        bound = max(bound, stride)
        parts.append(f"stride-to-stride 95 % bound {fmt_value(stride, unit)}")
    return bound, tuple(parts)


def edge_noise(
    metric: MetricResult, side: str | None, error: float
) -> tuple[float, tuple[str, ...]]:
    """How far beyond a band edge measurement noise alone can carry one median, metric units.

    ``hypot(error, 1.96 se)``: ``error`` is the method's clip-median error on the accuracy
    benchmark's population (the rule's ``measurement_error``), ``se`` the standard error of
    the median (of ``side``'s strides; of all of them when ``side`` is None) from its
    stride-to-stride spread (:func:`gaitlab.findings.change.median_se`; 0 with < 2 strides).

    Returns
    -------
    tuple
        The bound and one phrase per part, for the reason shown when a value does not beat it.
    """
    unit = metric.unit
    parts = [f"method error {fmt_value(error, unit)}"]
    se = stride_se(metric, side)
    stride = 0.0
    if se is not None:
        stride = Z95 * se
        parts.append(f"stride-to-stride 95 % bound {fmt_value(stride, unit)}")
    return math.hypot(error, stride), tuple(parts)
