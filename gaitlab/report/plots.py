"""Plots of one clip: angle time series, per-stride values, left vs right, gait cycle.

Built with matplotlib's object API (:class:`matplotlib.figure.Figure` on the Agg canvas: no
pyplot, no global state). Left and right use the colours of
:mod:`gaitlab.report.style`, as in the video. Each function returns a Figure; :func:`save_png`
writes it. The values plotted are the kinematics stage's (nothing is computed here), with
values outside a metric's physical range masked as artefacts
(:data:`gaitlab.kinematics.definitions.PHYSICAL_RANGES`). The gait-cycle figure lives in
:mod:`gaitlab.report.cycles`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gaitlab.kinematics.cycles import mask_unphysical
from gaitlab.report.cycles import gait_cycle_figure
from gaitlab.report.data import ReportData
from gaitlab.report.style import LEFT_HEX, RIGHT_HEX, TRUNK_HEX, side_hex

#: Angle series plotted per view: (panel title, [(series name, side or None)]).
SIDE_PANELS: tuple[tuple[str, tuple[tuple[str, str | None], ...]], ...] = (
    ("Hip extension (deg, + = extension)",
     (("left_hip_extension_deg", "left"), ("right_hip_extension_deg", "right"))),
    ("Trunk lean (deg, + = forward)", (("trunk_lean_deg", None),)),
    ("Knee flexion (deg)",
     (("left_knee_flexion_deg", "left"), ("right_knee_flexion_deg", "right"))),
)  # fmt: skip
FRONTAL_PANELS: tuple[tuple[str, tuple[tuple[str, str | None], ...]], ...] = (
    ("Pelvic obliquity (deg, + = left hip higher)", (("pelvic_obliquity_deg", None),)),
    ("Lateral trunk lean (deg, + = to the right)", (("lateral_trunk_lean_deg", None),)),
)

#: Metrics shown per stride and left vs right, per view (those that exist are drawn).
SIDE_STRIDE_METRICS = (
    "hip_extension_deg", "thigh_extension_deg", "trunk_lean_deg", "overstride_pct_leg",
    "knee_flexion_strike_deg", "contact_time_s", "lumbar_arch_angle_deg",
)  # fmt: skip
FRONTAL_STRIDE_METRICS = (
    "pelvic_drop_deg", "lateral_trunk_lean_deg", "foot_midline_offset_pct_leg",
    "step_width_pct_leg",
)  # fmt: skip


def _figure(width_in: float, height_in: float) -> Figure:
    fig = Figure(figsize=(width_in, height_in), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as PNG and return the path."""
    path = Path(path)
    fig.savefig(path, format="png")
    return path


