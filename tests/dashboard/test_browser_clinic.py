"""The clinic flows in a real browser: first screen, gait-cycle chart, event corrections.

``streamlit run app.py`` (the fixture of :mod:`tests.dashboard.test_browser`) driven by
headless Debian Chromium: one sample clip is analysed, then

- the runner's first screen shows the top finding's picture wholly above the fold at
  1280x800, with its first step, and the upload form has moved to the sidebar;
- the physio's gait-cycle chart shows a tooltip with the stride on hover, and a click on a
  stride opens its frames in the scrubber;
- deleting a foot strike changes the strides and the contact time shown, and undo restores
  them.

Screenshots go to ``test-artifacts/dashboard/``; with ``GAITLAB_UPDATE_DOCS=1`` palette
copies replace ``docs/clinic_*.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.dashboard.test_browser import (
    ANALYSIS_TIMEOUT_MS,
    ARTIFACTS,
    REPO,
    SAMPLE,
    UPDATE_DOCS,
    chromium,
    server,  # noqa: F401  (the fixture)
    settle,
    upload,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
FOLD = {"width": 1280, "height": 800}


def keep(page, name: str) -> Path:
    """A viewport screenshot in the artefacts, and in docs/ with GAITLAB_UPDATE_DOCS=1."""
    from PIL import Image

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(shot))
    if UPDATE_DOCS:
        img = Image.open(shot).convert("RGB")
        img.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(
            REPO / "docs" / f"{name}.png", optimize=True
        )
    return shot


@pytest.fixture(scope="module")
def page(server: str, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    with chromium(tmp_path_factory.mktemp("chromium-clinic")) as ctx:
        pg = ctx.new_page()
        pg.set_viewport_size(FOLD)
        pg.goto(server, wait_until="domcontentloaded")
        pg.get_by_text("gaitlab: running-gait analysis").wait_for()
        upload(pg, SAMPLE, "arch.mp4")
        pg.get_by_role("button", name="Analyse").click()
        pg.get_by_text("What matters most").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        # The findings come first; these flows need the pictures drawn after them.
        pg.locator("video").first.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        settle(pg)
        yield pg


def test_first_screen_shows_the_top_finding_picture_above_the_fold(page) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    # The upload form is out of the way: in the sidebar.
    assert page.locator("[data-testid=stSidebar] input[type=file]").count() == 1
    # Both top findings' pictures, whole, on the first screen.
    images = page.locator("[data-testid=stImage] img")
    images.nth(1).wait_for()
    for i in range(2):
        image = images.nth(i)
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        box = image.bounding_box()
        assert box["width"] > 200
        assert box["y"] >= 0 and box["y"] + box["height"] <= FOLD["height"], box
    first_step = page.get_by_text("First thing to do:").first.bounding_box()
    assert first_step["y"] < FOLD["height"]
    # Pain first stays on the first screen.
    assert page.get_by_text("If it hurts now", exact=True).bounding_box()["y"] < FOLD["height"]
    keep(page, "clinic_first_screen")
    week = page.get_by_text("Your week", exact=True)
    week.scroll_into_view_if_needed()
    assert page.get_by_text(re.compile("Two strength days")).count() >= 1
    keep(page, "clinic_weekly_plan")


def _hover_until_tooltip(page, chart) -> dict:
    """Sweep the pointer over the chart until Vega's tooltip shows; return where it did."""
    box = chart.bounding_box()
    tooltip = page.locator("#vg-tooltip-element")
    for fy in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        for fx in [i / 40 for i in range(4, 38)]:
            x, y = box["x"] + fx * box["width"], box["y"] + fy * box["height"]
            page.mouse.move(x, y)
            page.wait_for_timeout(40)
            if tooltip.count() and "visible" in (tooltip.get_attribute("class") or ""):
                text = tooltip.inner_text()
                if "stride" in text:
                    return {"x": x, "y": y, "text": text}
    raise AssertionError("no stride tooltip anywhere over the chart")


def test_gait_cycle_chart_hover_and_click_opens_the_stride(page) -> None:
    page.get_by_role("tab", name="Physio review").click()
    heading = page.get_by_text("Gait cycle", exact=True)
    heading.wait_for()
    settle(page)
    chart = page.locator("[data-testid=stVegaLiteChart]").nth(1)  # knee flexion
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    hit = _hover_until_tooltip(page, chart)
    assert re.search(r"stride\s*\d+", hit["text"]), hit["text"]
    assert re.search(r"deg\s*-?\d", hit["text"]), hit["text"]
    assert re.search(r"side\s*(left|right)", hit["text"]), hit["text"]
    keep(page, "clinic_gait_cycle_hover")
    stride = int(re.search(r"stride\s*(\d+)", hit["text"]).group(1))
    page.mouse.click(hit["x"], hit["y"])
    opened = page.get_by_text(re.compile(rf"^Stride {stride}: frames \d+-\d+"))
    opened.wait_for(timeout=60_000)
    settle(page)
    first = int(re.search(r"frames (\d+)-", opened.inner_text()).group(1))
    page.get_by_text(re.compile(rf"^Frame {first} at ")).wait_for()


def _metric(page, label: str) -> str:
    """Label and value of the metric whose label starts with ``label``."""
    return page.locator("[data-testid=stMetric]").filter(has_text=label).first.inner_text()


def _count(text: str) -> int:
    return int(text.split()[-1])


def test_deleting_a_foot_strike_changes_the_metrics_and_undo_restores_them(page) -> None:
    page.get_by_role("tab", name="Physio review").click()
    page.get_by_text("Correct the events", exact=True).wait_for()
    settle(page)
    strides, contact = _metric(page, "Strides used"), _metric(page, "Contact time, left")
    select = page.locator("[data-testid=stSelectbox]").filter(has_text="Event").first
    select.scroll_into_view_if_needed()
    select.click()
    option = page.get_by_role("option", name=re.compile("left foot strike")).nth(3)
    label = option.inner_text()
    option.click()
    page.get_by_role("button", name="Delete it", exact=True).click()
    frame = re.search(r"frame (\d+)", label).group(1)
    done = page.get_by_text(f"Correction 1: deleted the left foot strike at frame {frame}")
    try:
        done.wait_for(timeout=180_000)
    finally:
        page.screenshot(path=str(ARTIFACTS / "clinic_corrections_full.png"), full_page=True)
    settle(page)
    # The strike ended one left stride and began the next: both are gone.
    assert _count(_metric(page, "Strides used")) == _count(strides) - 2
    # Left contact time: its median over two strides fewer.
    fewer = int(re.search(r"\((\d+) strides\)", contact).group(1)) - 2
    assert f"Contact time, left ({fewer} strides)" in _metric(page, "Contact time, left")
    page.get_by_text("Correct the events", exact=True).scroll_into_view_if_needed()
    keep(page, "clinic_corrections")
    page.get_by_role("button", name="Undo the last correction").click()
    done.wait_for(state="detached", timeout=180_000)
    settle(page)
    assert _metric(page, "Strides used") == strides
    assert _metric(page, "Contact time, left") == contact
