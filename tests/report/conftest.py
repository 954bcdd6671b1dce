"""Fixtures of the report tests: one synthetic run's outputs, written once per session."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gaitlab.report import write_outputs
from tests.report.synthetic import FINDINGS, synthetic_analysis

REPO = Path(__file__).resolve().parents[2]
#: Screenshots and rendered pages kept for humans (gitignored).
ARTIFACTS = REPO / "test-artifacts" / "report"


@pytest.fixture(scope="session")
def synthetic_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """All outputs of a synthetic side-view run, with one finding."""
    base = tmp_path_factory.mktemp("synthetic_run")
    # A hand-written findings block with markup in its text, so escaping and citations are
    # checked on known content; it replaces the rules' findings everywhere, result.json too.
    analysis = dataclasses.replace(synthetic_analysis(base), findings=FixedFindings(FINDINGS))
    return write_outputs(analysis, base / "out")


@dataclasses.dataclass(frozen=True)
class FixedFindings:
    """Stands in for a :class:`~gaitlab.findings.FindingsReport` with a fixed block."""

    block: dict

    def to_dict(self) -> dict:
        return self.block


@pytest.fixture
def artifacts() -> Path:
    """Folder for test artefacts (screenshots, PDF pages)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
