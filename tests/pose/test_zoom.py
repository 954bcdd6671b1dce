"""The zoomed re-detection: crop geometry, the mapping back to clip pixels, and the pass.

The pass is checked with a stand-in detector that, like MediaPipe's, misses a person who
is small in the image it is given: a white block on black, found only when it spans at
least :data:`_MIN_SHARE` of the image's long side. The block's true place in each frame is
known, so the landmarks mapped back from the crops are checked against it.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import av
import numpy as np
import pytest

from gaitlab.io.video import iter_frames, probe_video
from gaitlab.pose.backend import FramePose
from gaitlab.pose.extract import PoseSettings, extract_pose
from gaitlab.pose.masks import mask_crop
from gaitlab.pose.zoom import (
    CropBox,
    apply_zoom,
    box_around,
    crop_image,
    mask_to_clip,
    needs_zoom,
    reference_box,
    same_runner,
    tile_boxes,
    to_clip,
    zoom_pass,
)
from gaitlab.series import MaskCrops
from tests.conftest import shared_clip

_MIN_SHARE = 0.15


def _pose(xy: np.ndarray) -> FramePose:
    return FramePose(
        xy_px=np.asarray(xy, dtype=float),
        depth_rel=np.full(33, 4.0),
        visibility=np.full(33, 0.9),
        world_m=np.zeros((33, 3)),
    )


# ------------------------------------------------------------------------- geometry
def test_a_crop_pose_maps_to_exact_clip_pixels():
    box = box_around(np.array([228.0, 178.0]), 256.0, out_px=512)  # origin (100, 50), x2
    assert box.scale == 2.0
    np.testing.assert_allclose(box.origin_px, [100.0, 50.0])
    xy = np.tile([10.0, 20.0], (33, 1))
    back = to_clip(_pose(xy), box)
    np.testing.assert_allclose(back.xy_px, np.tile([105.0, 60.0], (33, 1)))
    np.testing.assert_allclose(back.depth_rel, 2.0)  # on the x pixel scale: 4 / 2
    np.testing.assert_allclose(back.world_m, 0.0)  # metres do not change


def test_the_crop_image_puts_clip_pixels_where_the_mapping_says():
    # A white 10x10 block spanning clip pixels [120, 130) x [70, 80): its centre (125, 75).
    frame = np.zeros((200, 300, 3), np.uint8)
    frame[70:80, 120:130] = 255
    box = CropBox(np.array([100.0, 50.0]), 2.0, 128)
    crop = crop_image(frame, box)[:, :, 0].astype(float)
    # The block's centre of intensity, in pixel-edge coordinates (pixel i spans [i, i+1)).
    ys, xs = np.indices(crop.shape)
    centre = np.array([(crop * (xs + 0.5)).sum(), (crop * (ys + 0.5)).sum()]) / crop.sum()
    np.testing.assert_allclose(centre, [50.0, 50.0], atol=1e-6)  # 2 * (125 - 100), 2 * (75 - 50)
    np.testing.assert_allclose(box.origin_px + centre / box.scale, [125.0, 75.0], atol=1e-6)
    assert crop.sum() == pytest.approx(255.0 * 400, rel=1e-3)  # 10x10 px at 4 crop px each


def test_outside_the_frame_the_crop_is_black():
    frame = np.full((100, 100, 3), 200, np.uint8)
    crop = crop_image(frame, CropBox(np.array([-50.0, -50.0]), 1.0, 100))
    assert crop[:49, :49].max() == 0
    assert crop[51:, 51:].min() == 200


def test_a_mask_crop_taken_in_the_crop_is_placed_in_clip_pixels():
    box = CropBox(np.array([100.0, 50.0]), 4.0, 512)
    mask = np.zeros((512, 512), np.float32)
    xy = np.column_stack([np.linspace(200, 300, 33), np.linspace(100, 400, 33)])
    origin_c, scale_c, _ = mask_crop(mask, xy)
    origin, scale = mask_to_clip(origin_c, scale_c, box)
    # One crop point in the mask crop's pixels, reached from the crop and from the clip.
    point_crop = np.array([250.0, 300.0])
    point_clip = box.origin_px + point_crop / box.scale
    np.testing.assert_allclose((point_clip - origin) * scale, (point_crop - origin_c) * scale_c)
    assert scale == pytest.approx(scale_c * 4.0)


def test_the_reference_crop_grows_with_the_time_since_the_pose():
    xy = np.column_stack([np.full(33, 400.0), np.linspace(100.0, 300.0, 33)])  # 200 px tall
    still = reference_box(xy, 0.0, out_px=500)
    later = reference_box(xy, 0.2, out_px=500)
    assert 500 / still.scale == pytest.approx(200 * 2.0)  # CROP_EXTENTS runner extents
    assert 500 / later.scale == pytest.approx(200 * (2.0 + 3.0 * 0.2))
    np.testing.assert_allclose(still.origin_px + 250 / still.scale, [400.0, 200.0])


def test_tiles_hold_any_runner_up_to_half_a_tile_wholly():
    width, height = 1080, 1920
    tiles = tile_boxes(width, height, out_px=512)
    side = 512 / tiles[0].scale
    assert side == pytest.approx(0.6 * 1080)
    runner = side / 2  # 324 px, a sixth of the long side
    for x in np.linspace(0, width - runner, 23):
        for y in np.linspace(0, height - runner, 41):
            assert any(
                t.origin_px[0] <= x
                and x + runner <= t.origin_px[0] + side + 1e-9
                and t.origin_px[1] <= y
                and y + runner <= t.origin_px[1] + side + 1e-9
                for t in tiles
            )
    # Steps of at most half a tile: ceil((1080 - 648) / 324) + 1 = 3 across, 5 down.
    assert len(tiles) == 3 * 5


def test_a_pose_found_in_a_crop_must_continue_the_reference():
    ref = np.column_stack([np.full(33, 400.0), np.linspace(100.0, 300.0, 33)])  # 200 px
    right = np.array([1.0, 0.0])
    assert same_runner(ref + 90.0 * right, ref, 0.0)  # within half the extent (100 px)
    assert not same_runner(ref + 110.0 * right, ref, 0.0)  # a bystander beside the runner
    assert same_runner(ref + 110.0 * right, ref, 0.1)  # 0.1 s later: 100 + 3 * 0.1 * 200 px
    small = np.column_stack([np.full(33, 400.0), np.linspace(150.0, 240.0, 33)])  # 90 px
    assert not same_runner(small, ref, 0.0)  # under half the size


def test_frames_without_a_pose_or_with_a_small_one_need_the_zoom():
    xy = np.full((3, 33, 2), np.nan)
    xy[1] = np.column_stack([np.full(33, 500.0), np.linspace(0, 100, 33)])  # 100 clip px
    xy[2] = np.column_stack([np.full(33, 500.0), np.linspace(0, 600, 33)])  # 600 clip px
    # Clip 1920 px long, model frame 960: 50 and 300 model px against 0.2 * 960 = 192.
    np.testing.assert_array_equal(needs_zoom(xy, 960.0, 2.0, 0.2), [True, True, False])


# ------------------------------------------------------------------------- the pass
class _BlockFinder:
    """Finds the white block, only when it spans >= _MIN_SHARE of the image's long side."""

    def __init__(self) -> None:
        self.calls = 0
        self.closed = False

    def detect(self, rgb: np.ndarray, time_ms: int) -> FramePose | None:
        self.calls += 1
        grey = rgb[:, :, 0].astype(float)
        ys, xs = np.nonzero(grey > 127)
        if len(xs) == 0:
            return None
        lo = np.array([xs.min(), ys.min()], float)
        hi = np.array([xs.max(), ys.max()], float) + 1.0  # pixel edges
        if (hi - lo).max() < _MIN_SHARE * max(rgb.shape[:2]):
            return None
        xy = np.tile((lo + hi) / 2, (33, 1))
        xy[0], xy[1] = lo, hi
        mask = (grey > 127).astype(np.float32)
        return FramePose(xy, np.zeros(33), np.full(33, 0.9), np.zeros((33, 3)), mask)

    def close(self) -> None:
        self.closed = True


