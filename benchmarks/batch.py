"""Throughput of ``gaitlab batch`` with 1 and 2 (or more) local workers, measured in one run.

Usage::

    python benchmarks/batch.py [--clips 8] [--seconds 4] [--jobs 1,2] [--source DIR ...]
                               [--compare-prefetch] [--repeat N]

Makes ``--clips`` distinct clips of ``--seconds`` each by cutting the project's synthetic sample
clips (``sample_videos/synth_*.mp4``; add real ones with ``--source``) into consecutive pieces,
then scores the same set once per worker count, each time into a fresh output folder with an
empty pose cache, so every run does full inference. Wall time runs from the first dispatch to
the last result and includes starting the worker processes. Prints clips/min, frames/s and the
speed-up over one worker (target on 2 cores: >= 1.7x). ``--compare-prefetch`` also runs each
worker count with the workers' decode-ahead thread switched the other way
(:data:`gaitlab.batch.task.WORKER_PREFETCH`), interleaved, so both settings see the same load.
``--repeat N`` runs the whole comparison N times, interleaved (1, 2, 1, 2, ...), and also
prints the median speed-up: on this shared 2-core machine single runs of the same code gave
1.58x to 1.94x.

The machine should be otherwise idle: the load average before each run is printed, and a busy
machine makes the speed-up meaningless.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from gaitlab.batch.executors import default_jobs  # noqa: E402
from gaitlab.batch.orchestrate import BatchSettings, run_batch  # noqa: E402
from gaitlab.batch.task import WORKER_PREFETCH, score_clip  # noqa: E402


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def clip_duration_s(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        return float(container.duration or 0) / 1e6


def make_clips(sources: list[Path], n_clips: int, seconds: float, folder: Path) -> list[Path]:
    """Cut ``n_clips`` pieces of ``seconds`` from the sources, round-robin, re-encoded alike."""
    pieces = []
    for src in sources:
        n_pieces = int(clip_duration_s(src) // seconds)
        pieces.extend((src, i * seconds) for i in range(n_pieces))
    # Interleave sources so that a small --clips still mixes them.
    pieces.sort(key=lambda p: (p[1], str(p[0])))
    if len(pieces) < n_clips:
        raise SystemExit(f"only {len(pieces)} pieces of {seconds} s in {sources}; lower --clips")
    clips = []
    for i, (src, start) in enumerate(pieces[:n_clips]):
        out = folder / f"{i:02d}_{src.stem}_{start:g}s.mp4"
        subprocess.run(
            [
                ffmpeg_exe(), "-v", "error", "-y", "-ss", f"{start}", "-i", str(src),
                "-t", f"{seconds}", "-an", "-c:v", "libx264", "-preset", "veryfast",
                "-crf", "20", "-pix_fmt", "yuv420p", str(out),
            ],
            check=True,
        )  # fmt: skip
        clips.append(out)
    return clips


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=8, help="clips in the batch (default 8)")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of each clip")
    parser.add_argument("--jobs", default="1,2", help="worker counts to compare (default 1,2)")
    parser.add_argument(
        "--compare-prefetch",
        action="store_true",
        help="also run every worker count with the decode-ahead thread switched the other way",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="interleaved repetitions (median speed-up)"
    )
    parser.add_argument(
        "--source",
        type=Path,
        nargs="*",
        default=sorted((REPO / "sample_videos").glob("synth_*.mp4")),
        help="clips to cut the pieces from (default: sample_videos/synth_*.mp4)",
    )
    args = parser.parse_args()
    jobs_list = [int(j) for j in args.jobs.split(",")]
    if not args.source:
        raise SystemExit("no source clips: render sample_videos/ or pass --source")

    with tempfile.TemporaryDirectory(prefix="gaitlab-batch-bench-") as tmp:
        base = Path(tmp)
        (base / "clips").mkdir()
        clips = make_clips(list(args.source), args.clips, args.seconds, base / "clips")
        print(
            f"gaitlab batch benchmark: {len(clips)} clips of {args.seconds:g} s cut from "
            f"{len(args.source)} source clip(s); {default_jobs()} CPUs available",
            flush=True,
        )
        prefetch_modes = [WORKER_PREFETCH]
        if args.compare_prefetch:
            prefetch_modes.append(not WORKER_PREFETCH)
        results = []
        for rep in range(args.repeat):
            for jobs in jobs_list:
                for prefetch in prefetch_modes:
                    load = os.getloadavg()[0]
                    name = f"{rep}_{jobs}_{'prefetch' if prefetch else 'inline'}"
                    report = run_batch(
                        [base / "clips"],
                        BatchSettings(
                            out_dir=base / f"out_{name}",
                            jobs=jobs,
                            cache_dir=base / f"cache_{name}",
                        ),
                        scorer=functools.partial(score_clip, prefetch=prefetch),
                    )
                    if report.n_ok != len(clips):
                        bad = [r for r in report.rows if r["status"] != "ok"]
                        raise SystemExit(f"{len(bad)} clips failed: {bad[0]['error']}")
                    results.append((rep, jobs, prefetch, load, report))
                    print(
                        f"  {jobs} worker(s), prefetch {prefetch}: {report.wall_s:.1f} s "
                        f"(load average before: {load:.2f})",
                        flush=True,
                    )

    frames = results[0][4].frames_scored
    print(f"\n{len(clips)} clips, {frames} frames in total (pose inference for every frame)\n")
    print(
        f"{'run':>3}  {'workers':>7}  {'prefetch':>8}  {'wall s':>7}  {'clips/min':>9}  "
        f"{'frames/s':>8}  {'speed-up':>8}"
    )
    speedups: dict[tuple[int, bool], list[float]] = {}
    for rep, jobs, prefetch, _, report in results:
        # Speed-up over the first worker count with the same prefetch setting, same repetition.
        base_rate = next(
            r.frames_per_s
            for k, j, p, _, r in results
            if k == rep and j == jobs_list[0] and p == prefetch
        )
        speedup = report.frames_per_s / base_rate
        speedups.setdefault((jobs, prefetch), []).append(speedup)
        print(
            f"{rep + 1:>3}  {jobs:>7}  {prefetch!s:>8}  {report.wall_s:>7.1f}  "
            f"{report.clips_per_min:>9.1f}  {report.frames_per_s:>8.1f}  {speedup:>7.2f}x"
        )
    if args.repeat > 1:
        print()
        for (jobs, prefetch), values in speedups.items():
            if jobs == jobs_list[0]:
                continue
            runs = ", ".join(f"{v:.2f}x" for v in values)
            print(
                f"{jobs} workers, prefetch {prefetch}: median speed-up "
                f"{statistics.median(values):.2f}x over {len(values)} runs ({runs})"
            )
    return 0


# The guard matters: local workers are started with "spawn", which re-imports this module.
if __name__ == "__main__":
    sys.exit(main())
