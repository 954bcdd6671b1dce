"""Real and synthetic test clips for the batch's integration tests, trimmed to stay fast."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import CLIPS, REPO
from tests.store.factories import TEMPLATE_ENV, save_template

#: Seconds kept of each clip: above the 2 s minimum, short enough for CI (MediaPipe ~50 fps).
TRIM_S = 2.5
#: (source, trimmed name, ffmpeg video filter) of the clips used when they are available.
SOURCES = (
    (CLIPS / "zzzhushi_male_side_treadmill.mp4", "treadmill_side.mp4", None),
    (CLIPS / "sports2d_demo4_walking_side_indoor.mp4", "walking_side.mp4", "scale=640:-2"),
    (REPO / "sample_videos" / "synth_side_normal.mp4", "synth_side.mp4", None),
    (REPO / "sample_videos" / "synth_rear_normal.mp4", "synth_rear.mp4", None),
)
CORRUPT_NAME = "corrupt.mp4"


def trim(src: Path, dst: Path, vf: str | None) -> Path:
    from tests.clipmaker import ffmpeg

    filters = ["-vf", vf] if vf else []
    ffmpeg(
        "-i", str(src), "-t", str(TRIM_S), *filters, "-an",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", str(dst),
    )  # fmt: skip
    return dst


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory) -> Path:
    """A folder of real and synthetic clips (whichever exist) plus one corrupt file.

    The corrupt file is the first 32 KB of a real encode: an MP4 cut before its index, the
    way an interrupted copy or upload leaves it.
    """
    folder = tmp_path_factory.mktemp("batch_clips")
    made = [trim(src, folder / name, vf) for src, name, vf in SOURCES if src.exists()]
    if len(made) < 2:
        pytest.skip("need at least two of the real (../shared/clips) or synthetic sample clips")
    (folder / CORRUPT_NAME).write_bytes(made[0].read_bytes()[: 32 * 1024])
    return folder


def subprocess_env() -> dict[str, str]:
    """The environment for a batch run in a subprocess: this checkout first on the path."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


@pytest.fixture(scope="session", autouse=True)
def result_template(tmp_path_factory: pytest.TempPathFactory):
    """The synthetic runner's result.json, computed once and read by every worker process."""
    path = save_template(tmp_path_factory.mktemp("template") / "result.json")
    old = os.environ.get(TEMPLATE_ENV)
    os.environ[TEMPLATE_ENV] = str(path)  # inherited by spawned workers and subprocesses
    yield path
    if old is None:
        os.environ.pop(TEMPLATE_ENV, None)
    else:
        os.environ[TEMPLATE_ENV] = old
