"""The bad-input corpus: every hostile input, its exit code and the one line the user reads.

One table, :data:`CASES`, run through the real command in a subprocess (as a user runs it):
case -> exit code -> a pattern for the one line that says what happened. For a refused input
that line is the whole of gaitlab's stderr (``gaitlab: error: ...``, no traceback, no usage
text); for an input that is analysed with a caveat (a cut, a slow-motion hint, a wrong
``--view``) it is the summary line that states the caveat. ``docs/bad_inputs.md`` lists the
same table for users; a test below keeps the two in step.

Cases marked ``integration`` run real MediaPipe inference on generated or bundled clips
(sample_videos/, FFmpeg test patterns); the pose cache is shared within the module, so a clip
analysed twice is inferred once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from tests.clipmaker import audio_only, ffmpeg, pattern_clip, retimed_clip
from tests.conftest import REPO

SIDE = REPO / "sample_videos" / "synth_side_normal.mp4"  # 8 s, 60 fps, 960x540, one runner
REAR = REPO / "sample_videos" / "synth_rear_pelvic_drop.mp4"  # 8 s, rear view
FAST = ["--no-video", "--no-report", "--no-keyframes"]

#: MediaPipe's own log lines on fd 2 (not gaitlab's output; see docs/privacy.md).
NATIVE_LOG = re.compile(r"^(INFO|WARNING|ERROR): |^[IWE]\d{4} \d")


@dataclass(frozen=True)
class Case:
    """One corpus entry.

    Attributes
    ----------
    id
        Short name (also the row in docs/bad_inputs.md).
    what
        The input, for people.
    build
        Makes the input in a folder and returns the command's arguments (after ``gaitlab``).
    code
        Expected exit code.
    line
        Regular expression for the one line that reports the case: gaitlab's only stderr line
        for a non-zero exit code, else a stdout summary line.
    check
        Optional extra check of the folder afterwards (files written, kept, removed).
    slow
        Runs pose inference (marked ``integration``).
    partial
        A session of several clips: the clips that worked keep their results (the refusal
        is of one clip only).
    """

    id: str
    what: str
    build: Callable[[Path], list[str]]
    code: int
    line: str
    check: Callable[[Path], None] | None = None
    slow: bool = False
    marks: tuple = field(default=())
    partial: bool = False


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def link(path: Path, target: str) -> Path:
    path.symlink_to(target)
    return path


def analyze(*args: object) -> list[str]:
    return ["analyze", *map(str, args)]


# ------------------------------------------------------------------ builders of inputs
def truncated(d: Path) -> Path:
    """The sample clip cut to its first 20 kB: the header and the first few frames."""
    return write(d / "truncated.mp4", SIDE.read_bytes()[:20_000])


def short_side(d: Path, seconds: float = 4.0) -> Path:
    """The first ``seconds`` of the sample side clip (still 60 fps, one runner)."""
    out = d / "side4.mp4"
    ffmpeg("-i", str(SIDE), "-t", str(seconds), "-c", "copy", str(out))
    return out


def gap_clip(d: Path) -> Path:
    """The side clip with every frame after 3 s stamped 10 hours later (two recordings)."""
    return retimed_clip(SIDE, d / "gap.mp4", lambda i, t: t if t < 3.0 else t + 36000.0)


def slowed(d: Path, factor: float, tag_fps: float | None = None) -> Path:
    """The side clip (60 fps) stored to play ``factor`` times slower: slow motion."""
    out = retimed_clip(short_side(d), d / f"slow{factor:g}.mp4", lambda i, t: factor * t)
    if tag_fps is None:
        return out
    tagged = d / f"slow{factor:g}_tagged.mp4"
    ffmpeg(
        "-i", str(out), "-c", "copy", "-metadata", f"com.android.capture.fps={tag_fps:.6f}",
        "-movflags", "use_metadata_tags", str(tagged),
    )  # fmt: skip
    return tagged


def portrait(d: Path) -> Path:
    """A portrait phone clip: 4 s of the runner cropped to 304x540, stored on its side.

    Phones store landscape pixels and a rotation flag: the crop is turned a quarter turn
    clockwise and flagged to be shown turned back (90 degrees counter-clockwise), upright.
    """
    plain, out = d / "stored.mp4", d / "portrait.mp4"
    ffmpeg("-i", str(SIDE), "-t", "4", "-vf", "crop=304:540,transpose=1", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(plain))  # fmt: skip
    ffmpeg("-display_rotation", "90", "-i", str(plain), "-c", "copy", str(out))
    return out


def at_240_fps(d: Path) -> Path:
    """2.5 s of the side clip at 240 fps in real time (each 60 fps frame shown 4 times)."""
    out = d / "fps240.mp4"
    ffmpeg("-i", str(SIDE), "-t", "2.5", "-vf", "fps=240", "-c:v", "libx264", "-preset",
           "ultrafast", "-pix_fmt", "yuv420p", str(out))  # fmt: skip
    return out


def read_only_dir(d: Path) -> Path:
    """A folder nobody may write to (as root, whom permissions do not stop: /sys)."""
    if os.geteuid() == 0:
        return Path("/sys/gaitlab-test-out")
    ro = d / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    return ro / "out"


def unusable_store(d: Path) -> str:
    """A SQLite store whose folder is a file."""
    return str(write(d / "not_a_folder", b"x") / "gaitlab.sqlite")


def result_folder(d: Path, edit: Callable[[dict], object] | None = None) -> Path:
    """A copy of a valid result folder (written once per module), with result.json edited."""
    out = d / "res"
    shutil.copytree(RESULT_FOLDER, out)
    if edit is not None:
        doc = json.loads((out / "result.json").read_text())
        new = edit(doc)
        (out / "result.json").write_text(json.dumps(doc if new is None else new))
    return out


def manifest(d: Path, row: str) -> Path:
    (d / "a.mp4").write_bytes(b"x")
    return write(d / "m.csv", f"path,slowmo,height_cm\n{row}\n".encode())


# ------------------------------------------------------------------ checks afterwards
def nothing_written(d: Path) -> None:
    assert not (d / "out").exists(), "the folder was made before the input was refused"


def session_kept_side(d: Path) -> None:
    """The side clip's result and the session document are written; the corrupt clip's not."""
    assert (d / "out" / "side4" / "result.json").is_file()
    assert (d / "out" / "session.json").is_file()
    assert not (d / "out" / "rear").exists()


def outputs_replaced(d: Path) -> None:
    """The second clip's analysis removed the first's reports and key frames, not the notes."""
    out = d / "out"
    names = {p.name for p in out.iterdir()}
    assert "report.html" not in names and not any(n.startswith("keyframe_") for n in names)
    assert "my_notes.txt" in names  # never written by gaitlab: never removed
    manifest_files = json.loads((out / "outputs.json").read_text())["files"].values()
    assert set(manifest_files) == names - {"my_notes.txt", "outputs.json"}
    assert json.loads((out / "result.json").read_text())["clip"]["path"].endswith("side4.mp4")


def second_run(d: Path) -> list[str]:
    """Analyse the side clip with reports and key frames, then a shorter clip into its --out."""
    first = run_cli(*analyze(SIDE, "--out", d / "out", "--no-video", "--quiet"), cwd=d)
    assert first.returncode == 0, first.stderr
    assert (d / "out" / "report.html").is_file()
    (d / "out" / "my_notes.txt").write_text("the physio's notes")
    return analyze(short_side(d), "--out", d / "out", *FAST)


def safe_default_folder(d: Path) -> None:
    (folder,) = (d / "gaitlab_results").iterdir()
    assert folder.name == "run_1", folder.name  # the newline became "_"
    assert (folder / "result.json").is_file()


def store_untouched(d: Path) -> None:
    assert not (d / "out").exists(), "the analysis ran although the store cannot be opened"


def strideless(d: Path) -> Path:
    """A copy of the valid result folder whose events and strides are gone (no stride)."""
    out = d / "bare"
    shutil.copytree(RESULT_FOLDER, out)
    doc = json.loads((out / "result.json").read_text())
    doc["kinematics"].update(events=[], strides=[])
    (out / "result.json").write_text(json.dumps(doc))
    return out


def without_series(d: Path) -> Path:
    out = result_folder(d)
    (out / "pose_series.npz").unlink()
    return out


def empty_folder(d: Path) -> Path:
    (d / "empty").mkdir()
    return d / "empty"


def result_unchanged(d: Path) -> None:
    """A refused correction left the result as it was written."""
    assert (d / "res" / "result.json").read_bytes() == (RESULT_FOLDER / "result.json").read_bytes()
    assert not (d / "res" / "corrections.json").exists()


def no_comparison(d: Path) -> None:
    assert not list(d.rglob("comparison.*")) and not list(d.rglob("side_by_side.mp4*"))


def compare(*args: object) -> list[str]:
    return ["compare", *map(str, args)]


def correct(d: Path, *args: object) -> list[str]:
    return ["correct", str(result_folder(d)), *map(str, args)]


# ------------------------------------------------------------------ the table
CASES: list[Case] = [
    # Not a readable video (4) or not usable (5): checked before any inference.
    Case("missing", "a file that does not exist", lambda d: analyze(d / "missing.mp4"), 4,
         r"missing\.mp4: no such file$"),
    Case("empty", "a 0-byte file", lambda d: analyze(write(d / "e.mp4", b"")), 4,
         r"e\.mp4: the file is empty \(0 bytes\)"),
    Case("random-bytes", "4 kB of random bytes named .mp4",
         lambda d: analyze(write(d / "n.mp4", np.random.default_rng(1).bytes(4096))), 4,
         r"n\.mp4: not a readable video \("),
    Case("truncated", "a clip cut after its first 20 kB (a broken download)",
         lambda d: analyze(truncated(d)), 5,
         r"truncated\.mp4: the clip lasts 0\.\d s of capture time; gaitlab needs at least 1\.2 s"),
    Case("corrupt-header", "a clip whose first 4 kB are overwritten with zeros",
         lambda d: analyze(write(d / "c.mp4", bytes(4096) + SIDE.read_bytes()[4096:])), 4,
         r"c\.mp4: not a readable video \("),
    Case("audio-only", "an AAC file with no video stream",
         lambda d: analyze(audio_only(d / "a.mp4")), 4,
         r"a\.mp4: the file has no video stream \(found: audio\)"),
    Case("folder", "a folder given as the clip", lambda d: analyze(d), 4, r": not a file$"),
    Case("symlink-loop", "a symbolic link that points to itself",
         lambda d: analyze(link(d / "loop.mp4", "loop.mp4")), 4,
         r"loop\.mp4: a loop of symbolic links"),
    Case("broken-link", "a symbolic link to a missing file",
         lambda d: analyze(link(d / "gone.mp4", "nowhere.mp4")), 4,
         r"gone\.mp4: a broken symbolic link \(to nowhere\.mp4"),
    Case("newline-name", "a missing clip whose name holds a newline",
         lambda d: analyze(d / "run\n1.mp4"), 4, r"run\\n1\.mp4: no such file$"),
    Case("half-second", "a 0.5 s clip",
         lambda d: analyze(pattern_clip(d / "s.mp4", duration_s=0.5)), 5,
         r"s\.mp4: the clip lasts 0\.5 s of capture time; gaitlab needs at least 1\.2 s"),
    Case("64x64", "a 64x64 px clip",
         lambda d: analyze(pattern_clip(d / "t.mp4", size=(64, 64), duration_s=2.5)), 5,
         r"t\.mp4: 64x64 px is too small"),
    # Bad options (2): one validation layer, one line, before any work.
    Case("slowmo-inf", "--slowmo inf", lambda d: analyze(SIDE, "--slowmo", "inf"), 2,
         r"argument --slowmo: must be a number between 1 and 64, got inf"),
    Case("slowmo-nan", "--slowmo nan", lambda d: analyze(SIDE, "--slowmo", "nan"), 2,
         r"argument --slowmo: must be a number between 1 and 64, got nan"),
    Case("height-inf", "--height-cm inf", lambda d: analyze(SIDE, "--height-cm", "inf"), 2,
         r"argument --height-cm: must be a number between 100 and 250, got inf"),
    Case("min-duration-nan", "--min-duration-s nan",
         lambda d: analyze(SIDE, "--min-duration-s", "nan"), 2,
         r"argument --min-duration-s: must be a number between 0 and 3600, got nan"),
    Case("min-duration-negative", "--min-duration-s -1",
         lambda d: analyze(SIDE, "--min-duration-s=-1"), 2,
         r"argument --min-duration-s: must be a number between 0 and 3600, got -1"),
    Case("workers-0", "--workers 0", lambda d: analyze(SIDE, "--workers", "0"), 2,
         r"argument --workers: must be a whole number between 1 and 64, got 0"),
    Case("runner-empty", '--runner ""', lambda d: analyze(SIDE, "--runner", ""), 2,
         r"--runner '': a runner needs a code"),
    Case("unknown-option", "--frobnicate", lambda d: analyze(SIDE, "--frobnicate"), 2,
         r"unrecognized arguments: --frobnicate \(see `gaitlab --help`\)"),
    # Several clips as one session: the same clip twice, or one --view for all, refused
    # before any work (2); a clip that fails keeps the others' results and gives its own code.
    Case("session-same-clip", "the same clip twice (a copy) as one session",
         lambda d: analyze(SIDE, write(d / "copy.mp4", SIDE.read_bytes()), "--out", d / "out"),
         2,
         r"synth_side_normal\.mp4 and .*copy\.mp4 are the same clip: a session needs different "
         r"clips of the run", nothing_written),
    Case("session-view", "two clips with --view rear",
         lambda d: analyze(SIDE, REAR, "--view", "rear", "--out", d / "out"), 2,
         r"--view rear names one clip's view; with several clips each clip's view is detected",
         nothing_written),
    Case("session-one-corrupt", "a session of the side clip and a 4 kB file of zeros",
         lambda d: analyze(short_side(d), write(d / "rear.mp4", bytes(4096)), "--out", d / "out",
                           *FAST), 4,
         r"rear\.mp4: not a readable video \(.*\) \(the session keeps side4\.mp4: .*"
         r"session\.json\)$", session_kept_side, slow=True, partial=True),
    # Unusable --out (2): checked before any work; nothing is created.
    Case("out-dev-null", "--out /dev/null", lambda d: analyze(SIDE, "--out", "/dev/null"), 2,
         r"--out /dev/null is not a folder"),
    Case("out-file", "--out naming an existing file",
         lambda d: analyze(SIDE, "--out", write(d / "out", b"mine")), 2, r"--out .*out is a file"),
    Case("out-under-file", "--out inside a file",
         lambda d: analyze(SIDE, "--out", write(d / "f", b"x") / "res"), 2,
         r"--out .*f/res: .*f is a file, so the folder cannot be created there"),
    Case("out-read-only", "--out in a folder that cannot be written",
         lambda d: analyze(SIDE, "--out", read_only_dir(d)), 2, r"--out .*: cannot write in "),
    Case("batch-out-file", "batch --out naming an existing file",
         lambda d: ["batch", str(SIDE), "--out", str(write(d / "out", b"mine"))], 2,
         r"--out .*out is a file"),
    Case("batch-symlink-loop", "batch given a symbolic link loop",
         lambda d: ["batch", str(link(d / "l", "l")), "--out", str(d / "out")], 2,
         r"/l: a loop of symbolic links", nothing_written),
    Case("manifest-slowmo-inf", "a batch manifest with slowmo inf",
         lambda d: ["batch", str(manifest(d, "a.mp4,inf,")), "--out", str(d / "out")], 2,
         r"m\.csv:2: slowmo must be a number between 1 and 64, got inf"),
    Case("manifest-height", "a batch manifest with height_cm 18",
         lambda d: ["batch", str(manifest(d, "a.mp4,,18")), "--out", str(d / "out")], 2,
         r"m\.csv:2: height_cm must be a number between 100 and 250, got 18"),
    Case("batch-slowmo-inf", "batch --slowmo inf",
         lambda d: ["batch", str(SIDE), "--out", str(d / "out"), "--slowmo", "inf"], 2,
         r"argument --slowmo: must be a number between 1 and 64, got inf", nothing_written),
    # A result store that cannot be opened (8): found before the analysis, not after it.
    Case("runner-store-unusable", "analyze --runner with a store that cannot be created",
         lambda d: analyze(SIDE, "--out", d / "out", "--runner", "r1", "--store",
                           unusable_store(d)), 8,
         r"cannot create the store's folder", store_untouched),
    # gaitlab report on a result.json it must not trust (4).
    Case("report-no-result", "report on a folder without result.json",
         lambda d: ["report", str(d)], 4, r": no result\.json here"),
    Case("report-newer-schema", "report on a result.json with schema_version 999",
         lambda d: ["report", str(result_folder(d, lambda r: r.update(schema_version=999)))], 4,
         r"result\.json: written by a newer gaitlab \(result schema 999; gaitlab \S+ reads "
         r"schema 1\): update gaitlab to read it"),
    Case("report-bad-metric", "report on a result.json whose metric median is text",
         lambda d: ["report", str(result_folder(d, lambda r: r["kinematics"]["metrics"][
             next(iter(r["kinematics"]["metrics"]))].update(median="abc")))], 4,
         r"not a readable result \(kinematics\.metrics\.\w+\.median must be a number or null, "
         r"got the text 'abc'\)"),
    Case("report-kinematics-list", "report on a result.json whose kinematics is a list",
         lambda d: ["report", str(result_folder(d, lambda r: r.update(kinematics=[1, 2])))], 4,
         r"not a readable result \(kinematics must be an object, got a list\)"),
    Case("report-not-json", "report on a result.json that is not JSON",
         lambda d: ["report", str(write(result_folder(d) / "result.json", b"{").parent)], 4,
         r"result\.json: not a readable result \("),
    Case("report-not-a-result", "report on a JSON list",
         lambda d: ["report", str(result_folder(d, lambda r: [1]))], 4,
         r"result\.json: not a gaitlab result \(a list\)"),
    Case("report-other-series", "report with the pose series of another analysis",
         lambda d: ["report", str(result_folder(d, lambda r: r["pose"].update(n_frames=9999)))],
         4, r"pose_series\.npz: \d+ frames, but result\.json describes 9999: the two files are "
         r"not from the same analysis"),
    # gaitlab compare on two sessions (4: not a result; 5: nothing to step through; 2: usage).
    Case("compare-no-result", "compare with a folder without result.json",
         lambda d: compare(empty_folder(d), result_folder(d), "--out", d / "cmp"), 4,
         r"empty: no result\.json here", no_comparison),
    Case("compare-nowhere", "compare with a path that is neither a folder nor a session number",
         lambda d: compare(d / "nowhere", result_folder(d), "--out", d / "cmp"), 4,
         r"nowhere: no such result folder \(nor a stored session's number\)$", no_comparison),
    Case("compare-no-series", "compare with a result whose pose_series.npz is gone",
         lambda d: compare(without_series(d), strideless(d), "--out", d / "cmp"), 4,
         r"pose_series\.npz: no such pose series file", no_comparison),
    Case("compare-no-strides", "compare --video with a session that has no stride",
         lambda d: compare(result_folder(d), strideless(d), "--out", d / "cmp", "--video"), 5,
         r"the second session \(synthetic_run\.mp4\) has no stride to compare$", no_comparison),
    Case("compare-unknown-session", "compare with a session number the store does not have",
         lambda d: compare("#12", result_folder(d), "--out", d / "cmp", "--store",
                           d / "s.sqlite"), 2,
         r"no session #12 in the result store \(sqlite:///", no_comparison),
    Case("compare-out-file", "compare --out naming an existing file",
         lambda d: compare(result_folder(d), strideless(d), "--out", write(d / "o", b"x")),
         2, r"--out \S+ is a file; give a folder"),
    # gaitlab correct on a result folder (4: no result; 2: an edit or option that does not
    # fit; 8: the store cannot be opened): the folder is left as it was.
    Case("correct-no-result", "correct on a folder without result.json",
         lambda d: ["correct", str(empty_folder(d)), "--list"], 4,
         r"empty: no result\.json here"),
    Case("correct-no-such-event", "correct --delete-strike where there is no foot strike",
         lambda d: correct(d, "--delete-strike", "right", "1"), 2,
         r"deleted the right foot strike at frame 1: no such event there; the nearest are at "
         r"frames \d+", result_unchanged),
    Case("correct-frame-outside", "correct --add-strike at a frame after the clip's end",
         lambda d: correct(d, "--add-strike", "left", "99999"), 2,
         r"added a left foot strike at frame 99999: the clip has frames 0-119$",
         result_unchanged),
    Case("correct-not-a-frame", "correct --move-strike with a frame that is not a number",
         lambda d: correct(d, "--move-strike", "left", "x", "5"), 2,
         r"--move-strike: a frame is a whole number, got 'x' \(see `gaitlab correct --help`\)",
         result_unchanged),
    Case("correct-no-stride-there", "correct --exclude-stride where no stride starts",
         lambda d: correct(d, "--exclude-stride", "left", "99999"), 2,
         r"excluded the left stride starting at frame 99999: no left stride starts there \(left "
         r"strides start at frames \d+", result_unchanged),
    Case("correct-clear-and-edit", "correct --clear with --undo",
         lambda d: correct(d, "--clear", "--undo"), 2,
         r"--clear drops every edit: give it alone$", result_unchanged),
    Case("correct-bad-corrections-file", "correct on a folder whose corrections.json is not JSON",
         lambda d: ["correct", str(write(result_folder(d) / "corrections.json", b"{").parent),
                    "--undo"], 2,
         r"corrections\.json: not readable \("),
    Case("correct-labels-unwritable", "correct --export-labels inside a file",
         lambda d: correct(d, "--exclude-stride", "left", "99999", "--export-labels",
                           d / "res" / "result.json" / "labels.json"), 2,
         r"--export-labels \S+labels\.json: \S+result\.json is a file", result_unchanged),
    Case("correct-store-not-a-session", "correct --store on a folder not recorded there",
         lambda d: correct(d, "--undo", "--store", d / "s.sqlite"), 2,
         r"res is not a session in the result store \(sqlite:///", result_unchanged),
    Case("correct-store-unusable", "correct --store with a store that cannot be created",
         lambda d: correct(d, "--undo", "--store", unusable_store(d)), 8,
         r"cannot create the store's folder", result_unchanged),
    # Pose inference on the input: exit 6, or analysed with the caveat said in one line.
    Case("no-person", "3 s of FFmpeg's moving test pattern",
         lambda d: analyze(pattern_clip(d / "shapes.mp4", size=(640, 360), duration_s=3.0),
                           *FAST), 6,
         r"shapes\.mp4: no person found in any of 90 frames", slow=True),
    Case("time-gap", "the side clip with its last 5 s stamped 10 hours later",
         lambda d: analyze(gap_clip(d), *FAST), 0,
         r"^cut       the timestamps jump 1 time \(by 10\.0 h at 3\.0 s: .*analysed the longest "
         r"continuous part, 5\.0 s from 36003\.0 s of the file \(300 frames.*left out 180 frames",
         slow=True),
    Case("slow-motion-2x", "4 s of the 60 fps side clip stored to play at 30 fps",
         lambda d: analyze(slowed(d, 2.0), *FAST), 0,
         r"^verdict   this is not running: \d+ steps/min is below .*if this is slow motion "
         r"slowed 2x, analyse it again with --slowmo 2 \(", slow=True),
    Case("slow-motion-tagged", "the same, 4x slower, with com.android.capture.fps = 60",
         lambda d: analyze(slowed(d, 4.0, tag_fps=60.0), *FAST), 0,
         r"^verdict   running in slow motion: .*the file says it was filmed at 60 fps "
         r"\(com\.android\.capture\.fps\) and it plays at 15 fps: it is slow motion; analyse it "
         r"again with --slowmo 4$", slow=True),
    Case("slow-motion-given", "the 2x slow clip analysed with --slowmo 2 (a runner again)",
         lambda d: analyze(slowed(d, 2.0), "--slowmo", "2", *FAST), 0,
         r"^strides   \d+$", slow=True),
    Case("portrait", "a portrait phone clip (stored on its side with a rotation flag)",
         lambda d: analyze(portrait(d), *FAST), 0,
         r"^clip      portrait\.mp4: 304x540 upright, rotated 90 deg, 240 frames", slow=True),
    Case("240-fps", "2.5 s of the side clip at 240 fps in real time",
         lambda d: analyze(at_240_fps(d), *FAST), 0,
         r"^clip      fps240\.mp4: 960x540 upright, 600 frames, 2\.5 s, 240\.0 fps from "
         r"timestamps$", slow=True),
    Case("wrong-view", "the side clip analysed with --view rear",
         lambda d: analyze(SIDE, "--view", "rear", *FAST), 0,
         r"^view      rear \(user, .*; but the clip looks side-left \(shoulder width ratio "
         r"0\.\d\d\): the metrics follow --view rear, check it$", slow=True),
    Case("newline-default-out", "a clip named run<newline>1.mp4, no --out",
         lambda d: analyze(Path(shutil.copy(SIDE, d / "run\n1.mp4")), *FAST), 0,
         r"^outputs   gaitlab_results/run_1/", safe_default_folder, slow=True),
    Case("reanalysis-same-out", "another clip analysed into an earlier clip's --out",
         second_run, 0, r"^outputs   .*/out/", outputs_replaced, slow=True),
]  # fmt: skip


def run_cli(*args: object, cwd: Path, cache: Path | None = None) -> subprocess.CompletedProcess:
    # The default result store is the case's own: `gaitlab correct` looks for it.
    env = {
        **os.environ,
        "GAITLAB_CACHE_DIR": str(cache or CACHE),
        "GAITLAB_STORE": str(cwd / "default-store.sqlite"),
    }
    return subprocess.run(
        [sys.executable, "-m", "gaitlab.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=600,
    )


#: The module's pose cache and a valid result folder, made by the ``corpus`` fixture.
CACHE = Path()
RESULT_FOLDER = Path()


@pytest.fixture(scope="module", autouse=True)
def corpus(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A pose cache shared by the module, and one valid result folder (no inference)."""
    from gaitlab.report import write_outputs
    from tests.report.synthetic import synthetic_analysis

    global CACHE, RESULT_FOLDER
    base = tmp_path_factory.mktemp("corpus")
    CACHE = base / "cache"
    RESULT_FOLDER = base / "result"
    write_outputs(synthetic_analysis(base), RESULT_FOLDER, video=False, reports=False)


