"""What ``gaitlab analyze`` imports, and when: only what the command needs.

Start-up is part of what a user waits for. Each check runs in a fresh interpreter and asserts
on module names (never on seconds): the parser loads no library stack, nothing after the
pose stage loads before the first frame reaches the model, and a numbers-only analysis never
loads the report's or the apps' dependencies.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

#: Third-party packages that the command line must not load unless a command draws or stores.
HEAVY = ("matplotlib", "pandas", "altair", "streamlit", "jinja2", "fpdf", "pyarrow", "sqlalchemy")
#: What runs after the pose stage (gaitlab.pipeline.AFTER_POSE_MODULES) and its SciPy.
AFTER_POSE = ("scipy", "gaitlab.kinematics.analysis", "gaitlab.findings", "gaitlab.result")


def _modules_after(code: str) -> set[str]:
    """The top-level and gaitlab module names loaded after running ``code`` in a new process."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if n in modules]


def test_parsing_an_analyze_command_loads_no_library_stack():
    modules = _modules_after(
        "from gaitlab.cli import build_parser\n"
        "build_parser().parse_args(['analyze', 'clip.mp4', '--no-video'])"
    )
    assert "gaitlab.cli" in modules  # the check ran
    assert _loaded(modules, (*HEAVY, *AFTER_POSE, "mediapipe", "cv2", "av")) == []


def test_nothing_after_the_pose_stage_loads_before_the_first_frame():
    # What analyze_clip has imported when it builds the landmarker: the pipeline module,
    # the pose stage and mediapipe (without its drawing helpers, which import matplotlib).
    modules = _modules_after(
        "import gaitlab.pipeline\n"
        "from gaitlab.pose.backend import import_mediapipe\n"
        "import_mediapipe()\n"
        "from mediapipe.tasks.python import vision\n"
        "vision.PoseLandmarkerOptions"
    )
    assert {"mediapipe", "cv2", "av", "gaitlab.pose.extract"} <= modules  # the check ran
    assert _loaded(modules, (*HEAVY, *AFTER_POSE)) == []


def test_mediapipes_drawing_helpers_still_load_when_used():
    modules = _modules_after(
        "from gaitlab.pose.backend import import_mediapipe\n"
        "import_mediapipe()\n"
        "from mediapipe.tasks.python.vision import drawing_utils\n"
        "drawing_utils.DrawingSpec"
    )
    assert "matplotlib" in modules


@pytest.mark.integration
def test_a_numbers_only_analysis_loads_no_report_or_app_dependency(tmp_path: Path):
    out = tmp_path / "out"
    clip = REPO / "sample_videos" / "synth_side_normal.mp4"
    args = [
        "analyze", str(clip), "--out", str(out), "--quiet", "--no-cache",
        "--no-video", "--no-report", "--no-keyframes",
    ]  # fmt: skip
    modules = _modules_after(
        f"from gaitlab.cli import main\nassert main({args!r}) == 0",
    )
    assert {"mediapipe", "scipy", "gaitlab.findings"} <= modules  # it really analysed
    assert _loaded(modules, HEAVY) == []
    assert json.loads((out / "result.json").read_text())["kinematics"]["strides"]
    assert not list(out.glob("plot_*.png"))  # the plots are the reports' figures


#: The report's modules that a drawing command loads only once the model has its first frame
#: (the documents process's own module, gaitlab.report.documents, is forked from before).
DRAWING = (
    "gaitlab.report.outputs",
    "gaitlab.report.render",
    "gaitlab.report.data",
    "gaitlab.report.annotators",
    "gaitlab.report.plots",
)


def test_forking_the_documents_process_ahead_loads_no_drawing_code():
    # What `gaitlab analyze` with every output imports before the landmarker is built.
    modules = _modules_after(
        "import gaitlab.cli, gaitlab.pipeline\n"
        "from gaitlab.report.documents import documents_ahead, end_if_long\n"
        "ahead = documents_ahead(video=True, keyframes=True, reports=True)\n"
        "end_if_long(ahead, 10**6)\n"
        "if ahead is not None:\n"
        "    ahead.cancel()"
    )
    assert "gaitlab.report.documents" in modules  # the check ran
    assert _loaded(modules, (*HEAVY, *AFTER_POSE, *DRAWING)) == []


@pytest.mark.integration
def test_an_analysis_with_every_output_gives_the_first_frame_before_the_report_loads(
    tmp_path: Path,
):
    # The module names at the first call of the real landmarker, in a real command that
    # writes every output; the wrapper only looks at sys.modules and calls the model.
    out = tmp_path / "out"
    clip = REPO / "sample_videos" / "synth_side_normal.mp4"
    args = ["analyze", str(clip), "--out", str(out), "--quiet", "--no-cache"]
    script = (
        "import json, sys\n"
        "from gaitlab.pose.backend import MediaPipeBackend\n"
        "seen = []\n"
        "model_detect = MediaPipeBackend.detect\n"
        "def detect(self, rgb, time_ms):\n"
        "    if not seen:\n"
        "        seen.append(sorted(sys.modules))\n"
        "    return model_detect(self, rgb, time_ms)\n"
        "MediaPipeBackend.detect = detect\n"
        "from gaitlab.cli import main\n"
        f"assert main({args!r}) == 0\n"
        "print(json.dumps(seen[0]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    at_first_frame = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert {"mediapipe", "gaitlab.pose.extract", "gaitlab.report.documents"} <= at_first_frame
    assert _loaded(at_first_frame, (*HEAVY, *AFTER_POSE, *DRAWING)) == []
    # It went on to draw and write everything.
    assert (out / "annotated.mp4").stat().st_size > 0
    assert (out / "report.pdf").stat().st_size > 0
    assert json.loads((out / "result.json").read_text())["kinematics"]["strides"]
