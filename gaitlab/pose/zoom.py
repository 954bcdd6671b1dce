"""Zoomed re-detection of a small or lost runner.

MediaPipe's person detector sees the whole frame it is given squeezed into 224x224 px, so a
runner under about a seventh of the frame's long side is not found at all, and a small one
is placed coarsely. After the main pass, the frames where the runner was not found, or is
small in the frame given to the model
(:data:`gaitlab.pose.settings.ZOOM_BELOW_SHARE`), are given to a second
landmarker as a crop of the full-resolution frame around where the runner is: the box of
the nearest frame with a pose, grown for the runner's motion since, scaled up to
:data:`ZOOM_INPUT_PX`. With no pose near, overlapping tiles of the frame are searched (on
one frame in :data:`SEARCH_EVERY_S`) so that the first find is possible.

The crop moves and changes scale from frame to frame, so it is not one video stream: the
crop landmarker runs in IMAGE mode (no tracking or smoothing across crops) and is its own
instance, leaving the main pass's VIDEO stream and its results untouched. Only the frames
that need it are cropped and inferred; a clip where no frame needs it is not decoded again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np

from gaitlab.imaging.waistband import NOT_FOUND, WaistbandLine, waistband_line
from gaitlab.io.video import iter_frames
from gaitlab.pose.backend import FramePose, PoseBackend
from gaitlab.pose.masks import MASK_CROP_SHAPE, mask_crop
from gaitlab.series import MaskCrops, VideoInfo, WaistbandSeries

#: Side (px) of the square image a crop is scaled to for the crop landmarker (above the
#: landmark model's 256 px input, so the runner's crop is not scaled down again much).
ZOOM_INPUT_PX = 512
#: The crop's side, in runner extents (the runner's landmarks then span half the crop).
#: MediaPipe's detector misses a runner who is small in the crop too: on a rendered rear
#: runner in a portrait frame (gaitlab 0.1.0, 2026-12-07) crops of 2.0 extents found the
#: runner in 104 of 105 frames, 2.5 extents in 88, 3.5 extents in 12; on the real rear and
#: side pass-by clips 2.0 and 2.5 found the same frames.
CROP_EXTENTS = 2.0
#: Extra crop side per second since the reference pose, in runner extents: a runner moves
#: about one body height per 0.3 s across a side view.
GROWTH_PER_S = 3.0
#: Farthest (s) a pose is used as the reference of another frame's crop.
MAX_REFERENCE_S = 0.5
#: With no pose near, the tile search runs on one frame in this many seconds.
SEARCH_EVERY_S = 0.25
#: Tile side as a share of the frame's short side (tiles overlap by half).
TILE_SHARE = 0.6
#: Least magnification (the frame's long side over the crop's side) worth a crop: the
#: detector sees both squeezed to the same input, so a crop about the frame's size shows
#: the runner no larger than the main pass did. Next to a large pose a missing one is a
#: runner cut by the frame's edge or hidden, which no zoom finds (on the real rear pass-by
#: clip, such crops gave the runner's upper body only, with the hips at the frame's top).
MIN_MAGNIFICATION = 1.5


@dataclass(frozen=True)
class CropBox:
    """A square crop of a clip frame, scaled for the crop landmarker.

    Attributes
    ----------
    origin_px : (2,) float
        Clip pixel (x, y) at the crop's top-left corner (may lie outside the frame: the
        outside is black).
    scale
        Crop pixels per clip pixel.
    side_px
        Side of the crop image, in crop pixels.
    """

    origin_px: np.ndarray
    scale: float
    side_px: int = ZOOM_INPUT_PX

    def affine(self) -> np.ndarray:
        """OpenCV's 2x3 clip-to-crop matrix, so that ``crop = scale * (clip - origin)``.

        Both sides in MediaPipe's pixel convention (pixel i spans [i, i+1)); OpenCV's
        matrix maps pixel centres (i -> i + 0.5), hence the half-pixel terms.
        """
        s = self.scale
        tx, ty = s * (0.5 - self.origin_px) - 0.5
        return np.array([[s, 0.0, tx], [0.0, s, ty]])


def box_around(centre_px: np.ndarray, side_px: float, out_px: int = ZOOM_INPUT_PX) -> CropBox:
    """The square crop of side ``side_px`` (clip px) centred on ``centre_px``."""
    origin = np.asarray(centre_px, dtype=float) - side_px / 2.0
    return CropBox(origin, out_px / float(side_px), out_px)


def landmark_box(xy_px: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre (2,) and extent (the larger of width and height) of one pose's landmarks."""
    lo = np.nanmin(xy_px, axis=0)
    hi = np.nanmax(xy_px, axis=0)
    return (lo + hi) / 2.0, float(np.max(hi - lo))