def _params() -> list:
    return [
        pytest.param(case, id=case.id, marks=[pytest.mark.integration] if case.slow else [])
        for case in CASES
    ]


@pytest.mark.parametrize("case", _params())
def test_bad_input(case: Case, tmp_path: Path) -> None:
    argv = case.build(tmp_path)
    proc = run_cli(*argv, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    ours = [line for line in proc.stderr.splitlines() if not NATIVE_LOG.match(line)]
    assert proc.returncode == case.code, proc.stderr
    if case.code != 0:
        assert len(ours) == 1, ours  # one line, no usage text, no traceback
        assert ours[0].startswith("gaitlab: error: ")
        assert re.search(case.line, ours[0]), ours[0]
        if argv[0] == "analyze" and not case.partial:
            assert not list(tmp_path.rglob("result.json")), "a refused clip left a result"
    else:
        assert ours == [], ours
        hits = [line for line in proc.stdout.splitlines() if re.search(case.line, line)]
        assert len(hits) == 1, proc.stdout
    if case.check is not None:
        case.check(tmp_path)


def test_only_validation_errors_are_usage_errors(monkeypatch, capsys) -> None:
    # A ValueError that is not a validation error is a bug: exit 1, and --debug shows where.
    import gaitlab.cli
    from gaitlab.errors import InvalidOption

    def bug(args):
        raise ValueError("not the user's doing")

    monkeypatch.setattr(gaitlab.cli, "_cmd_models", bug)
    assert gaitlab.cli.main(["models", "list"]) == 1
    assert capsys.readouterr().err == (
        "gaitlab: internal error: ValueError: not the user's doing (a bug: rerun with --debug "
        "and report it)\n"
    )
    with pytest.raises(ValueError, match="not the user's doing"):  # the traceback is shown
        gaitlab.cli.main(["--debug", "models", "list"])

    def invalid(args):
        raise InvalidOption("slowmo_factor must be a number between 1 and 64, got inf")

    monkeypatch.setattr(gaitlab.cli, "_cmd_models", invalid)
    assert gaitlab.cli.main(["--debug", "models", "list"]) == 2
    assert capsys.readouterr().err == (
        "gaitlab: error: slowmo_factor must be a number between 1 and 64, got inf\n"
    )


def test_docs_list_every_case_with_its_exit_code() -> None:
    doc = (REPO / "docs" / "bad_inputs.md").read_text()
    rows = dict(re.findall(r"^\| `([\w-]+)` \|[^|]*\| (\d) \|", doc, flags=re.M))
    assert rows == {case.id: str(case.code) for case in CASES}


def test_readme_exit_codes_match_the_errors_module() -> None:
    from gaitlab import errors

    readme = (REPO / "README.md").read_text()
    table = dict(re.findall(r"^\| (\d) \| (.+) \|$", readme, flags=re.M))
    documented = dict(re.findall(r"^(\d)\s{3}(.+)$", errors.__doc__ or "", flags=re.M))
    assert set(table) == {str(c) for c in range(9)}
    assert set(documented) <= set(table)
    assert "docs/bad_inputs.md" in readme
