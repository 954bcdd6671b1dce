"""Fixtures of the dashboard tests: one synthetic run's result folder (no pose inference)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gaitlab.report import ReportData, write_outputs
from tests.report.conftest import FixedFindings
from tests.report.synthetic import FINDINGS, synthetic_analysis


@pytest.fixture(scope="session")
def synthetic_result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Result folder of a synthetic side-view stick runner (key frames, no video)."""
    base = tmp_path_factory.mktemp("dashboard_run")
    analysis = dataclasses.replace(synthetic_analysis(base), findings=FixedFindings(FINDINGS))
    write_outputs(analysis, base / "out", video=False, reports=False)
    return base / "out"


@pytest.fixture(scope="session")
def synthetic_data(synthetic_result: Path) -> ReportData:
    """The synthetic run's report data, reloaded from its folder."""
    return ReportData.from_result_dir(synthetic_result)
