"""The interactive gait-cycle chart of the physio review (Altair, drawn by ``st.altair_chart``).

The same panels as the report's static figure (:func:`gaitlab.report.cycles.cycle_panels`):
each side's strides thin, their mean bold, +-1 SD shaded, a dotted rule at each side's mean
toe-off, the cited typical-runner band in grey. Hovering a stride's curve shows the value,
the stride number and its side; clicking it selects that stride (:func:`picked_stride`),
which the page opens in the frame scrubber (:func:`stride_frames`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np

from gaitlab.kinematics.cycles import CYCLE_PCT
from gaitlab.report.cycles import CyclePanel
from gaitlab.report.data import ReportData
from gaitlab.report.style import LEFT_HEX, RIGHT_HEX

#: Name of the click selection in the chart's spec (the key of the selection event).
PICK = "stride_pick"
_SIDE_SCALE = alt.Scale(domain=["left", "right"], range=[LEFT_HEX, RIGHT_HEX])


def _records(panel: CyclePanel) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Long-form rows: one per stride and point, and one per side and point (mean, SD)."""
    strides, means = [], []
    for side, c in panel.sides.items():
        for w, row in zip(c.strides, c.curves_deg, strict=True):
            for pct, v in zip(CYCLE_PCT, row, strict=True):
                if np.isfinite(v):
                    strides.append(
                        {
                            "pct": float(pct),
                            "value_deg": round(float(v), 2),
                            "stride": w.index + 1,
                            "side": side,
                            "foot_strike_s": round(w.foot_strike_s, 3),
                        }
                    )
        mean, sd = c.mean_deg, c.sd_deg
        for pct, m, s in zip(CYCLE_PCT, mean, sd, strict=True):
            if np.isfinite(m):
                s = float(s) if np.isfinite(s) else 0.0
                means.append(
                    {"pct": float(pct), "mean_deg": round(float(m), 2), "side": side,
                     "low_deg": round(float(m) - s, 2), "high_deg": round(float(m) + s, 2)}
                )  # fmt: skip
    return strides, means


def cycle_chart(panel: CyclePanel, *, height_px: int = 260) -> alt.LayerChart:
    """One panel as a layered Altair chart with hover tooltips and a click-to-pick stride.

    Parameters
    ----------
    panel
        From :func:`gaitlab.report.cycles.cycle_panels`.
    height_px
        Chart height.
    """
    stride_rows, mean_rows = _records(panel)
    pick = alt.selection_point(name=PICK, fields=["stride"], on="click", clear="dblclick")
    x = alt.X("pct:Q", title="% of gait cycle", scale=alt.Scale(domain=[0, 100]))
    colour = alt.Color("side:N", scale=_SIDE_SCALE, title="side")
    base = alt.Chart(alt.Data(values=stride_rows))
    curves = base.mark_line(strokeWidth=1).encode(
        x=x,
        y=alt.Y("value_deg:Q", title="deg"),
        color=colour,
        detail="stride:N",
        # Before a click nothing is picked (empty=False): every stride stays faint.
        opacity=alt.condition(pick, alt.value(0.9), alt.value(0.25), empty=False),
        strokeWidth=alt.condition(pick, alt.value(2.5), alt.value(1), empty=False),
    )
    tooltip = [
        alt.Tooltip("stride:N", title="stride"),
        alt.Tooltip("side:N"),
        alt.Tooltip("pct:Q", title="% cycle"),
        alt.Tooltip("value_deg:Q", title="deg", format=".1f"),
        alt.Tooltip("foot_strike_s:Q", title="foot strike (s)", format=".2f"),
    ]
    # Points carry the hover and the click: a line mark only reports its first point.
    points = (
        base.mark_circle(size=40)
        .encode(x=x, y="value_deg:Q", color=colour, tooltip=tooltip,
                opacity=alt.condition(pick, alt.value(0.6), alt.value(0.05), empty=False))
        .add_params(pick)
    )  # fmt: skip
    mean_base = alt.Chart(alt.Data(values=mean_rows))
    spread = mean_base.mark_area(opacity=0.18).encode(
        x=x, y="low_deg:Q", y2="high_deg:Q", color=colour
    )
    mean = mean_base.mark_line(strokeWidth=3).encode(x=x, y="mean_deg:Q", color=colour)
    toe_rows = [
        {"pct": round(c.mean_toe_off_pct, 1), "side": side, "label": "mean toe-off"}
        for side, c in panel.sides.items()
        if np.isfinite(c.mean_toe_off_pct)
    ]
    toe = (
        alt.Chart(alt.Data(values=toe_rows))
        .mark_rule(strokeDash=[3, 3])
        .encode(x="pct:Q", color=colour, tooltip=["label:N", alt.Tooltip("pct:Q", title="%")])
    )
    layers: list[Any] = []
    if panel.band is not None:
        b = panel.band
        spans = [(b.start_pct, b.end_pct)] if b.end_pct > b.start_pct else [(0, 3), (97, 100)]
        lo = b.low_deg if b.low_deg is not None else float(np.nanmin(_all(panel)))
        hi = b.high_deg if b.high_deg is not None else float(np.nanmax(_all(panel)))
        band_rows = [{"x0": x0, "x1": x1, "lo": lo, "hi": hi, "band": b.label} for x0, x1 in spans]
        layers.append(
            alt.Chart(alt.Data(values=band_rows))
            .mark_rect(color="#777777", opacity=0.2)
            .encode(x="x0:Q", x2="x1:Q", y="lo:Q", y2="hi:Q", tooltip=["band:N"])
        )
    layers += [spread, curves, points, mean, toe]
    title = alt.TitleParams(panel.title, anchor="start", fontSize=13)
    return alt.layer(*layers).properties(height=height_px, title=title)


def _all(panel: CyclePanel) -> np.ndarray:
    return np.concatenate([c.curves_deg.ravel() for c in panel.sides.values()])


def picked_stride(event: Any) -> int | None:
    """The 1-based stride number a chart click selected (from ``st.altair_chart``'s event).

    None when nothing is selected (or the selection was cleared).
    """
    selection = (event or {}).get("selection") if isinstance(event, Mapping) else None
    if selection is None and event is not None:
        selection = getattr(event, "selection", None)
    points = (selection or {}).get(PICK) or []
    if not points:
        return None
    stride = points[0].get("stride") if isinstance(points[0], Mapping) else None
    return int(stride) if stride is not None else None


def stride_frames(data: ReportData, stride_number: int) -> tuple[int, int] | None:
    """First and last frame of stride ``stride_number`` (1-based, result order), or None."""
    strides = data.strides
    if not 1 <= stride_number <= len(strides):
        return None
    s = strides[stride_number - 1]
    t = data.time_s
    first = int(np.argmin(np.abs(t - s.foot_strike_s)))
    last = int(np.argmin(np.abs(t - (s.next_foot_strike_s or s.foot_strike_s))))
    return first, last