def png_bytes(fig: Figure) -> bytes:
    """``fig`` as PNG bytes (for inline images)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def warm_up() -> None:
    """Draw a tiny figure once, so that a later plot finds matplotlib's fonts and modules loaded.

    What a plot costs the first time in a process beyond the later ones (the font cache,
    the text layout and PNG modules): :class:`gaitlab.report.documents.DocumentsProcess`
    pays it while the pose model still runs.
    """
    fig = _figure(1.0, 1.0)
    ax = fig.add_subplot()
    ax.plot([0.0, 1.0], [0.0, 1.0], color=LEFT_HEX)
    ax.set_title("deg")
    png_bytes(fig)


def _shade_stances(ax, data: ReportData) -> None:
    for s in data.strides:
        if s.toe_off_s is None:
            continue
        ax.axvspan(s.foot_strike_s, s.toe_off_s, color=side_hex(s.side), alpha=0.12, lw=0)


def _mark_events(ax, data: ReportData) -> None:
    for e in data.events:
        ls = "-" if e.kind == "foot_strike" else ":"
        ax.axvline(e.time_s, color=side_hex(e.side), ls=ls, lw=0.7, alpha=0.8)


def angle_timeseries(data: ReportData) -> Figure | None:
    """Angle series of the clip's view, stance phases shaded, events marked.

    Stance (foot strike to toe-off) is shaded in the leg's colour; foot strikes are solid
    lines, toe-offs dotted. None when there are no angle series.
    """
    panels = SIDE_PANELS if data.is_side else FRONTAL_PANELS if data.is_frontal else ()
    panels = tuple(p for p in panels if any(name in data.angles for name, _ in p[1]))
    if not panels:
        return None
    fig = _figure(9.0, 2.2 * len(panels) + 0.6)
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    t = data.time_s
    for ax, (title, series) in zip(axes, panels, strict=True):
        _shade_stances(ax, data)
        _mark_events(ax, data)
        for name, side in series:
            if name not in data.angles:
                continue
            colour = side_hex(side) if side else TRUNK_HEX
            label = side.capitalize() if side else None
            # Artefacts outside the angle's physical range never reach the plot.
            (line,) = ax.plot(
                t, mask_unphysical(name, data.angles[name]), color=colour, lw=1.4, label=label
            )
            line.set_gid(name)
        ax.set_title(title, fontsize=9, loc="left")
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        if any(side for _, side in series):
            ax.legend(fontsize=8, loc="upper right")
    axes[-1].set_xlabel(
        "time (s); shaded = stance, solid = foot strike, dotted = toe-off", fontsize=8
    )
    return fig


def _metric_names(data: ReportData, names: Sequence[str]) -> list[str]:
    m = data.metrics
    return [n for n in names if n in m and m[n].measurable]


def per_stride(data: ReportData) -> Figure | None:
    """Per-stride values of the view's main metrics, by side, with the per-side medians."""
    names = _metric_names(data, SIDE_STRIDE_METRICS if data.is_side else FRONTAL_STRIDE_METRICS)
    if not names:
        return None
    cols = 2
    rows = int(np.ceil(len(names) / cols))
    fig = _figure(9.0, 2.1 * rows + 0.4)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        block = data.metrics[name]
        for side in ("left", "right"):
            vals = [v for v in block.values if v.side == side]
            x = [v.time_s for v in vals]
            y = [np.nan if v.value is None else v.value for v in vals]
            (line,) = ax.plot(
                x, mask_unphysical(name, np.asarray(y, dtype=float)), "o",
                color=side_hex(side), ms=4, label=side.capitalize(),
            )  # fmt: skip
            line.set_gid(name)
            med = block.left_median if side == "left" else block.right_median
            if med is not None:
                ax.axhline(med, color=side_hex(side), lw=1, ls="--", alpha=0.8)
        ax.set_title(f"{name}  ({block.confidence})", fontsize=8, loc="left")
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7)
    fig.supxlabel("foot strike time of the stride (s); dashed = side median", fontsize=8)
    return fig


def left_right(data: ReportData) -> Figure | None:
    """Left vs right medians of the view's metrics, with each side's IQR-free spread."""
    names = [
        n
        for n in _metric_names(
            data, SIDE_STRIDE_METRICS if data.is_side else FRONTAL_STRIDE_METRICS
        )
        if data.metrics[n].left_median is not None and data.metrics[n].right_median is not None
    ]
    if not names:
        return None
    fig = _figure(9.0, 0.45 * len(names) + 1.2)
    ax = fig.subplots()
    y = np.arange(len(names))
    h = 0.38
    for side, offset, colour in (("left", -h / 2, LEFT_HEX), ("right", h / 2, RIGHT_HEX)):
        medians = [
            float(
                mask_unphysical(
                    n, np.array([getattr(data.metrics[n], f"{side}_median")], dtype=float)
                )[0]
            )
            for n in names
        ]
        bars = ax.barh(y + offset, medians, h, color=colour, label=side.capitalize())
        for bar, n in zip(bars, names, strict=True):
            bar.set_gid(n)
    labels = []
    for n in names:
        lmr = data.metrics[n].left_minus_right
        labels.append(f"{n}\nL-R {lmr:+.1f}" if lmr is not None else n)
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0, color="#444444", lw=0.8)
    ax.grid(axis="x", alpha=0.3)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=8)
    ax.set_title(
        "Left vs right (median over strides, in each metric's unit)", fontsize=9, loc="left"
    )
    return fig


def all_plots(data: ReportData) -> dict[str, Figure]:
    """Every plot that applies to the clip, by file stem."""
    out = {}
    for name, fn in (
        ("plot_angles", angle_timeseries),
        ("plot_per_stride", per_stride),
        ("plot_left_right", left_right),
        ("plot_gait_cycle", gait_cycle_figure),
    ):
        fig = fn(data)
        if fig is not None:
            out[name] = fig
    return out
