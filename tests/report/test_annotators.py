"""Golden-image tests of the annotators on a synthetic frame.

Regenerate the goldens after a deliberate drawing change with
``GAITLAB_REGEN_GOLDEN=1 pytest tests/report/test_annotators.py`` and look at the new PNGs.

The goldens draw text as solid blocks (:func:`block_font`): OpenCV's Hershey glyphs and
their measured widths change between OpenCV releases (5.1 draws every label wider than
5.0), which is OpenCV's business, not ours. Where the labels go, their colours, outlines
and boxes, and every line, arc and marker stay pixel-checked; the real font is checked
separately (:func:`test_labels_are_drawn_with_the_real_font_inside_their_measured_box`).
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from gaitlab.landmarks import INDEX, N_LANDMARKS
from gaitlab.report.annotators import (
    AngleArcAnnotator,
    EventMark,
    FrameData,
    SkeletonAnnotator,
    annotate_all,
    default_annotators,
    put_text,
    rear_view_overlays,
    side_view_arcs,
    text_size,
)
from gaitlab.report.style import LEFT_RGB, RIGHT_RGB

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("GAITLAB_REGEN_GOLDEN") == "1"

# A runner facing image-right at toe-off of the left leg (pixels of a 320x240 frame).
POSE = {
    "nose": (178, 38), "left_eye": (180, 34), "right_eye": (180, 34), "left_ear": (170, 36),
    "right_ear": (170, 36), "left_eye_inner": (181, 34), "right_eye_inner": (181, 34),
    "left_eye_outer": (178, 34), "right_eye_outer": (178, 34), "mouth_left": (178, 44),
    "mouth_right": (178, 44),
    "left_shoulder": (168, 62), "right_shoulder": (164, 62),
    "left_elbow": (180, 88), "right_elbow": (150, 84), "left_wrist": (196, 80),
    "right_wrist": (140, 104), "left_pinky": (199, 78), "right_pinky": (137, 107),
    "left_index": (200, 77), "right_index": (136, 108), "left_thumb": (198, 76),
    "right_thumb": (138, 106),
    "left_hip": (158, 128), "right_hip": (154, 128),
    "left_knee": (138, 170), "right_knee": (186, 154),
    "left_ankle": (112, 204), "right_ankle": (176, 196),
    "left_heel": (104, 200), "right_heel": (168, 194),
    "left_foot_index": (118, 214), "right_foot_index": (188, 204),
}  # fmt: skip


def _pose() -> np.ndarray:
    xy = np.full((N_LANDMARKS, 2), np.nan)
    for name, p in POSE.items():
        xy[INDEX[name]] = p
    return xy


def _background(w: int = 320, h: int = 240) -> np.ndarray:
    x = np.linspace(40, 200, w, dtype=np.float32)
    y = np.linspace(0, 60, h, dtype=np.float32)
    img = np.empty((h, w, 3), np.uint8)
    img[..., 0] = (x[None, :] * 0.5 + y[:, None]).astype(np.uint8)
    img[..., 1] = (x[None, :] * 0.8).astype(np.uint8)
    img[..., 2] = (120 - y[:, None] + 0 * x[None, :]).astype(np.uint8)
    return img


def _side_frame_data() -> FrameData:
    xy = _pose()
    angles = {"trunk_lean_deg": 8.4, "left_hip_extension_deg": 12.6}
    contour = np.stack([np.linspace(158, 150, 12) - 6 * np.sin(np.linspace(0, np.pi, 12)),
                        np.linspace(62, 132, 12)], axis=-1)  # fmt: skip
    contour[3] = np.nan  # a gap in the contour
    return FrameData(
        index=42,
        time_s=1.4,
        xy_px=xy,
        visibility=np.ones(N_LANDMARKS),
        arcs=side_view_arcs(xy, angles, ("left",)),
        contour_px=contour,
        contour_label="back arch +7°",
        events=(EventMark("left", "toe_off", xy[INDEX["left_foot_index"]], True),
                EventMark("right", "foot_strike", xy[INDEX["right_heel"]], False)),
        stride_counts={"left": 3, "right": 2},
        in_stance={"left": True, "right": False},
        caption="L toe-off",
    )  # fmt: skip


def _rear_frame_data() -> FrameData:
    xy = np.full((N_LANDMARKS, 2), np.nan)
    pts = {"left_shoulder": (130, 60), "right_shoulder": (190, 62), "left_hip": (140, 130),
           "right_hip": (180, 136), "left_knee": (138, 180), "right_knee": (184, 182),
           "left_ankle": (136, 226), "right_ankle": (186, 206), "nose": (160, 34),
           "left_ear": (148, 34), "right_ear": (172, 34)}  # fmt: skip
    for n, p in pts.items():
        xy[INDEX[n]] = p
    arcs, lines = rear_view_overlays(xy, {"pelvic_obliquity_deg": 8.5,
                                          "lateral_trunk_lean_deg": -2.0})  # fmt: skip
    return FrameData(index=7, time_s=0.25, xy_px=xy, arcs=arcs, lines=lines,
                     stride_counts={"left": 1, "right": 0})  # fmt: skip


@pytest.fixture
def block_font(monkeypatch):
    """Text as filled blocks of a fixed size per character, for any OpenCV release."""

    def get_text_size(text, font, scale, thickness):
        return (round(len(text) * 18 * scale), round(22 * scale)), round(10 * scale)

    def put_text(img, text, org, font, scale, colour, thickness=1, line_type=None, *_):
        (w, h), _ = get_text_size(text, font, scale, thickness)
        pad = (thickness - 1) // 2
        x, y = org
        cv2.rectangle(img, (x - pad, y - h - pad), (x + w + pad, y + pad), colour, -1)
        return img

    monkeypatch.setattr(cv2, "getTextSize", get_text_size)
    monkeypatch.setattr(cv2, "putText", put_text)


def _compare(name: str, img: np.ndarray) -> None:
    path = GOLDEN / f"{name}.png"
    if REGEN or not path.exists():
        if not REGEN:
            pytest.fail(f"golden image {path} missing: run with GAITLAB_REGEN_GOLDEN=1")
        GOLDEN.mkdir(exist_ok=True)
        cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        pytest.skip(f"regenerated {path}")
    gold = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    assert gold.shape == img.shape
    diff = np.abs(gold.astype(int) - img.astype(int))
    # Small tolerance: antialiasing may differ by a level or two between OpenCV builds.
    assert diff.mean() < 0.5, f"{name}: mean abs difference {diff.mean():.3f}"
    assert (diff.max(axis=2) > 40).mean() < 0.002, f"{name}: too many pixels differ"


def test_side_view_golden(block_font) -> None:
    img = annotate_all(_background(), _side_frame_data(), default_annotators(blur_faces=True))
    _compare("side_view_annotated", img)


def test_rear_view_golden(block_font) -> None:
    img = annotate_all(_background(), _rear_frame_data(), default_annotators())
    _compare("rear_view_annotated", img)


def test_labels_are_drawn_with_the_real_font_inside_their_measured_box() -> None:
    img = np.zeros((60, 200, 3), np.uint8)
    text, org = "hip ext +12°", (20, 40)
    put_text(img, text, org, (255, 160, 0), scale=0.5)
    w, h = text_size(text, 0.5, 1)
    drawn = img.max(axis=2) > 0
    ys, xs = np.nonzero(drawn)
    assert drawn.sum() > 5 * len(text)  # glyphs, not a dot
    # Inside the measured box, give or take the outline and descenders.
    assert xs.min() >= org[0] - 3 and xs.max() <= org[0] + w + 4
    assert ys.min() >= org[1] - h - 4 and ys.max() <= org[1] + 8
    # Label colour in the strokes, the dark outline around them.
    assert (np.abs(img[drawn].astype(int) - (255, 160, 0)).sum(axis=1) < 60).any()


def test_left_and_right_colours_are_consistent() -> None:
    img = SkeletonAnnotator(thickness_px=3).annotate(_background(), _side_frame_data())
    xy = _pose()

    def colour_at(a: str, b: str) -> np.ndarray:
        p = (xy[INDEX[a]] + xy[INDEX[b]]) / 2
        return img[round(p[1]), round(p[0])]

    assert tuple(colour_at("left_hip", "left_knee")) == LEFT_RGB
    assert tuple(colour_at("right_knee", "right_ankle")) == RIGHT_RGB


def test_with_blur_faces_the_skeleton_leaves_out_the_face_points() -> None:
    # Dots at the eyes, nose and mouth over a blurred head would draw a face again.
    data = _side_frame_data()
    with_face = SkeletonAnnotator(thickness_px=2).annotate(_background(), data)
    skeleton = next(
        a for a in default_annotators(blur_faces=True) if isinstance(a, SkeletonAnnotator)
    )
    without = skeleton.annotate(_background(), data)
    nose = _pose()[INDEX["nose"]].round().astype(int)
    hip = _pose()[INDEX["left_hip"]].round().astype(int)
    assert np.any(with_face[nose[1], nose[0]] != _background()[nose[1], nose[0]])
    assert np.array_equal(without[nose[1], nose[0]], _background()[nose[1], nose[0]])
    assert np.any(without[hip[1], hip[0]] != _background()[hip[1], hip[0]])


def test_nan_landmarks_and_values_draw_nothing_and_do_not_fail() -> None:
    xy = np.full((N_LANDMARKS, 2), np.nan)
    data = FrameData(index=0, time_s=0.0, xy_px=xy, arcs=side_view_arcs(xy, {}))
    img = _background()
    out = annotate_all(img.copy(), data, [SkeletonAnnotator(), AngleArcAnnotator()])
    assert np.array_equal(out, img)
