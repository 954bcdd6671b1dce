"""The population report's camera rows: gaitlab's camera class and surface against the render."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import REPO


@pytest.fixture
def population(monkeypatch: pytest.MonkeyPatch):
    # The benchmark scripts import their siblings by name, as when run from benchmarks/.
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    monkeypatch.delitem(sys.modules, "population", raising=False)
    import population as module

    return module


def _row(motion: str, camera: str, treadmill: bool | None) -> dict:
    params = {"camera_motion": motion, "view_kind": "side", "fault": "normal", "fps": 60}
    return {
        "params": params,
        "camera_detected": camera,
        "treadmill_detected": treadmill,
        "metrics": {},
        "findings": [],
    }


def test_camera_rows_count_right_classes_and_surfaces(population) -> None:
    rows = [
        _row("static", "static", True),
        _row("static", "static", False),  # surface wrong
        _row("panning", "panning", False),
        _row("panning", "static", True),  # both wrong
        _row("pass-by", "static", False),
        _row("pass-by", "handheld", False),  # class wrong
    ]
    text = "\n".join(population._camera_rows(rows))
    assert "| panning | 2 | 1 of 2 | 1 of 2 | panning 1, static 1 |" in text
    assert "| pass-by | 2 | 1 of 2 | 2 of 2 | handheld 1, static 1 |" in text
    assert "| static | 2 | 2 of 2 | 1 of 2 |" in text
    assert "camera class right on 4 of 6 | surface right on 4 of 6" in text
    # Rows scored before the camera was recorded are left out, not counted wrong.
    assert population._camera_rows([{"params": {}, "metrics": {}}]) == []
    assert population.FACTORS["camera_motion"]({}) == "static"