def reference_box(xy_px: np.ndarray, gap_s: float, out_px: int = ZOOM_INPUT_PX) -> CropBox:
    """The crop for a frame ``gap_s`` seconds from a frame whose pose is ``xy_px`` (clip px).

    The box is centred on the reference pose and grows with the time between, as the
    runner may have moved (:data:`CROP_EXTENTS`, :data:`GROWTH_PER_S`).
    """
    centre, extent = landmark_box(xy_px)
    side = max(extent, 16.0) * (CROP_EXTENTS + GROWTH_PER_S * abs(gap_s))
    return box_around(centre, side, out_px)


def tile_boxes(width_px: int, height_px: int, out_px: int = ZOOM_INPUT_PX) -> list[CropBox]:
    """Square tiles covering a ``width_px`` x ``height_px`` frame, overlapping by half.

    The side is :data:`TILE_SHARE` of the short side, so a runner a seventh of the long
    side tall fills a good part of a tile whatever the frame's shape.
    """
    side = TILE_SHARE * min(width_px, height_px)
    step = side / 2.0

    def starts(length: int) -> list[float]:
        n = max(int(np.ceil((length - side) / step)), 0) + 1
        return list(np.linspace(0.0, max(length - side, 0.0), n))

    return [
        CropBox(np.array([x, y]), out_px / side, out_px)
        for y in starts(height_px)
        for x in starts(width_px)
    ]


def crop_image(rgb: np.ndarray, box: CropBox) -> np.ndarray:
    """The crop of a clip frame (``(side, side, 3)`` uint8), black outside the frame."""
    return cv2.warpAffine(
        rgb,
        box.affine(),
        (box.side_px, box.side_px),
        flags=cv2.INTER_LINEAR if box.scale >= 1.0 else cv2.INTER_AREA,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )


def to_clip(pose: FramePose, box: CropBox) -> FramePose:
    """A pose found in a crop, in the clip's pixels (the mask stays in crop pixels).

    ``xy = origin + xy_crop / scale``; the relative depth is on the x pixel scale, so it is
    divided by the scale too; world landmarks are metres and do not change.
    """
    return replace(
        pose, xy_px=box.origin_px + pose.xy_px / box.scale, depth_rel=pose.depth_rel / box.scale
    )


def mask_to_clip(origin_px: np.ndarray, scale: float, box: CropBox) -> tuple[np.ndarray, float]:
    """A mask crop's origin and scale measured in crop pixels, in the clip's pixels.

    ``scale`` is mask-crop pixels per crop pixel; per clip pixel it is ``scale * box.scale``.
    """
    return box.origin_px + np.asarray(origin_px, dtype=float) / box.scale, scale * box.scale


def same_runner(xy_px: np.ndarray, reference_px: np.ndarray, gap_s: float) -> bool:
    """Whether a pose found in a crop continues the reference pose it was cropped around.

    A crop may hold someone else (a bystander beside a small runner): the pose found must
    lie within half the reference's extent of it, plus the motion allowed for the time
    between (:data:`GROWTH_PER_S`), and be between half and twice its size.
    """
    centre, extent = landmark_box(xy_px)
    ref_centre, ref_extent = landmark_box(reference_px)
    reach = ref_extent * (0.5 + GROWTH_PER_S * abs(gap_s))
    return bool(np.linalg.norm(centre - ref_centre) <= reach and 0.5 <= extent / ref_extent <= 2.0)


def needs_zoom(
    xy_px: np.ndarray, model_long_side_px: float, clip_per_model: float, below_share: float
) -> np.ndarray:
    """Which frames get a zoomed re-detection: no pose, or a small one.

    Parameters
    ----------
    xy_px : (n, 33, 2) float
        The main pass's landmarks in clip pixels (NaN where no pose was found).
    model_long_side_px
        Long side of the frame the model was given.
    clip_per_model
        Clip pixels per model pixel (1 at the clip's own size).
    below_share
        A pose whose landmark extent is below this share of ``model_long_side_px`` is small.

    Returns
    -------
    (n,) bool
    """
    found = ~np.isnan(xy_px[:, :, 0]).all(axis=1)
    extent = np.full(len(xy_px), np.inf)
    if found.any():
        span = np.nanmax(xy_px[found], axis=1) - np.nanmin(xy_px[found], axis=1)
        extent[found] = span.max(axis=1) / clip_per_model
    return ~found | (extent < below_share * model_long_side_px)


