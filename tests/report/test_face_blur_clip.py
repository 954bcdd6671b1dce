"""``--blur-faces`` on a real two-person clip: no exported frame keeps a face (slow, ../shared).

The clip (Sports2D's demo) has a woman walking side-on, whom gaitlab follows, and a man
jumping on a shed and climbing a tree: a bystander, whose face the runner's landmarks never
cover. Faces are 20-35 px tall in the exported 960 px frames, many in profile.

The check uses a detector that shares nothing with gaitlab's (OpenCV's Haar cascades,
:mod:`tests.report.haar`) on the exports of ``gaitlab analyze --blur-faces`` and, for
comparison, on the clip's own frames decoded at the exported size.

Haar cascades also fire on windows, louvres and leaves, which stay sharp and are no one's
face. A hit counts as a face only where it can be one in this clip:

- on a person: at least 30 % of its box differs from the static background (the camera is
  on a tripod; the background is the per-pixel median of the clip's frames, where nobody
  stands still for long);
- at a face's size: boxes of 20 to 40 px (the people are about 300 px tall here);
- in the top 40 % of that person's moving region (Haar also fires on hips and hands).

Without blur the detector must find such faces (it does in 18 frames), so the test can
fail; with blur it must find none, in any frame of the video, key frame, finding image or
image inlined in the HTML report. (The PDF report embeds the same PNG files.)
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from gaitlab.cli import main
from gaitlab.io.video import fit_size, iter_frames, probe_video
from gaitlab.report.data import ReportData
from gaitlab.report.frames import keyframe_specs
from tests.conftest import shared_clip
from tests.report.haar import HaarFaces, foreground_fraction

pytestmark = [pytest.mark.integration, pytest.mark.shared]

CLIP = "sports2d_demo_walk_side_plus_jumps_2people.mp4"
FACE_PX = (20, 40)
MIN_FOREGROUND = 0.3
HEAD_SHARE = 0.4
#: Frames of the unblurred clip in which the independent detector finds a face (measured:
#: 18 of 230, the woman's profile in most). Fewer would make the check weak: the test stops.
MIN_UNBLURRED_FRAMES_WITH_A_FACE = 10


def _video_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _png(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def _html_images(path: Path, shape: tuple[int, ...]) -> list[np.ndarray]:
    """The frame-sized images inlined in the HTML report (key frames, as JPEG or PNG)."""
    images = []
    for data in re.findall(r"data:image/(?:jpeg|png);base64,([A-Za-z0-9+/=]+)", path.read_text()):
        img = cv2.imdecode(np.frombuffer(base64.b64decode(data), np.uint8), cv2.IMREAD_COLOR)
        if img is not None and img.shape == shape:
            images.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    return images


class _FaceReferee:
    """Haar faces on a person, at face size, in frames of the clip."""

    def __init__(self, source: list[np.ndarray]) -> None:
        self.source = source
        self.background = np.median(np.stack(source[::3]), axis=0).astype(np.uint8)
        self.haar = HaarFaces(min_neighbors=3, min_size_px=FACE_PX[0], max_size_px=FACE_PX[1])

    def _people(self, index: int) -> list[tuple[int, int, int, int, int, int]]:
        """Moving regions of source frame ``index``: search box and vertical extent.

        Returns ``(x0, y0, x1, y1, top, bottom)``: the box to search (the moving pixels grown
        by a face box) and the first and last rows of moving pixels in it.
        """
        diff = np.abs(self.source[index].astype(np.int16) - self.background).max(axis=2) > 30
        n, labels, stats, _ = cv2.connectedComponentsWithStats(diff.astype(np.uint8))
        # A person is a few thousand moving pixels; leaves and compression noise are specks.
        big = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= 400)
        big = big[big > 0]
        if len(big) == 0:
            return []
        moving = np.isin(labels, big)
        # Grown by a face box, so every box with 30 % of moving pixels lies inside.
        grown = cv2.dilate(moving.astype(np.uint8), np.ones((2 * FACE_PX[1] + 1,) * 2, np.uint8))
        n, _, stats, _ = cv2.connectedComponentsWithStats(grown)
        people = []
        for x, y, bw, bh, _ in stats[1:n]:
            rows = np.flatnonzero(moving[y : y + bh, x : x + bw].any(axis=1))
            people.append((x, y, x + bw, y + bh, y + int(rows[0]), y + int(rows[-1])))
        return people

    def faces(self, rgb: np.ndarray, index: int) -> list[tuple[str, int, int, int, int]]:
        """Haar hits that can be a face: on a person, in the top of that person.

        A person is where the *source* frame differs from the background (the overlays and
        the blur of the export do not move this mask). A face sits in the upper part of a
        person's moving region (40 %: the man's face with arms raised is at 30 %); Haar's
        hits on hips and hands lower down are dropped. Haar runs only around people.
        """
        hits = set()
        for x0, y0, x1, y1, top, bottom in self._people(index):
            # A kept hit's centre is in the head share, so its box ends at most half a face
            # below that line, and Haar's neighbours of such a hit overlap it: a further face
            # of margin keeps them, and the rows below (half the region) are not searched,
            # which halves the test's slowest part. (Haar's image pyramid depends on the
            # image's size, so hits move by a pixel or two and come and go in single frames
            # against a search of the whole region: 18 unblurred frames with a face, not 20.)
            y1 = min(y1, top + int(HEAD_SHARE * max(1, bottom - top)) + 2 * FACE_PX[1])
            for name, x, y, w, h in self.haar.detect(rgb[y0:y1, x0:x1]):
                centre_y = y + y0 + h / 2
                if centre_y - top <= HEAD_SHARE * max(1, bottom - top):
                    hits.add((name, int(x + x0), int(y + y0), int(w), int(h)))
        return sorted(
            hit
            for hit in hits
            if foreground_fraction(self.source[index], self.background, hit[1:]) >= MIN_FOREGROUND
        )


def test_no_exported_frame_of_a_two_person_clip_keeps_a_face(tmp_path: Path) -> None:
    clip = shared_clip(CLIP)
    out = tmp_path / "out"
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert main(["analyze", str(clip), "--out", str(out), "--blur-faces", "--quiet", *cache]) == 0

    # The unblurred frames: the clip decoded at the exported size, as the renderer does.
    info = probe_video(clip)
    w, h, _ = fit_size(info.width_px, info.height_px, 960)
    source = [f.rgb for f in iter_frames(info, size=(w, h))]
    referee = _FaceReferee(source)

    unblurred = {i: hits for i, f in enumerate(source) if (hits := referee.faces(f, i))}
    assert len(unblurred) >= MIN_UNBLURRED_FRAMES_WITH_A_FACE, unblurred

    video = _video_frames(out / "annotated.mp4")
    assert len(video) == len(source)
    left = {i: hits for i, f in enumerate(video) if (hits := referee.faces(f, i))}
    assert left == {}, f"faces left in video frames {sorted(left)}: {left}"

    # Key frames and finding images: the frame each one shows is known.
    specs = {s.name: s.frame for s in keyframe_specs(ReportData.from_result_dir(out))}
    images = {p.stem: _png(p) for p in sorted(out.glob("*.png")) if p.stem in specs}
    assert any(name.startswith("keyframe_") for name in images)
    for name, img in images.items():
        assert img.shape == (h, w, 3)
        assert referee.faces(img, specs[name]) == [], name

    # The HTML report inlines the same images (re-encoded as JPEG): no face there either.
    inline = _html_images(out / "report.html", (h, w, 3))
    assert len(inline) == len(images)
    for img in inline:
        # Which exported image this is: the nearest one (JPEG moves pixels a few levels).
        name = min(images, key=lambda n: np.abs(images[n].astype(int) - img).mean())
        assert np.abs(images[name].astype(int) - img).mean() < 6  # JPEG quality 85
        assert referee.faces(img, specs[name]) == [], f"inline {name}"
