"""The dashboard, driven headless with Streamlit's AppTest (no browser)."""

from __future__ import annotations

import pytest

from tests.conftest import REPO

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def test_page_loads_with_uploader_and_filming_guide():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert "gaitlab" in at.title[0].value
    assert any("does not diagnose" in c.value for c in at.caption)


def test_analyse_without_a_clip_asks_for_one():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.button[0].click().run()
    assert not at.exception
    assert at.warning and "Upload a clip or pick a sample" in at.warning[0].value
