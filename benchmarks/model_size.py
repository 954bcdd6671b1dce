"""Does scaling large frames down for the pose model cost accuracy? Measured on exact truth.

Usage::

    python benchmarks/model_size.py [--size 1920x1080] [--sides full,960,480] [--json out.json]

Renders (once, cached like ``benchmarks/accuracy.py``) the quick set of synthetic clips at
``--size`` and analyses each with the pose model given its frames at each ``--sides`` limit
(``PoseSettings.max_side_px``; ``full`` = the clip's own size). Printed per limit:

- landmark error: the median distance, over frames, between each MediaPipe landmark (in clip
  pixels) and the true joint point the renderer projected, for shoulders, hips, knees,
  ankles, heels and toes, averaged over landmarks and clips;
- per metric, the per-stride median absolute error against truth (as in ``accuracy.py``),
  averaged over the clips that measure it, and its change from the first limit;
- events within one frame, and the issue-4 targets that fail (none expected).

A limit that does not change accuracy shows landmark errors and metric errors within the
differences that sub-pixel noise makes (see ``benchmarks/segments.py``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing
sys.path.insert(0, str(REPO / "benchmarks"))

import accuracy  # noqa: E402

from gaitlab.landmarks import INDEX  # noqa: E402
from gaitlab.pipeline import AnalysisRequest  # noqa: E402
from gaitlab.pose.extract import extract_pose, parse_max_side  # noqa: E402

POINTS = tuple(
    f"{side}_{joint}"
    for joint in ("shoulder", "hip", "knee", "ankle", "heel", "foot_index")
    for side in ("left", "right")
)


def landmark_error_px(video: Path, truth: dict, request: AnalysisRequest, work: Path) -> float:
    """Mean over :data:`POINTS` of the median pixel distance to the true joint point."""
    series = extract_pose(video, settings=request.pose, cache_dir=work / "pose")
    t_true = np.asarray(truth["frames"]["time_s"])
    idx = np.clip(np.searchsorted(t_true, series.time_s - 1e-6), 0, len(t_true) - 1)
    errors = []
    for name in POINTS:
        true_xy = np.asarray(truth["frames"]["points"][name]["xy_px"])[idx]
        errors.append(np.nanmedian(np.linalg.norm(series.xy_px[:, INDEX[name]] - true_xy, axis=1)))
    return float(np.mean(errors))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="1920x1080", help="render the clips at WxH pixels")
    ap.add_argument("--sides", default="full,960", help="max_side_px values to compare")
    ap.add_argument("--work", type=Path, default=accuracy.DEFAULT_WORK, help="render/pose cache")
    ap.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = ap.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    cases = [replace(c, width=width, height=height) for c in accuracy.clip_set(quick=True)]
    out: dict[str, dict] = {}
    for text in args.sides.split(","):
        base = AnalysisRequest()
        request = replace(base, pose=replace(base.pose, max_side_px=parse_max_side(text)))
        results, lm_errors = [], []
        for case in cases:
            res = accuracy.run_case(case, args.work, request)
            video, truth_path = accuracy.render_cached(case, args.work)
            truth = json.loads(truth_path.read_text())
            lm_errors.append(landmark_error_px(video, truth, request, args.work))
            results.append(res)
            print(f"  {text}: {case.label}", file=sys.stderr)
        per_metric: dict[str, list[float]] = {}
        for res in results:
            for metric, err in res.metrics.items():
                per_metric.setdefault(metric, []).append(err.med_abs)
        report = accuracy.report(results, accuracy.deviation_checks(results), [], True)
        failed = [line.split("|")[1].strip() for line in report.splitlines() if "**MISS**" in line]
        out[text] = {
            "landmark_error_px": lm_errors,
            "metric_med_abs": {m: statistics.mean(v) for m, v in per_metric.items()},
            "events_within": sum(r.events_within_1_frame for r in results),
            "events_total": sum(r.events_total for r in results),
            "targets_failed": failed,
        }
    first = next(iter(out))
    print(f"\nClips: quick set at {width}x{height}; limits: {', '.join(out)}.\n")
    print("| figure | " + " | ".join(out) + " |")
    print("|---|" + "---:|" * len(out))
    print(
        "| landmark error, px (mean of medians) | "
        + " | ".join(f"{statistics.mean(v['landmark_error_px']):.2f}" for v in out.values())
        + " |"
    )
    print(
        "| events within 1 frame | "
        + " | ".join(f"{v['events_within']}/{v['events_total']}" for v in out.values())
        + " |"
    )
    for metric in out[first]["metric_med_abs"]:
        cells = []
        for v in out.values():
            value = v["metric_med_abs"][metric]
            delta = value - out[first]["metric_med_abs"][metric]
            cells.append(f"{value:.3f}" + ("" if v is out[first] else f" ({delta:+.3f})"))
        print(f"| {metric} med abs error | " + " | ".join(cells) + " |")
    print(
        "| targets failed | "
        + " | ".join(", ".join(v["targets_failed"]) or "none" for v in out.values())
        + " |"
    )
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
