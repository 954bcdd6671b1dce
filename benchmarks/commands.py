"""Whole ``gaitlab analyze`` commands as a user runs them, against the pose model's own time.

Usage::

    python benchmarks/commands.py [--repeat 3] [--clips 720p,synth] [--configs ...]
                                  [--memory] [--write out.md] [--json out.json]

Every run is a fresh process, timed from just before it is started to its exit, so imports,
model loading and writing the files count as the user waits for them. In one run, round by
round (so that load from other jobs hits every configuration alike):

``model``         the PoseLandmarker alone on the frames the pipeline gives it (decoded and
                  scaled to ``PoseSettings.max_side_px``, 960 px, before the timer starts;
                  the analysis' options: VIDEO mode, segmentation masks on), every frame in
                  turn: the model's own time, what every ratio is of. The landmarker is
                  built before the timer too (a command pays for that as well, so this
                  flatters the commands slightly).
``numbers``       ``gaitlab analyze CLIP --no-video --no-report --no-keyframes --no-cache``:
                  result.json, the series and the CSV/TRC/MOT exports (a batch worker's job).
``numbers-cache`` the same writing a fresh pose cache (``--cache-dir`` empty each run).
``full``          ``gaitlab analyze CLIP --no-cache``: every output (annotated video, key
                  frames, plots, exports, HTML and PDF).
``full-w2``       ``full`` with ``--workers 2``.
``NAME@base``     configuration NAME run from ``--baseline``, a checkout of an earlier
                  version (``git archive COMMIT | tar -x -C DIR``), in the same rounds: the
                  before and after of a change under the same load.

Each command runs with ``GAITLAB_PROFILE`` (:mod:`gaitlab.timing`) and the stage profile is
printed beside the wall times: start to the end of the command's imports, start to the first
frame given to the model, and seconds per stage (decode, inference and the pixel measures
run on their own threads and overlap; the outputs' stages are those of
``gaitlab.report.write_outputs``). ``--memory`` adds one ``full`` run on a 60 s 1080p clip
(made by ``benchmarks/pipeline.py``'s clip maker) and reports its peak resident memory.

Clips: ``720p`` = ``../shared/clips/zzzhushi_male_side_treadmill.mp4`` (720x1280, 360 frames),
``synth`` = ``sample_videos/synth_side_normal.mp4`` (960x540, 480 frames).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from pipeline import DEFAULT_WORK, SHARED_CLIP, clip_paths  # noqa: E402
from provenance import run_label  # noqa: E402

CONFIGS = ("model", "numbers", "numbers-cache", "full", "full-w2")
DEFAULT_CONFIGS = ("model", "numbers", "numbers-cache", "full")
COMMAND_ARGS = {
    "numbers": ["--no-video", "--no-report", "--no-keyframes", "--no-cache"],
    "numbers-cache": ["--no-video", "--no-report", "--no-keyframes"],
    "full": ["--no-cache"],
    "full-w2": ["--no-cache", "--workers", "2"],
}
#: Stage rows of the profile table, in the order a command runs them.
STAGES = (
    "decode", "inference", "pixel_measures", "pose", "imports_after_pose_wait", "kinematics",
    "findings", "outputs: data", "outputs: video_keyframes", "outputs: plots",
    "outputs: exports", "outputs: reports",
    # Written by the process forked ahead (gaitlab.report.documents), beside the video.
    "outputs: warm_up (ahead) (second process)", "outputs: plots (second process)",
    "outputs: exports (second process)", "outputs: reports (second process)",
)  # fmt: skip


def model_child(clip: Path) -> dict[str, Any]:
    """Time the landmarker alone on the pipeline's pre-scaled frames (in this process)."""
    from gaitlab.io.video import iter_frames, probe_video
    from gaitlab.pipeline import default_pose_settings
    from gaitlab.pose.backend import MediaPipeBackend
    from gaitlab.pose.extract import model_frame_size
    from gaitlab.pose.models import resolve_model

    settings = default_pose_settings()
    info = probe_video(clip, slowmo_factor=settings.slowmo_factor)
    frames = list(iter_frames(info, size=model_frame_size(info, settings.max_side_px)))
    backend = MediaPipeBackend(resolve_model(settings.model), settings.mediapipe)
    last_ms = -1
    t0, c0 = time.perf_counter(), time.process_time()
    for frame in frames:
        time_ms = max(last_ms + 1, round(frame.time_s * 1000.0))  # as the pose pass does
        last_ms = time_ms
        backend.detect(frame.rgb, time_ms)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    backend.close()
    return {"wall_s": wall, "cpu_s": cpu, "frames": len(frames)}


