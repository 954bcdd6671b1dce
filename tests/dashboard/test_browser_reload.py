"""A reviewer's correction survives a reload from the result store, in a real browser.

``streamlit run app.py`` on a result store of the test's own, driven by headless Debian
Chromium: a sample clip is analysed (real MediaPipe), saved into runner r24's history, and a
left foot strike is deleted in the Physio review (two strides fewer). A new browser context
(a fresh Streamlit session, nothing in memory) then opens r24's stored session from the
Runners tab: the corrected figures and the correction's note are what it shows, not the
detected ones. The screenshot goes to ``test-artifacts/dashboard/``; with
``GAITLAB_UPDATE_DOCS=1`` a palette copy replaces ``docs/clinic_corrections_reloaded.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.test_browser import (
    ANALYSIS_TIMEOUT_MS,
    ARTIFACTS,
    SAMPLE,
    chromium,
    server_env,
    settle,
    streamlit_app,
    upload,
)
from tests.dashboard.test_browser_clinic import _count, _metric, keep

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1500)]

FOLD = {"width": 1280, "height": 800}
RUNNER = "r24"
# Generous: another process may be benchmarking on the 2-core machine.
RECOMPUTE_TIMEOUT_MS = 300_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on an empty result store of the test's own."""
    tmp = tmp_path_factory.mktemp("dashboard-reload")
    env = server_env(tmp, store=True)
    env.pop("GAITLAB_SESSIONS_DIR", None)  # the kept copies go beside the test's store
    with streamlit_app(env, tmp, "streamlit-reload.log") as url:
        yield url


def _tab(page, name: str) -> None:
    """Open a tab; the newest tab bar, as a rerun may briefly leave the old one in place."""
    page.get_by_role("tab", name=name).last.click()


def _analyse_save_and_correct(page, server: str) -> dict[str, str]:
    """Analyse the sample, save it as r24's session, delete a left foot strike.

    Returns the metrics as detected and as corrected, and the correction's caption.
    """
    page.goto(server, wait_until="domcontentloaded")
    page.get_by_text("gaitlab: running-gait analysis").wait_for()
    upload(page, SAMPLE, "arch.mp4")
    page.get_by_role("button", name="Analyse").click()
    page.get_by_text("What matters most").wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    # The save form shows once every output (video, reports) is in the folder.
    expander = page.locator("summary").filter(has_text="Save to a runner's history")
    expander.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
    settle(page)
    expander.click()
    page.get_by_label("New runner's code").fill(RUNNER)
    page.get_by_label("New runner's code").press("Enter")
    settle(page)
    page.get_by_role("button", name="Save to history").click()
    page.get_by_text(re.compile(rf"This result is session #\d+ of runner {RUNNER}")).wait_for(
        timeout=RECOMPUTE_TIMEOUT_MS
    )
    settle(page)

    page.get_by_role("tab", name="Physio review").click()
    page.get_by_text("Correct the events", exact=True).wait_for()
    settle(page)
    before = {
        "strides": _metric(page, "Strides used"),
        "contact": _metric(page, "Contact time, left"),
        "corrections": _metric(page, "Corrections"),
    }
    select = page.locator("[data-testid=stSelectbox]").filter(has_text="Event").first
    select.scroll_into_view_if_needed()
    select.click()
    option = page.get_by_role("option", name=re.compile("left foot strike")).nth(3)
    frame = re.search(r"frame (\d+)", option.inner_text()).group(1)
    option.click()
    page.get_by_role("button", name="Delete it", exact=True).click()
    caption = f"Correction 1: deleted the left foot strike at frame {frame}"
    refused = page.get_by_text(re.compile("^Not applied"))
    try:
        # Visible where the reviewer is: the Physio review stays the open tab after the
        # rerun (the save note shown above the tabs before it must not move them).
        page.locator("p:visible", has_text=caption).or_(refused).first.wait_for(
            timeout=RECOMPUTE_TIMEOUT_MS
        )
        settle(page)
        assert page.get_by_role("tab", name="Physio review").get_attribute("aria-selected") == (
            "true"
        )
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "reload_corrected_full.png"), full_page=True)
    assert refused.count() == 0, refused.first.inner_text()
    settle(page)
    after = {
        "strides": _metric(page, "Strides used"),
        "contact": _metric(page, "Contact time, left"),
        "corrections": _metric(page, "Corrections"),
    }
    return {"caption": caption, **{f"{k}_before": v for k, v in before.items()},
            **{f"{k}_after": v for k, v in after.items()}}  # fmt: skip


def test_a_correction_survives_a_reload_from_the_store(server: str, tmp_path: Path) -> None:
    with chromium(tmp_path / "profile-1") as ctx:
        page = ctx.new_page()
        page.set_viewport_size(FOLD)
        seen = _analyse_save_and_correct(page, server)
    # The strike ended one left stride and began the next: both are gone (as in the
    # clinic test), so the left contact time is a median over two strides fewer.
    strides = _count(seen["strides_before"])
    assert _count(seen["strides_after"]) == strides - 2, seen
    left_n = int(re.search(r"\((\d+) strides\)", seen["contact_before"]).group(1))
    assert f"Contact time, left ({left_n - 2} strides)" in seen["contact_after"], seen
    assert _count(seen["corrections_before"]) == 0 and _count(seen["corrections_after"]) == 1

    # A reload: a new browser (its own profile, so a new Streamlit session) on the same
    # server; only the store and its kept folders carry the correction over.
    with chromium(tmp_path / "profile-2") as ctx:
        page = ctx.new_page()
        page.set_viewport_size(FOLD)
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_text("gaitlab: running-gait analysis").wait_for()
        _tab(page, "Physio review")
        panel = page.get_by_role("tabpanel", name="Physio review")
        panel.get_by_text("Analyse a clip first.").wait_for()  # nothing carried in memory
        _tab(page, "Runners")
        page.get_by_text(re.compile("Result store: ")).wait_for()
        settle(page)
        # r24 is the store's only runner and the corrected session replaced the detected
        # one, so the defaults pick it.
        page.get_by_role("button", name="Open this result").click()
        page.get_by_text(re.compile(r"Opened #\d+ .* in the other tabs")).wait_for(
            timeout=RECOMPUTE_TIMEOUT_MS
        )
        settle(page)
        _tab(page, "Physio review")
        page.get_by_text("Correct the events", exact=True).wait_for(timeout=RECOMPUTE_TIMEOUT_MS)
        settle(page)
        assert _metric(page, "Strides used") == seen["strides_after"]
        assert _metric(page, "Strides used") != seen["strides_before"]
        assert _metric(page, "Contact time, left") == seen["contact_after"]
        assert _metric(page, "Contact time, left") != seen["contact_before"]
        assert _count(_metric(page, "Corrections")) == 1
        page.locator("p:visible", has_text=seen["caption"]).wait_for()
        page.get_by_text("Correct the events", exact=True).scroll_into_view_if_needed()
        keep(page, "clinic_corrections_reloaded")
