"""End to end: ``streamlit run app.py`` driven by headless Chromium (Playwright).

Uploads a sample clip, waits for the findings, checks the annotated video plays and the
frame scrubber changes the frame, and keeps screenshots in ``test-artifacts/dashboard/``
(one, palette-compressed, is written beside them as ``dashboard.png``; with
``GAITLAB_UPDATE_DOCS=1`` it also replaces ``docs/dashboard.png``, the README's picture, so
an ordinary test run never modifies a tracked file).

Needs Debian's ``chromium`` (no browser download), which ``.ci/run`` installs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
README_SHOT = REPO / "docs" / "dashboard.png"
PROGRESSIVE_SHOT = REPO / "docs" / "dashboard_progressive.png"
UPDATE_DOCS = os.environ.get("GAITLAB_UPDATE_DOCS") == "1"
CHROMIUM = Path("/usr/bin/chromium")
SAMPLE = REPO / "sample_videos" / "synth_side_back_arch.mp4"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# Generous: pose + annotated video of an 8 s clip take ~50 s idle, several times that on a
# loaded 2-core machine; this bounds a hang, it does not measure speed.
ANALYSIS_TIMEOUT_MS = 360_000

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} not healthy after {timeout_s:.0f} s")


@contextmanager
def streamlit_app(env: dict[str, str], tmp: Path, log_name: str) -> Iterator[str]:
    """The dashboard served headless on a free local port; yields its URL.

    The server's log is copied to the artifacts folder as ``log_name`` when it stops.
    """
    port = free_port()
    log = (tmp / log_name).open("w")
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp / log_name, ARTIFACTS / log_name)


def server_env(tmp: Path, *, store: bool = False) -> dict[str, str]:
    """The environment of a test's dashboard server, all its files under ``tmp``.

    Skips the test when Chromium or Playwright is missing. With ``store``, the server's
    result store is ``tmp/store.sqlite``.
    """
    if not CHROMIUM.exists():
        pytest.skip("dashboard browser test needs /usr/bin/chromium (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    env = {
        **os.environ,
        "GAITLAB_CACHE_DIR": str(tmp / "pose-cache"),
        "TMPDIR": str(tmp),
        "PYTHONPATH": str(REPO),
    }
    if store:
        env["GAITLAB_STORE"] = str(tmp / "store.sqlite")
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("dashboard-e2e")
    with streamlit_app(server_env(tmp), tmp, "streamlit.log") as url:
        yield url


@contextmanager
def chromium(profile: Path, timeout_ms: int = 30_000) -> Iterator:
    """A headless Debian Chromium context (fresh profile, no background networking)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=ARGS, headless=True,
            viewport={"width": 1280, "height": 900},
        )  # fmt: skip
        ctx.set_default_timeout(timeout_ms)
        try:
            yield ctx
        finally:
            ctx.close()


@pytest.fixture(scope="module")
def page(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as ctx:
        pg = ctx.new_page()
        pg.goto(server, wait_until="domcontentloaded")
        pg.get_by_text("gaitlab: running-gait analysis").wait_for()
        yield pg


def save_readme_shot(src: Path) -> Path:
    """A palette PNG (small enough to commit) of the runner view; returns its path."""
    from PIL import Image

    dest = README_SHOT if UPDATE_DOCS else src.with_name("dashboard.png")
    dest.parent.mkdir(parents=True, exist_ok=True)
    img = Image.open(src).convert("RGB")
    img.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(dest, optimize=True)
    return dest


def save_progressive_shot(src: Path) -> Path:
    """A palette PNG of the findings shown with the video pending (docs/dashboard.md's)."""
    from PIL import Image

    dest = PROGRESSIVE_SHOT if UPDATE_DOCS else src.with_name("dashboard_progressive.png")
    img = Image.open(src).convert("RGB")
    img.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(dest, optimize=True)
    return dest


def upload(page, files: Path | list[Path], name: str, *, within=None) -> None:
    """Choose ``files`` in a file uploader and wait until the server has them.

    ``name`` is a fragment of a file's name as the uploader shows it (long names are
    shortened); ``within`` is the uploader's locator (default: the page's first one).
    """
    target = (within if within is not None else page).locator("input[type=file]").first
    target.set_input_files([str(f) for f in files] if isinstance(files, list) else str(files))
    page.get_by_text(name).first.wait_for()
    # The chip shows the name at once and a spinner until the bytes have reached the
    # server; a click on Analyse before that finds no clip ("Upload a clip ... first").
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stFileChipIconSpinner]')",
        timeout=60_000,
    )
    settle(page)  # the rerun the upload starts


def settle(page) -> None:
    """Wait until the script run is over (the toolbar's Stop button goes away)."""
    page.get_by_role("button", name="Stop").wait_for(state="hidden", timeout=60_000)


