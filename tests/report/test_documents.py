"""Plots, exports and reports written by a second process while the video renders."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
from pathlib import Path

import pytest

from gaitlab.report import ReportData, write_outputs
from gaitlab.report import documents as documents_module
from gaitlab.report import outputs as outputs_module
from gaitlab.report import render as render_module
from gaitlab.report.documents import fork_context

pytestmark = pytest.mark.skipif(fork_context() is None, reason="forking is used on Linux only")


def _result_copy(synthetic_outputs: dict[str, Path], dest: Path) -> ReportData:
    shutil.copytree(synthetic_outputs["result"].parent, dest)
    return ReportData.from_result_dir(dest)


def _digest(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".pdf":
        # fpdf2 stamps the creation time and derives the file ID from it.
        raw = re.sub(rb"\(D:\d+Z\)", b"()", raw)
        raw = re.sub(rb"/ID \[<[0-9A-F]+><[0-9A-F]+>\]", b"", raw)
    return hashlib.sha256(raw).hexdigest()


def test_two_processes_write_the_same_files(
    synthetic_outputs: dict[str, Path], tmp_path: Path
) -> None:
    data = _result_copy(synthetic_outputs, tmp_path / "one")
    serial = write_outputs(data, tmp_path / "one", workers=1)
    parallel = write_outputs(data, tmp_path / "two", workers=2)
    # A ReportData writes no result or series: "one" lists those it found in its folder
    # (they stay there), "two" has none.
    assert set(parallel) == set(serial) - {"result", "series"}
    for name, path in serial.items():
        if name in ("result", "series", "outputs"):  # the manifests list different folders
            continue
        assert parallel[name].parent == tmp_path / "two"
        assert _digest(parallel[name]) == _digest(path), name
    assert "annotated.mp4" in (tmp_path / "two" / "report.html").read_text()


def test_reports_start_before_the_video_is_finished(
    synthetic_outputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reports need only the key frames: they are handed over when the last is drawn."""
    data = _result_copy(synthetic_outputs, tmp_path / "out")
    handed: list[tuple[int, int]] = []  # (frames drawn, key frames handed over)
    drawn = [0]
    original_write = render_module.BackgroundEncoder.write
    original_ready = documents_module.DocumentsProcess.keyframes_ready

    def counting_write(self, rgb, time_s):
        drawn[0] += 1
        original_write(self, rgb, time_s)

    def recording_ready(self, keyframes):
        handed.append((drawn[0], len(keyframes)))
        original_ready(self, keyframes)

    monkeypatch.setattr(render_module.BackgroundEncoder, "write", counting_write)
    monkeypatch.setattr(documents_module.DocumentsProcess, "keyframes_ready", recording_ready)
    paths = write_outputs(data, tmp_path / "out", workers=2)
    n_keyframes = sum(1 for name in paths if name.startswith(("keyframe_", "finding_")))
    last_keyframe = max(spec.frame for spec in outputs_module.keyframe_specs(data))
    assert handed[0] == (last_keyframe, n_keyframes)  # before that frame went to the encoder
    assert last_keyframe < data.series.n_frames - 1
    assert paths["pdf"].is_file() and paths["html"].is_file()


