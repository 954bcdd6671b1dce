"""Plain-JSON values: numpy scalars and arrays to Python, non-finite floats to ``None``.

One helper for every stage that writes result.json blocks, so "not measurable" is always
``null`` and never ``NaN`` (which is not JSON).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def to_json_ready(obj: Any) -> Any:
    """Recursively turn numpy values into Python ones and non-finite floats into None.

    JSON has no NaN; a metric that could not be measured is ``null`` with its reason beside it.
    """
    if isinstance(obj, dict):
        return {str(k): to_json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_json_ready(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_json_ready(obj.tolist())
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def rounded_or_none(x: float, digits: int = 3) -> float | None:
    """``x`` rounded to ``digits`` decimals as a plain float, None when it is not finite."""
    return round(float(x), digits) if math.isfinite(x) else None
