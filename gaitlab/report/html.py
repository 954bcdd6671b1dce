"""The self-contained HTML report (Jinja2 template, autoescaped, images inline).

Every image is embedded as a ``data:`` URI and the CSS is inline, so the one file opens
offline and can be mailed. The annotated video is large and stays a separate file next to
the report (referenced by a relative path).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import cv2
import jinja2
import numpy as np

from gaitlab.files import write_text_atomic
from gaitlab.report.style import LEFT_HEX, RIGHT_HEX

TEMPLATE = "report.html.j2"


#: Inline photos (key frames) as JPEG of this quality: ~8x smaller than PNG, same look.
JPEG_QUALITY = 85


def data_uri(path: str | Path, photo: bool = False) -> str:
    """``data:`` URI of a PNG file; ``photo=True`` re-encodes it as JPEG (video frames)."""
    raw = Path(path).read_bytes()
    if photo:
        img = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if ok:
            return "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gaitlab.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )
    env.filters["data_uri"] = data_uri
    return env


def render_html(content: dict[str, Any]) -> str:
    """The report as an HTML string (see :func:`gaitlab.report.content.build_content`)."""
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(c=content, left_hex=LEFT_HEX, right_hex=RIGHT_HEX)
    )


def write_html(content: dict[str, Any], path: str | Path) -> Path:
    """Write the HTML report to ``path`` (atomically)."""
    return write_text_atomic(path, render_html(content))
