"""Single-clip throughput against the pose model's own speed, measured in one run.

Usage::

    python benchmarks/pipeline.py [--repeat 3] [--clips synth,720p,1080p] [--no-memory]
                                  [--write out.md] [--json out.json]

For each clip, in one run and interleaved repetition by repetition (so that load from other
jobs hits every configuration alike), each in a fresh process (so that peak memory is its
own):

``raw``          PoseLandmarker alone on pre-decoded frames (the analysis' settings: VIDEO
                 mode, segmentation masks on), one landmarker: the floor everything is
                 compared with. At most ``--raw-frames`` frames are pre-decoded.
``raw-model``    the same on frames pre-scaled to the size the pipeline gives the model
                 (``PoseSettings.max_side_px``, long side 960 px by default): the model's own
                 speed at that size, so ``pipe-1w / raw-model`` is the pipeline's overhead.
``decode``       decoding alone (:func:`gaitlab.io.video.iter_frames`, full size RGB).
``pipe-1w``      the analysis without rendering: probe + decode + pose (1 landmarker, decode
                 thread, mask crops, waistband) + kinematics + findings.
``pipe-2w``      the same with two landmarkers on time segments (``workers=2``).
``full-1w``,     ``pipe-1w`` / ``pipe-2w`` plus every output: annotated video, key frames,
``full-2w``      plots, exports, HTML and PDF (:func:`gaitlab.report.outputs.write_outputs`),
                 as ``gaitlab analyze`` and ``gaitlab analyze --workers 2`` write them: with
                 ``--workers 2`` the plots, exports and reports are written by a second
                 process while the video renders.
``full-2w-1p``   ``full-2w`` with every output written in turn in one process (as before).
``raw-1c``,      ``raw`` and ``pipe-1w`` pinned to one CPU core (``sched_setaffinity``): the
``pipe-1c``      decode thread then shares the landmarker's core.
``inline-1c``    ``pipe-1c`` with ``prefetch=False`` (decode, inference and the waistband in
                 turn in one thread, one FFmpeg thread), as a batch worker runs a clip.

Clips: ``synth`` = ``sample_videos/synth_side_normal.mp4`` (960x540, 60 fps, 8 s), ``720p`` =
``../shared/clips/zzzhushi_male_side_treadmill.mp4`` (720x1280 portrait phone clip, 30 fps,
12 s), ``1080p`` = the same upscaled to 1080x1920 and cut to 10 s, and (memory) ``1080p-60s``
= the same looped to 60 s. Derived clips are made with the ffmpeg of ``imageio-ffmpeg`` into
``--work`` (default ``~/.cache/gaitlab/bench-perf``), never into the repository.

Printed per clip: median fps over repetitions (wall clock) and its ratio to ``raw``'s; frames per
CPU-second (process CPU time of all threads: far less sensitive to other jobs on a shared
machine than wall time; its inverse is what one frame costs on an idle core) and its ratio to
``raw``'s; median peak resident memory (MB); and stage times of the ``pipe``/``full`` runs:
inference, cleaning, metrics + findings, rendering (wall time of the video and key-frame
pass), encoding (time in the encoder thread within it), plots + reports. Inference in
parallel runs adds both landmarkers' threads, so it can exceed the wall time; decoding runs in
its own thread inside ``pose_stage`` and is measured alone by ``decode``. The pose cache is
never used.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from provenance import run_label  # noqa: E402

SHARED_CLIP = REPO.parent / "shared" / "clips" / "zzzhushi_male_side_treadmill.mp4"
DEFAULT_WORK = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gaitlab"
DEFAULT_WORK = DEFAULT_WORK / "bench-perf"
CONFIGS = (
    "raw",
    "raw-model",
    "decode",
    "pipe-1w",
    "pipe-2w",
    "full-1w",
    "full-2w",
    "full-2w-1p",
    "raw-1c",
    "pipe-1c",
    "inline-1c",
)
TARGETS = (
    "pipeline without rendering >= 0.9x raw single-landmarker inference (pipe-1w / raw)",
    "one clip on 2 cores >= 1.6x the single-core pipeline (pipe-2w / pipe-1c)",
    "10 s 1080p 30 fps clip fully analysed (reports included) in < 10 s on 2 cores (full-2w)",
    "peak memory <= 600 MB for a 60 s 1080p clip (full-1w / full-2w on 1080p-60s)",
)


# --------------------------------------------------------------------------- clips
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def derived_clip(work: Path, name: str, args: list[str]) -> Path:
    """Make (once) a clip from the shared 720p phone clip with ffmpeg arguments ``args``."""
    out = work / f"{name}.mp4"
    if not out.exists():
        work.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".part.mp4")
        subprocess.run(
            [ffmpeg_exe(), "-v", "error", "-y", *args[:-1], "-i", str(SHARED_CLIP), args[-1],
             "scale=1080:1920", "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
             "-g", "30", "-pix_fmt", "yuv420p", str(tmp)],
            check=True,
        )  # fmt: skip
        tmp.replace(out)
    return out


def clip_paths(work: Path, names: list[str]) -> dict[str, Path]:
    """The benchmark clips, making derived ones when missing."""
    makers: dict[str, Callable[[], Path]] = {
        "synth": lambda: REPO / "sample_videos" / "synth_side_normal.mp4",
        "720p": lambda: SHARED_CLIP,
        # A 1 s key-frame interval (-g 30), as phones record: segments seek cheaply.
        "1080p": lambda: derived_clip(work, "p1080_10s", ["-t", "10", "-vf"]),
        "1080p-60s": lambda: derived_clip(
            work, "p1080_60s", ["-stream_loop", "5", "-t", "60", "-vf"]
        ),
    }
    out = {}
    for name in names:
        if name not in makers:
            raise SystemExit(f"unknown clip {name!r}; choose from {', '.join(makers)}")
        if name != "synth" and not SHARED_CLIP.exists():
            print(f"skipping {name}: {SHARED_CLIP} is absent", file=sys.stderr)
            continue
        out[name] = makers[name]()
    return out


# --------------------------------------------------------------------------- child runs
class TimedBackend:
    """Wraps a backend and adds the time spent in ``detect`` to a shared total."""

    def __init__(self, inner: Any, total: list[float]) -> None:
        self._inner, self._total = inner, total

    def detect(self, rgb: Any, time_ms: int) -> Any:
        t = time.perf_counter()
        try:
            return self._inner.detect(rgb, time_ms)
        finally:
            self._total[0] += time.perf_counter() - t

    def close(self) -> None:
        self._inner.close()


class PssPeak:
    """Peak of the summed proportional set size (Linux ``Pss``) of this process and its children.

    ``ru_maxrss`` counts a page in every process that maps it, so a forked second process
    would count the pages it shares with this one twice; PSS splits them, and the sum is the
    memory all processes hold together. Sampled every ``interval_s`` in a thread.
    """

    def __init__(self, interval_s: float = 0.2) -> None:
        self.peak_mb = 0.0
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _pss_mb(pid: int | str) -> float:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass  # the child has just exited
        return 0.0

    @staticmethod
    def _children() -> list[str]:
        me, out = str(os.getpid()), []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if stat.read_text().rsplit(")", 1)[1].split()[1] == me:
                    out.append(stat.parent.name)
            except (OSError, IndexError):
                continue
        return out

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            total = self._pss_mb("self") + sum(self._pss_mb(c) for c in self._children())
            self.peak_mb = max(self.peak_mb, total)

    def __enter__(self) -> PssPeak:
        if Path("/proc/self/smaps_rollup").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def run_child(config: str, clip: Path, raw_frames: int) -> dict[str, Any]:
    """Run one configuration on one clip in this process; return its measurements."""
    from gaitlab.io.video import iter_frames, probe_video
    from gaitlab.pipeline import AnalysisRequest, analyze_series
    from gaitlab.pose.backend import MediaPipeBackend
    from gaitlab.pose.extract import PoseRun, extract_pose, model_frame_size
    from gaitlab.pose.models import resolve_model

    if config.endswith("-1c"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    request = AnalysisRequest()
    info = probe_video(clip)
    stages: dict[str, float] = {}
    if config.startswith("raw"):
        frames = []
        size = model_frame_size(info, request.pose.max_side_px) if config == "raw-model" else None
        for frame in iter_frames(info, size=size):
            frames.append(frame)
            if len(frames) >= raw_frames:
                break
        backend = MediaPipeBackend(resolve_model(request.pose.model), request.pose.mediapipe)
        backend.detect(frames[0].rgb, 0)  # start-up outside the timing, as a long clip would
        t0, c0 = time.perf_counter(), time.process_time()
        for frame in frames[1:]:
            backend.detect(frame.rgb, round(frame.time_s * 1000))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        backend.close()
        n = len(frames) - 1
    elif config == "decode":
        t0, c0 = time.perf_counter(), time.process_time()
        n = sum(1 for _ in iter_frames(info))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    else:
        import mediapipe  # noqa: F401 - imported before timing, as for raw

        from gaitlab.kinematics.cleaning import clean_landmarks
        from gaitlab.kinematics.desmooth import tracker_smoothing

        workers = 2 if "-2w" in config else 1
        infer = [0.0]
        t0, c0 = time.perf_counter(), time.process_time()
        series = extract_pose(
            clip,
            settings=request.pose,
            use_cache=False,
            run=PoseRun(workers=workers, prefetch=not config.startswith("inline")),
            backend_factory=lambda m, s: TimedBackend(MediaPipeBackend(m, s), infer),
        )
        t1 = time.perf_counter()
        analysis = analyze_series(series, request)
        t2, c2 = time.perf_counter(), time.process_time()
        # Timed again on its own for the split, as a side view is cleaned (with the undo).
        undo = tracker_smoothing(series) if request.kinematics.undo_tracker_smoothing else None
        clean_landmarks(series, request.kinematics, smoothing=undo)
        stages["cleaning"] = time.perf_counter() - t2
        rerun_cpu = time.process_time() - c2
        stages.update(pose_stage=t1 - t0, inference=infer[0], analysis=t2 - t1)
        stages["metrics_findings"] = stages["analysis"] - stages["cleaning"]
        n = series.n_frames
        wall, cpu = t2 - t0, c2 - c0
        if config.startswith("full"):
            from gaitlab.report import outputs, render

            encode = [0.0]
            original_write = render.H264Writer.write

            def timed_write(self: Any, rgb: Any, time_s: float) -> None:
                t = time.perf_counter()
                original_write(self, rgb, time_s)
                encode[0] += time.perf_counter() - t

            render.H264Writer.write = timed_write  # type: ignore[method-assign]
            original_render = outputs.render_clip
            render_s = [0.0]

            def timed_render(*args: Any, **kwargs: Any) -> Any:
                t = time.perf_counter()
                try:
                    return original_render(*args, **kwargs)
                finally:
                    render_s[0] += time.perf_counter() - t

            outputs.render_clip = timed_render
            processes = 1 if config.endswith("1p") else workers  # as the CLI's --workers
            before = resource.getrusage(resource.RUSAGE_CHILDREN)  # importing mediapipe forks
            with tempfile.TemporaryDirectory() as out, PssPeak() as pss:
                t3 = time.perf_counter()
                outputs.write_outputs(analysis, out, workers=processes)
                t4 = time.perf_counter()
            stages["outputs_pss_peak_mb"] = pss.peak_mb
            stages["encoding"] = encode[0]  # in the encoder thread, overlapping the drawing
            stages["rendering"] = render_s[0]  # wall time of decode + draw + encode
            # The rest of the outputs' time: in turn, or waiting for the second process.
            stages["plots_reports"] = (t4 - t3) - render_s[0]
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            second_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            wall, cpu = t4 - t0, time.process_time() - c0 - rerun_cpu + second_cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"config": config, "frames": n, "wall_s": wall, "fps": n / wall, "cpu_s": cpu,
            "fps_per_cpu": n / cpu, "peak_mb": peak_mb, "stages": stages}  # fmt: skip


def spawn(config: str, clip: Path, raw_frames: int) -> dict[str, Any]:
    """Run a configuration in a fresh interpreter (its own peak memory, no warm caches)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "GLOG_minloglevel": "2"}
    proc = subprocess.run(
        [sys.executable, __file__, "--child", config, str(clip), "--raw-frames", str(raw_frames)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"{config} on {clip.name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- report
def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def stage_medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    names = sorted({k for r in runs for k in r["stages"]})
    return {k: statistics.median(r["stages"].get(k, 0.0) for r in runs) for k in names}


def report(results: dict[str, dict[str, list[dict[str, Any]]]], meta: dict[str, Any]) -> str:
    lines = [
        f"Measured with {meta['label']}.",
        f"Machine: {meta['machine']}; load average before each repetition: {meta['loads']}.",
        f"Medians of {meta['repeat']} repetitions; ratios are of medians within this run.",
        "",
        "| clip | config | frames | fps | x raw | frames/CPU-s | x raw (CPU) | wall s | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for clip, by_config in results.items():
        raw = by_config.get("raw")
        raw_fps = median_of(raw, "fps") if raw else float("nan")
        raw_cpu = median_of(raw, "fps_per_cpu") if raw else float("nan")
        for config, runs in by_config.items():
            fps, per_cpu = median_of(runs, "fps"), median_of(runs, "fps_per_cpu")
            base = median_of(by_config["raw-1c"], "fps") if config.endswith("1c") and (
                "raw-1c" in by_config) else raw_fps  # fmt: skip
            lines.append(
                f"| {clip} | {config} | {runs[0]['frames']} | {fps:.1f} | {fps / base:.2f} | "
                f"{per_cpu:.1f} | {per_cpu / raw_cpu:.2f} | "
                f"{median_of(runs, 'wall_s'):.2f} | {median_of(runs, 'peak_mb'):.0f} |"
            )
    lines += ["", "Stage times (median seconds; parallel stages add both threads):", ""]
    lines += ["| clip | config | stages |", "|---|---|---|"]
    for clip, by_config in results.items():
        for config, runs in by_config.items():
            st = stage_medians(runs)
            if st:
                text = ", ".join(f"{k} {v:.2f}" for k, v in st.items())
                lines.append(f"| {clip} | {config} | {text} |")
    lines += ["", "Targets:", ""]
    lines += [f"- {t}" for t in TARGETS]
    lines += ["", "Speed-ups (ratios of medians):", ""]
    pairs = (
        ("pipe-1w", "raw"),
        ("pipe-1w", "raw-model"),
        ("raw-model", "raw"),
        ("pipe-1c", "raw-1c"),
        ("pipe-2w", "pipe-1c"),
        ("pipe-2w", "pipe-1w"),
        ("inline-1c", "raw-1c"),
        ("inline-1c", "pipe-1c"),
        ("full-2w", "full-2w-1p"),
    )
    for clip, c in results.items():
        parts = [
            f"{a}/{b} {median_of(c[a], 'fps') / median_of(c[b], 'fps'):.2f}"
            for a, b in pairs
            if a in c and b in c
        ]
        if parts:
            lines.append(f"- {clip}: " + ", ".join(parts))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="repetitions per clip (medians)")
    ap.add_argument("--clips", default="synth,720p,1080p", help="synth, 720p, 1080p")
    ap.add_argument("--configs", default=",".join(CONFIGS), help="configurations to run")
    ap.add_argument("--no-memory", action="store_true", help="skip the 60 s 1080p memory run")
    ap.add_argument("--raw-frames", type=int, default=300, help="frames pre-decoded for raw")
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK, help="derived clips go here")
    ap.add_argument("--write", type=Path, help="also write the markdown report here")
    ap.add_argument("--json", type=Path, help="write raw results as JSON here")
    ap.add_argument("--child", nargs=2, metavar=("CONFIG", "CLIP"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        result = run_child(args.child[0], Path(args.child[1]), args.raw_frames)
        print(json.dumps(result))
        return 0

    clips = clip_paths(args.work, args.clips.split(","))
    configs = args.configs.split(",")
    results: dict[str, dict[str, list[dict[str, Any]]]] = {c: {} for c in clips}
    loads = []
    for round_ in range(args.repeat):
        loads.append(load_average())
        for name, path in clips.items():
            for config in configs:
                r = spawn(config, path, args.raw_frames)
                results[name].setdefault(config, []).append(r)
                print(f"repetition {round_ + 1} {name:6s} {config:8s} {r['fps']:7.1f} fps "
                      f"{r['wall_s']:6.2f} s {r['peak_mb']:5.0f} MB", flush=True)  # fmt: skip
    if not args.no_memory:
        long = clip_paths(args.work, ["1080p-60s"])
        for name, path in long.items():
            for config in ("full-1w", "full-2w"):
                r = spawn(config, path, args.raw_frames)
                results.setdefault(name, {})[config] = [r]
                pss = r["stages"].get("outputs_pss_peak_mb", float("nan"))
                print(f"memory {name} {config} {r['peak_mb']:.0f} MB, outputs stage (all "
                      f"processes, PSS) {pss:.0f} MB", flush=True)  # fmt: skip
    meta = {
        "machine": f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}",
        "loads": "; ".join(loads),
        "repeat": args.repeat,
        "label": run_label(),
    }
    text = report(results, meta)
    print(text)
    if args.write:
        args.write.write_text(text)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
