"""The side-by-side video of two result folders: each output frame shows the planned frames.

The two sessions are stick runners with clips on disk (tests/report/synthetic.py) at
different frame rates and cadences. Each clip's frame ``i`` is a horizontal gradient shifted
by 4 levels a frame, so the frame a half shows can be told from its neighbours by the pixels
of a corner the overlays leave alone.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import av
import numpy as np
import pytest

from gaitlab.report import ReportData, write_outputs
from gaitlab.report.sidebyside import (
    NoStridesToCompare,
    plan_comparison,
    render_side_by_side,
    session_spans,
)
from tests.report.synthetic import SPEC, synthetic_analysis

#: Session B: twice the frame rate of A, a slower cadence (longer strides).
SPEC_B = dataclasses.replace(SPEC, fps=60.0, cadence_spm=160.0, seed=4)
#: Column and row of a pixel of the top-right corner, where no overlay is drawn.
PATCH_X, PATCH_Y = 600, 20
#: The corner's patch (rows, columns) compared with the clip's frames.
PATCH = (slice(0, 60), slice(420, 640))


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("sbs")
    dirs = []
    for name, spec in (("a", SPEC), ("b", SPEC_B)):
        (base / f"clip_{name}").mkdir()
        analysis = synthetic_analysis(base / f"clip_{name}", spec)
        out = base / name
        write_outputs(analysis, out, video=False, keyframes=False, reports=False)
        dirs.append(out)
    return dirs[0], dirs[1]


def _decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        assert c.streams.video[0].codec_context.name == "h264"
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_the_plan_pairs_strides_of_the_chosen_foot_at_the_higher_rate(folders):
    a, b = (ReportData.from_result_dir(d) for d in folders)
    plan, side = plan_comparison(a, b)
    assert plan.out_fps == 60.0  # the higher capture rate (B's)
    spans_a, spans_b = session_spans(a)[side], session_spans(b)[side]
    assert len(plan.pairs) == min(len(spans_a), len(spans_b)) > 1
    # Stride times: 60 / (170 / 2) = 0.706 s (A), 60 / 80 = 0.75 s (B); the pair lasts the
    # longer at 60 fps, 45 frames, give or take the frame an event may move.
    for p in plan.pairs:
        assert 43 <= p.n_out <= 47, p
    assert plan.pairs[0].a.number == 1 and plan.pairs[0].b.number == 1


def test_each_half_shows_the_frame_the_plan_says(folders, tmp_path):
    a, b = (ReportData.from_result_dir(d) for d in folders)
    done = []
    sbs = render_side_by_side(a, b, tmp_path / "sbs.mp4", progress=lambda i, n: done.append((i, n)))
    frames = _decode(sbs.video)
    assert len(frames) == sbs.plan.n_out == done[-1][0] == done[-1][1]
    assert frames[0].shape == (480, 1280, 3)  # two 640x480 halves, never enlarged
    for half, data, planned in ((0, a, sbs.plan.frame_a), (1, b, sbs.plan.frame_b)):
        source = np.array([f[PATCH] for f in _decode(Path(data.series.video.path))], float)
        x0 = half * 640
        for j, f in enumerate(frames):
            shown = f[PATCH[0], slice(x0 + PATCH[1].start, x0 + PATCH[1].stop)].astype(float)
            # The gradient repeats every 64 frames: look within 20 frames of the plan. The
            # nearest source frame (mean squared difference of the patch, both H.264 at CRF
            # 23) is the planned one; a neighbour is 4 levels off everywhere.
            lo = max(0, planned[j] - 20)
            msd = ((source[lo : planned[j] + 21] - shown) ** 2).mean(axis=(1, 2, 3))
            assert lo + int(np.argmin(msd)) == planned[j], (half, j, msd.round(1))
    assert sbs.notes == () or all("without a partner" in n for n in sbs.notes)


def test_a_moved_clip_is_drawn_as_landmarks_on_a_plain_background(folders, tmp_path):
    a_dir, b_dir = folders
    moved = tmp_path / "a"
    shutil.copytree(a_dir, moved)
    a = ReportData.from_result_dir(moved)
    clip = Path(a.series.video.path)
    gone = tmp_path / "elsewhere.mp4"
    shutil.copy(clip, gone)
    a = dataclasses.replace(
        a, series=dataclasses.replace(a.series, video=dataclasses.replace(
            a.series.video, path=str(tmp_path / "not_here.mp4")))
    )  # fmt: skip
    b = ReportData.from_result_dir(b_dir)
    sbs = render_side_by_side(a, b, tmp_path / "gone.mp4")
    assert any("no longer at" in n for n in sbs.notes)
    first = _decode(sbs.video)[0]
    # The plain background (48, 48, 48) where the gradient was; B's half still the clip.
    np.testing.assert_allclose(first[PATCH_Y, PATCH_X], (48, 48, 48), atol=4)
    assert abs(int(first[PATCH_Y, 640 + PATCH_X, 1]) - 90) <= 4  # B's green is 90
    # Given the clip's new path, the frames come back.
    again = render_side_by_side(a, b, tmp_path / "back.mp4", clip_paths=(gone, None))
    assert again.notes == () or all("without a partner" in n for n in again.notes)
    assert abs(int(_decode(again.video)[0][PATCH_Y, PATCH_X, 1]) - 90) <= 4


def test_a_session_without_strides_is_refused_in_one_line(folders, tmp_path):
    a_dir, b_dir = folders
    bare = tmp_path / "bare"
    shutil.copytree(b_dir, bare)
    doc = json.loads((bare / "result.json").read_text())
    doc["kinematics"]["events"] = []
    doc["kinematics"]["strides"] = []
    (bare / "result.json").write_text(json.dumps(doc))
    a, b = ReportData.from_result_dir(a_dir), ReportData.from_result_dir(bare)
    with pytest.raises(NoStridesToCompare, match=r"second session .* has no stride"):
        render_side_by_side(a, b, tmp_path / "x.mp4")
    assert not list(tmp_path.glob("x.mp4*"))


def test_overlaid_each_frame_blends_the_two_planned_frames(folders, tmp_path):
    a, b = (ReportData.from_result_dir(d) for d in folders)
    sbs = render_side_by_side(a, b, tmp_path / "overlay.mp4", overlay=True)
    frames = _decode(sbs.video)
    assert len(frames) == sbs.plan.n_out
    assert frames[0].shape == (480, 640, 3)  # the first session's size
    src_a = np.array([f[PATCH] for f in _decode(Path(a.series.video.path))], float)
    src_b = np.array([f[PATCH] for f in _decode(Path(b.series.video.path))], float)
    plan = sbs.plan

    def msd(j: int, fa: int, fb: int, wa: float = 0.5) -> float:
        expected = wa * src_a[min(fa, len(src_a) - 1)] + (1 - wa) * src_b[fb]
        return float(((expected - frames[j][PATCH].astype(float)) ** 2).mean())

    js = range(plan.n_out)
    planned = np.mean([msd(j, plan.frame_a[j], plan.frame_b[j]) for j in js])
    # Half of each planned frame: much nearer than either clip alone, or than A three
    # frames on (6 levels off in the blend; compression noise is ~2).
    alone_a = np.mean([msd(j, plan.frame_a[j], plan.frame_b[j], wa=1.0) for j in js])
    alone_b = np.mean([msd(j, plan.frame_a[j], plan.frame_b[j], wa=0.0) for j in js])
    shifted = np.mean([msd(j, plan.frame_a[j] + 3, plan.frame_b[j]) for j in js])
    assert planned < 0.25 * min(alone_a, alone_b, shifted), (planned, alone_a, alone_b, shifted)
