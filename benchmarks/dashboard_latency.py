"""What the user waits for: time to findings in the dashboard and whole `gaitlab analyze` runs.

Usage::

    python benchmarks/dashboard_latency.py [--clip PATH] [--repeat 3] [--configs ...]
                                           [--json out.json]

Each round runs, in turn and each in a fresh process (interleaved round by round, so that
load from other jobs hits every configuration alike):

``model``        PoseLandmarker alone on the clip's frames pre-decoded and pre-scaled to the
                 size the pipeline gives the model (960 px long side, VIDEO mode, masks on):
                 ``benchmarks/pipeline.py``'s ``raw-model``, scaled to the clip's frame
                 count. The model's own time, which every other figure is divided by.
``dashboard``    ``streamlit run app.py`` (a fresh pose cache), driven by headless Chromium
                 as a user does it (the flow of ``tests/dashboard/test_browser.py``): upload
                 the clip, press Analyse; from the click, the time until the findings are on
                 the page, and until the annotated video is (the moment the whole page was
                 first shown before the findings were shown ahead of the video).
``cli-1p``       ``gaitlab analyze CLIP --workers 1`` (every output, written in turn in one
                 process: the default before the plots and reports were written beside the
                 video), whole command from process start.
``cli``          ``gaitlab analyze CLIP`` (every output, the default), whole command.

Printed: per round, and the medians with their ratio to the model's own time, with a label
line (gaitlab version, commit, date, machine) and the load average before each round. The
machine's load from other jobs is not controlled: compare the ratios of one run.
Needs Debian's ``chromium`` and Playwright (the dashboard test's requirements).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from provenance import run_label  # noqa: E402

from tests.dashboard.test_browser import chromium, free_port, wait_healthy  # noqa: E402

SHARED_CLIP = REPO.parent / "shared" / "clips" / "zzzhushi_male_side_treadmill.mp4"
CONFIGS = ("model", "dashboard", "cli-1p", "cli")
FINDINGS_TEXT = "What we found"
#: Records when (page clock, ms) the findings and a video first appear on the page.
WATCH = """(findings) => {
    window.__seen = {};
    const check = () => {
        const now = performance.now();
        if (!('findings' in window.__seen) && document.body.innerText.includes(findings))
            window.__seen.findings = now;
        if (!('video' in window.__seen) && document.querySelector('video') !== null)
            window.__seen.video = now;
    };
    new MutationObserver(check).observe(document.body,
        {childList: true, subtree: true, characterData: true});
}"""
TIMEOUT_MS = 900_000


def model_time_s(clip: Path) -> float:
    """The landmarker alone on every frame of ``clip``, pre-scaled (seconds, fresh process)."""
    from gaitlab.io.video import probe_video

    env = {**os.environ, "PYTHONPATH": str(REPO), "GLOG_minloglevel": "2"}
    n_frames = probe_video(clip).n_frames
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "pipeline.py"), "--child", "raw-model",
         str(clip), "--raw-frames", str(n_frames)],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    # The first frame (the landmarker's start-up) is outside raw-model's timing.
    return r["wall_s"] / r["frames"] * n_frames


def command_time_s(clip: Path, extra: list[str], work: Path) -> float:
    """Wall time of one whole ``gaitlab analyze`` command, from process start."""
    out = Path(tempfile.mkdtemp(dir=work))
    cmd = [sys.executable, "-m", "gaitlab", "analyze", str(clip), "--out", str(out),
           "--no-cache", "--quiet", *extra]  # fmt: skip
    t = time.perf_counter()
    subprocess.run(
        cmd, check=True, capture_output=True, env={**os.environ, "GLOG_minloglevel": "2"}
    )
    return time.perf_counter() - t


def dashboard_times_s(clip: Path, work: Path) -> tuple[float, float]:
    """(click to findings, click to video) in the dashboard, seconds, a fresh pose cache."""
    tmp = Path(tempfile.mkdtemp(dir=work))
    port = free_port()
    env = {**os.environ, "GAITLAB_CACHE_DIR": str(tmp / "pose-cache"), "TMPDIR": str(tmp),
           "PYTHONPATH": str(REPO), "GLOG_minloglevel": "2"}  # fmt: skip
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with (tmp / "streamlit.log").open("w") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/"
            wait_healthy(url + "_stcore/health", proc)
            with chromium(tmp / "profile", timeout_ms=120_000) as ctx:
                page = ctx.new_page()
                page.goto(url, wait_until="domcontentloaded")
                page.get_by_text("gaitlab: running-gait analysis").wait_for()
                page.locator("input[type=file]").first.set_input_files(str(clip))
                # The uploader's chip holds the name (shortened, possibly hidden) at once and
                # a spinner until the bytes reach the server; a click before that finds no
                # clip. Then the rerun the upload starts must end (as the browser test).
                page.get_by_text(clip.name[-8:]).first.wait_for(state="attached")
                page.wait_for_function(
                    "() => !document.querySelector('[data-testid=stFileChipIconSpinner]')",
                    timeout=60_000,
                )
                page.get_by_role("button", name="Stop").wait_for(state="hidden", timeout=60_000)
                page.evaluate(WATCH, FINDINGS_TEXT)
                clicked = page.evaluate("performance.now()")
                page.get_by_role("button", name="Analyse").click()
                page.locator("video").first.wait_for(timeout=TIMEOUT_MS)
                seen = page.evaluate("window.__seen")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return (seen["findings"] - clicked) / 1000, (seen["video"] - clicked) / 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clip", type=Path, default=SHARED_CLIP, help="the clip (default: 720p)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds (medians)")
    ap.add_argument("--configs", default=",".join(CONFIGS), help="configurations to run")
    ap.add_argument("--json", type=Path, help="write raw results as JSON here")
    args = ap.parse_args(argv)
    configs = args.configs.split(",")
    runs: dict[str, list[float]] = {}
    loads = []
    with tempfile.TemporaryDirectory(prefix="gaitlab-latency-") as work_dir:
        work = Path(work_dir)
        for round_ in range(args.repeat):
            loads.append(" ".join(f"{x:.1f}" for x in os.getloadavg()))
            for config in configs:
                if config == "model":
                    got = {"model": model_time_s(args.clip)}
                elif config == "dashboard":
                    findings, video = dashboard_times_s(args.clip, work)
                    got = {"dashboard findings": findings, "dashboard video": video}
                elif config == "cli-1p":
                    got = {"cli-1p": command_time_s(args.clip, ["--workers", "1"], work)}
                elif config == "cli":
                    got = {"cli": command_time_s(args.clip, [], work)}
                else:
                    raise SystemExit(f"unknown configuration {config!r}")
                for name, value in got.items():
                    runs.setdefault(name, []).append(value)
                    print(f"repetition {round_ + 1} {name:20s} {value:7.2f} s", flush=True)
    medians = {name: statistics.median(values) for name, values in runs.items()}
    model = medians.get("model")
    lines = [
        f"{run_label()}; clip {args.clip.name}; {args.repeat} repetitions",
        f"load average before each repetition: {'; '.join(loads)}",
        "",
        "| what | median s | repetitions (s) | x model |",
        "|---|---:|---|---:|",
    ]
    for name, values in runs.items():
        ratio = f"{medians[name] / model:.2f}" if model else "-"
        each = " / ".join(f"{v:.2f}" for v in values)
        lines.append(f"| {name} | {medians[name]:.2f} | {each} | {ratio} |")
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps({"label": run_label(), "loads": loads, "runs": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
