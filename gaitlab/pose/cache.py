"""The on-disk cache of pose series, keyed by clip, model and every setting that matters.

Inference is the expensive step, so a series is cached under a key made of the clip's
content hash, the model's hash and every setting that changes the output: re-analysing a
clip (new thresholds, a new report) skips inference.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

import platformdirs

from gaitlab.imaging.waistband import WAISTBAND_METHOD
from gaitlab.pose.segments import Segment
from gaitlab.pose.settings import PoseSettings
from gaitlab.series import PoseSeries, VideoInfo

#: The series' per-frame arrays (what a cache hit copies into the returned series).
ARRAY_FIELDS = ("time_s", "xy_px", "depth_rel", "visibility", "world_m")


def default_cache_dir() -> Path:
    """Where pose series are cached: ``$GAITLAB_CACHE_DIR`` or the user cache folder."""
    env = os.environ.get("GAITLAB_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("gaitlab")) / "pose"


def purge_cache(clip_sha256s: Iterable[str], cache_dir: str | Path | None = None) -> list[Path]:
    """Delete the cached pose series of the given clips (every model and setting).

    Parameters
    ----------
    clip_sha256s
        Content hashes of the clips whose landmarks must go (e.g. a deleted runner's).
    cache_dir
        The cache folder; default :func:`default_cache_dir`.

    Returns
    -------
    list of Path
        The files deleted.
    """
    wanted = set(clip_sha256s)
    folder = Path(cache_dir or default_cache_dir())
    if not wanted or not folder.is_dir():
        return []
    removed = []
    for f in sorted(folder.glob("*.npz")):
        if PoseSeries.clip_sha256(f) in wanted:
            f.unlink(missing_ok=True)
            removed.append(f)
    return removed


def cache_key(
    video_sha256: str,
    model_sha256: str,
    settings: PoseSettings,
    segments: tuple[Segment, ...] = (),
    model_size: tuple[int, int] | None = None,
) -> str:
    """Stable key of one clip + model + settings (+ segment layout) combination.

    A segmented run's landmarks differ slightly from a single pass after each segment
    boundary (the tracker restarts), so its layout is part of the key. ``model_size`` is the
    ``(width, height)`` the frames were scaled to for the model, None when they were given
    at the clip's own size: the size, not ``settings.max_side_px``, changes the output, so a
    clip no larger than the limit keeps its key whatever the limit. A single pass at full
    size keeps the key it always had, so existing cache entries stay valid.
    """
    # v2: the runner is chosen among several people when the one-person pass looks wrong.
    content = {"video": video_sha256, "model": model_sha256, "settings": asdict(settings), "v": 2}
    if settings.waistband:
        content["waistband_method"] = WAISTBAND_METHOD  # a new edge method re-measures
    del content["settings"]["max_side_px"]
    if settings.zoom_below_share is None:
        # Without the zoom the landmarks are the ones cached before it existed: same key.
        del content["settings"]["zoom_below_share"]
    if len(segments) > 1:
        content["segments"] = [asdict(seg) for seg in segments]
    if model_size is not None:
        content["model_size"] = list(model_size)
    payload = json.dumps(content, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def load_cached(cache_file: Path, path: str | Path) -> PoseSeries | None:
    """The series cached in ``cache_file``, reported under the clip path the user gave.

    None when there is no entry or it cannot be read (a bad cache entry is just a miss).
    """
    if not cache_file.exists():
        return None
    try:
        cached = PoseSeries.load(cache_file)
    except Exception:  # a bad cache entry is just a miss
        return None
    # Same bytes, new name or place: report the path the user gave.
    return PoseSeries(
        **{f: getattr(cached, f) for f in ARRAY_FIELDS},
        video=VideoInfo(**{**cached.video.to_dict(), "path": str(path)}),
        model=cached.model,
        masks=cached.masks,
        waistband=cached.waistband,
        people=cached.people,
    )
