"""The cohort summary: one self-contained HTML page over a batch's scores.

Clips that need a human look come first (failed, poor pose, uncertain view, low-confidence
metrics, findings), then each metric's distribution across the cohort drawn as an inline SVG
strip plot over its normal band, then every clip. No scripts, no external files: the page can
be mailed or archived as is.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from gaitlab.batch.flatten import CONFIDENCE_SUFFIX, MEDIAN_SUFFIX
from gaitlab.files import write_text_atomic

SUMMARY_HTML = "summary.html"

#: Dot colour per metric confidence (colour-blind-safe diverging palette).
CONFIDENCE_COLOURS = {
    "high": "#1a9850",
    "medium": "#91bfdb",
    "low": "#fc8d59",
}
OTHER_COLOUR = "#999999"
PLOT_W, PLOT_H, MARGIN = 560, 64, 24

_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 6px; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.error { color: #b2182b; } .pending { color: #777; } .muted { color: #666; }
.note { background: #fff8e1; padding: 0.6em 1em; border-left: 4px solid #f0b400; }
.metric { margin: 1em 0 1.4em; } .metric h3 { margin: 0; font-size: 1em; }
.legend span { display: inline-block; margin-right: 1.2em; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%;
       margin-right: 4px; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _fmt(value: Any, digits: int = 3) -> str:
    if isinstance(value, bool) or value is None:
        return _e(value)
    if isinstance(value, float):
        return f"{value:.{digits}g}" if math.isfinite(value) else ""
    return _e(value)


def _metric_names(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names.update(
            dict.fromkeys(c[: -len(MEDIAN_SUFFIX)] for c in row if c.endswith(MEDIAN_SUFFIX))
        )
    return list(names)


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi]."""
    span = hi - lo
    raw = span / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def strip_plot(
    points: Sequence[tuple[str, float, str]], band: Sequence[float | None] | None
) -> str:
    """An inline SVG strip plot: one dot per clip over the shaded normal band.

    Parameters
    ----------
    points
        ``(clip name, value, confidence)`` per measured clip.
    band
        ``[low, high]`` of the normal band (either may be None), or None.
    """
    values = np.array([v for _, v, _ in points], dtype=float)
    bounds = [b for b in (band or []) if b is not None]
    lo = float(min(values.min(), *bounds)) if bounds else float(values.min())
    hi = float(max(values.max(), *bounds)) if bounds else float(values.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad

    def x(v: float) -> float:
        return MARGIN + (v - lo) / (hi - lo) * (PLOT_W - 2 * MARGIN)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PLOT_W}" height="{PLOT_H}" '
        f'viewBox="0 0 {PLOT_W} {PLOT_H}" role="img">'
    ]
    axis_y = PLOT_H - 18
    if band is not None and bounds:
        b_lo = x(band[0]) if band[0] is not None else MARGIN
        b_hi = x(band[1]) if band[1] is not None else PLOT_W - MARGIN
        parts.append(
            f'<rect x="{b_lo:.1f}" y="4" width="{max(b_hi - b_lo, 1):.1f}" '
            f'height="{axis_y - 4}" fill="#e5f5e0"><title>normal band</title></rect>'
        )
    parts.append(
        f'<line x1="{MARGIN}" y1="{axis_y}" x2="{PLOT_W - MARGIN}" y2="{axis_y}" stroke="#888"/>'
    )
    for tick in _nice_ticks(lo, hi):
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{axis_y}" x2="{tx:.1f}" y2="{axis_y + 4}" stroke="#888"/>'
            f'<text x="{tx:.1f}" y="{PLOT_H - 3}" font-size="10" text-anchor="middle" '
            f'fill="#555">{tick:g}</text>'
        )
    median = float(np.median(values))
    parts.append(
        f'<line x1="{x(median):.1f}" y1="4" x2="{x(median):.1f}" y2="{axis_y}" '
        f'stroke="#333" stroke-dasharray="3,2"><title>cohort median {median:.3g}</title></line>'
    )
    for i, (name, value, confidence) in enumerate(points):
        # Deterministic vertical jitter, so equal values stay visible and the page is stable.
        y = 10 + (i * 37) % max(axis_y - 18, 1)
        colour = CONFIDENCE_COLOURS.get(str(confidence).lower(), OTHER_COLOUR)
        outside = band is not None and (
            (band[0] is not None and value < band[0]) or (band[1] is not None and value > band[1])
        )
        stroke = ' stroke="#b2182b" stroke-width="1.5"' if outside else ""
        parts.append(
            f'<circle cx="{x(value):.1f}" cy="{y}" r="4" fill="{colour}"{stroke}>'
            f"<title>{_e(name)}: {value:.3g} ({_e(confidence)})</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _review_sort_key(item: tuple[int, Mapping[str, Any]]) -> tuple[int, int, int]:
    i, row = item
    status_rank = {"error": 0, "ok": 1}.get(str(row.get("status")), 2)
    return (status_rank, -len(str(row.get("review", "")).split("; ")), i)


def render_summary(
    rows: Sequence[Mapping[str, Any]],
    bands: Mapping[str, Sequence[float | None]],
    *,
    title: str = "gaitlab cohort summary",
) -> str:
    """The summary page as an HTML string (see the module docstring)."""
    n = len(rows)
    counts = {s: sum(1 for r in rows if r.get("status") == s) for s in ("ok", "error", "pending")}
    review = sorted(
        ((i, r) for i, r in enumerate(rows) if r.get("needs_review")), key=_review_sort_key
    )
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">{n} clips: {counts["ok"]} scored, {counts["error"]} failed, '
        f"{counts['pending']} not scored yet; {len(review)} need review. Generated "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}.</p>",
        '<p class="note">gaitlab measures movement. It does not diagnose. See a professional '
        "for pain that is sharp, persistent, or limits daily life.</p>",
        "<h2>Clips needing review</h2>",
    ]
    if review:
        out.append(
            "<table><tr><th>clip</th><th>runner</th><th>label</th><th>status</th>"
            "<th>why</th><th>result</th></tr>"
        )
        for _, r in review:
            out.append(_review_row(r))
        out.append("</table>")
    else:
        out.append(
            "<p>None: every clip scored with a clear pose, a certain view and no finding.</p>"
        )
    out.append(_metrics_section(rows, bands))
    out.append(_all_clips_section(rows))
    out.append("</body></html>")
    return "\n".join(out)