def _block_clip(path: Path, n: int = 45) -> list[np.ndarray]:
    """A 640x360 clip of a 20x40 px white block moving right 3 px a frame; its boxes."""
    boxes = []
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 640, 360, "yuv420p"
        stream.options = {"crf": "12"}
        for i in range(n):
            img = np.zeros((360, 640, 3), np.uint8)
            x0, y0 = 100 + 3 * i, 200
            img[y0 : y0 + 40, x0 : x0 + 20] = 255
            boxes.append(np.array([[x0, y0], [x0 + 20, y0 + 40]], float))
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return boxes


def test_the_pass_finds_a_small_block_by_tiles_then_follows_it(tmp_path: Path):
    boxes = _block_clip(tmp_path / "block.mp4")
    info = probe_video(tmp_path / "block.mp4")
    time_s = np.array([f.time_s for f in iter_frames(info)])
    n = len(time_s)
    # The whole frame at its own size: 40 px of 640 is below the stand-in's 15 %.
    whole = _BlockFinder()
    assert all(whole.detect(f.rgb, 0) is None for f in iter_frames(info))
    finder = _BlockFinder()
    zoom = zoom_pass(
        lambda: finder,
        info,
        time_s,
        np.full((n, 33, 2), np.nan),
        np.ones(n, bool),
        with_masks=True,
        with_waistband=False,
    )
    assert finder.closed
    assert zoom.found == n
    assert zoom.tiles_searched == 1  # found on the first frame, followed from there
    assert zoom.inferences == len(tile_boxes(640, 360)) + n - 1
    for pose, box in zip(zoom.poses, boxes, strict=True):
        assert pose is not None
        # Compression blurs the block's edges by about a pixel in the clip.
        np.testing.assert_allclose(pose.xy_px[:2], box, atol=1.0)
    # The mask crops land on the block too: its centre in the stored crop's pixels.
    masks = MaskCrops(
        np.full((n, 2), np.nan), np.full(n, np.nan), np.zeros((n, 256, 192), np.uint8)
    )
    arrays = {
        "xy_px": np.full((n, 33, 2), np.nan),
        "depth_rel": np.full((n, 33), np.nan),
        "visibility": np.zeros((n, 33)),
        "world_m": np.full((n, 33, 3), np.nan),
    }
    arrays, masks, _ = apply_zoom(arrays, masks, None, zoom)
    assert masks is not None
    for i in (0, n - 1):
        prob = masks.prob[i].astype(float)
        ys, xs = np.indices(prob.shape)
        centre = np.array([(prob * xs).sum(), (prob * ys).sum()]) / prob.sum()
        clip_centre = masks.origin_px[i] + centre / masks.scale[i]
        np.testing.assert_allclose(clip_centre, boxes[i].mean(axis=0), atol=1.5)
    np.testing.assert_allclose(arrays["xy_px"][:, 0], [b[0] for b in boxes], atol=1.0)