def _wait(proc: subprocess.Popen) -> tuple[int, float, float]:
    """Wait for ``proc``; its exit code, its own peak resident memory (MB) and CPU seconds.

    The CPU seconds (user + system) include those of the child processes it waited for
    (the plots-and-reports process): work done, far less sensitive to other jobs' load
    than wall time.
    """
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def run_config(config: str, clip: Path, work: Path, baseline: Path | None = None) -> dict[str, Any]:
    """One fresh process of ``config`` on ``clip``; wall time from its start to its exit.

    ``name@base`` runs configuration ``name`` from the ``baseline`` checkout (an earlier
    version: its stage profile is empty when it cannot write one).
    """
    name, _, at = config.partition("@")
    checkout = baseline if at == "base" and baseline is not None else REPO
    env = {**os.environ, "PYTHONPATH": str(checkout), "GLOG_minloglevel": "2"}
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        profile = Path(tmp) / "profile.json"
        if name == "model":
            cmd = [sys.executable, __file__, "--child-model", str(clip)]
        else:
            gaitlab = [sys.executable, "-m", "gaitlab"]
            cmd = [*gaitlab, "analyze", str(clip), "--out", f"{tmp}/out", "--quiet"]
            cmd += COMMAND_ARGS[name]
            if name == "numbers-cache":
                cmd += ["--cache-dir", f"{tmp}/cache"]
            env["GAITLAB_PROFILE"] = str(profile)
        out_file, err_file = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with open(out_file, "wb") as out, open(err_file, "wb") as err:
            start = time.time()
            # In the checkout: ``python -m`` puts the working folder first on the path.
            proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=checkout)
            code, peak_mb, cpu_s = _wait(proc)
            wall = time.time() - start
        if code != 0:
            tail = err_file.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{config} on {clip.name} failed ({code}): {tail}")
        if name == "model":
            last = out_file.read_text().strip().splitlines()[-1]
            return {"config": config, "command_wall_s": wall, **json.loads(last)}
        empty = {"stages_s": {}, "marks_epoch_s": {}}
        prof = json.loads(profile.read_text()) if profile.is_file() else empty
    marks = {k: v - start for k, v in prof["marks_epoch_s"].items()}
    return {"config": config, "wall_s": wall, "cpu_s": cpu_s, "peak_mb": peak_mb,
            "marks_s": marks, "stages_s": prof["stages_s"]}  # fmt: skip


def _med(values: list[float]) -> float:
    values = [v for v in values if v == v]  # NaN: not measured
    return statistics.median(values) if values else float("nan")