@dataclass
class ZoomResult:
    """What the zoom pass found, per frame of the series (None: nothing new).

    ``tiles_searched``: frames on which the tile search ran; ``inferences``: crops given to
    the crop landmarker in all.
    """

    poses: list[FramePose | None]
    mask_rows: list[tuple[np.ndarray, float, np.ndarray] | None]
    bands: list[WaistbandLine | None]
    needed: int
    tiles_searched: int = 0
    inferences: int = 0

    @property
    def found(self) -> int:
        """Frames given a pose by the zoom."""
        return sum(p is not None for p in self.poses)


def zoom_pass(
    make_backend: Callable[[], PoseBackend],
    info: VideoInfo,
    time_s: np.ndarray,
    xy_px: np.ndarray,
    needed: np.ndarray,
    *,
    with_masks: bool,
    with_waistband: bool,
    search: bool = True,
) -> ZoomResult:
    """Re-detect the runner in crops of the ``needed`` frames.

    Frames are decoded at the clip's own size once, from the first needed frame to the
    last. A needed frame takes its crop from the nearest pose within
    :data:`MAX_REFERENCE_S` (an earlier one, found by the main pass or by this pass, or a
    later one from the main pass); with none, the whole frame is searched in tiles, on
    one frame in :data:`SEARCH_EVERY_S`, and a find is followed back over the frames
    skipped since the last search (kept in a short buffer). A crop that would not magnify
    the runner by :data:`MIN_MAGNIFICATION` over the main pass is not tried.

    Parameters
    ----------
    make_backend
        Builds the crop landmarker (an IMAGE-mode one for MediaPipe: see the module note).
    info
        The probed clip.
    time_s, xy_px
        The series' frame times and landmarks (clip pixels) from the main pass.
    needed
        ``(n,)`` bool: the frames to zoom (:func:`needs_zoom`).
    with_masks, with_waistband
        Also crop the person mask and find the waistband edge in the crop.
    search
        Search frames with no pose near in tiles. False when the runner was chosen among
        several people: a tile holds whoever is there, so only crops around the chosen
        runner's own poses are used, and a pose found must continue them
        (:func:`same_runner`, checked for every crop around a pose).

    Returns
    -------
    ZoomResult
    """
    n = len(time_s)
    result = ZoomResult([None] * n, [None] * n, [None] * n, int(needed.sum()))
    if not needed.any():
        return result
    # Small poses of the main pass are still good references for where the runner is.
    known = [None if np.isnan(xy_px[i, :, 0]).all() else xy_px[i] for i in range(n)]
    main_found = np.flatnonzero([k is not None for k in known])
    first, last = np.flatnonzero(needed)[[0, -1]]
    tol = 0.5 / max(info.capture_fps, 1.0)
    fps = max(info.capture_fps, 1.0)
    search_every = max(round(SEARCH_EVERY_S * fps), 1)
    buffer_len = search_every + 1
    held: deque[tuple[int, np.ndarray]] = deque(maxlen=buffer_len)
    last_search = -(10**9)
    clip_long = float(max(info.width_px, info.height_px))

    def worth(box: CropBox) -> bool:
        return clip_long * box.scale / box.side_px >= MIN_MAGNIFICATION

    backend = make_backend()
    try:

        def detect(rgb: np.ndarray, box: CropBox) -> tuple[FramePose, np.ndarray] | None:
            crop = crop_image(rgb, box)
            result.inferences += 1
            pose = backend.detect(crop, 0)
            return None if pose is None else (pose, crop)

        def around(
            rgb: np.ndarray, box: CropBox, reference_px: np.ndarray, gap_s: float
        ) -> tuple[FramePose, np.ndarray] | None:
            # A crop around a known pose: tried only if it magnifies, kept only if the
            # pose found continues the known one.
            found = detect(rgb, box) if worth(box) else None
            if found is None or not same_runner(to_clip(found[0], box).xy_px, reference_px, gap_s):
                return None
            return found

        def keep(i: int, found: tuple[FramePose, np.ndarray], box: CropBox) -> None:
            pose, crop = found
            clip_pose = to_clip(pose, box)
            result.poses[i] = replace(clip_pose, mask=None)
            known[i] = clip_pose.xy_px
            if with_masks and pose.mask is not None:
                origin, scale, prob = mask_crop(pose.mask, pose.xy_px)
                origin, scale = mask_to_clip(origin, scale, box)
                result.mask_rows[i] = (origin, scale, prob)
            if with_waistband:
                # The edge's angle and its height in trunk lengths do not change with a
                # uniform scale and shift, so the crop's measure is the clip's.
                result.bands[i] = waistband_line(crop, pose.xy_px)

        def reference(i: int) -> int | None:
            if known[i] is not None:
                return i  # a small pose of the main pass: zoom on itself
            earlier = next((j for j in range(i - 1, -1, -1) if known[j] is not None), None)
            later_at = int(np.searchsorted(main_found, i, side="right"))
            later = int(main_found[later_at]) if later_at < len(main_found) else None
            best = None
            for j in (earlier, later):
                if j is not None and abs(time_s[j] - time_s[i]) <= MAX_REFERENCE_S:
                    if best is None or abs(time_s[j] - time_s[i]) < abs(time_s[best] - time_s[i]):
                        best = j
            return best

        def follow_back(start: int) -> None:
            # Fill the skipped frames held in the buffer, newest first, from the find.
            for i, rgb in reversed(held):
                if i >= start or not needed[i] or result.poses[i] is not None:
                    continue
                j = next((k for k in range(i + 1, start + 1) if known[k] is not None), None)
                if j is None or time_s[j] - time_s[i] > MAX_REFERENCE_S:
                    break
                box = reference_box(known[j], time_s[j] - time_s[i])
                found = around(rgb, box, known[j], time_s[j] - time_s[i])
                if found is None:
                    break
                keep(i, found, box)

        row = 0
        start_s = max(float(time_s[first]) - tol, 0.0)
        frames = iter_frames(info, start_s=start_s, end_s=float(time_s[last]) + tol)
        for frame in frames:
            row = int(np.searchsorted(time_s, frame.time_s - tol))
            if row >= n or abs(time_s[row] - frame.time_s) > tol:
                continue  # not a frame of the series
            if not needed[row]:
                held.clear()
                continue
            ref = reference(row)
            if ref is not None:
                box = reference_box(known[ref], time_s[row] - time_s[ref])
                found = around(frame.rgb, box, known[ref], time_s[row] - time_s[ref])
                if found is not None:
                    keep(row, found, box)
                    if ref > row:
                        follow_back(row)
            elif search and row - last_search >= search_every:
                last_search = row
                result.tiles_searched += 1
                best = _search_tiles(frame.rgb, detect)
                if best is not None:
                    keep(row, *best)
                    follow_back(row)
            held.append((row, frame.rgb))
    finally:
        backend.close()
    return result


