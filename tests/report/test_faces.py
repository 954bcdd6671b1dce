"""Face blur: the box maths, the blur, the window over frames, and real detection on a still.

The clip-level check (every exported frame of a real two-person clip) is in
``test_face_blur_clip.py``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from gaitlab.errors import ModelError
from gaitlab.io.video import fit_size
from gaitlab.landmarks import INDEX, N_LANDMARKS
from gaitlab.pose import models
from gaitlab.pose.faces import FaceDetectorSettings, MediaPipeFaceDetector, tile_origins
from gaitlab.report.faces import (
    FACE_POINTS,
    FaceBlurSettings,
    blur_boxes_stream,
    blur_image,
    grow_boxes,
    landmark_face_box,
    pixelate_boxes,
)
from tests.conftest import CLIPS
from tests.report.haar import HaarFaces, sharpness

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------- tiles
@pytest.mark.parametrize(("w", "h", "tile"), [(960, 540, 128), (540, 960, 192), (960, 540, 384)])
def test_tiles_cover_the_frame_and_overlap(w: int, h: int, tile: int) -> None:
    origins = tile_origins(w, h, tile, overlap=0.25)
    covered = np.zeros((h, w), int)
    for x, y in origins:
        assert 0 <= x <= w - tile and 0 <= y <= h - tile  # inside the frame
        covered[y : y + tile, x : x + tile] += 1
    assert covered.min() >= 1
    # Neighbours share at least a quarter of a tile: a face cut by one edge is whole in the next.
    xs = sorted({x for x, _ in origins})
    assert max(np.diff(xs)) <= round(0.75 * tile)


def test_a_frame_smaller_than_a_tile_is_one_tile() -> None:
    assert tile_origins(100, 80, 128, 0.25) == [(0, 0)]


def test_each_phase_searches_a_share_and_all_phases_search_every_tile() -> None:
    detector = MediaPipeFaceDetector.__new__(MediaPipeFaceDetector)  # tiling only, no model
    detector.settings = FaceDetectorSettings(grids=((384, 1, 0.5), (128, 4, 0.35)))
    detector._grids_cache = {}
    every = set(detector.tiles_for(960, 540, None))
    coarse = {t for t in every if t[2] == 384}
    shares = [set(detector.tiles_for(960, 540, p)) for p in range(4)]
    for share in shares:
        assert coarse <= share  # the 384 px grid every frame
    fine = [share - coarse for share in shares]
    assert set().union(*fine) == every - coarse  # four frames search every 128 px tile...
    assert sum(len(f) for f in fine) == len(every - coarse)  # ... each once
    assert shares[0] == set(detector.tiles_for(960, 540, 4))


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="min_score"):
        FaceDetectorSettings(min_score=0.0)
    with pytest.raises(ValueError, match="grids"):
        FaceDetectorSettings(grids=((16, 1, 0.5),))
    with pytest.raises(ValueError, match="window_frames"):
        FaceBlurSettings(window_frames=-1)


# ---------------------------------------------------------------------- boxes and blur
def test_grow_boxes_adds_the_margin_on_every_side_and_drops_the_score() -> None:
    grown = grow_boxes(np.array([[10.0, 20.0, 30.0, 60.0, 0.9]]), 0.5)
    assert grown.tolist() == [[0.0, 0.0, 40.0, 80.0]]
    assert grow_boxes(np.zeros((0, 5)), 0.5).shape == (0, 4)


def test_landmark_box_holds_every_face_point_and_needs_one() -> None:
    xy = np.full((N_LANDMARKS, 2), np.nan)
    assert landmark_face_box(xy, (540, 960)) is None
    rng = np.random.default_rng(3)
    xy[list(FACE_POINTS)] = np.array([400.0, 200.0]) + rng.uniform(-12, 12, (len(FACE_POINTS), 2))
    xy[INDEX["left_hip"]] = [400.0, 400.0]  # not a face point: not in the box
    x0, y0, x1, y1 = landmark_face_box(xy, (540, 960))
    pts = xy[list(FACE_POINTS)]
    assert x0 < pts[:, 0].min() and pts[:, 0].max() < x1
    assert y0 < pts[:, 1].min() and pts[:, 1].max() < y1
    assert y1 < 300
    # One point left (a face seen edge-on): still a box, at least 2 % of the long side wide.
    xy[list(FACE_POINTS)[1:]] = np.nan
    x0, _, x1, _ = landmark_face_box(xy, (540, 960))
    assert x1 - x0 == pytest.approx(2 * 0.02 * 960)


def test_pixelation_leaves_only_a_few_colours_inside_and_nothing_outside() -> None:
    rng = np.random.default_rng(7)
    frame = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    before = frame.copy()
    box = (40, 30, 90, 80)  # 50 x 50 px
    pixelate_boxes(frame, np.array([box], float), cells=5)
    changed = np.any(frame != before, axis=2)
    assert not changed[:30].any() and not changed[80:].any()
    assert not changed[:, :40].any() and not changed[:, 90:].any()
    inside = frame[30:80, 40:90]
    # What is left is a bilinear blend of 5 x 5 averages: from 5 x 5 samples of it the
    # whole box is rebuilt within a few levels, i.e. it holds no more than those 25 colours.
    cells = cv2.resize(inside, (5, 5), interpolation=cv2.INTER_AREA)
    rebuilt = cv2.resize(cells, (50, 50), interpolation=cv2.INTER_LINEAR)
    assert np.abs(rebuilt.astype(int) - inside.astype(int)).mean() < 4
    assert sharpness(frame, (40, 30, 50, 50)) < 0.01 * sharpness(before, (40, 30, 50, 50))


def test_pixelation_clips_boxes_to_the_frame_and_skips_empty_ones() -> None:
    frame = np.full((50, 50, 3), 100, np.uint8)
    frame[::2] = 200
    boxes = np.array([[-20, -20, 10, 10], [60, 60, 90, 90], [5, 5, 5.5, 30], [np.nan, 0, 9, 9]])
    pixelate_boxes(frame, boxes)
    changed = np.any(frame != np.where(np.arange(50)[:, None, None] % 2 == 0, 200, 100), axis=2)
    assert changed[:10, :10].all() and not changed[10:, :].any() and not changed[:, 10:].any()


class _OneFaceAt:
    """A stand-in detector with a face only in the frames listed (for the window logic)."""

    def __init__(self, frames_with_face: set[int]) -> None:
        self.frames_with_face = frames_with_face
        self.phases: list[int | None] = []

    def detect(self, rgb: np.ndarray, phase: int | None = 0) -> np.ndarray:
        self.phases.append(phase)
        if int(rgb[0, 0, 0]) in self.frames_with_face:
            return np.array([[10.0, 10.0, 20.0, 20.0, 0.9]])
        return np.zeros((0, 5))


def test_boxes_are_united_over_the_window_and_every_frame_comes_out_in_order() -> None:
    frames = [np.full((4, 4, 3), i, np.uint8) for i in range(12)]
    detector = _OneFaceAt({5})
    settings = FaceBlurSettings(window_frames=3, margin=0.0)
    out = list(blur_boxes_stream(frames, lambda f: f, detector, lambda f: [], settings))
    assert [int(f[0, 0, 0]) for f, _ in out] == list(range(12))
    with_box = [int(f[0, 0, 0]) for f, boxes in out if len(boxes)]
    assert with_box == [2, 3, 4, 5, 6, 7, 8]  # frame 5 +- 3
    assert detector.phases == list(range(12))  # a running counter: the tiles take turns


def test_runner_boxes_are_blurred_in_frames_the_detector_finds_nothing_in() -> None:
    frames = [np.full((4, 4, 3), i, np.uint8) for i in range(5)]
    runner = {1: [np.array([0.0, 0.0, 2.0, 2.0])]}
    out = list(
        blur_boxes_stream(
            frames,
            lambda f: f,
            _OneFaceAt(set()),
            lambda f: runner.get(int(f[0, 0, 0]), []),
            FaceBlurSettings(window_frames=0),
        )
    )
    assert [len(b) for _, b in out] == [0, 1, 0, 0, 0]


def test_a_short_clip_is_flushed_whole() -> None:
    frames = [np.full((4, 4, 3), i, np.uint8) for i in range(2)]
    out = list(
        blur_boxes_stream(
            frames, lambda f: f, _OneFaceAt({0}), lambda f: [], FaceBlurSettings(window_frames=4)
        )
    )
    assert [len(b) for _, b in out] == [1, 1]


# ---------------------------------------------------------------------- the bundled model
def test_the_face_model_is_bundled_and_verified() -> None:
    path = models.resolve_face_detector()
    assert path == REPO / "models" / models.FACE_DETECTOR_FILE
    assert path.stat().st_size < 300_000  # BlazeFace short range, 229,714 bytes


def test_a_missing_or_altered_face_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="missing"):
        models.resolve_face_detector(tmp_path)
    altered = bytearray((REPO / "models" / models.FACE_DETECTOR_FILE).read_bytes())
    altered[1000] ^= 1
    (tmp_path / models.FACE_DETECTOR_FILE).write_bytes(bytes(altered))
    with pytest.raises(ModelError, match="sha256"):
        models.resolve_face_detector(tmp_path)


# ---------------------------------------------------------------------- a real still
#: pose2sim's static trial, camera 1 (rear-oblique): the subject turns away from the camera
#: (his face is not in view) and a bystander in a mask stands behind him, face to camera.
BYSTANDER_STILL = CLIPS / "stills" / "pose2sim_static_tpose_cam01.png"


@pytest.mark.shared
def test_a_bystanders_face_in_a_still_is_blurred_beyond_detection() -> None:
    if not BYSTANDER_STILL.is_file():
        pytest.skip(f"real test still not available: {BYSTANDER_STILL} (../shared is absent)")
    bgr = cv2.imread(str(BYSTANDER_STILL))
    w, h, _ = fit_size(bgr.shape[1], bgr.shape[0], 960)  # the size gaitlab exports
    rgb = cv2.cvtColor(cv2.resize(bgr, (w, h), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    haar = HaarFaces(min_neighbors=4)
    before = haar.detect(rgb)
    # The independent detector sees the bystander's face (about 27 px, at x 150-180,
    # y 180-210 of the 544 x 960 image) and nothing else in this picture.
    assert len(before) >= 1
    assert all(150 <= x + w_ / 2 <= 185 and 180 <= y + h_ / 2 <= 215 for _, x, y, w_, h_ in before)
    face_box = before[0][1:]
    with MediaPipeFaceDetector(models.resolve_face_detector()) as detector:
        blurred = blur_image(rgb.copy(), detector)  # no runner landmarks: a bystander
    assert haar.detect(blurred) == []
    assert HaarFaces(min_neighbors=1).detect(blurred[150:250, 110:230]) == []
    assert sharpness(blurred, face_box) < 0.05 * sharpness(rgb, face_box)


def test_frames_far_from_any_exported_one_are_not_searched() -> None:
    frames = [np.full((4, 4, 3), i, np.uint8) for i in range(20)]
    detector = _OneFaceAt({10})
    out = list(
        blur_boxes_stream(
            frames,
            lambda f: f,
            detector,
            lambda f: [],
            FaceBlurSettings(window_frames=2),
            search=lambda f: abs(int(f[0, 0, 0]) - 10) <= 2,
        )
    )
    assert len(detector.phases) == 5  # frames 8-12 only, with phases 0-4 so tiles rotate
    assert detector.phases == [0, 1, 2, 3, 4]
    assert [int(f[0, 0, 0]) for f, b in out if len(b)] == [8, 9, 10, 11, 12]


@pytest.mark.shared
def test_two_search_threads_find_the_same_boxes_as_one() -> None:
    if not BYSTANDER_STILL.is_file():
        pytest.skip(f"real test still not available: {BYSTANDER_STILL} (../shared is absent)")
    rgb = cv2.cvtColor(cv2.imread(str(BYSTANDER_STILL)), cv2.COLOR_BGR2RGB)
    rgb = cv2.resize(rgb, fit_size(rgb.shape[1], rgb.shape[0], 960)[:2])
    path = models.resolve_face_detector()
    with MediaPipeFaceDetector(path) as one, MediaPipeFaceDetector(path, threads=2) as two:
        for phase in (None, 0, 1):
            a, b = one.detect(rgb, phase), two.detect(rgb, phase)
            assert len(a) > 0
            assert np.array_equal(a[np.lexsort(a.T)], b[np.lexsort(b.T)])


# ---------------------------------------------------------------------- the renderer
@pytest.mark.parametrize("video", [True, False])
def test_render_clip_blurs_the_runners_face_and_nothing_else_of_a_faceless_frame(
    tmp_path: Path, video: bool
) -> None:
    # A synthetic clip (grey background, no face to detect) with a stick runner: only the
    # runner's landmark box is blurred. Without the video the render stops after the last
    # key frame, with the face search still running ahead: it must shut down cleanly.
    from gaitlab.report.data import ReportData
    from gaitlab.report.frames import keyframe_specs
    from gaitlab.report.render import render_clip
    from tests.report.synthetic import synthetic_analysis

    data = ReportData.from_analysis(synthetic_analysis(tmp_path))
    specs = keyframe_specs(data)[:1]
    result = render_clip(
        data, tmp_path / "out", video_name="v.mp4" if video else None, keyframes=specs,
        blur_faces=True,
    )  # fmt: skip
    assert (result.video is not None) == video
    img = cv2.cvtColor(cv2.imread(str(result.keyframes[specs[0].name])), cv2.COLOR_BGR2RGB)
    _, _, scale = fit_size(data.series.video.width_px, data.series.video.height_px, 960)
    # The runner's head boxes of the frames within the window (raw and cleaned landmarks).
    k = specs[0].frame
    boxes = [
        landmark_face_box(xy[i] * scale, img.shape)
        for xy in (data.series.xy_px, data.landmarks_px)
        for i in range(k - 4, k + 5)
    ]
    assert all(b is not None for b in boxes)
    plain = render_clip(data, tmp_path / "plain", video_name=None, keyframes=specs)
    ref = cv2.cvtColor(cv2.imread(str(plain.keyframes[specs[0].name])), cv2.COLOR_BGR2RGB)
    changed = np.any(img != ref, axis=2)
    inside = np.zeros_like(changed)
    for x0, y0, x1, y1 in grow_boxes(np.array(boxes), 0.02):
        inside[max(0, int(y0)) : int(y1) + 2, max(0, int(x0)) : int(x1) + 2] = True
    assert changed[inside].any()  # the head was pixelated (and its face points not drawn)
    assert not changed[~inside].any()  # nothing else: no face elsewhere in this clip
    if not video:
        assert result.n_frames <= specs[0].frame + 1 + 8  # stopped soon after the key frame
