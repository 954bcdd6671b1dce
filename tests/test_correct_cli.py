"""``gaitlab correct``: edits recompute a saved result, are saved, undone and exported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaitlab.cli import main
from gaitlab.corrections.folder import CORRECTIONS_FILE, load_corrections
from gaitlab.report import write_outputs
from tests.report.synthetic import synthetic_analysis


@pytest.fixture(autouse=True)
def own_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default result store is the test's own (and absent until a test makes it)."""
    path = tmp_path / "default-store.sqlite"
    monkeypatch.setenv("GAITLAB_STORE", str(path))
    return path


@pytest.fixture
def result_dir(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    write_outputs(synthetic_analysis(tmp_path), out, video=False)
    return out


def result(d: Path) -> dict:
    return json.loads((d / "result.json").read_text())


def left_contact(d: Path, fs_frame: int) -> float:
    r = result(d)
    fps = r["clip"]["capture_fps"]
    for v in r["kinematics"]["metrics"]["contact_time_s"]["values"]:
        if v["side"] == "left" and round(v["time_s"] * fps) == fs_frame:
            return v["value"]
    raise AssertionError(f"no left stride at frame {fs_frame}")


def left_stride(d: Path, k: int = 1) -> tuple[int, int]:
    """(foot strike frame, toe-off frame) of the k-th left stride."""
    r = result(d)
    ev = sorted(r["kinematics"]["events"], key=lambda e: e["frame"])
    fs = [e["frame"] for e in ev if e["side"] == "left" and e["kind"] == "foot_strike"][k]
    to = next(e["frame"] for e in ev if e["side"] == "left" and e["kind"] == "toe_off"
              and e["frame"] > fs)  # fmt: skip
    return fs, to


def test_move_recomputes_saves_reports_undoes_and_exports(result_dir: Path, capsys) -> None:
    fs, to = left_stride(result_dir)
    before = left_contact(result_dir, fs)
    created = result(result_dir)["created_utc"]
    labels = result_dir.parent / "labels.json"
    code = main(["correct", str(result_dir), "--move-toe-off", "left", str(to), str(to + 2),
                 "--export-labels", str(labels), "--no-keyframes"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    # 30 fps: two frames later is 67 ms more contact (the reviewer's event sits on its frame).
    assert left_contact(result_dir, fs) - before == pytest.approx(2 / 30, abs=0.5 / 30)
    assert load_corrections(result_dir).summary() == "1 event corrected by the reviewer"
    # Still the session of the day it was filmed (history orders by it), corrected later.
    assert result(result_dir)["created_utc"] == created
    assert result(result_dir)["corrected_utc"] >= created
    html = (result_dir / "report.html").read_text()
    assert "1 event corrected by the reviewer" in html
    doc = json.loads(labels.read_text())
    assert set(doc) >= {"clip", "sha256", "frame_count", "fps", "foot_strikes", "toe_offs"}
    assert {"frame": to + 2, "side": "left", "sure": True} in doc["toe_offs"]
    assert all(not t["sure"] for t in doc["toe_offs"] if t["frame"] != to + 2)
    assert doc["frame_count"] == result(result_dir)["clip"]["n_frames"]

    assert main(["correct", str(result_dir), "--undo", "--no-keyframes", "--quiet"]) == 0
    assert left_contact(result_dir, fs) == pytest.approx(before)
    assert not load_corrections(result_dir)
    assert result(result_dir)["kinematics"]["corrections"]["edits"] == []


def test_an_edit_that_does_not_fit_exits_2_and_changes_nothing(result_dir: Path, capsys) -> None:
    before = (result_dir / "result.json").read_bytes()
    assert main(["correct", str(result_dir), "--delete-strike", "right", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gaitlab: error: deleted the right foot strike at frame 1: ")
    assert len(err.strip().splitlines()) == 1
    assert (result_dir / "result.json").read_bytes() == before
    assert not (result_dir / CORRECTIONS_FILE).exists()


def test_no_result_folder_exits_4(tmp_path: Path, capsys) -> None:
    assert main(["correct", str(tmp_path), "--undo"]) == 4
    assert "no result.json here" in capsys.readouterr().err


def _stored(result_dir: Path, store: Path) -> int:
    from gaitlab.store import open_store, read_session_folder

    with open_store(str(store)) as db:
        return db.record_session(read_session_folder(result_dir, "r1"))


def test_store_records_the_corrected_session_again(result_dir: Path, tmp_path: Path, capsys):
    from gaitlab.hashing import file_sha256
    from gaitlab.store import open_store

    store = tmp_path / "clinic.sqlite"
    _stored(result_dir, store)
    old_sha = file_sha256(result_dir / "result.json")
    _, to = left_stride(result_dir)
    code = main(["correct", str(result_dir), "--move-toe-off", "left", str(to), str(to + 2),
                 "--no-keyframes", "--store", str(store)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    with open_store(str(store)) as db:
        (session,) = db.sessions("r1")  # replaced, not added
    assert f"#{session.id} of runner r1: recorded again with the corrections in" in said
    assert str(store) in said
    # The stored session is the corrected result, not the one first recorded.
    assert session.result_sha256 == file_sha256(result_dir / "result.json") != old_sha


def test_the_default_store_follows_when_it_exists(result_dir, own_default_store, capsys):
    from gaitlab.hashing import file_sha256
    from gaitlab.store import open_store

    _stored(result_dir, own_default_store)
    fs, _ = left_stride(result_dir)
    assert main(["correct", str(result_dir), "--exclude-stride", "left", str(fs),
                 "--no-keyframes"]) == 0  # fmt: skip
    assert "recorded again with the corrections" in capsys.readouterr().out
    with open_store(str(own_default_store)) as db:
        (session,) = db.sessions("r1")
    assert session.result_sha256 == file_sha256(result_dir / "result.json")


def test_no_store_is_created_by_a_correction(result_dir, own_default_store, capsys):
    fs, _ = left_stride(result_dir)
    assert main(["correct", str(result_dir), "--exclude-stride", "left", str(fs),
                 "--no-keyframes", "--quiet"]) == 0  # fmt: skip
    assert not own_default_store.exists()


def test_a_folder_that_is_not_a_session_of_the_store_exits_2_unchanged(
    result_dir: Path, tmp_path: Path, capsys
) -> None:
    store = tmp_path / "clinic.sqlite"
    other = tmp_path / "other"
    other.mkdir()
    (other / "x").write_text("")
    before = (result_dir / "result.json").read_bytes()
    fs, _ = left_stride(result_dir)
    code = main(["correct", str(result_dir), "--exclude-stride", "left", str(fs),
                 "--store", str(store)])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "is not a session in the result store" in err and len(err.splitlines()) == 1
    assert (result_dir / "result.json").read_bytes() == before


def test_labels_that_cannot_be_written_exit_2_before_any_change(result_dir, tmp_path, capsys):
    before = (result_dir / "result.json").read_bytes()
    fs, _ = left_stride(result_dir)
    code = main(["correct", str(result_dir), "--exclude-stride", "left", str(fs),
                 "--export-labels", str(result_dir / "result.json" / "labels.json")])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("gaitlab: error: --export-labels ") and len(err.splitlines()) == 1
    assert (result_dir / "result.json").read_bytes() == before
