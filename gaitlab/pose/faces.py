"""Every face in a frame, as boxes: MediaPipe Tasks ``FaceDetector`` run over tiles.

The detector serves ``--blur-faces`` (:mod:`gaitlab.report.faces`): it must find bystanders
as well as the runner, and in a whole-body running clip a face is small, about 15-40 px
tall in a 960 px frame. The bundled model, BlazeFace *short range*
(:func:`gaitlab.pose.models.resolve_face_detector`), sees the image at 128x128 px, so a
whole 960x540 frame shrinks a 25 px face to 3 px, far below what it can find. The frame is
therefore also cut into overlapping square tiles, each detected on its own:

- the whole frame (faces larger than about 100 px; only confident boxes, see
  ``min_score_whole``);
- grids of 384, 192 and 128 px tiles (faces of about 40-130, 20-65 and 13-43 px: larger
  boxes in a tile are dropped, see ``max_box_frac``; the 384 px grid keeps only confident
  boxes). The finer grids have many tiles, so
  each frame searches only a share of them in turn (``phase``): half of the 192 px tiles
  and a quarter of the 128 px ones. Every part of the frame is searched at every scale
  every fourth frame, and the caller unites the boxes of neighbouring frames.

On the two-person test clip (960x540 frames, faces 15-35 px, many in profile) this finds
each visible face in every sampled frame once boxes are united over +-4 frames; see
``docs/privacy.md`` for the measured limits and cost. Recall matters more than
precision here: a false box only blurs a patch of background.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gaitlab.pose.backend import import_mediapipe, quiet_native_stderr
from gaitlab.pose.sandbox import NoNetworkThread


@dataclass(frozen=True)
class FaceDetectorSettings:
    """Where and how hard the face detector looks.

    Attributes
    ----------
    min_score
        Lowest detection score kept (MediaPipe's default is 0.5; lower finds more small and
        profile faces, and more false boxes).
    grids
        ``(tile side in px, phases, lowest score)`` per grid: the grid's tiles are split into
        ``phases`` groups, frame ``phase`` searches group ``phase % phases`` (1 = all, every
        frame), and boxes scoring below the grid's own threshold (at least ``min_score``)
        are dropped. Faces large enough for the 384 px grid (40-130 px) are near the camera
        and found confidently; the boxes it gave below 0.65 on the treadmill test clip were
        the runner's hands and hips (0.53-0.61).
    overlap
        Fraction of a tile shared with its neighbour, so a face cut by one tile's edge is
        whole in the next.
    min_score_whole
        Lowest score kept from the whole frame. Faces large enough to be found there are in
        the model's comfortable range and score high (0.99 for a 144 px face in a still);
        the lower-scoring boxes it gave on the test clips were all false and large (a
        walker's torso, 140 px, at 0.37-0.41; a treadmill room's ceiling, 255 px, at 0.50-0.53).
    max_box_frac
        A tile's box wider than this fraction of the tile is dropped: a face that large is
        the next coarser grid's (or the whole frame's) to find, and at this scale such boxes
        were all false (a 140 px box around a walker's 20 px face, for one).
    """

    min_score: float = 0.35
    grids: tuple[tuple[int, int, float], ...] = ((384, 1, 0.65), (192, 2, 0.35), (128, 4, 0.35))
    overlap: float = 0.25
    min_score_whole: float = 0.6
    max_box_frac: float = 0.34

    def __post_init__(self) -> None:
        if not 0.0 < self.min_score < 1.0:
            raise ValueError(f"min_score must be in (0, 1), got {self.min_score}")
        if not 0.0 <= self.overlap < 0.9:
            raise ValueError(f"overlap must be in [0, 0.9), got {self.overlap}")
        if not self.min_score <= self.min_score_whole < 1.0:
            raise ValueError(
                f"min_score_whole must be in [min_score, 1), got {self.min_score_whole}"
            )
        if not 0.0 < self.max_box_frac <= 1.0:
            raise ValueError(f"max_box_frac must be in (0, 1], got {self.max_box_frac}")
        for tile, phases, score in self.grids:
            if tile < 32 or phases < 1 or not 0.0 < score < 1.0:
                raise ValueError(f"grids need tiles of 32 px or more and phases >= 1: {self.grids}")


def _starts(length_px: int, tile_px: int, step_px: int) -> list[int]:
    if length_px <= tile_px:
        return [0]
    starts = list(range(0, length_px - tile_px + 1, step_px))
    if starts[-1] + tile_px < length_px:
        starts.append(length_px - tile_px)  # the last tile ends at the frame's edge
    return starts


def tile_origins(
    width_px: int, height_px: int, tile_px: int, overlap: float
) -> list[tuple[int, int]]:
    """Top-left corners of square tiles that cover a frame, neighbours sharing ``overlap``.

    Parameters
    ----------
    width_px, height_px
        Frame size.
    tile_px
        Tile side; a frame side shorter than this gets a single tile (clipped by the frame).
    overlap
        Fraction of ``tile_px`` shared by neighbouring tiles (at least; the last tile of a
        row or column is moved back to end at the frame's edge).

    Returns
    -------
    list of (x, y)
        Row by row, top to bottom, left to right.
    """
    step = max(1, round(tile_px * (1.0 - overlap)))
    return [
        (x, y) for y in _starts(height_px, tile_px, step) for x in _starts(width_px, tile_px, step)
    ]


class MediaPipeFaceDetector:
    """MediaPipe Tasks ``FaceDetector`` (IMAGE mode) over the whole frame and tiles.

    Parameters
    ----------
    model_path
        A verified BlazeFace short-range model
        (:func:`gaitlab.pose.models.resolve_face_detector`).
    settings
        Score threshold and tiling.
    quiet_native_logs
        Hide MediaPipe's native start-up log lines.
    threads
        Model instances searching a frame's tiles side by side, one thread each (MediaPipe
        releases the GIL: two halve the time on two idle cores, 59 -> 31 ms a 960x540 frame).
        Each instance lives on its own network-confined thread
        (:class:`gaitlab.pose.sandbox.NoNetworkThread`), as the pose model does.
    """

    def __init__(
        self,
        model_path: Path,
        settings: FaceDetectorSettings | None = None,
        quiet_native_logs: bool = True,
        threads: int = 1,
    ) -> None:
        # Imported here so that importing gaitlab never loads mediapipe.
        mp = import_mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        self.settings = settings or FaceDetectorSettings()
        options = vision.FaceDetectorOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.IMAGE,
            min_detection_confidence=self.settings.min_score,
        )
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self._quiet = quiet_native_logs
        self._detectors: list[Any] = []
        self._threads = [NoNetworkThread(f"gaitlab-faces-{k}") for k in range(threads)]
        try:
            with quiet_native_stderr(quiet_native_logs):
                for k, thread in enumerate(self._threads):
                    self._detectors.append(
                        thread.call(vision.FaceDetector.create_from_options, options)
                    )
                    # The first inference logs the delegate's start-up lines: run it now.
                    thread.call(self._detect_one, np.zeros((64, 64, 3), np.uint8), k)
        except BaseException:
            for thread in self._threads:
                thread.close()
            raise
        self._grids_cache: dict[tuple[int, int], list[tuple[list, int]]] = {}

    def _detect_one(
        self, rgb: np.ndarray, which: int = 0
    ) -> list[tuple[float, float, float, float, float]]:
        # mp.Image reads tightly packed rows: a tile is a strided view, so copy it.
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)
        )
        result: Any = self._detectors[which].detect(image)
        boxes = []
        for det in result.detections:
            b = det.bounding_box
            score = float(det.categories[0].score) if det.categories else 0.0
            x0, y0 = b.origin_x, b.origin_y
            boxes.append((x0, y0, x0 + b.width, y0 + b.height, score))
        return boxes

    def _grids(self, width_px: int, height_px: int) -> list[tuple[list, int]]:
        key = (width_px, height_px)
        if key not in self._grids_cache:
            s = self.settings
            self._grids_cache[key] = [
                (
                    [
                        (x, y, tile, max(score, s.min_score))
                        for x, y in tile_origins(width_px, height_px, tile, s.overlap)
                    ],
                    phases,
                )
                for tile, phases, score in s.grids
                if tile < max(width_px, height_px)  # else the whole frame is the tile
            ]
        return self._grids_cache[key]

    def tiles_for(
        self, width_px: int, height_px: int, phase: int | None
    ) -> Iterator[tuple[int, int, int, float]]:
        """The tiles ``(x, y, side, lowest score)`` searched in a frame of this size at ``phase``.

        ``phase=None`` gives every tile of every grid (a still image, with no neighbouring
        frames to complete it).
        """
        for tiles, phases in self._grids(width_px, height_px):
            yield from tiles if phase is None else tiles[phase % phases :: phases]

    def detect(self, rgb: np.ndarray, phase: int | None = 0) -> np.ndarray:
        """Face boxes of one frame.

        Parameters
        ----------
        rgb : (h, w, 3) uint8
            The frame.
        phase
            Which group of each grid's tiles to search (any integer; a frame counter does),
            or None for all of them.

        Returns
        -------
        (n, 5) float
            ``x0, y0, x1, y1`` in the frame's pixels (not clipped to it) and the score, for
            every detection of the whole frame and of the tiles searched. Boxes of one face
            found in two overlapping tiles are all kept: they are blurred, not counted.
        """
        h, w = rgb.shape[:2]
        tiles = list(self.tiles_for(w, h, phase))
        n = len(self._detectors)
        # Model k searches every n-th tile on its own thread; model 0 also the whole frame.
        whole = self._threads[0].submit(self._detect_one, rgb, 0)
        futures = [self._threads[k].submit(self._search, rgb, tiles[k::n], k) for k in range(n)]
        found = [b for b in whole.result() if b[4] >= self.settings.min_score_whole]
        for future in futures:
            found += future.result()
        return np.array(found, dtype=float).reshape(-1, 5)

    def _search(
        self, rgb: np.ndarray, tiles: list[tuple[int, int, int, float]], which: int
    ) -> list[tuple[float, float, float, float, float]]:
        found = []
        for x, y, side, lowest in tiles:
            largest = self.settings.max_box_frac * side
            crop = rgb[y : y + side, x : x + side]
            for x0, y0, x1, y1, score in self._detect_one(crop, which):
                if x1 - x0 <= largest and score >= lowest:
                    found.append((x0 + x, y0 + y, x1 + x, y1 + y, score))
        return found

    def close(self) -> None:
        """Release the models (quietly: MediaPipe logs the accelerator's release)."""
        try:
            with quiet_native_stderr(self._quiet):
                for thread, detector in zip(self._threads, self._detectors, strict=False):
                    thread.call(detector.close)
        finally:
            for thread in self._threads:
                thread.close()

    def __enter__(self) -> MediaPipeFaceDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
