"""Atomic writes, output folders checked before work, and names made safe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gaitlab.files import (
    OutputDirError,
    atomic_path,
    check_output_dir,
    one_line,
    safe_folder_name,
    why_missing,
    write_text_atomic,
)


def test_atomic_path_replaces_the_file_only_when_the_block_succeeds(tmp_path: Path):
    target = write_text_atomic(tmp_path / "r.json", "old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half of the new")
        raise RuntimeError("crash while writing")
    assert target.read_text() == "old"  # the reader never sees half a file
    with atomic_path(target) as tmp:
        tmp.write_text("new")
        assert target.read_text() == "old"  # not replaced before the block ends
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary left


def test_check_output_dir_accepts_a_new_or_writable_folder_and_creates_nothing(tmp_path: Path):
    assert check_output_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert check_output_dir(tmp_path) == tmp_path
    assert list(tmp_path.iterdir()) == []  # the write test leaves nothing behind


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: Path(os.devnull), "--out /dev/null is not a folder"),
        (lambda d: (d / "f").write_text("mine") and d / "f", "is a file; give a folder"),
        (lambda d: (d / "f").write_text("x") and d / "f" / "res", "is a file, so the folder"),
        (lambda d: "", "--out is empty"),
    ],
    ids=["device", "file", "under-a-file", "empty"],
)
def test_check_output_dir_refuses_what_cannot_be_a_folder(tmp_path: Path, make, message):
    with pytest.raises(OutputDirError, match=message) as exc:
        check_output_dir(make(tmp_path))
    assert exc.value.exit_code == 2


def test_check_output_dir_tries_to_write(tmp_path: Path):
    # Permission bits do not stop the superuser: use a file system that refuses everyone.
    if os.geteuid() == 0:
        target = Path("/sys/gaitlab-test")
    else:
        (tmp_path / "ro").mkdir(mode=0o555)
        target = tmp_path / "ro" / "out"
    with pytest.raises(OutputDirError, match=r"cannot write in .* choose a folder"):
        check_output_dir(target)


def test_why_missing_tells_loops_and_broken_links_from_missing_files(tmp_path: Path):
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "broken").symlink_to("nowhere.mp4")
    (tmp_path / "clip.mp4").write_bytes(b"x")
    assert why_missing(tmp_path / "loop").startswith("a loop of symbolic links")
    assert why_missing(tmp_path / "broken") == (
        "a broken symbolic link (to nowhere.mp4, which does not exist)"
    )
    assert why_missing(tmp_path / "none.mp4") == "no such file"
    assert why_missing(tmp_path) == "not a file"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("run\n1", "run_1"),
        ("a/b\\c:d", "a_b_c_d"),
        ("..", "clip"),
        (".hidden", "hidden"),
        ("tab\there\x7f", "tab_here_"),
        ("my run (1)", "my run (1)"),
        ("", "clip"),
    ],
)
def test_safe_folder_name(name: str, safe: str):
    assert safe_folder_name(name) == safe


def test_one_line_escapes_line_breaks_and_control_characters():
    assert one_line("a\nb\rc\td\x1b") == "a\\nb\\rc\\td\\x1b"
    assert one_line("café – ok") == "café – ok"
