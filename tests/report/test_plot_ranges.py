"""No plot shows a value outside its metric's physical range (real MediaPipe on the samples).

Every line and bar the plots draw is tagged with the series or metric it shows (``gid``);
the test reads the drawn data back from the figures, so it checks what a reader sees.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gaitlab.kinematics.definitions import physical_range
from gaitlab.pipeline import analyze_clip
from gaitlab.report import ReportData
from gaitlab.report.plots import all_plots
from tests.conftest import REPO

SAMPLES = sorted((REPO / "sample_videos").glob("synth_*.mp4"))

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pose_cache(shared_pose_cache: Path) -> Path:
    return shared_pose_cache


def report_data(path: Path, cache: Path) -> ReportData:
    return ReportData.from_analysis(analyze_clip(path, cache_dir=cache))


def drawn_values(fig) -> list[tuple[str, np.ndarray]]:
    """``(series or metric name, values)`` of every tagged line and bar of a figure."""
    out = []
    for ax in fig.axes:
        for line in ax.get_lines():
            if line.get_gid():
                out.append((line.get_gid().split("|")[0], np.asarray(line.get_ydata(), float)))
        for patch in ax.patches:
            if patch.get_gid():
                out.append((patch.get_gid(), np.array([patch.get_width()], float)))
    return out


@pytest.mark.parametrize("clip", SAMPLES, ids=lambda p: p.stem)
def test_no_plot_value_is_outside_its_physical_range(clip: Path, pose_cache: Path) -> None:
    data = report_data(clip, pose_cache)
    figures = all_plots(data)
    assert "plot_gait_cycle" in figures and "plot_angles" in figures
    checked = 0
    for name, fig in figures.items():
        for series, values in drawn_values(fig):
            rng = physical_range(series)
            assert rng is not None, f"{name}: {series} has no physical range"
            finite = values[np.isfinite(values)]
            assert ((finite >= rng[0]) & (finite <= rng[1])).all(), (
                f"{name}: {series} drawn at {finite.min():.1f}..{finite.max():.1f}, outside {rng}"
            )
            checked += finite.size
    assert checked > 1000


def test_back_arch_knee_flexion_plot_has_no_end_spike(pose_cache: Path) -> None:
    """The last frames of this clip read the left knee at about -96 deg (the shank traced
    the wrong way round); the time plot and the cycle plot must not show it."""
    data = report_data(REPO / "sample_videos" / "synth_side_back_arch.mp4", pose_cache)
    raw = data.angles["left_knee_flexion_deg"]
    # The artefact is in the data (else this test could not fail) ...
    assert np.nanmin(raw[-5:]) < -80
    figures = all_plots(data)
    drawn = dict(drawn_values(figures["plot_angles"]))["left_knee_flexion_deg"]
    assert drawn.shape == raw.shape
    # ... and not in the plot: the plot ends where the last plausible frames were.
    finite = drawn[np.isfinite(drawn)]
    assert finite.min() >= -15.0
    assert finite[-1] > 60.0
    cycle = [v for s, v in drawn_values(figures["plot_gait_cycle"]) if s == "left_knee_flexion_deg"]
    assert cycle and min(np.nanmin(v) for v in cycle if np.isfinite(v).any()) >= -15.0
