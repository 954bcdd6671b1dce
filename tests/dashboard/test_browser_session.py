"""Two clips of one run as one session, in a real browser (headless Debian Chromium).

``streamlit run app.py`` (the fixture of :mod:`tests.dashboard.test_browser`): the side and
rear sample clips are uploaded together on the "Two-view session" tab; the merged findings
show the pelvic drop from the rear clip, the metrics table takes the side metrics from the
side clip, both annotated videos are on the page, and the session report downloads. The
screenshot goes to ``test-artifacts/dashboard/``, and with ``GAITLAB_UPDATE_DOCS=1`` to
``docs/clinic_session.png``.
"""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.dashboard.test_browser import (
    ANALYSIS_TIMEOUT_MS,
    REPO,
    chromium,
    server,  # noqa: F401  (the fixture)
    settle,
    upload,
)
from tests.dashboard.test_browser_clinic import keep

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
SIDE = REPO / "sample_videos" / "synth_side_normal.mp4"
REAR = REPO / "sample_videos" / "synth_rear_pelvic_drop.mp4"


def _row(table, text: str) -> str:
    return table.locator("tr", has_text=text).first.inner_text()


def test_two_uploads_make_one_session_with_one_report(server, tmp_path) -> None:  # noqa: F811
    with chromium(tmp_path / "profile") as ctx:
        page = ctx.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(server, wait_until="domcontentloaded")
        page.get_by_text("gaitlab: running-gait analysis").wait_for()
        page.get_by_role("tab", name="Two-view session").click()
        uploader = page.get_by_test_id("stFileUploader").filter(has_text="Clips of one run")
        upload(page, [SIDE, REAR], "drop.mp4", within=uploader)
        page.get_by_role("button", name="Analyse as one session").click()
        page.get_by_text("Findings of the session").wait_for(timeout=2 * ANALYSIS_TIMEOUT_MS)
        settle(page)

        tables = page.get_by_test_id("stTable")
        findings, metrics = tables.nth(0), tables.nth(1)
        drop = _row(findings, "Pelvic drop")
        assert "synth_rear_pelvic_drop.mp4" in drop and "rear" in drop
        for side_metric in ("hip_extension_deg", "trunk_lean_deg", "contact_time_s"):
            assert "synth_side_normal.mp4" in _row(metrics, side_metric), side_metric
        assert "synth_rear_pelvic_drop.mp4" in _row(metrics, "pelvic_drop_deg")
        assert "agree" in page.get_by_text("Cadence:").first.inner_text()
        assert page.locator("video").count() >= 2  # both annotated videos

        page.get_by_text("Findings of the session").scroll_into_view_if_needed()
        keep(page, "clinic_session")

        with page.expect_download() as info:
            page.get_by_role("button", name="Download the session report (.zip)").click()
        path = tmp_path / "session.zip"
        info.value.save_as(path)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert {"session_report.html", "session.json"} <= names
        session = json.loads(zf.read("session.json"))
        report = zf.read("session_report.html").decode()
    rear = session["metrics"]["pelvic_drop_deg"]["clip"]
    assert session["clips"][rear]["view"] == "rear"
    for clip in session["clips"]:
        assert f"{clip['folder']}/annotated.mp4" in names
        assert f"src='{clip['folder']}/annotated.mp4'" in report