def test_a_miss_beside_a_large_pose_is_not_zoomed(tmp_path: Path):
    # 300 px of a 640 px frame: the crop (2 extents, 600 px) would not magnify the
    # runner, so the miss between two large poses is left alone (no inference).
    _block_clip(tmp_path / "block.mp4")
    info = probe_video(tmp_path / "block.mp4")
    time_s = np.array([f.time_s for f in iter_frames(info)])
    xy = np.full((len(time_s), 33, 2), np.nan)
    xy[:] = np.column_stack([np.full(33, 320.0), np.linspace(30.0, 330.0, 33)])
    xy[5] = np.nan
    needed = np.zeros(len(time_s), bool)
    needed[5] = True
    finder = _BlockFinder()
    zoom = zoom_pass(
        lambda: finder, info, time_s, xy, needed, with_masks=False, with_waistband=False
    )
    assert finder.calls == 0 and zoom.found == 0 and zoom.needed == 1


def test_without_the_search_a_runner_with_no_pose_near_is_left_alone(tmp_path: Path):
    # After the runner was chosen among several people, tiles (whoever is in them) are
    # not searched: with no pose of the runner anywhere, nothing is tried.
    _block_clip(tmp_path / "block.mp4")
    info = probe_video(tmp_path / "block.mp4")
    time_s = np.array([f.time_s for f in iter_frames(info)])
    n = len(time_s)
    finder = _BlockFinder()
    zoom = zoom_pass(
        lambda: finder,
        info,
        time_s,
        np.full((n, 33, 2), np.nan),
        np.ones(n, bool),
        with_masks=False,
        with_waistband=False,
        search=False,
    )
    assert finder.calls == 0 and zoom.found == 0 and zoom.tiles_searched == 0