def _search_tiles(
    rgb: np.ndarray,
    detect: Callable[[np.ndarray, CropBox], tuple[FramePose, np.ndarray] | None],
) -> tuple[tuple[FramePose, np.ndarray], CropBox] | None:
    """The best pose found in any tile of one frame (the most visible landmarks)."""
    height, width = rgb.shape[:2]
    best = None
    best_score = -1.0
    for box in tile_boxes(width, height):
        found = detect(rgb, box)
        if found is None:
            continue
        score = float(np.mean(found[0].visibility))
        if score > best_score:
            best, best_score = (found, box), score
    return best


def apply_zoom(
    arrays: dict[str, np.ndarray],
    masks: MaskCrops | None,
    waistband: WaistbandSeries | None,
    zoom: ZoomResult,
) -> tuple[dict[str, np.ndarray], MaskCrops | None, WaistbandSeries | None]:
    """The series' arrays with the zoom's poses (and their mask crops and edges) written in.

    Frames the zoom did not find keep the main pass's values.
    """
    rows = [i for i, pose in enumerate(zoom.poses) if pose is not None]
    if not rows:
        return arrays, masks, waistband
    arrays = {name: value.copy() for name, value in arrays.items()}
    for i in rows:
        pose = zoom.poses[i]
        assert pose is not None
        arrays["xy_px"][i] = pose.xy_px
        arrays["depth_rel"][i] = pose.depth_rel
        arrays["visibility"][i] = pose.visibility
        arrays["world_m"][i] = pose.world_m
    if masks is not None:
        origin, scale, prob = masks.origin_px.copy(), masks.scale.copy(), masks.prob.copy()
        for i in rows:
            entry = zoom.mask_rows[i]
            if entry is None:
                origin[i], scale[i] = np.nan, np.nan
                prob[i] = np.zeros(MASK_CROP_SHAPE, dtype=np.uint8)
            else:
                origin[i], scale[i], prob[i] = entry
        masks = MaskCrops(origin_px=origin, scale=scale, prob=prob)
    if waistband is not None:
        fields = {
            name: getattr(waistband, name).copy()
            for name in ("angle_deg", "ok", "inlier_share", "contrast", "offset_trunk")
        }
        for i in rows:
            band = zoom.bands[i] or NOT_FOUND
            for name in fields:
                fields[name][i] = getattr(band, name)
        waistband = WaistbandSeries(**fields)
    return arrays, masks, waistband
