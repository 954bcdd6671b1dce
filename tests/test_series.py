"""PoseSeries: shape validation and lossless save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gaitlab.series import (
    CameraRoll,
    MaskCrops,
    ModelInfo,
    PoseSeries,
    SeriesFileError,
    VideoInfo,
    WaistbandSeries,
)


def make_series(n: int = 12, *, extras: bool = True) -> PoseSeries:
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 500, (n, 33, 2))
    xy[2] = np.nan
    video = VideoInfo("clip.mp4", "ab" * 32, 640, 480, 90, n, n / 30, 30.0, 30.0, 1.0, "h264",
                      "mp4", False)  # fmt: skip
    return PoseSeries(
        time_s=np.arange(n) / 30.0,
        xy_px=xy,
        depth_rel=rng.normal(size=(n, 33)),
        visibility=rng.uniform(size=(n, 33)),
        world_m=rng.normal(size=(n, 33, 3)),
        video=video,
        model=ModelInfo("full", "cd" * 32, settings={"slowmo_factor": 1.0}),
        masks=MaskCrops(
            origin_px=rng.uniform(size=(n, 2)),
            scale=rng.uniform(1, 2, n),
            prob=rng.integers(0, 256, (n, 8, 6), dtype=np.uint8),
        )
        if extras
        else None,
        waistband=WaistbandSeries(
            angle_deg=rng.normal(size=n),
            ok=rng.uniform(size=n) > 0.5,
            inlier_share=rng.uniform(size=n),
            contrast=rng.uniform(size=n),
        )
        if extras
        else None,
        camera_roll=CameraRoll(1.25, 0.3, 14, 8, 0.9) if extras else None,
    )


@pytest.mark.parametrize("extras", [True, False])
def test_save_load_round_trip(tmp_path: Path, extras: bool):
    series = make_series(extras=extras)
    loaded = PoseSeries.load(series.save(tmp_path / "s.npz"))
    assert loaded.video == series.video and loaded.model == series.model
    np.testing.assert_array_equal(loaded.time_s, series.time_s)
    np.testing.assert_allclose(loaded.xy_px, series.xy_px, rtol=1e-6)  # float32 on disk
    assert loaded.detected.tolist() == series.detected.tolist()
    if extras:
        np.testing.assert_array_equal(loaded.masks.prob, series.masks.prob)
        np.testing.assert_array_equal(loaded.waistband.ok, series.waistband.ok)
        np.testing.assert_allclose(loaded.waistband.angle_deg, series.waistband.angle_deg)
        assert loaded.camera_roll == series.camera_roll
    else:
        assert loaded.masks is None and loaded.waistband is None
        assert loaded.camera_roll is None


def test_an_unmeasured_roll_survives_the_round_trip(tmp_path: Path):
    none = CameraRoll(float("nan"), float("nan"), 2, 1, float("nan"), "too few lines")
    series = PoseSeries(**{**make_series(extras=False).__dict__, "camera_roll": none})
    loaded = PoseSeries.load(series.save(tmp_path / "s.npz")).camera_roll
    assert not loaded.found and loaded.reason == "too few lines" and loaded.n_lines == 2


def test_shapes_are_validated():
    good = make_series()
    with pytest.raises(ValueError, match=r"xy_px must have shape \(12, 33, 2\)"):
        PoseSeries(**{**good.__dict__, "xy_px": good.xy_px[:, :, :1]})
    with pytest.raises(ValueError, match="strictly increasing"):
        PoseSeries(**{**good.__dict__, "time_s": good.time_s[::-1].copy()})


@pytest.mark.parametrize("content", [b"", b"garbage" * 50, b"PK\x03\x04" + b"\0" * 100])
def test_corrupt_file_gives_a_clear_error(tmp_path: Path, content: bytes):
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(SeriesFileError, match="not a readable gaitlab pose series"):
        PoseSeries.load(path)


def test_missing_file(tmp_path: Path):
    with pytest.raises(SeriesFileError, match="no such pose series file"):
        PoseSeries.load(tmp_path / "none.npz")
