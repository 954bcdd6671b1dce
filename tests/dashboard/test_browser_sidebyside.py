"""Before and after in a real browser: two stored sessions side by side, and the video plays.

Two sample clips are analysed for real (MediaPipe, ``gaitlab analyze --runner r07``) into a
result store of the test's own; ``streamlit run app.py`` is started on that store and driven
by headless Debian Chromium: in the Runners tab, the comparison of the two sessions makes the
side-by-side video, which plays (its ``currentTime`` advances) at the size of two 960x540
halves. The screenshot goes to ``test-artifacts/dashboard/``; with ``GAITLAB_UPDATE_DOCS=1``
a palette copy replaces ``docs/clinic_sidebyside.png``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.test_browser import (
    ANALYSIS_TIMEOUT_MS,
    REPO,
    chromium,
    server_env,
    settle,
    streamlit_app,
)
from tests.dashboard.test_browser_clinic import keep

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

CLIPS = [
    REPO / "sample_videos" / f"synth_side_{n}.mp4" for n in ("normal", "limited_hip_extension")
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on a store holding two real analyses of runner r07."""
    tmp = tmp_path_factory.mktemp("dashboard-sbs")
    env = server_env(tmp, store=True)
    for clip in CLIPS:
        subprocess.run(
            [sys.executable, "-m", "gaitlab.cli", "analyze", str(clip), "--out",
             str(tmp / clip.stem), "--runner", "r07", "--no-video", "--no-report", "--quiet"],
            env=env, check=True, timeout=900,
        )  # fmt: skip
    with streamlit_app(env, tmp, "streamlit-sidebyside.log") as url:
        yield url


def test_two_stored_sessions_play_side_by_side(server: str, tmp_path: Path) -> None:
    with chromium(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_text("gaitlab: running-gait analysis").wait_for()
        page.get_by_role("tab", name="Runners").click()
        page.get_by_text("Compare two sessions", exact=True).wait_for()
        button = page.get_by_role("button", name="Side-by-side video")
        button.scroll_into_view_if_needed()
        button.click()
        video = page.locator("video").first
        video.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        settle(page)
        caption = page.get_by_text("Stride k of each session over the same frames")
        assert "of the left foot" in caption.inner_text() or "of the right foot" in (
            caption.inner_text()
        )
        video.scroll_into_view_if_needed()
        state = video.evaluate(
            """async (v) => {
                v.muted = true;
                if (v.readyState < 2) await new Promise((ok, bad) => {
                    v.addEventListener('loadeddata', ok, {once: true});
                    v.addEventListener('error', () => bad(new Error('error ' + v.error.code)));
                    setTimeout(() => bad(new Error('timeout, readyState ' + v.readyState)), 15000);
                });
                await v.play();
                const t0 = v.currentTime;
                await new Promise(r => setTimeout(r, 1500));
                v.pause();
                return {t0, t1: v.currentTime, w: v.videoWidth, h: v.videoHeight,
                        duration: v.duration};
            }"""
        )
        # Two 960x540 halves side by side; it plays.
        assert (state["w"], state["h"]) == (1920, 540), state
        assert state["t1"] - state["t0"] > 0.5, state
        assert state["duration"] > 2.0, state
        page.evaluate("window.scrollBy(0, -120)")
        keep(page, "clinic_sidebyside")
