"""TRC / MOT / CSV exports read back by readers we did not write."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gaitlab.landmarks import LANDMARK_NAMES
from gaitlab.report.exports import opensim_markers_m, write_mot, write_trc


@pytest.fixture
def markers() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    t = np.cumsum(rng.uniform(0.030, 0.037, 40))  # variable frame rate
    t -= t[0]
    m = rng.normal(0.0, 0.5, (40, 5, 3))
    m[3, 1] = np.nan  # a missing marker
    m[10] = np.nan  # a frame without a pose
    return t, m


def _trc_with_pandas(path: Path, n_markers: int) -> tuple[list[str], pd.DataFrame]:
    """OpenSim's documented TRC layout: 3 header lines, marker names, X/Y/Z row, data."""
    lines = path.read_text().splitlines()
    assert lines[0].split("\t")[:3] == ["PathFileType", "4", "(X/Y/Z)"]
    keys = lines[1].split("\t")
    vals = lines[2].split("\t")
    header = dict(zip(keys, vals, strict=True))
    assert set(keys) == {"DataRate", "CameraRate", "NumFrames", "NumMarkers", "Units",
                         "OrigDataRate", "OrigDataStartFrame", "OrigNumFrames"}  # fmt: skip
    assert int(header["NumMarkers"]) == n_markers
    names = [c for c in lines[3].split("\t")[2:] if c]
    assert lines[4].split("\t")[2:5] == ["X1", "Y1", "Z1"]
    df = pd.read_csv(path, sep="\t", skiprows=6, header=None)
    assert len(df) == int(header["NumFrames"])
    return names, df


def test_trc_parses_back_with_pandas(tmp_path: Path, markers) -> None:
    t, m = markers
    names = ["a", "b", "c", "d", "e"]
    path = write_trc(tmp_path / "m.trc", t, m, names)
    got_names, df = _trc_with_pandas(path, 5)
    assert got_names == names
    np.testing.assert_allclose(df[1].to_numpy(), t, atol=1e-6)
    np.testing.assert_allclose(df.iloc[:, 2:].to_numpy().reshape(40, 5, 3), m, atol=1e-6)
    assert list(df[0]) == list(range(1, 41))


def test_trc_parses_back_with_trc_data_reader(tmp_path: Path, markers) -> None:
    trc = pytest.importorskip("trc", reason="trc-data-reader not installed")
    t, m = markers
    path = write_trc(tmp_path / "m.trc", t, m, ["a", "b", "c", "d", "e"])
    d = trc.TRCData()
    d.load(str(path))
    assert d["Markers"] == ["a", "b", "c", "d", "e"]
    assert d["NumFrames"] == 40 and d["Units"] == "m"
    for i in (0, 3, 10, 39):
        time_s, coords = d[i + 1]
        assert time_s == pytest.approx(t[i], abs=1e-6)
        np.testing.assert_allclose(np.array(coords, dtype=float), m[i], atol=1e-6)


def test_trc_and_mot_parse_back_with_opensim(tmp_path: Path, markers) -> None:
    osim = pytest.importorskip("opensim", reason="opensim (PyPI) not installed")
    t, m = markers
    path = write_trc(tmp_path / "m.trc", t, m, ["a", "b", "c", "d", "e"])
    table = osim.TimeSeriesTableVec3(str(path))
    assert list(table.getColumnLabels()) == ["a", "b", "c", "d", "e"]
    assert table.getTableMetaDataAsString("Units") == "m"
    np.testing.assert_allclose(np.array(table.getIndependentColumn()), t, atol=1e-6)
    for i in (0, 3, 10, 39):
        row = table.getRowAtIndex(i)
        got = np.array([[row[k].get(j) for j in range(3)] for k in range(5)])
        np.testing.assert_allclose(got, m[i], atol=1e-6)

    angles = {
        "hip_deg": np.linspace(-10, 20, 40),
        "trunk_deg": np.where(np.arange(40) == 5, np.nan, 7.5),
    }
    mot = write_mot(tmp_path / "a.mot", t, angles)
    mt = osim.TimeSeriesTable(str(mot))
    assert list(mt.getColumnLabels()) == ["hip_deg", "trunk_deg"]
    assert mt.getTableMetaDataAsString("inDegrees") == "yes"
    for name, v in angles.items():
        np.testing.assert_allclose(mt.getDependentColumn(name).to_numpy(), v, atol=1e-6)


def test_mot_parses_back_with_pandas(tmp_path: Path) -> None:
    t = np.arange(10) / 60.0
    cols = {"x_deg": np.arange(10.0), "y_deg": np.full(10, np.nan)}
    path = write_mot(tmp_path / "a.mot", t, cols, name="trial")
    lines = path.read_text().splitlines()
    end = lines.index("endheader")
    head = dict(line.split("=") for line in lines[1:end])
    assert lines[0] == "trial"
    assert head == {"version": "1", "nRows": "10", "nColumns": "3", "inDegrees": "yes"}
    df = pd.read_csv(path, sep="\t", skiprows=end + 1)
    assert list(df.columns) == ["time", "x_deg", "y_deg"]
    np.testing.assert_allclose(df["time"], t, atol=1e-6)
    np.testing.assert_allclose(df["x_deg"], cols["x_deg"])
    assert df["y_deg"].isna().all()


def test_trc_axes_follow_opensim() -> None:
    world = np.array([[[0.1, -0.8, 0.2]]])  # MediaPipe: x right, y down (head above hips)
    np.testing.assert_allclose(opensim_markers_m(world), [[[0.1, 0.8, -0.2]]])


def test_real_exports_match_the_analysis(synthetic_outputs: dict[str, Path]) -> None:
    out = synthetic_outputs["result"].parent
    result = json.loads((out / "result.json").read_text())
    frames = pd.read_csv(synthetic_outputs["frames_csv"])
    n = result["pose"]["n_frames"]
    assert len(frames) == n
    assert {"time_s", "trunk_lean_deg", "left_hip_extension_deg", "nose_x_px",
            "right_foot_index_visibility"} <= set(frames.columns)  # fmt: skip
    with np.load(out / "kinematics_series.npz") as z:
        np.testing.assert_allclose(frames["trunk_lean_deg"], z["angle__trunk_lean_deg"], atol=1e-3)
        np.testing.assert_allclose(frames["left_knee_x_px"], z["landmarks_px"][:, 25, 0], atol=1e-3)

    strides = pd.read_csv(synthetic_outputs["strides_csv"])
    kin = result["kinematics"]
    assert len(strides) == len(kin["strides"])
    hip = {round(v["time_s"], 4): v["value"] for v in kin["metrics"]["hip_extension_deg"]["values"]}
    for _, row in strides.iterrows():
        assert row["hip_extension_deg"] == pytest.approx(
            hip[round(row["foot_strike_s"], 4)], abs=1e-3
        )

    names, _df = _trc_with_pandas(synthetic_outputs["trc"], len(LANDMARK_NAMES))
    assert names == list(LANDMARK_NAMES)
    mot = pd.read_csv(synthetic_outputs["mot"], sep="\t", skiprows=6)
    assert len(mot) == n and "left_hip_extension_deg" in mot.columns