def test_an_error_in_the_second_process_is_raised_with_its_trace(
    synthetic_outputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _result_copy(synthetic_outputs, tmp_path / "out")

    def broken_pdf(content, path):
        raise ValueError("the PDF could not be laid out")

    monkeypatch.setattr("gaitlab.report.pdf.write_pdf", broken_pdf)
    with pytest.raises(ValueError, match="could not be laid out") as caught:
        write_outputs(data, tmp_path / "out", workers=2)
    assert any("broken_pdf" in note for note in caught.value.__notes__)
    assert (tmp_path / "out" / "annotated.mp4").is_file()  # the render itself finished


def test_a_second_process_that_dies_is_reported(
    synthetic_outputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _result_copy(synthetic_outputs, tmp_path / "out")
    monkeypatch.setattr(documents_module, "write_documents", lambda data, out, **kw: os._exit(3))
    with pytest.raises(RuntimeError, match="exited with code 3"):
        write_outputs(data, tmp_path / "out", workers=2)


def test_a_failed_render_ends_the_second_process(
    synthetic_outputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _result_copy(synthetic_outputs, tmp_path / "out")
    for name in ("report.pdf", "report.html"):
        (tmp_path / "out" / name).unlink()
    started: list[documents_module.DocumentsProcess] = []
    original_init = documents_module.DocumentsProcess.__init__

    def recording_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        started.append(self)

    def failing_render(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(documents_module.DocumentsProcess, "__init__", recording_init)
    monkeypatch.setattr(outputs_module, "render_clip", failing_render)
    with pytest.raises(OSError, match="disk full"):
        write_outputs(data, tmp_path / "out", workers=2)
    assert len(started) == 1
    process = started[0]._process
    # Ended either by itself (0) or, when a loaded machine keeps it drawing plots past
    # cancel()'s 5 s grace, by cancel()'s SIGTERM: never left running.
    assert not process.is_alive()
    assert process.exitcode in (0, -signal.SIGTERM)
    assert not (tmp_path / "out" / "report.pdf").exists()  # no report without key frames


def test_a_process_started_ahead_writes_the_same_files(
    synthetic_outputs: dict[str, Path], tmp_path: Path
) -> None:
    """Forked before the data exists (as `gaitlab analyze` does), given it by pickle."""
    data = _result_copy(synthetic_outputs, tmp_path / "one")
    serial = write_outputs(data, tmp_path / "one", workers=1)
    ahead = documents_module.DocumentsProcess.ahead(fork_context())
    parallel = write_outputs(data, tmp_path / "two", documents=ahead)
    assert not ahead._process.is_alive()
    assert set(parallel) == set(serial) - {"result", "series"}
    for name, path in serial.items():
        if name in ("result", "series", "outputs"):
            continue
        assert _digest(parallel[name]) == _digest(path), name


def test_a_process_started_ahead_and_not_needed_ends(
    synthetic_outputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing drawn (no video, no key frames) or a long clip: all is written in one process."""
    data = _result_copy(synthetic_outputs, tmp_path / "out")
    ahead = documents_module.DocumentsProcess.ahead(fork_context())
    paths = write_outputs(data, tmp_path / "out", video=False, keyframes=False, documents=ahead)
    assert not ahead.assigned and not ahead._process.is_alive()
    assert paths["pdf"].is_file()
    monkeypatch.setattr(outputs_module, "PARALLEL_MAX_FRAMES", data.series.n_frames - 1)
    ahead = documents_module.DocumentsProcess.ahead(fork_context())
    write_outputs(data, tmp_path / "out", video=False, documents=ahead)
    assert not ahead.assigned and not ahead._process.is_alive()


def test_a_failed_analysis_step_ends_the_process_started_ahead(
    synthetic_outputs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _result_copy(synthetic_outputs, tmp_path / "out")

    def failing_render(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(outputs_module, "render_clip", failing_render)
    ahead = documents_module.DocumentsProcess.ahead(fork_context())
    with pytest.raises(OSError, match="disk full"):
        write_outputs(data, tmp_path / "out", documents=ahead)
    assert not ahead._process.is_alive()


def test_documents_ahead_only_when_something_is_drawn() -> None:
    assert outputs_module.documents_ahead(video=False, keyframes=False, reports=True) is None
    ahead = outputs_module.documents_ahead(video=True, keyframes=True, reports=True)
    if len(os.sched_getaffinity(0)) < 2:
        assert ahead is None
    else:
        assert ahead is not None and not ahead.assigned
        ahead.cancel()
        assert not ahead._process.is_alive()


def test_a_process_started_ahead_ends_when_its_parent_goes() -> None:
    """A killed `gaitlab analyze` leaves no process behind waiting for its clip."""
    ahead = documents_module.DocumentsProcess.ahead(fork_context())
    ahead._conn.close()  # what the parent's death does to its end of the pipe
    ahead._process.join(timeout=120)
    assert not ahead._process.is_alive() and ahead._process.exitcode == 0


def test_a_long_clip_ends_the_process_started_ahead_during_the_pose_stage(
    synthetic_outputs: dict[str, Path], tmp_path: Path
) -> None:
    data = _result_copy(synthetic_outputs, tmp_path / "out")
    ahead = documents_module.DocumentsProcess.ahead(fork_context())
    outputs_module.end_if_long(ahead, outputs_module.PARALLEL_MAX_FRAMES)  # not long: kept
    assert not ahead.ended
    outputs_module.end_if_long(ahead, outputs_module.PARALLEL_MAX_FRAMES + 1)
    assert ahead.ended
    paths = write_outputs(data, tmp_path / "out", documents=ahead)  # then in one process
    assert not ahead.assigned and not ahead._process.is_alive()
    assert paths["pdf"].is_file() and paths["video"].is_file()
