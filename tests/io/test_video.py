"""Video input: containers and codecs, rotation, real timestamps, slow motion, and errors."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from gaitlab.errors import NotAFile, NoVideoStream, UnreadableVideo, UnsuitableVideo
from gaitlab.io import VideoLimits, iter_frames, probe_video
from gaitlab.io.prefetch import prefetch
from gaitlab.io.sampling import read_frame
from gaitlab.io.video import capture_fps_tag, continuous_parts, keyframe_times_s
from tests.clipmaker import audio_only, pattern_clip, timed_clip
from tests.conftest import shared_clip


@pytest.mark.parametrize(
    ("name", "codec", "codec_name"),
    [
        ("h264.mp4", "libx264", "h264"),
        ("hevc.mov", "libx265", "hevc"),
        ("vp9.webm", "libvpx-vp9", "vp9"),
        ("h264.m4v", "libx264", "h264"),
        ("mpeg4.avi", "mpeg4", "mpeg4"),
    ],
)
def test_opens_common_containers_and_codecs(tmp_path: Path, name, codec, codec_name):
    clip = pattern_clip(tmp_path / name, size=(320, 240), fps=30, duration_s=2.5, codec=codec)
    info = probe_video(clip)
    assert info.codec == codec_name
    assert (info.width_px, info.height_px) == (320, 240)
    assert info.n_frames == 75
    # WebM stores times in whole milliseconds: allow that quantisation, no more.
    assert info.capture_fps == pytest.approx(30, abs=0.01)
    assert info.duration_s == pytest.approx(2.5, abs=0.002)
    frames = list(iter_frames(info))
    assert len(frames) == 75
    assert frames[0].rgb.shape == (240, 320, 3)


@pytest.mark.parametrize("rotation_deg", [90, 180, 270])
def test_rotation_metadata_makes_frames_upright(tmp_path: Path, rotation_deg: int):
    plain = pattern_clip(tmp_path / "plain.mp4", size=(320, 180), duration_s=2.2)
    rotated = pattern_clip(
        tmp_path / "rot.mp4", size=(320, 180), duration_s=2.2, rotation_deg=rotation_deg
    )
    info = probe_video(rotated)
    assert info.rotation_deg == rotation_deg
    expected_size = (180, 320) if rotation_deg in (90, 270) else (320, 180)
    assert (info.width_px, info.height_px) == expected_size

    original = next(iter_frames(probe_video(plain))).rgb.astype(int)
    upright = next(iter_frames(info)).rgb.astype(int)
    # A counter-clockwise display rotation of k quarter turns is undone by np.rot90(k):
    # the same pixels, only turned, and no other turn matches.
    k = rotation_deg // 90
    assert np.abs(np.rot90(original, k) - upright).mean() < 1.0
    for wrong in {1, 2, 3} - {k}:
        turned = np.rot90(original, wrong)
        if turned.shape == upright.shape:
            assert np.abs(turned - upright).mean() > 20


def test_variable_frame_rate_uses_each_frames_timestamp(tmp_path: Path):
    # A phone-like clip: mostly 30 fps with jittered intervals and one dropped frame.
    rng = np.random.default_rng(7)
    dt = 1 / 30 + rng.uniform(-0.006, 0.006, size=89)
    dt[40] += 1 / 30  # a dropped frame
    times = np.concatenate([[0.0], np.cumsum(dt)])
    clip = timed_clip(tmp_path / "vfr.mp4", times)
    info = probe_video(clip)
    assert info.vfr
    got = np.array([f.time_s for f in iter_frames(info)])
    assert got.shape == times.shape
    np.testing.assert_allclose(got, times, atol=1.5e-5)


def test_constant_frame_rate_is_not_flagged_variable(tmp_path: Path):
    times = np.arange(75) / 25.0
    info = probe_video(timed_clip(tmp_path / "cfr.mp4", times))
    assert not info.vfr
    assert info.capture_fps == pytest.approx(25.0, rel=1e-4)


def test_slowmo_factor_turns_playback_time_into_capture_time(tmp_path: Path):
    # 240 fps captured, stored to play at 30 fps: 8x slower than real time.
    # 160 frames play for 5.33 s but were captured in 0.67 s ... too short, so use 640.
    times = np.arange(640) / 30.0
    clip = timed_clip(tmp_path / "slowmo.mp4", times)
    info = probe_video(clip, slowmo_factor=8)
    assert info.capture_fps == pytest.approx(240.0, rel=1e-4)
    assert info.duration_s == pytest.approx(640 / 240, rel=1e-4)
    got = np.array([f.time_s for f in iter_frames(info)])
    np.testing.assert_allclose(got, times / 8, atol=1e-5)


def test_slowmo_clip_too_short_in_capture_time(tmp_path: Path):
    clip = timed_clip(tmp_path / "slowmo.mp4", np.arange(90) / 30.0)  # 3 s playback
    with pytest.raises(UnsuitableVideo, match=r"0\.4 s of capture time"):
        probe_video(clip, slowmo_factor=8)


def test_frames_stream_one_at_a_time(tmp_path: Path):
    info = probe_video(pattern_clip(tmp_path / "c.mp4", duration_s=2.5))
    frames = iter_frames(info)
    first = next(frames)
    assert first.index == 0 and first.time_s == 0.0
    frames.close()  # a generator: the container is closed without decoding the rest


# ------------------------------------------------------------------------------ errors
def test_missing_file(tmp_path: Path):
    with pytest.raises(NotAFile, match="no such file"):
        probe_video(tmp_path / "nope.mp4")


def test_directory_is_not_a_file(tmp_path: Path):
    with pytest.raises(NotAFile, match="not a file"):
        probe_video(tmp_path)


def test_zero_byte_file(tmp_path: Path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(UnreadableVideo, match="empty"):
        probe_video(path)


def test_random_bytes_named_mp4(tmp_path: Path):
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(0).bytes(50_000))
    with pytest.raises(UnreadableVideo, match="not a readable video"):
        probe_video(path)


def test_text_file_named_mov(tmp_path: Path):
    path = tmp_path / "notes.mov"
    path.write_text("my run on tuesday\n" * 100)
    with pytest.raises(UnreadableVideo):
        probe_video(path)


def test_audio_only_file(tmp_path: Path):
    with pytest.raises(NoVideoStream, match=r"no video stream.*audio"):
        probe_video(audio_only(tmp_path / "voice.mp4"))


def test_single_frame_video(tmp_path: Path):
    clip = pattern_clip(tmp_path / "one.mp4", duration_s=1 / 30)
    with pytest.raises(UnsuitableVideo, match="1 frame;"):
        probe_video(clip)


def test_half_second_video(tmp_path: Path):
    clip = pattern_clip(tmp_path / "short.mp4", duration_s=0.5)
    with pytest.raises(UnsuitableVideo, match=r"lasts 0\.5 s.*at least 1\.2 s"):
        probe_video(clip)


def test_too_small_video(tmp_path: Path):
    clip = pattern_clip(tmp_path / "tiny.mp4", size=(64, 64), duration_s=2.5)
    with pytest.raises(UnsuitableVideo, match="64x64 px is too small"):
        probe_video(clip)


def test_too_long_video(tmp_path: Path):
    clip = pattern_clip(tmp_path / "long.mp4", duration_s=3.0)
    with pytest.raises(UnsuitableVideo, match=r"limit is 2\.5 s"):
        probe_video(clip, limits=VideoLimits(max_duration_s=2.5))


def test_truncated_video_keeps_the_frames_before_the_cut(tmp_path: Path):
    clip = pattern_clip(tmp_path / "full.mp4", duration_s=4.0)
    data = clip.read_bytes()
    # Written by an encoder that puts the index (moov) first, a truncated file still opens.
    faststart = tmp_path / "fs.mp4"
    from tests.clipmaker import ffmpeg

    ffmpeg("-i", str(clip), "-c", "copy", "-movflags", "+faststart", str(faststart))
    data = faststart.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    try:
        info = probe_video(cut)
    except UnreadableVideo:
        return  # also acceptable: a clear error rather than a traceback
    frames = list(iter_frames(info))
    assert 0 < len(frames) <= info.n_frames


# ----------------------------------------------------------------------- real phone clip
@pytest.mark.shared
def test_real_portrait_phone_clip():
    info = probe_video(shared_clip("zzzhushi_male_side_treadmill.mp4"))
    assert (info.width_px, info.height_px) == (720, 1280)
    assert info.n_frames == 360
    assert info.capture_fps == pytest.approx(30.0, abs=0.01)
    assert not info.vfr


def test_too_large_file_is_refused_before_decoding(tmp_path: Path):
    clip = pattern_clip(tmp_path / "big.mp4", duration_s=2.5)
    size_mb = clip.stat().st_size / 1e6
    with pytest.raises(UnsuitableVideo, match=r"the limit is .* MB"):
        probe_video(clip, limits=VideoLimits(max_file_mb=size_mb / 2))


def test_still_image_is_not_a_clip(tmp_path: Path):
    from tests.clipmaker import ffmpeg

    still = tmp_path / "photo.png"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", str(still))
    renamed = tmp_path / "photo.mp4"
    renamed.write_bytes(still.read_bytes())
    for path in (still, renamed):
        with pytest.raises((UnsuitableVideo, UnreadableVideo), match=r"1 frame|not a readable"):
            probe_video(path)


@pytest.mark.parametrize("rotation_deg", [-90, 450])
def test_unusual_rotation_values_are_normalised(tmp_path: Path, rotation_deg: int):
    clip = pattern_clip(
        tmp_path / "r.mp4", size=(320, 180), duration_s=2.2, rotation_deg=rotation_deg
    )
    info = probe_video(clip)
    assert info.rotation_deg in (0, 90, 180, 270)
    assert info.rotation_deg == rotation_deg % 360
    frame = next(iter_frames(info))
    assert frame.rgb.shape[:2] == (info.height_px, info.width_px)


# ------------------------------------------------------------- windows, scaling, prefetch
def test_time_window_yields_the_same_frames_as_a_full_pass(tmp_path: Path):
    info = probe_video(pattern_clip(tmp_path / "c.mp4", fps=25, duration_s=4.0))
    full = list(iter_frames(info))
    window = list(iter_frames(info, start_s=1.5, end_s=3.0))
    expected = [f for f in full if 1.5 <= f.time_s < 3.0]
    assert [f.time_s for f in window] == [f.time_s for f in expected]
    assert [f.index for f in window] == list(range(len(expected)))
    for got, want in zip(window, expected, strict=True):
        np.testing.assert_array_equal(got.rgb, want.rgb)


@pytest.mark.parametrize("size", [(320, 240), (480, 360), (160, 120)])
def test_size_averages_the_full_frame_down(tmp_path: Path, size):
    import cv2

    # Colours converted by FFmpeg exactly as the full-size frames the landmarker sees; then
    # scaled without aliasing: at half size and below, each pixel is a box average.
    info = probe_video(pattern_clip(tmp_path / "c.mp4", size=(640, 480), duration_s=2.1))
    full = next(iter_frames(info)).rgb
    small = next(iter_frames(info, size=size)).rgb
    assert small.shape == (size[1], size[0], 3) and small.flags["C_CONTIGUOUS"]
    area = cv2.resize(full, size, interpolation=cv2.INTER_AREA)
    assert np.abs(small.astype(int) - area).mean() < 1.5


def test_size_is_the_upright_size_of_a_rotated_clip(tmp_path: Path):
    clip = pattern_clip(tmp_path / "c.mp4", size=(320, 240), duration_s=2.1, rotation_deg=90)
    info = probe_video(clip)
    assert (info.width_px, info.height_px) == (240, 320)
    frame = next(iter_frames(info, size=(120, 160))).rgb
    assert frame.shape == (160, 120, 3)


def test_frames_with_padded_rows_are_contiguous(tmp_path: Path):
    # 1080 px wide RGB rows are 3240 bytes; FFmpeg pads them to 3264. MediaPipe ignores
    # strides, so a padded view reached it as a garbage image (no pose in a 1080p portrait).
    info = probe_video(pattern_clip(tmp_path / "c.mp4", size=(1080, 240), duration_s=2.1))
    frame = next(iter_frames(info))
    assert frame.rgb.shape == (240, 1080, 3) and frame.rgb.flags["C_CONTIGUOUS"]


def test_prefetch_yields_the_same_frames_in_order(tmp_path: Path):
    info = probe_video(pattern_clip(tmp_path / "c.mp4", duration_s=2.5))
    direct = list(iter_frames(info))
    ahead = list(prefetch(iter_frames(info), depth=2))
    assert [f.time_s for f in ahead] == [f.time_s for f in direct]
    for a, b in zip(ahead, direct, strict=True):
        np.testing.assert_array_equal(a.rgb, b.rgb)


def test_prefetch_reraises_the_producers_error_after_its_items():
    def broken():
        yield 1
        yield 2
        raise UnreadableVideo("cut")

    got = []
    with pytest.raises(UnreadableVideo, match="cut"):
        for item in prefetch(broken(), depth=1):
            got.append(item)
    assert got == [1, 2]


def test_prefetch_stops_its_thread_when_the_consumer_stops_early(tmp_path: Path):
    info = probe_video(pattern_clip(tmp_path / "c.mp4", duration_s=3.0))
    frames = prefetch(iter_frames(info), depth=2)
    next(frames)
    frames.close()
    assert not [t for t in threading.enumerate() if t.name == "gaitlab-decode"]


def test_prefetch_depth_must_be_positive():
    with pytest.raises(ValueError, match="depth"):
        next(prefetch([1], depth=0))


def test_one_decoder_thread_gives_the_same_frames(tmp_path: Path):
    # Batch workers decode with one thread; H.264 decoding is exact, so the pixels (and so
    # the landmarks) must not depend on the thread count.
    info = probe_video(pattern_clip(tmp_path / "c.mp4", size=(640, 480), duration_s=2.5))
    default = list(iter_frames(info))
    single = list(iter_frames(info, threads=1))
    assert [f.time_s for f in single] == [f.time_s for f in default]
    for a, b in zip(single, default, strict=True):
        np.testing.assert_array_equal(a.rgb, b.rgb)


# ------------------------------------------------------------------ jumps in the timestamps
def test_continuous_parts_split_at_jumps_longer_than_half_a_second_and_ten_frames():
    # 10 Hz: a 0.9 s pause is 9 intervals (not a cut), a 1.1 s pause 11 (a cut).
    t = np.array([0.0, 0.1, 0.2, 1.1, 1.2, 2.3, 2.4])
    assert continuous_parts(t) == [(0, 5), (5, 7)]
    # 100 Hz: a 0.2 s pause is 20 intervals, but under half a second: not a cut.
    t = np.concatenate([np.arange(50) / 100, 0.69 + np.arange(50) / 100])
    assert continuous_parts(t) == [(0, 100)]
    assert continuous_parts(np.array([0.0])) == [(0, 1)]


def test_a_jump_in_the_timestamps_is_a_cut_and_the_longest_part_is_analysed(tmp_path: Path):
    # 1 s, then 2.5 s starting an hour later, then 0.5 s a further 100 s on (30 fps).
    times = [*(i / 30 for i in range(30)), *(3600 + i / 30 for i in range(75)),
             *(3700 + i / 30 for i in range(15))]  # fmt: skip
    info = probe_video(timed_clip(tmp_path / "g.mp4", times))
    assert info.n_frames == 75
    assert info.duration_s == pytest.approx(2.5, abs=1e-3)
    assert info.part_start_s == pytest.approx(3600.0, abs=1e-4)
    assert info.part_end_s == pytest.approx((3600 + 74 / 30 + 3700) / 2, abs=1e-4)
    assert info.gaps_s == (
        (pytest.approx(29 / 30, abs=1e-4), pytest.approx(3600.0, abs=1e-4)),
        (pytest.approx(3600 + 74 / 30, abs=1e-4), pytest.approx(3700.0, abs=1e-4)),
    )
    assert "jump 2 times (by 60.0 min at 1.0 s, by 97.5 s at 3602.5 s" in info.cut_note
    assert "2.5 s from 3600.0 s of the file (75 frames" in info.cut_note
    assert info.cut_note.endswith("left out 45 frames in 2 other parts")
    # Frames come from the part only, with times from its start; frame k of the part is the
    # file's frame 30 + k, whose grey level is 7 * (30 + k) mod 256.
    frames = list(iter_frames(info))
    assert len(frames) == 75
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(75) / 30, atol=1e-4)
    for f in (frames[0], frames[40], frames[-1]):
        assert f.rgb.mean() == pytest.approx(7 * (30 + f.index) % 256, abs=4)
    assert read_frame(info, 40 / 30).mean() == pytest.approx(7 * 70 % 256, abs=4)
    assert keyframe_times_s(info)[0] == 0.0


def test_a_part_too_short_after_the_cut_is_unsuitable(tmp_path: Path):
    times = [*(i / 30 for i in range(30)), *(600 + i / 30 for i in range(30))]  # 1.0 s each
    with pytest.raises(UnsuitableVideo, match="its longest part without a jump in time lasts"):
        probe_video(timed_clip(tmp_path / "g.mp4", times))


def test_capture_fps_tag_reads_a_phones_capture_rate():
    assert capture_fps_tag({"major_brand": "isom"}, {"com.android.capture.fps": "240.000000"}) == (
        240.0,
        "com.android.capture.fps",
    )
    assert capture_fps_tag({"com.android.capture.fps": "n/a"}) == (None, "")
    assert capture_fps_tag({}, {}) == (None, "")