def report(results: dict[str, dict[str, list[dict[str, Any]]]], meta: dict[str, Any]) -> str:
    """The markdown tables: wall times and ratios, then each command's stage profile."""
    lines = [
        f"Measured with {meta['label']}.",
        *(
            [f"Configurations NAME@base ran from {meta['baseline']}."]
            if meta.get("baseline")
            else []
        ),
        f"Load average before each round: {meta['loads']}.",
        f"Medians of {meta['repeat']} rounds; ratios are of medians within this run.",
        "",
        "| clip | what | wall s | x model | CPU s | CPU x model | start -> imports done s "
        "| start -> first frame to the model s | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for clip, by_config in results.items():
        model = _med([r["wall_s"] for r in by_config.get("model", [])])
        model_cpu = _med([r["cpu_s"] for r in by_config.get("model", [])])
        for config, runs in by_config.items():
            wall = _med([r["wall_s"] for r in runs])
            cpu = _med([r.get("cpu_s", float("nan")) for r in runs])
            if config == "model":
                lines.append(f"| {clip} | model alone ({runs[0]['frames']} frames) | "
                             f"{wall:.2f} | 1.00 | {cpu:.2f} | 1.00 | | | |")  # fmt: skip
                continue
            imports = _med([r["marks_s"].get("imports_done", float("nan")) for r in runs])
            first = _med([r["marks_s"].get("first_frame_to_model", float("nan")) for r in runs])
            imports_s, first_s = (
                ("-", "-") if imports != imports else (f"{imports:.2f}", f"{first:.2f}")
            )
            peak = _med([r["peak_mb"] for r in runs])
            lines.append(f"| {clip} | {config} | {wall:.2f} | {wall / model:.2f} | "
                         f"{cpu:.2f} | {cpu / model_cpu:.2f} | {imports_s} | {first_s} | "
                         f"{peak:.0f} |")  # fmt: skip
    lines += ["", "Stage profile (median seconds; threads overlap):", ""]
    for clip, by_config in results.items():
        # Commands that wrote no profile (an earlier version) have no column.
        configs = [c for c in by_config if c != "model" and by_config[c][0]["stages_s"]]
        if not configs:
            continue
        lines += [f"| {clip} | " + " | ".join(configs) + " |", "|---|" + "---:|" * len(configs)]
        names = [s for s in STAGES if any(s in r["stages_s"] for c in configs
                                          for r in by_config[c])]  # fmt: skip
        for stage in names:
            cells = [_med([r["stages_s"].get(stage, 0.0) for r in by_config[c]]) for c in configs]
            lines.append(f"| {stage} | " + " | ".join(f"{v:.2f}" for v in cells) + " |")
        for label, a, b in (("after the analysis (outputs)", "analysis_done", "outputs_done"),
                            ("exit (after the outputs)", "outputs_done", None)):  # fmt: skip
            cells = []
            for c in configs:
                walls = {id(r): r["wall_s"] for r in by_config[c]}
                cells.append(_med([(walls[id(r)] if b is None else r["marks_s"].get(b, 0.0))
                                   - r["marks_s"].get(a, 0.0) for r in by_config[c]]))  # fmt: skip
            lines.append(f"| {label} | " + " | ".join(f"{v:.2f}" for v in cells) + " |")
        lines.append("")
    if meta.get("memory"):
        lines.append(meta["memory"])
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="rounds (medians)")
    ap.add_argument("--clips", default="720p,synth", help="720p, synth")
    ap.add_argument("--configs", default=",".join(DEFAULT_CONFIGS), help=", ".join(CONFIGS))
    ap.add_argument("--memory", action="store_true", help="also a 60 s 1080p full run")
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK, help="derived clips, temp dirs")
    ap.add_argument("--write", type=Path, help="also write the markdown report here")
    ap.add_argument("--json", type=Path, help="write raw results as JSON here")
    ap.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of an earlier version (git archive): configurations NAME@base run "
        "from it, in the same rounds",
    )
    ap.add_argument("--child-model", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_model:
        print(json.dumps(model_child(args.child_model)))
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    clips = clip_paths(args.work, args.clips.split(","))
    configs = args.configs.split(",")
    unknown = {c.partition("@")[0] for c in configs} - set(CONFIGS)
    if unknown:
        raise SystemExit(f"unknown configs {sorted(unknown)}; choose from {', '.join(CONFIGS)}")
    results: dict[str, dict[str, list[dict[str, Any]]]] = {c: {} for c in clips}
    loads = []
    for round_ in range(args.repeat):
        loads.append(" ".join(f"{x:.1f}" for x in os.getloadavg()))
        for name, path in clips.items():
            for config in configs:
                r = run_config(config, path, args.work, args.baseline)
                results[name].setdefault(config, []).append(r)
                print(f"round {round_ + 1} {name:6s} {config:14s} {r['wall_s']:6.2f} s",
                      flush=True)  # fmt: skip
    memory = ""
    if args.memory and SHARED_CLIP.exists():
        long = clip_paths(args.work, ["1080p-60s"])["1080p-60s"]
        r = run_config("full", long, args.work)
        memory = (f"Memory: `gaitlab analyze` (every output) on a 60 s 1080x1920 clip: peak "
                  f"resident memory {r['peak_mb']:.0f} MB, {r['wall_s']:.1f} s.")  # fmt: skip
        print(memory, flush=True)
    meta = {
        "label": run_label(),
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "loads": "; ".join(loads),
        "repeat": args.repeat,
        "memory": memory,
        "baseline": str(args.baseline or ""),
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
