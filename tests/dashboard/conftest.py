"""Fixtures of the dashboard tests: one synthetic run's result folder (no pose inference)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaitlab.report import ReportData, write_outputs
from tests.report.synthetic import synthetic_analysis


@pytest.fixture(scope="session")
def synthetic_result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Result folder of a synthetic side-view stick runner (key frames, no video).

    The stick runner overstrides by construction: the findings engine reports one finding.
    """
    base = tmp_path_factory.mktemp("dashboard_run")
    write_outputs(synthetic_analysis(base), base / "out", video=False, reports=False)
    return base / "out"


@pytest.fixture(scope="session")
def synthetic_data(synthetic_result: Path) -> ReportData:
    """The synthetic run's report data, reloaded from its folder."""
    return ReportData.from_result_dir(synthetic_result)
