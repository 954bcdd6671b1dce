"""Shared fixtures: paths to the repository, the real clips in ../shared, and the pose model."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CLIPS = SHARED / "clips"
MODEL = REPO / "models" / "pose_landmarker_full.task"


def shared_clip(name: str) -> Path:
    """Path of a real clip in ../shared/clips; skips the test when the folder is absent."""
    path = CLIPS / name
    if not path.exists():
        pytest.skip(f"real test clip not available: {path} (../shared is absent)")
    return path


@pytest.fixture(scope="session")
def shared_pose_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pose cache for the whole test run, never the user's.

    Tests that analyse the same clip with the same pose settings (the sample clips, the real
    clips) then run inference on it once per run instead of once per module; the cache is
    keyed by clip content, model and settings, so a hit gives exactly what inference would.
    Tests of inference or of the cache itself use their own ``cache_dir``.
    """
    return tmp_path_factory.mktemp("shared-pose-cache")


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """A private pose cache, so tests never read the user's cache."""
    return tmp_path / "cache"
