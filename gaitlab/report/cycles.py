"""Angles over the gait cycle, as the report draws them (and the dashboard charts them).

:func:`cycle_panels` gathers, per angle of the clip's view, the normalised strides of each
side (:mod:`gaitlab.kinematics.cycles`) and the typical-runner band where a published study
sets one (:func:`gaitlab.findings.normal.cited_bands`); :func:`gait_cycle_figure` draws
them as one static figure (``plot_gait_cycle.png``): each side's strides thin, their mean
bold with +-1 SD shaded, a dotted line at the side's mean toe-off, the band in grey.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gaitlab.findings import load_knowledge_base
from gaitlab.findings.normal import cited_bands
from gaitlab.kinematics.cycles import (
    CYCLE_PCT,
    METRIC_ON_CYCLE,
    CycleCurves,
    gait_cycles,
    stride_windows,
)
from gaitlab.kinematics.definitions import physical_range
from gaitlab.report.data import ReportData
from gaitlab.report.style import side_hex

#: Angles shown over the cycle per view: (panel title, series without side prefix).
SIDE_CYCLE_PANELS: tuple[tuple[str, str], ...] = (
    ("Hip extension (deg, + = extension)", "hip_extension_deg"),
    ("Knee flexion (deg)", "knee_flexion_deg"),
    ("Shank vs vertical (deg, + = ankle ahead of knee)", "shank_angle_deg"),
    ("Trunk lean (deg, + = forward)", "trunk_lean_deg"),
)
FRONTAL_CYCLE_PANELS: tuple[tuple[str, str], ...] = (
    ("Pelvic obliquity (deg, + = left hip higher)", "pelvic_obliquity_deg"),
    ("Lateral trunk lean (deg, + = to the right)", "lateral_trunk_lean_deg"),
)


@dataclass(frozen=True)
class ReferenceBand:
    """A typical-runner band drawn on a cycle panel.

    Attributes
    ----------
    low_deg, high_deg
        Edges; None = unbounded on that end (drawn to the panel's edge).
    start_pct, end_pct
        Part of the cycle the band applies to (equal: an instant, e.g. foot strike at 0 %).
    label
        What it is and who measured it, for the legend.
    """

    low_deg: float | None
    high_deg: float | None
    start_pct: float
    end_pct: float
    label: str


@dataclass(frozen=True)
class CyclePanel:
    """One angle over the gait cycle: each side's strides and an optional band."""

    title: str
    series: str
    sides: dict[str, CycleCurves]
    band: ReferenceBand | None


def _bands_by_series() -> dict[str, ReferenceBand]:
    kb = load_knowledge_base()
    out = {}
    for metric, band in cited_bands(kb).items():
        if metric not in METRIC_ON_CYCLE:
            continue
        series, start, end = METRIC_ON_CYCLE[metric]
        who = ", ".join(kb.references[k].short_name for k in band.sources)
        where = "stride mean" if end > start else "at foot strike"
        if band.low is not None and band.high is not None:
            edges = f"{band.low:g} to {band.high:g} deg"
        elif band.high is not None:
            edges = f"up to {band.high:g} deg"
        else:
            edges = f"{band.low:g} deg or more"
        out[series] = ReferenceBand(
            band.low, band.high, start, end, f"typical runner, {where}: {edges} ({who})"
        )
    return out


def cycle_panels(data: ReportData) -> list[CyclePanel]:
    """The gait-cycle panels of the clip's view that have at least one stride."""
    specs = SIDE_CYCLE_PANELS if data.is_side else FRONTAL_CYCLE_PANELS if data.is_frontal else ()
    if not specs or not data.angles or not data.strides:
        return []
    windows = stride_windows(data.strides)
    cycles = gait_cycles(data.time_s, data.angles, windows)
    bands = _bands_by_series()
    panels = []
    for title, base in specs:
        sides = {
            side: c
            for side in ("left", "right")
            for key in ((f"{side}_{base}", side), (base, side))
            if (c := cycles.get(key)) is not None
        }
        if sides:
            panels.append(CyclePanel(title, base, sides, bands.get(base)))
    return panels


def _figure(width_in: float, height_in: float) -> Figure:
    fig = Figure(figsize=(width_in, height_in), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def gait_cycle_figure(data: ReportData) -> Figure | None:
    """Every angle of the view over the gait cycle, left and right overlaid.

    Each line carries a ``gid`` ``"<series>|<side>|stride <i>"`` or ``"<series>|<side>|mean"``
    so that tests (and readers of the SVG) can tell which data it shows. None when the clip
    has no strides.
    """
    panels = cycle_panels(data)
    if not panels:
        return None
    cols = 2
    rows = int(np.ceil(len(panels) / cols))
    fig = _figure(9.0, 2.6 * rows + 0.5)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, panel in zip(axes, panels, strict=False):
        for side, c in panel.sides.items():
            colour = side_hex(side)
            for w, row in zip(c.strides, c.curves_deg, strict=True):
                (line,) = ax.plot(CYCLE_PCT, row, color=colour, lw=0.6, alpha=0.3)
                line.set_gid(f"{c.angle}|{side}|stride {w.index}")
            mean, sd = c.mean_deg, c.sd_deg
            ax.fill_between(CYCLE_PCT, mean - sd, mean + sd, color=colour, alpha=0.18, lw=0)
            label = f"{side.capitalize()} (n={len(c.strides)})"
            (line,) = ax.plot(CYCLE_PCT, mean, color=colour, lw=1.8, label=label)
            line.set_gid(f"{c.angle}|{side}|mean")
            if np.isfinite(c.mean_toe_off_pct):
                ax.axvline(c.mean_toe_off_pct, color=colour, ls=":", lw=1.2)
        if panel.band is not None:
            _draw_band(ax, panel)
        ax.set_title(panel.title, fontsize=9, loc="left")
        ax.set_xlim(0, 100)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
        ax.legend(fontsize=7, loc="best")
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    fig.supxlabel(
        "% of the gait cycle (foot strike to the next strike of the same foot); "
        "bold = mean, shaded = +-1 SD, dotted = mean toe-off",
        fontsize=8,
    )
    return fig


def _draw_band(ax, panel: CyclePanel) -> None:
    band = panel.band
    assert band is not None
    lo_ax, hi_ax = ax.get_ylim()
    rng = physical_range(panel.series) or (lo_ax, hi_ax)
    low = band.low_deg if band.low_deg is not None else max(lo_ax, rng[0])
    high = band.high_deg if band.high_deg is not None else min(hi_ax, rng[1])
    # An instant (foot strike) is drawn as a narrow strip at both ends of the cycle.
    spans = (
        [(band.start_pct, band.end_pct)] if band.end_pct > band.start_pct else [(0, 3), (97, 100)]
    )
    for i, (x0, x1) in enumerate(spans):
        ax.fill_between(
            [x0, x1], [low, low], [high, high], color="#777777", alpha=0.22, lw=0,
            label=band.label if i == 0 else None,
        )  # fmt: skip
    ax.set_ylim(min(lo_ax, low), max(hi_ax, high))
