from __future__ import annotations

import gc
import os
import time
from pathlib import Path

from gaitlab.dashboard.workspace import (
    WORKSPACE_ROOT_NAME,
    SessionWorkspace,
    check_upload,
    safe_name,
    sweep_stale,
)


def test_safe_name_drops_folders_and_odd_characters():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\me\\my run (1).MOV") == "my run (1).MOV"
    assert safe_name("a;b|c.mp4") == "a_b_c.mp4"
    assert safe_name("...") == "clip"


def test_check_upload_messages():
    assert check_upload("run.mp4", 10, 200) is None
    assert check_upload("RUN.MOV", 10, 200) is None
    assert "not a video file" in check_upload("notes.txt", 10, 200)
    assert "empty" in check_upload("run.mp4", 0, 200)
    msg = check_upload("big.mp4", 300 * 2**20, 200)
    assert "over the 200 MB limit" in msg and "300 MB" in msg


def test_new_clip_replaces_the_old_clip_and_its_results(tmp_path: Path):
    ws = SessionWorkspace(tmp_path)
    assert ws.path.parent == tmp_path / WORKSPACE_ROOT_NAME
    first = ws.new_clip("a.mp4", b"one")
    r1 = ws.result_dir("a")
    (r1 / "result.json").write_text("{}")
    assert first.read_bytes() == b"one" and r1.name == "01-a"
    second = ws.new_clip("b.mp4", b"two")
    assert not first.exists() and not r1.exists()
    assert second.read_bytes() == b"two"
    assert ws.result_dir("b").name == "02-b"
    ws.cleanup()
    assert ws.closed


def test_folder_goes_when_the_session_state_drops_the_workspace(tmp_path: Path):
    ws = SessionWorkspace(tmp_path)
    path = ws.path
    ws.new_clip("a.mp4", b"x")
    del ws
    gc.collect()
    assert not path.exists()


def test_sessions_do_not_share_folders(tmp_path: Path):
    a, b = SessionWorkspace(tmp_path), SessionWorkspace(tmp_path)
    assert a.path != b.path
    a.new_clip("a.mp4", b"a")
    b.new_clip("a.mp4", b"b")
    assert (a.path / "clip" / "a.mp4").read_bytes() == b"a"
    a.clear()
    assert (b.path / "clip" / "a.mp4").read_bytes() == b"b"


def test_sweep_stale_removes_only_old_session_folders(tmp_path: Path):
    old, fresh = SessionWorkspace(tmp_path), SessionWorkspace(tmp_path)
    other = tmp_path / WORKSPACE_ROOT_NAME / "not-a-session"
    other.mkdir()
    past = time.time() - 3 * 24 * 3600
    os.utime(old.path, (past, past))
    os.utime(other, (past, past))
    removed = sweep_stale(tmp_path, max_age_s=24 * 3600)
    assert removed == [old.path]
    assert fresh.path.exists() and other.exists()