def test_no_frame_needing_the_zoom_builds_no_landmarker(tmp_path: Path):
    _block_clip(tmp_path / "block.mp4")
    info = probe_video(tmp_path / "block.mp4")

    def refuse() -> _BlockFinder:
        raise AssertionError("built a landmarker with nothing to zoom")

    zoom = zoom_pass(
        refuse,
        info,
        np.arange(5) / 30.0,
        np.zeros((5, 33, 2)),
        np.zeros(5, bool),
        with_masks=False,
        with_waistband=False,
    )
    assert zoom.found == 0 and zoom.inferences == 0


# ------------------------------------------------------------------- real MediaPipe
_REAR = "radluy_rear_overground_running_openpose_overlay"


def _openpose_mid_hips(archive: Path, n: int) -> np.ndarray:
    """OpenPose BODY_25 mid-hip (keypoint 8) per frame of the rear clip, NaN where absent."""
    out = np.full((n, 2), np.nan)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if "example1_back" not in member.name or not name.endswith("_keypoints.json"):
                continue
            frame = int(name.split("_")[2])
            people = json.load(tar.extractfile(member))["people"]  # type: ignore[arg-type]
            if frame < n and people:
                x, y, conf = people[0]["pose_keypoints_2d"][8 * 3 : 8 * 3 + 3]
                if conf > 0.3:
                    out[frame] = (x, y)
    return out


@pytest.mark.integration
@pytest.mark.shared
def test_a_receding_rear_runner_is_found_in_more_frames_and_in_the_right_place(
    cache_dir: Path,
):
    """The real rear pass-by clip, with and without the zoom, against OpenPose's keypoints.

    The runner shrinks from about a third to a ninth of the 1920 px side; the main pass
    (frames scaled to 960 px) loses them below about 0.13 of it. OpenPose's keypoints of the
    same frames come with the clip (another model, not ground truth): the zoom's mid-hip
    must lie within a tenth of the runner's height of OpenPose's (the two models place the
    hip centres a few per cent of the height apart).
    """
    clip = shared_clip(f"{_REAR}.mp4")
    archive = shared_clip("radluy_openpose_body25_keypoints.tar.gz")
    plain = extract_pose(clip, settings=PoseSettings(zoom_below_share=None), use_cache=False)
    zoomed = extract_pose(clip, settings=PoseSettings(), cache_dir=cache_dir)
    found_plain = ~np.isnan(plain.xy_px[:, 0, 0])
    found_zoom = ~np.isnan(zoomed.xy_px[:, 0, 0])
    assert found_zoom.sum() >= 1.5 * found_plain.sum()
    assert zoomed.model.settings["zoom"]["found"] > 0
    # Frames that did not need the zoom keep the main pass's landmarks exactly.
    needed = needs_zoom(plain.xy_px, 960.0, 2.0, PoseSettings().zoom_below_share or 0.0)
    same = found_plain & ~needed
    assert same.any()
    np.testing.assert_array_equal(zoomed.xy_px[same], plain.xy_px[same])
    reference = _openpose_mid_hips(archive, zoomed.n_frames)
    new = found_zoom & ~found_plain & ~np.isnan(reference[:, 0])
    assert new.sum() >= 20
    mid_hip = zoomed.xy_px[new][:, [23, 24]].mean(axis=1)
    height = np.nanmax(zoomed.xy_px[new, :, 1], axis=1) - np.nanmin(zoomed.xy_px[new, :, 1], axis=1)
    error = np.linalg.norm(mid_hip - reference[new], axis=1) / height
    assert np.median(error) < 0.05
    assert np.mean(error < 0.1) >= 0.9
