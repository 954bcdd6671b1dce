"""Saving a result folder into a runner's history, its deletion, and physio notes.

Result folders come from :mod:`tests.store.factories` (known metric values); the store is a
SQLite file in the test's folder, so the saved copies land in ``<tmp>/sessions`` (next to it)
unless ``$GAITLAB_SESSIONS_DIR`` says otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaitlab.cli import main
from gaitlab.store import (
    BadRunnerCode,
    StoreError,
    UnknownSession,
    open_store,
    read_session_folder,
    runner_folder_name,
    save_to_history,
    sessions_root,
    set_session_notes,
)
from gaitlab.store.location import resolve_store_url
from tests.store.factories import EXTRA_FILES, metric, result_dict, write_result_folder

CREATED = "2026-04-07T16:05:09+00:00"


def temp_result(tmp_path: Path, name: str = "tmp-result", hip_deg: float = 11.5) -> Path:
    """A result folder like the dashboard's temporary one (plus physio notes)."""
    folder = tmp_path / "dashboard-tmp" / name
    result = result_dict(
        CREATED,
        {"hip_extension_deg": metric(hip_deg, 2.5, 9), "cadence_spm": metric(171.0, 4.0, 11)},
    )
    write_result_folder(folder, result)
    return folder


@pytest.fixture
def db(tmp_path: Path):
    with open_store(str(tmp_path / "store.sqlite")) as store:
        yield store


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# ---------------------------------------------------------------------- where copies go
def test_sessions_root_follows_the_store_or_the_env(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("GAITLAB_SESSIONS_DIR", raising=False)
    url = resolve_store_url(str(tmp_path / "a" / "store.sqlite"))
    assert sessions_root(url) == tmp_path / "a" / "sessions"
    monkeypatch.setenv("GAITLAB_SESSIONS_DIR", str(tmp_path / "kept"))
    assert sessions_root(url) == tmp_path / "kept"
    monkeypatch.delenv("GAITLAB_SESSIONS_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    pg = resolve_store_url("postgresql://u@h/db")
    assert sessions_root(pg) == tmp_path / "data" / "gaitlab" / "sessions"


@pytest.mark.parametrize(
    "code",
    ["../../escape", "..", ".", "/etc/passwd", "..\\..\\win", "a/../../b", "~root", "CON",
     "nul.txt", " r 07 ", "José", "x" * 200, "\x00evil", ".hidden"],
)  # fmt: skip
def test_runner_folder_names_never_leave_the_root(tmp_path: Path, code: str):
    name = runner_folder_name(code)
    assert name and name not in (".", "..") and not name.startswith(".")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()
    assert len(name) <= 60 + 9  # kept part + "-" + 8 hex digits


def test_plain_codes_keep_their_name_and_look_alikes_do_not_collide():
    assert runner_folder_name("r07") == "r07"
    assert runner_folder_name("anna.b-2") == "anna.b-2"
    # "r/07" sanitises to "r_07": the hash suffix keeps the two runners' folders apart.
    assert runner_folder_name("r/07").startswith("r_07-")
    assert runner_folder_name("r/07") != runner_folder_name("r_07") == "r_07"
    assert runner_folder_name("CON").startswith("CON-")  # a name Windows refuses


# ---------------------------------------------------------------------- saving
def test_save_copies_the_folder_under_the_data_dir_and_records_it(db, tmp_path: Path):
    src = temp_result(tmp_path)
    (src / "session_notes.json").write_text('{"text": "sore calf"}')
    saved = save_to_history(db, src, "r07", height_cm=172.0, physio_notes="sore calf")
    # <store folder>/sessions/<runner>/<created time>-<8 hex of result.json's hash>
    assert saved.folder.parent == (tmp_path / "sessions" / "r07").resolve()
    assert saved.folder.name.startswith("20260407-160509-")
    assert saved.files == tuple(sorted(["result.json", *EXTRA_FILES, "session_notes.json"]))
    for name in saved.files:
        assert (saved.folder / name).read_bytes() == (src / name).read_bytes()
    assert src.is_dir()  # the temporary folder is the workspace's to delete, not ours
    (session,) = db.sessions("r07")
    assert session.id == saved.session_id and session.result_dir == str(saved.folder)
    assert session.physio_notes == "sore calf" and db.runner("r07").height_cm == 172.0
    assert session.pose_series_path == str(saved.folder / "pose_series.npz")
    # The stored numbers are the result.json's (hip 11.5 deg, IQR 2.5, 9 strides).
    metrics = json.loads((saved.folder / "result.json").read_text())["kinematics"]["metrics"]
    assert {m.metric: (m.median, m.spread_iqr, m.n_strides) for m in session.metrics} == {
        k: (v["median"], v["iqr"], v["n"]) for k, v in metrics.items()
    } == {"hip_extension_deg": (11.5, 2.5, 9), "cadence_spm": (171.0, 4.0, 11)}  # fmt: skip
    assert db.session_in(saved.folder) == session and db.session_in(src) is None


def test_the_env_moves_the_copies(db, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("GAITLAB_SESSIONS_DIR", str(tmp_path / "clinic-share"))
    saved = save_to_history(db, temp_result(tmp_path), "r07")
    assert saved.folder.parent.parent == (tmp_path / "clinic-share").resolve()


def test_saving_the_same_result_again_replaces_it(db, tmp_path: Path):
    src = temp_result(tmp_path)
    first = save_to_history(db, src, "r07")
    set_session_notes(db, first.session_id, "kept across a re-save")
    again = save_to_history(db, src, "r07", physio_notes="kept across a re-save")
    assert (again.folder, again.replaced, first.replaced) == (first.folder, True, False)
    assert [s.id for s in db.sessions("r07")] == [again.session_id]
    # The notes written into the copy after the first save survive the second copy.
    assert json.loads((again.folder / "session_notes.json").read_text())["text"] == (
        "kept across a re-save"
    )
    assert not [p for p in again.folder.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("code", ["../../escape", "/tmp/abs", "..\\..\\win", "a/../../b"])
def test_path_escape_codes_are_saved_inside_the_root(db, tmp_path: Path, code: str):
    src = temp_result(tmp_path)
    before = tree(tmp_path)
    saved = save_to_history(db, src, code)
    root = (tmp_path / "sessions").resolve()
    assert saved.folder.parent.parent == root
    assert db.runner(code.strip()).code == code  # the code itself is stored as typed
    # Nothing appeared anywhere but in the store's files and under the sessions root.
    new = [p for p in tree(tmp_path) if p not in before]
    assert all(p.startswith(("sessions", "store.sqlite")) for p in new), new
    assert not (tmp_path.parent / "escape").exists()


def test_bad_codes_and_folders_are_refused_without_leaving_files(db, tmp_path: Path):
    src = temp_result(tmp_path)
    with pytest.raises(BadRunnerCode, match="needs a code"):
        save_to_history(db, src, "   ")
    with pytest.raises(BadRunnerCode, match="at most 200"):
        save_to_history(db, src, "x" * 201)
    (tmp_path / "not-a-result").mkdir()
    (tmp_path / "not-a-result" / "result.json").write_text('{"schema": "other"}')
    with pytest.raises(StoreError, match="not a gaitlab result"):
        save_to_history(db, tmp_path / "not-a-result", "r07")
    assert not (tmp_path / "sessions").exists() and db.runners() == []


# ---------------------------------------------------------------------- deletion
def test_runner_delete_removes_the_copies_and_their_folder(db, tmp_path: Path, capsys):
    url = str(tmp_path / "store.sqlite")
    a = save_to_history(db, temp_result(tmp_path, "a", 10.0), "r07")
    b = save_to_history(db, temp_result(tmp_path, "b", 12.0), "r07")
    other = save_to_history(db, temp_result(tmp_path, "c", 9.0), "r08")
    assert a.folder != b.folder and a.folder.parent == b.folder.parent
    assert main(["runner", "delete", "r07", "--yes", "--store", url]) == 0
    n_files = len(a.files) + len(b.files)
    # Two session folders and the runner's folder.
    assert f"2 sessions, {n_files} files, 3 folders" in capsys.readouterr().out
    assert not (tmp_path / "sessions" / "r07").exists()
    assert other.folder.is_dir() and [r.code for r in db.runners()] == ["r08"]
    assert (tmp_path / "dashboard-tmp" / "a" / "result.json").is_file()  # never recorded


def test_a_runner_folder_holding_a_stranger_is_kept(db, tmp_path: Path):
    saved = save_to_history(db, temp_result(tmp_path), "r07")
    (saved.folder.parent / "mine.txt").write_text("not gaitlab's")
    # A copy a killed save left half-done is the runner's data: it goes.
    half = saved.folder.parent / f".{saved.folder.name}.partial-0123abcd"
    half.mkdir()
    (half / "result.json").write_text("{}")
    done = db.delete_runner("r07")
    assert done.dirs_removed == (saved.folder,)  # the session's folder, not the runner's
    assert sorted(p.name for p in saved.folder.parent.iterdir()) == ["mine.txt"]
    assert any("mine.txt" in k for k in done.kept)


# ---------------------------------------------------------------------- physio notes
def test_notes_round_trip_through_cli_and_store(store_url: str, tmp_path: Path, capsys):
    folder = tmp_path / "s1"
    paths = write_result_folder(
        folder, result_dict("2026-03-01T09:30:00Z", {"hip_extension_deg": metric(10.0)})
    )
    with open_store(store_url) as db:
        sid = db.record_session(read_session_folder(folder, "r7", files=paths))
    text = "R hip ext limited\nretest after 6 weeks"
    assert main(["runner", "note", "r7", str(sid), text, "--store", store_url]) == 0
    assert f"saved for session #{sid} of runner r7" in capsys.readouterr().out
    with open_store(store_url) as db:
        assert db.session(sid).physio_notes == text
    assert json.loads((folder / "session_notes.json").read_text())["text"] == text
    assert main(["history", "r7", "--store", store_url]) == 0
    out = capsys.readouterr().out
    assert f"{sid:>4}  R hip ext limited\n        retest after 6 weeks" in out
    # The wrong runner or an unknown session is a usage error, and changes nothing.
    assert main(["runner", "note", "r8", str(sid), "x", "--store", store_url]) == 2
    assert "no runner 'r8'" in capsys.readouterr().err
    with open_store(store_url) as db:
        db.upsert_runner("r8")
    assert main(["runner", "note", "r8", str(sid), "x", "--store", store_url]) == 2
    assert "not a session of runner 'r8'" in capsys.readouterr().err
    assert main(["runner", "note", "r7", str(sid + 99), "x", "--store", store_url]) == 2
    assert f"no session #{sid + 99}" in capsys.readouterr().err
    # "" clears; a gone result folder still gets its notes in the store.
    (folder / "result.json").unlink()
    assert main(["runner", "note", "r7", str(sid), "", "--store", store_url]) == 0
    assert "result folder is gone" in capsys.readouterr().out
    with open_store(store_url) as db:
        assert db.session(sid).physio_notes == ""
        with pytest.raises(UnknownSession):
            db.set_physio_notes(sid + 99, "nobody's")
    assert "physio notes per session" not in _history(store_url, capsys)


def _history(url: str, capsys) -> str:
    assert main(["history", "r7", "--store", url]) == 0
    return capsys.readouterr().out
