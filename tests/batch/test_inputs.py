"""Inputs: files, folders (recursive, video extensions) and CSV manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaitlab.batch.inputs import BatchInputError, collect_inputs, read_manifest


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_folder_is_searched_recursively_for_video_extensions(tmp_path: Path):
    touch(tmp_path / "b.mp4")
    touch(tmp_path / "a.MOV")  # any case
    touch(tmp_path / "sub" / "deeper" / "c.webm")
    touch(tmp_path / "notes.txt")
    touch(tmp_path / "result.json")
    touch(tmp_path / ".hidden.mp4")
    touch(tmp_path / ".git" / "d.mp4")
    clips = collect_inputs([tmp_path])
    assert [c.path.relative_to(tmp_path).as_posix() for c in clips] == [
        "a.MOV",
        "b.mp4",
        "sub/deeper/c.webm",
    ]


def test_excluded_folder_is_not_searched(tmp_path: Path):
    touch(tmp_path / "a.mp4")
    touch(tmp_path / "out" / "clips" / "a-123" / "annotated.mp4")
    clips = collect_inputs([tmp_path], exclude=[tmp_path / "out"])
    assert [c.path.name for c in clips] == ["a.mp4"]


def test_explicit_file_is_taken_whatever_its_extension_and_repeats_are_dropped(tmp_path: Path):
    a = touch(tmp_path / "a.mp4")
    odd = touch(tmp_path / "clip.bin")
    clips = collect_inputs([a, odd, tmp_path, a])
    assert [c.path.name for c in clips] == ["a.mp4", "clip.bin"]


def test_missing_argument_is_a_usage_error(tmp_path: Path):
    with pytest.raises(BatchInputError, match="no such file or folder") as exc:
        collect_inputs([tmp_path / "nope"])
    assert exc.value.exit_code == 2


def test_empty_folder_is_a_usage_error(tmp_path: Path):
    touch(tmp_path / "readme.txt")
    with pytest.raises(BatchInputError, match="no video files found"):
        collect_inputs([tmp_path])


def test_manifest_rows_carry_identity_and_overrides(tmp_path: Path):
    touch(tmp_path / "clips" / "a.mp4")
    manifest = tmp_path / "runs.csv"
    manifest.write_text(
        "\ufeffPath,Runner ID,height,View,label,slowmo\n"  # BOM, capitals, spaces and aliases
        "clips/a.mp4,r01,178.5,side-left,session 1,\n"
        "\n"
        "# a comment row\n"
        f"{tmp_path / 'b.mp4'},r02,,,,8\n"
    )
    a, b = read_manifest(manifest)
    assert a.path == tmp_path / "clips" / "a.mp4"  # relative to the manifest's folder
    assert (a.runner_id, a.height_cm, a.view, a.label, a.slowmo_factor) == (
        "r01",
        178.5,
        "side-left",
        "session 1",
        None,
    )
    assert (b.runner_id, b.height_cm, b.view, b.slowmo_factor) == ("r02", None, None, 8.0)
    assert a.source == f"{manifest}:2"
    # A manifest row whose file is missing is kept: it becomes that clip's error row.
    assert [c.path.name for c in collect_inputs([manifest])] == ["a.mp4", "b.mp4"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("runner_id,label\nr1,x\n", "no 'path' column"),
        ("path,hieght\na.mp4,180\n", "unknown column 'hieght'"),
        ("path,height_cm\na.mp4,tall\n", ":2: height_cm must be a number"),
        ("path,height_cm\na.mp4,18\n", "between 100 and 250"),
        ("path,view\na.mp4,diagonal\n", "view must be one of"),
        ("path,label\n,x\n", "'path' cell is empty"),
        ("path\na.mp4,extra\n", "2 cells but the header has 1"),
    ],
)
def test_bad_manifest_names_the_problem(tmp_path: Path, text: str, fragment: str):
    manifest = tmp_path / "m.csv"
    manifest.write_text(text)
    with pytest.raises(BatchInputError) as exc:
        read_manifest(manifest)
    assert fragment in exc.value.message