def _link(result_dir: Any) -> str:
    if not result_dir:
        return ""
    href = html.escape(f"{result_dir}/result.json", quote=True)
    return f'<a href="{href}">result.json</a>'


def _review_row(r: Mapping[str, Any]) -> str:
    cls = "error" if r.get("status") == "error" else ""
    reasons = "<br>".join(_e(x) for x in str(r.get("review", "")).split("; ") if x)
    return (
        f'<tr class="{cls}"><td>{_e(r.get("clip"))}</td><td>{_e(r.get("runner_id"))}</td>'
        f"<td>{_e(r.get('label'))}</td><td>{_e(r.get('status'))}</td><td>{reasons}</td>"
        f"<td>{_link(r.get('result_dir'))}</td></tr>"
    )


def _band_text(band: Sequence[float | None] | None) -> str:
    if band is None or (band[0] is None and band[1] is None):
        return "no normal band in the findings knowledge base"
    low, high = band
    if low is None:
        return f"normal: up to {_fmt(high)}"
    if high is None:
        return f"normal: {_fmt(low)} or more"
    return f"normal: {_fmt(low)} to {_fmt(high)}"


def _metrics_section(
    rows: Sequence[Mapping[str, Any]], bands: Mapping[str, Sequence[float | None]]
) -> str:
    names = _metric_names(rows)
    out = ["<h2>Metrics across the cohort</h2>"]
    if not names:
        out.append(
            "<p>No metrics in these results (they hold no <code>kinematics</code> block).</p>"
        )
        return "\n".join(out)
    legend = "".join(
        f'<span><i class="dot" style="background:{c}"></i>{_e(k)} confidence</span>'
        for k, c in CONFIDENCE_COLOURS.items()
    )
    out.append(
        f'<p class="legend">{legend}<span>red ring: outside the normal band</span>'
        "<span>dashed line: cohort median</span><span>green area: normal band</span></p>"
    )
    for name in names:
        points = []
        for r in rows:
            value = r.get(f"{name}{MEDIAN_SUFFIX}")
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
            ):
                points.append(
                    (str(r.get("clip")), float(value), r.get(f"{name}{CONFIDENCE_SUFFIX}"))
                )
        band = bands.get(name)
        band_text = _band_text(band)
        out.append(f'<div class="metric"><h3>{_e(name)}</h3>')
        if not points:
            out.append(f'<p class="muted">not measured in any clip; {band_text}</p></div>')
            continue
        vals = np.array([v for _, v, _ in points])
        q1, med, q3 = np.percentile(vals, [25, 50, 75])
        out.append(
            f'<p class="muted">{len(points)} of {len(rows)} clips; cohort median {med:.3g}, '
            f"IQR {q1:.3g} to {q3:.3g}; {band_text}</p>"
        )
        out.append(strip_plot(points, band))
        out.append("</div>")
    return "\n".join(out)


def _all_clips_section(rows: Sequence[Mapping[str, Any]]) -> str:
    out = [
        "<h2>All clips</h2>",
        "<table><tr><th>clip</th><th>runner</th><th>label</th><th>status</th><th>view</th>"
        "<th>frames</th><th>fps</th><th>pose found</th><th>findings</th><th>result</th></tr>",
    ]
    for r in rows:
        rate = r.get("detection_rate")
        rate_text = f"{rate:.0%}" if isinstance(rate, int | float) else ""
        status = str(r.get("status"))
        detail = f": {r.get('error')}" if status == "error" else ""
        out.append(
            f'<tr class="{_e(status)}"><td>{_e(r.get("clip"))}</td>'
            f"<td>{_e(r.get('runner_id'))}</td><td>{_e(r.get('label'))}</td>"
            f"<td>{_e(status + detail)}</td><td>{_e(r.get('view') or r.get('view_requested'))}</td>"
            f'<td class="num">{_fmt(r.get("n_frames"))}</td>'
            f'<td class="num">{_fmt(r.get("capture_fps"))}</td>'
            f'<td class="num">{rate_text}</td><td>{_e(r.get("findings", ""))}</td>'
            f"<td>{_link(r.get('result_dir'))}</td></tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def write_summary(
    rows: Sequence[Mapping[str, Any]],
    bands: Mapping[str, Sequence[float | None]],
    path: Path,
) -> Path:
    """Render the summary and write it atomically to ``path``."""
    return write_text_atomic(path, render_summary(rows, bands))
