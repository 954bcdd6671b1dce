"""The reports and the video in a real browser (headless Chromium) and the PDF as pages.

Integration tests: they need Debian's ``chromium`` (Playwright drives it; no browser
download) and ``poppler-utils`` (``pdftoppm``, ``pdftotext``), which ``.ci/run`` installs.
Screenshots and PDF pages are kept in ``test-artifacts/report/``.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def browser_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("headless browser test needs /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=ARGS, headless=True,
            viewport={"width": 1100, "height": 900},
        )  # fmt: skip
        try:
            yield ctx.new_page()
        finally:
            ctx.close()


def test_annotated_video_plays_in_chromium(
    synthetic_outputs: dict[str, Path], browser_page
) -> None:
    video = synthetic_outputs["video"]
    page_html = video.parent / "video_check.html"
    page_html.write_text(f'<!DOCTYPE html><video muted playsinline src="{video.name}"></video>')
    browser_page.goto(page_html.as_uri())
    state = browser_page.evaluate(
        """async () => {
            const v = document.querySelector('video');
            if (v.readyState < 2) await new Promise((ok, bad) => {
                v.addEventListener('loadeddata', ok, {once: true});
                v.addEventListener('error', () => bad(new Error('video error ' + v.error.code)));
                setTimeout(() => bad(new Error('timeout, readyState ' + v.readyState)), 10000);
            });
            const ready = v.readyState;
            await v.play();
            const t0 = v.currentTime;
            await new Promise(r => setTimeout(r, 800));
            return {ready, t0, t1: v.currentTime, w: v.videoWidth, h: v.videoHeight};
        }"""
    )
    assert state["ready"] >= 2
    assert state["t1"] > state["t0"] + 0.2
    assert state["w"] > 0 and state["h"] > 0


def test_html_report_renders_without_console_errors(
    synthetic_outputs: dict[str, Path],
    browser_page,
    artifacts: Path,
) -> None:
    messages: list[str] = []
    browser_page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    browser_page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    failed: list[str] = []
    # Chromium aborts a video's download once it has the metadata (preload="metadata"):
    # ERR_ABORTED on the mp4 is normal, anything else is a missing resource.
    browser_page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    browser_page.goto(synthetic_outputs["html"].as_uri())
    browser_page.wait_for_load_state("load")
    browser_page.screenshot(path=str(artifacts / "report_html.png"), full_page=True)
    errors = [m for m in messages if m.startswith(("error", "pageerror"))]
    assert not errors, errors
    failed = [f for f in failed if not (".mp4 " in f and "ERR_ABORTED" in f)]
    assert not failed, failed
    assert browser_page.locator("h2", has_text="Findings").count() == 1
    n_img = browser_page.evaluate(
        "() => [...document.images].filter(i => i.complete && i.naturalWidth > 0).length"
    )
    assert n_img == len(browser_page.query_selector_all("img")) >= 9


def test_pdf_converts_to_pages_and_page_one_shows_the_findings(
    synthetic_outputs: dict[str, Path], artifacts: Path
) -> None:
    if not shutil.which("pdftoppm") or not shutil.which("pdftotext"):
        pytest.skip("needs poppler-utils (pdftoppm, pdftotext)")
    pdf = synthetic_outputs["pdf"]
    for old in artifacts.glob("report_pdf-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(artifacts / "report_pdf")],
                   check=True)  # fmt: skip
    pages = sorted(artifacts.glob("report_pdf-*.png"))
    assert len(pages) >= 2
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
                           check=True, capture_output=True, text=True).stdout  # fmt: skip
    assert "Findings" in first
    assert "1. Overstriding" in first
    assert "severity watch" in first
    assert "Safety first" in first
    # What to do if it hurts: on page 1, above the findings, each item with its article.
    assert "If it hurts now" in first
    assert first.index("If it hurts now") < first.index("Findings")
    flat = " ".join(first.split())
    for item in ("Rest first:", "If it hurts during a run:", "Ice:", "Have your form checked:",
                 "See a professional:"):  # fmt: skip
        assert flat.index(item) < flat.index("Findings"), item
    assert "once the pain has settled. [Hip pain from running]" in flat
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip
    for expected in (
        "Single-leg glute bridge",
        "Running without pain",
        "How this was measured",
        "Clip quality",
        "fps measured from timestamps",
        "Pose model",
    ):
        assert expected in text, expected
