"""``gaitlab compare``: two result folders or two stored sessions -> table and video."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import av
import pytest

from gaitlab.cli import main
from gaitlab.findings.change import compare_results
from gaitlab.report import write_outputs
from gaitlab.result import read_result
from tests.report.synthetic import SPEC, synthetic_analysis


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("cmp")
    out = []
    # After: a slower cadence (170 -> 150 steps/min), well beyond stride noise.
    for name, spec in (("before", SPEC), ("after", dataclasses.replace(SPEC, cadence_spm=150))):
        (base / f"clip_{name}").mkdir()
        folder = base / name
        write_outputs(
            synthetic_analysis(base / f"clip_{name}", spec), folder, video=False, reports=False
        )
        out.append(folder)
    return out[0], out[1]


def test_two_folders_give_the_table_and_the_video(sessions, tmp_path, capsys):
    before, after = sessions
    out = tmp_path / "cmp"
    assert main(["compare", str(before), str(after), "--out", str(out), "--video"]) == 0
    said = capsys.readouterr().out
    expected = compare_results(read_result(before), read_result(after))
    cadence = next(c for c in expected if c.metric == "cadence_spm")
    assert cadence.changed and cadence.delta == pytest.approx(-20, abs=2)
    assert said.startswith("moved     ") and "cadence_spm" in said.splitlines()[0]
    rows = list(csv.DictReader((out / "comparison.csv").open()))
    assert [r["metric"] for r in rows] == [c.metric for c in expected]
    row = next(r for r in rows if r["metric"] == "cadence_spm")
    assert float(row["change"]) == pytest.approx(cadence.delta)
    assert row["verdict"] == "changed"
    doc = json.loads((out / "comparison.json").read_text())
    video = doc["video"]
    pairs = video["strides"]
    assert video["aligned_on"] in ("left foot strikes", "right foot strikes")
    assert [p["pair"] for p in pairs] == list(range(1, len(pairs) + 1))
    # 4 s clips: 170 steps/min is 85 strides/min, ~5 of one foot; 150 gives ~4 whole ones.
    assert 3 <= len(pairs) <= 5
    with av.open(str(out / "side_by_side.mp4")) as c:
        n = sum(1 for _ in c.decode(video=0))
    assert n == sum(p["n_frames"] for p in pairs)
    assert f"{len(pairs)} stride pairs aligned on" in said


def test_stored_sessions_by_number(sessions, tmp_path, capsys):
    from gaitlab.store import open_store, read_session_folder

    store = tmp_path / "clinic.sqlite"
    with open_store(str(store)) as db:
        ids = [db.record_session(read_session_folder(f, "r1")) for f in sessions]
    out = tmp_path / "cmp"
    code = main(["compare", f"#{ids[0]}", str(ids[1]), "--out", str(out), "--store", str(store)])
    assert code == 0, capsys.readouterr().err
    doc = json.loads((out / "comparison.json").read_text())
    assert doc["before"]["label"] == f"Before #{ids[0]} r1"
    assert Path(doc["after"]["result_dir"]) == sessions[1].resolve()
    assert doc["video"] is None and not (out / "side_by_side.mp4").exists()
