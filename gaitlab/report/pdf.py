"""The PDF report for the clinic file (fpdf2; text, tables and the PNGs).

Page 1 carries the summary, what to do if it hurts (above the findings), the ranked findings
with the sources of their bands, and the safety notice; then the findings in full with their
fixes and citations, the metric table, key frames, plots, clip quality and
how it was measured. The font is DejaVu Sans from matplotlib's own data folder (Unicode:
degree signs, dashes), so nothing is downloaded and no system font is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from gaitlab.files import atomic_path
from gaitlab.report.style import LEFT_RGB, RIGHT_RGB

_FONT = "DejaVu"
_SAFETY_RGB = (160, 42, 30)


def _font_files() -> dict[str, Path]:
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return {"": ttf / "DejaVuSans.ttf", "B": ttf / "DejaVuSans-Bold.ttf",
            "I": ttf / "DejaVuSans-Oblique.ttf"}  # fmt: skip


class _Report(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._title = title
        for style, path in _font_files().items():
            self.add_font(_FONT, style, str(path))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        self.set_title(title)
        self.set_creator("gaitlab")

    def photo_filter(self, photo: bool) -> None:
        """Store video frames as JPEG (a fifth of lossless PNG), plots losslessly."""
        self.set_image_filter("DCTDecode" if photo else "FlateDecode")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FONT, "", 7)
        self.set_text_color(120, 120, 120)
        self.cell(0, 5, f"{self._title} · page {self.page_no()} · gaitlab measures movement; "
                  "it does not diagnose.", align="C")  # fmt: skip
        self.set_text_color(0, 0, 0)

    # ------------------------------------------------------------ helpers
    def h1(self, text: str) -> None:
        self.set_font(_FONT, "B", 15)
        self.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def h2(self, text: str) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(3)
        self.set_font(_FONT, "B", 12)
        self.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(200, 200, 200)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def para(self, text: str, size: float = 9.5, style: str = "") -> None:
        self.set_font(_FONT, style, size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bullet(self, text: str, size: float = 9.5) -> None:
        self.set_font(_FONT, "", size)
        self.set_x(self.l_margin + 3)
        self.multi_cell(0, size * 0.5, f"•  {text}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def kv_table(self, rows: list[tuple[str, str]], size: float = 8.5) -> None:
        self.set_font(_FONT, "", size)
        with self.table(
            col_widths=(35, 145),
            text_align="LEFT",
            first_row_as_headings=False,
            line_height=size * 0.5,
            borders_layout="HORIZONTAL_LINES",
        ) as t:
            for k, v in rows:
                r = t.row()
                r.cell(k)
                r.cell(v)

    def image_fit(
        self, path: Path, width_mm: float, caption: str = "", photo: bool = False
    ) -> None:
        """Place a PNG at ``width_mm`` (new page if it does not fit); photos go in as JPEG."""
        from PIL import Image

        with Image.open(path) as im:
            w_px, h_px = im.size
        h_mm = width_mm * h_px / w_px
        if self.get_y() + h_mm + 8 > self.h - self.b_margin:
            self.add_page()
        x = self.get_x()
        self.photo_filter(photo)
        self.image(str(path), x=x, w=width_mm, h=h_mm)
        self.set_y(self.get_y() + 1)
        if caption:
            self.set_font(_FONT, "I", 7.5)
            self.multi_cell(width_mm, 3.6, caption, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _cited_block(pdf: _Report, title: str, items: list[dict], size: float) -> None:
    """A heading in the safety colour and one cited bullet per item."""
    pdf.set_draw_color(*_SAFETY_RGB)
    pdf.set_text_color(*_SAFETY_RGB)
    pdf.h2(title)
    pdf.set_text_color(0, 0, 0)
    for s in items:
        pdf.bullet(s["text"] + (f"  [{s['cite']}]" if s["cite"] else ""), size)


def warm_up() -> None:
    """Lay out a one-line PDF in memory, so that the report's first page finds fpdf2 loaded.

    The first PDF of a process parses the three fonts with their fontTools modules and
    loads fpdf2's text layout; :class:`gaitlab.report.documents.DocumentsProcess` pays that
    while the pose model still runs. Nothing is written.
    """
    pdf = _Report("warm-up")
    pdf.add_page()
    for style in ("", "B", "I"):
        pdf.para("10.5 deg", style=style)
    pdf.output()


def write_pdf(content: dict[str, Any], path: str | Path) -> Path:
    """Write the PDF report (see :func:`gaitlab.report.content.build_content`)."""
    path = Path(path)
    c = content
    pdf = _Report(c["title"])
    pdf.add_page()
    pdf.h1(c["title"])
    pdf.para(f"Analysed {c['created']}.   " + "   ".join(f"{k}: {v}" for k, v in c["summary"]), 9)
    pdf.set_font(_FONT, "", 8)
    pdf.set_text_color(*LEFT_RGB)
    pdf.cell(12, 5, "left")
    pdf.set_text_color(*RIGHT_RGB)
    pdf.cell(12, 5, "right", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)

    # Pain first, above the findings: a runner in pain acts on this before anything else.
    if c["pain_first"]:
        _cited_block(pdf, "If it hurts now", c["pain_first"], 8.5)

    # Findings next: the clinician reads page 1.
    pdf.h2("Findings")
    if not c["is_running"]:
        pdf.para(f"No running metrics: {c['running_reason']}", style="B")
    if not c["findings_available"]:
        pdf.para("The findings stage did not run for this result; the measured metrics follow.")
    elif not c["findings"]:
        pdf.para(
            "No finding: "
            + (c["findings_message"] or "every measured metric is inside its normal band.")
        )
    for f in c["findings"]:
        pdf.para(f"{f['rank']}. {f['title']}", 10.5, "B")
        pdf.para(f"severity {f['severity']} · side {f['side']} · {f['metric']} = {f['value']} · "
                 f"confidence {f['confidence']}", 8.5)  # fmt: skip
        if f["explanation"]:
            pdf.para(f["explanation"], 9)
        if f["band"]:
            pdf.para(f"Band: {f['band']}", 7.5, "I")
        pdf.ln(1)

    _cited_block(pdf, "Safety first", c["safety"], 9)

    # Fixes in full.
    if c["findings"]:
        pdf.h2("What to work on")
        for f in c["findings"]:
            pdf.para(f"{f['rank']}. {f['title']}", 10.5, "B")
            if f["cues"]:
                pdf.para("Cues while running:", 9, "B")
                for q in f["cues"]:
                    pdf.bullet(q, 9)
            if f["exercises"]:
                pdf.para("Exercises:", 9, "B")
                for e in f["exercises"]:
                    txt = e["name"] + (f": {e['how']}" if e["how"] else "")
                    pdf.bullet(txt + (f"  [{e['cite']}]" if e["cite"] else ""), 9)
            if f["cite"]:
                pdf.para(f"Sources: {f['cite']}", 8, "I")
            if f["image"] is not None:
                pdf.image_fit(
                    Path(f["image"]), 80, "At its worst stride, with the angle drawn.", photo=True
                )
            pdf.ln(2)
    if c["general_advice"]:
        pdf.h2("For every runner")
        for a in c["general_advice"]:
            pdf.bullet(a["text"] + (f"  [{a['cite']}]" if a["cite"] else ""), 9)

    pdf.h2("Metrics")
    if c["metrics"]:
        pdf.set_font(_FONT, "", 7.5)
        with pdf.table(
            col_widths=(52, 17, 15, 17, 17, 15, 12, 35), text_align="LEFT", line_height=3.6,
            borders_layout="HORIZONTAL_LINES",
        ) as t:  # fmt: skip
            head = t.row()
            for h in ("metric", "median", "IQR", "left", "right", "L-R", "n", "confidence"):
                head.cell(h)
            for m in c["metrics"]:
                r = t.row()
                for key in ("name", "median", "iqr", "left", "right", "lmr", "n"):
                    r.cell(m[key])
                r.cell(m["confidence"] + (f": {m['reasons']}" if m["reasons"] else ""))
    else:
        pdf.para("No metric could be measured on this clip.")
    if c["not_measurable"]:
        pdf.para("Not measurable on this clip:", 8.5, "B")
        for m in c["not_measurable"]:
            pdf.bullet(f"{m['name']}: {m['reasons']}", 7.5)

    if c["keyframes"]:
        pdf.h2("Key frames")
        col_w, gap = 56.0, 6.0
        for k, kf in enumerate(c["keyframes"]):
            col = k % 3
            if col == 0:
                y0 = pdf.get_y()
                from PIL import Image

                with Image.open(kf["path"]) as im:
                    ratio = im.size[1] / im.size[0]
                if y0 + col_w * ratio + 8 > pdf.h - pdf.b_margin:
                    pdf.add_page()
                    y0 = pdf.get_y()
                row_h = col_w * ratio
            pdf.photo_filter(True)
            pdf.image(str(kf["path"]), x=pdf.l_margin + col * (col_w + gap), y=y0, w=col_w)
            pdf.set_xy(pdf.l_margin + col * (col_w + gap), y0 + row_h + 0.5)
            pdf.set_font(_FONT, "I", 7)
            pdf.cell(col_w, 4, kf["caption"])
            if col == 2 or k == len(c["keyframes"]) - 1:
                pdf.set_xy(pdf.l_margin, y0 + row_h + 6)

    if c["plots"]:
        pdf.h2("Plots")
        for p in c["plots"]:
            pdf.image_fit(Path(p["path"]), pdf.w - pdf.l_margin - pdf.r_margin)
            pdf.ln(2)

    pdf.h2("Clip quality")
    pdf.kv_table([(k, str(v)) for k, v in c["quality"]])
    pdf.h2("How this was measured")
    pdf.kv_table([(k, str(v)) for k, v in c["method"]])
    if c["sign_conventions"]:
        pdf.para("Sign conventions:", 8.5, "B")
        for k, v in c["sign_conventions"]:
            pdf.bullet(f"{k}: {v}", 7.5)
    if c["sources"]:
        pdf.h2("Sources")
        for s in c["sources"]:
            pdf.bullet(f"[{s['key']}] {s['title']}" + (f" ({s['url']})" if s["url"] else ""), 8.5)
    with atomic_path(path) as tmp:
        pdf.output(str(tmp))
    return path