#: Text of the note shown while the video, key frames and reports are drawn (app.py).
PENDING_NOTE = "Drawing the annotated video, key frames and reports"
#: Records, in order, the first moment the page shows the findings, the pending note and a
#: video, with what else it showed then: the order of events, not their times.
WATCH_PAGE = """(pending) => {
    window.__events = [];
    const seen = new Set();
    const check = () => {
        const text = document.body.innerText;
        const now = {findings: text.includes('What we found'), pending: text.includes(pending),
                     video: document.querySelector('video') !== null};
        for (const [k, on] of Object.entries(now)) {
            if (on && !seen.has(k)) { seen.add(k); window.__events.push({k, now}); }
        }
    };
    new MutationObserver(check).observe(document.body,
        {childList: true, subtree: true, characterData: true});
}"""


def test_upload_analyse_play_and_scrub(page) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    upload(page, SAMPLE, "arch.mp4")  # the uploader shortens long names
    page.evaluate(WATCH_PAGE, PENDING_NOTE)
    page.get_by_role("button", name="Analyse").click()
    page.get_by_text("What we found").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    page.get_by_text("Possible increased back arch").first.wait_for()
    if page.get_by_text(PENDING_NOTE).is_visible():  # almost always: the video takes seconds
        # Tall enough for the first findings and the note below them in one picture (the
        # page scrolls inside its own container: a full-page shot is this viewport).
        page.set_viewport_size({"width": 1280, "height": 1150})
        page.screenshot(path=str(ARTIFACTS / "00_findings_video_pending.png"))
        page.set_viewport_size({"width": 1280, "height": 900})
        save_progressive_shot(ARTIFACTS / "00_findings_video_pending.png")
    # The findings come first; the video follows without a click, the page stays usable.
    page.locator("video").first.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    events = page.evaluate("window.__events")
    order = [e["k"] for e in events]
    assert order == ["findings", "pending", "video"] or order == ["pending", "findings", "video"]
    shown = {e["k"]: e["now"] for e in events}
    # The findings were on the page while the video was still being drawn ...
    assert shown["findings"]["pending"] or shown["pending"]["findings"], events
    assert not shown["findings"]["video"] and not shown["pending"]["video"], events
    # ... and stayed when it arrived, in place of the note.
    assert shown["video"]["findings"], events
    page.get_by_text(PENDING_NOTE).wait_for(state="hidden")
    settle(page)
    # What to do if it hurts: on the first screen, above the findings, with its articles.
    pain = page.get_by_text("If it hurts now", exact=True)
    found = page.get_by_text("What we found", exact=True)
    assert pain.bounding_box()["y"] < found.bounding_box()["y"]
    rest = page.get_by_text("only run again once the pain has settled").first
    assert "Hip pain from running" in rest.inner_text()
    assert rest.bounding_box()["y"] < found.bounding_box()["y"]
    for item in (
        "If it hurts during a run.",
        "Ice.",
        "Have your form checked.",
        "See a professional.",
    ):
        box = page.get_by_text(item, exact=True).first.bounding_box()
        assert box["y"] < found.bounding_box()["y"], item
    page.screenshot(path=str(ARTIFACTS / "01_runner_full.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 1300})
    page.get_by_text("Clip quality").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -80)")
    page.screenshot(path=str(ARTIFACTS / "02_runner_view.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    shot = save_readme_shot(ARTIFACTS / "02_runner_view.png")
    assert shot.stat().st_size < 300_000

    # The annotated video plays in the page.
    video = page.locator("video").first
    video.scroll_into_view_if_needed()
    state = video.evaluate(
        """async (v) => {
            v.muted = true;
            if (v.readyState < 2) await new Promise((ok, bad) => {
                v.addEventListener('loadeddata', ok, {once: true});
                v.addEventListener('error', () => bad(new Error('video error ' + v.error.code)));
                setTimeout(() => bad(new Error('timeout, readyState ' + v.readyState)), 15000);
            });
            await v.play();
            const t0 = v.currentTime;
            await new Promise(r => setTimeout(r, 1500));
            return {t0, t1: v.currentTime, w: v.videoWidth, h: v.videoHeight,
                    duration: v.duration};
        }"""
    )
    assert state["w"] == 960 and state["h"] == 540, state
    assert state["t1"] - state["t0"] > 0.5, state
    page.screenshot(path=str(ARTIFACTS / "03_video.png"))

    # The physio's scrubber changes the frame.
    page.get_by_role("tab", name="Physio review").click()
    caption = page.get_by_text("Frame 240 at 4.000 s")
    caption.wait_for()
    # The scrubber's image is the one captioned with its frame (the runner's tab has images
    # of its own earlier in the page).
    scrub_img = (
        "() => [...document.querySelectorAll('[data-testid=stImage]')]"
        ".find(e => e.innerText.startsWith('Frame ')).querySelector('img').src"
    )
    src_before = page.evaluate(scrub_img)
    slider = page.get_by_role("slider").first
    slider.focus()
    for _ in range(30):
        slider.press("ArrowRight")
    page.get_by_text("Frame 270 at 4.500 s").wait_for()
    settle(page)
    page.wait_for_function(f"src => ({scrub_img})() !== src", arg=src_before)
    page.screenshot(path=str(ARTIFACTS / "04_physio_scrubber.png"))
    page.get_by_text("Key frames", exact=True).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "05_physio_keyframes.png"))
