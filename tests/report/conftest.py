"""Fixtures of the report tests: one synthetic run's outputs, written once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaitlab.report import write_outputs
from tests.report.synthetic import analysis_with_markup

REPO = Path(__file__).resolve().parents[2]
#: Screenshots and rendered pages kept for humans (gitignored).
ARTIFACTS = REPO / "test-artifacts" / "report"


@pytest.fixture(scope="session")
def synthetic_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """All outputs of a synthetic side-view run, with the engine's one finding."""
    base = tmp_path_factory.mktemp("synthetic_run")
    return write_outputs(analysis_with_markup(base), base / "out")


@pytest.fixture
def artifacts() -> Path:
    """Folder for test artefacts (screenshots, PDF pages)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
