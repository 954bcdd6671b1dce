"""Segment-parallel pose (``workers=2``) against one pass, and how much metrics move anyway.

Usage::

    python benchmarks/segments.py [--clips a.mp4,b.mp4] [--overlaps 1,2] [--noise-px 0.4]

Three measurements, per clip, in one run (pose results cached in ``--cache``, default
``~/.cache/gaitlab/bench-segments``, so a re-run after a kinematics change costs seconds):

1. **Landmarks across the boundary.** A second landmarker started at ``--start-s`` into the
   clip is compared frame by frame with the single pass: median over landmarks of the
   distance (px), by time since it started. If the stitching were wrong (a frame dropped,
   shifted, or the wrong side's landmarks), the difference would not settle; if the warm-up
   were too short, it would still be settling at the stitch point (``overlap``).
2. **Clip medians**, ``workers=2`` (each overlap) minus ``workers=1``, every metric.
3. **Sensitivity** of the same medians to Gaussian noise of ``--noise-px`` added to the
   single pass's image landmarks (4 seeds, largest change): the change a segmented run can
   be expected to cause when its landmarks differ from the single pass by about that much.

Clips default to the five ``sample_videos/synth_*.mp4`` and the real side-view treadmill
clip from ``../shared/clips`` (skipped when absent).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from gaitlab.io.video import probe_video  # noqa: E402
from gaitlab.pipeline import AnalysisRequest, analyze_series  # noqa: E402
from gaitlab.pose.backend import MediaPipeBackend  # noqa: E402
from gaitlab.pose.extract import PoseRun, extract_pose  # noqa: E402
from gaitlab.pose.models import resolve_model  # noqa: E402
from gaitlab.pose.passes import run_segment  # noqa: E402
from gaitlab.pose.segments import Segment  # noqa: E402
from gaitlab.series import PoseSeries  # noqa: E402

REAL_CLIP = REPO.parent / "shared" / "clips" / "zzzhushi_male_side_treadmill.mp4"
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gaitlab"
DEFAULT_CACHE = DEFAULT_CACHE / "bench-segments"
WINDOWS_S = ((0.0, 0.25), (0.25, 0.5), (0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 99.0))


def default_clips() -> list[Path]:
    clips = sorted((REPO / "sample_videos").glob("synth_*.mp4"))
    return [*clips, REAL_CLIP] if REAL_CLIP.exists() else clips


def landmarks_from(path: Path, start_s: float, request: AnalysisRequest) -> tuple:
    """Frame times and image landmarks of one landmarker started at ``start_s``."""
    info = probe_video(path)
    backend = MediaPipeBackend(resolve_model(request.pose.model), request.pose.mediapipe)
    try:
        rows = run_segment(
            backend,
            info,
            Segment(start_s, start_s, None),
            with_masks=False,
            with_waistband=False,
        )
    finally:
        backend.close()
    xy = [np.full((33, 2), np.nan) if v is None else v for v in rows.xy_px]
    return np.asarray(rows.time_s), np.asarray(xy)


def boundary_table(path: Path, start_s: float, request: AnalysisRequest) -> list[str]:
    t1, xy1 = landmarks_from(path, 0.0, request)
    t2, xy2 = landmarks_from(path, start_s, request)
    i0 = int(np.searchsorted(t1, t2[0] - 1e-9))
    ref = xy1[i0 : i0 + len(t2)]
    dist = np.nanmedian(np.linalg.norm(ref - xy2, axis=-1), axis=1)
    height = float(np.nanpercentile(xy1[..., 1], 99) - np.nanpercentile(xy1[..., 1], 1))
    lines = [f"  second landmarker from {start_s:g} s (runner ~{height:.0f} px tall):"]
    for lo, hi in WINDOWS_S:
        sel = (t2 - t2[0] >= lo) & (t2 - t2[0] < hi) & np.isfinite(dist)
        if sel.any():
            lines.append(
                f"    {lo:4.2f}-{min(hi, t2[-1] - t2[0]):4.2f} s after its start: median "
                f"{np.median(dist[sel]):5.2f} px, p90 {np.percentile(dist[sel], 90):5.2f} px"
            )
    return lines


def medians(series: PoseSeries, request: AnalysisRequest) -> dict[str, float]:
    metrics = analyze_series(series, request).kinematics.metrics
    return {k: float("nan") if m.median is None else float(m.median) for k, m in metrics.items()}


def worst(a: dict[str, float], b: dict[str, float], n: int = 4) -> str:
    diffs = {k: b[k] - a[k] for k in a if np.isfinite(a[k]) and np.isfinite(b.get(k, np.nan))}
    top = sorted(diffs.items(), key=lambda kv: -abs(kv[1]))[:n]
    return ", ".join(f"{k} {v:+.2f}" for k, v in top)


def tolerances(base: dict[str, float], fps: float) -> dict[str, float]:
    """How far each clip median may move and still count as unchanged, in its own unit.

    Angles: 0.5 deg (the project's rule for a speed-up that costs no accuracy). Event timing:
    one frame's worth, i.e. one frame for times, one frame of a stride for the duty factor,
    and the cadence change of a stride one frame longer. Lengths in % of leg or trunk: 0.5
    points (no stated rule; about 1 px for a 320 px tall runner).
    """
    frame_s = 1.0 / fps
    stride_s = 120.0 / base["cadence_spm"] if base.get("cadence_spm", 0) > 0 else np.nan
    out = {}
    for k, v in base.items():
        if k.endswith("_deg"):
            out[k] = 0.5
        elif k.endswith("_s"):
            out[k] = frame_s
        elif k == "duty_factor_pct":
            out[k] = 100.0 * frame_s / stride_s
        elif k == "cadence_spm":
            out[k] = v * frame_s / stride_s
        else:
            out[k] = 0.5
    return out


def beyond(diffs: dict[str, float], tol: dict[str, float]) -> str:
    """Metrics whose change exceeds its tolerance, largest (relative) first; "none" if none."""
    over = {k: v for k, v in diffs.items() if abs(v) > tol[k]}
    keys = sorted(over, key=lambda k: -abs(over[k]) / tol[k])
    return ", ".join(f"{k} {over[k]:+.3g} (tol {tol[k]:.2g})" for k in keys) or "none"


def changes(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    return {k: b[k] - a[k] for k in a if np.isfinite(a[k]) and np.isfinite(b.get(k, np.nan))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", help="comma-separated clips (default: samples + real side clip)")
    ap.add_argument("--overlaps", default="1,2", help="warm-up overlaps to try (s)")
    ap.add_argument("--start-s", type=float, default=3.0, help="second landmarker's start")
    ap.add_argument("--noise-px", type=float, default=0.4, help="landmark noise (px)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="pose cache folder")
    ap.add_argument("--no-boundary", action="store_true", help="skip measurement 1")
    args = ap.parse_args()
    clips = [Path(c) for c in args.clips.split(",")] if args.clips else default_clips()
    request = AnalysisRequest()
    for clip in clips:
        print(f"== {clip.name}")
        if not args.no_boundary:
            for line in boundary_table(clip, args.start_s, request):
                print(line, flush=True)
        one = extract_pose(clip, settings=request.pose, cache_dir=args.cache)
        base = medians(one, request)
        tol = tolerances(base, one.video.capture_fps)
        for overlap in (float(x) for x in args.overlaps.split(",")):
            two = extract_pose(
                clip,
                settings=request.pose,
                cache_dir=args.cache,
                run=PoseRun(workers=2, overlap_s=overlap),
            )
            moved = medians(two, request)
            print(f"  workers=2, overlap {overlap:g} s, largest changes: {worst(base, moved)}")
            print(f"    beyond tolerance: {beyond(changes(base, moved), tol)}", flush=True)
        largest: dict[str, float] = {}
        for seed in range(4):
            noise = np.random.default_rng(seed).normal(0.0, args.noise_px, one.xy_px.shape)
            moved = medians(dataclasses.replace(one, xy_px=one.xy_px + noise), request)
            for k, v in changes(base, moved).items():
                largest[k] = max(largest.get(k, 0.0), abs(v))
        top = sorted(largest.items(), key=lambda kv: -kv[1])[:4]
        print(
            f"  one pass + {args.noise_px:g} px noise (4 seeds), largest changes: "
            + ", ".join(f"{k} {v:.2f}" for k, v in top)
            + f"\n    beyond tolerance (any seed): {beyond(largest, tol)}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
