"""The ``gaitlab batch`` subcommand: a thin shell over :func:`gaitlab.batch.run_batch`.

:func:`add_batch_parser` adds the subcommand to the main ``gaitlab`` parser and
:func:`run_batch_cli` runs it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gaitlab.cli_options import add_pose_max_side
from gaitlab.options import HEIGHT_CM, JOBS, MIN_CLIP_S, MIN_DURATION_S, SLOWMO_FACTOR

if TYPE_CHECKING:
    from gaitlab.batch.orchestrate import BatchReport, BatchSettings

# Only light imports above: the main command builds its parser from this module, and the
# analysis stack (imported by the runner) takes seconds to load.

#: Where clips can run (the same values as gaitlab.batch.orchestrate.EXECUTORS).
EXECUTOR_CHOICES = ("local", "ray")

#: Exit code of a usage error (as the main command).
EXIT_USAGE = 2
#: Exit code when the batch ran to the end but some clips failed (their rows say why).
EXIT_CLIPS_FAILED = 7
#: Failed clips listed in the final summary (the rest are in scores.csv).
MAX_FAILURES_SHOWN = 10


def add_batch_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``batch`` to the ``gaitlab`` command's subparsers; returns the new parser."""
    p = subparsers.add_parser(
        "batch",
        help="score many clips (folders, manifests) locally or on a Ray cluster",
        description=(
            "Score many clips: each gets the result folder of `gaitlab analyze`, and the "
            "batch gets scores.csv, scores.parquet and summary.html. Re-running the same "
            "command skips clips already done."
        ),
    )
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="video files, folders (searched recursively) or CSV manifests "
        "(columns: path, runner_id, height_cm, view, label, slowmo)",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument(
        "--jobs",
        type=JOBS.argtype(),
        metavar="N",
        help="clips scored at once (default: CPUs of this machine, or of the Ray cluster)",
    )
    p.add_argument(
        "--view",
        default="auto",
        help="camera view of every clip: auto (default: detect), side, side-left, side-right, "
        "rear or front",
    )
    p.add_argument(
        "--height-cm", type=HEIGHT_CM.argtype(), help="runner's height for every clip, in cm"
    )
    p.add_argument(
        "--slowmo",
        type=SLOWMO_FACTOR.argtype(),
        default=1.0,
        metavar="F",
        help="slow-motion factor (1-64)",
    )
    p.add_argument("--model", default="full", help="pose model: full (bundled), lite, heavy")
    add_pose_max_side(p)
    p.add_argument(
        "--min-duration-s",
        type=MIN_DURATION_S.argtype(),
        default=MIN_CLIP_S,
        help=f"shortest clip accepted, in seconds (default {MIN_CLIP_S:g}: one stride)",
    )
    p.add_argument(
        "--executor",
        default="local",
        choices=EXECUTOR_CHOICES,
        help="where clips run (default local)",
    )
    p.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="existing Ray cluster (auto, HOST:6379 or ray://HOST:10001); "
        "default: start a local Ray for this batch",
    )
    p.add_argument(
        "--retry-failed", action="store_true", help="score again the clips that failed before"
    )
    p.add_argument(
        "--reports",
        action="store_true",
        help="also write each clip's key frames and HTML/PDF report (about 1 s a clip)",
    )
    p.add_argument(
        "--video",
        action="store_true",
        help="also write each clip's annotated video (about as long as the clip again)",
    )
    p.add_argument("--blur-faces", action="store_true", help="blur faces in video and key frames")
    p.add_argument("--cache-dir", help="pose cache folder (default: user cache)")
    p.add_argument("--no-cache", action="store_true", help="always run pose inference")
    p.add_argument(
        "--store",
        metavar="URL",
        help="result store where clips with a runner id are recorded as that runner's "
        "sessions (default: $GAITLAB_STORE, else gaitlab.sqlite in the user data folder)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress, no summary")
    p.set_defaults(
        func=run_batch_cli, on_interrupt=" (finished clips are kept; re-run to continue)"
    )
    return p


def settings_from_args(args: argparse.Namespace) -> BatchSettings:
    """The batch settings an argument namespace asks for (raises ValueError if invalid)."""
    from gaitlab.batch.orchestrate import BatchSettings
    from gaitlab.batch.task import ClipOutputs
    from gaitlab.pipeline import AnalysisRequest

    # Start from the pipeline's own defaults (e.g. the masks and waistband the analysis needs)
    # and change only what the flags set, so a batch scores exactly as `gaitlab analyze` does.
    defaults = AnalysisRequest()
    request = dataclasses.replace(
        defaults,
        view=args.view,
        height_cm=args.height_cm,
        pose=dataclasses.replace(
            defaults.pose,
            model=args.model,
            slowmo_factor=args.slowmo,
            max_side_px=args.pose_max_side,
        ),
        limits=dataclasses.replace(defaults.limits, min_duration_s=args.min_duration_s),
    )
    return BatchSettings(
        out_dir=Path(args.out),
        request=request,
        jobs=args.jobs,
        executor=args.executor,
        ray_address=args.ray_address,
        retry_failed=args.retry_failed,
        cache_dir=Path(args.cache_dir) if args.cache_dir else None,
        use_cache=not args.no_cache,
        frame_progress=not args.quiet and sys.stderr.isatty(),
        outputs=ClipOutputs(reports=args.reports, video=args.video, blur_faces=args.blur_faces),
        session_store=_store_url(args.store),
    )


def _store_url(store: str | None) -> str:
    """The runners' store as a URL string a worker process can open (password included)."""
    from gaitlab.store import resolve_store_url

    return resolve_store_url(store).render_as_string(hide_password=False)


def run_batch_cli(args: argparse.Namespace) -> int:
    """Run ``gaitlab batch``; returns the exit code.

    0 when every clip is scored, :data:`EXIT_CLIPS_FAILED` when the batch finished but some
    clips failed. Errors that stop the whole batch raise :class:`GaitlabError` (bad inputs:
    exit 2, missing model: exit 3) for the main command to report.
    """
    from gaitlab.batch.orchestrate import run_batch
    from gaitlab.batch.progress import make_progress
    from gaitlab.files import check_output_dir

    check_output_dir(args.out)
    settings = settings_from_args(args)
    progress = make_progress(sys.stderr, quiet=args.quiet)
    report = run_batch(args.inputs, settings, progress=progress)
    if not args.quiet:
        print(format_report(report, settings))
    return EXIT_CLIPS_FAILED if report.n_failed or report.n_pending else 0


def format_report(report: BatchReport, settings: BatchSettings) -> str:
    """The short summary printed at the end of a batch."""
    from gaitlab.batch.progress import format_duration

    lines = [
        f"batch     {report.n_inputs} clips: {report.n_ok} ok, {report.n_failed} failed"
        + (f", {report.n_pending} not scored" if report.n_pending else "")
        + f" ({report.n_scored} scored now, {report.n_skipped} already done)"
    ]
    if report.n_scored:
        lines.append(
            f"speed     {report.n_scored} clips in {format_duration(report.wall_s)}: "
            f"{report.clips_per_min:.1f} clips/min, {report.frames_per_s:.0f} frames/s "
            f"({settings.executor})"
        )
    lines.append(f"scores    {report.scores_csv}  (and {report.scores_parquet.name})")
    lines.append(f"summary   {report.summary_html}")
    failed = [r for r in report.rows if r["status"] == "error"]
    for r in failed[:MAX_FAILURES_SHOWN]:
        error = str(r["error"]).removeprefix(f"{r['clip']}: ")
        lines.append(f"failed    {r['clip']}: {error}")
    if len(failed) > MAX_FAILURES_SHOWN:
        lines.append(f"failed    ... and {len(failed) - MAX_FAILURES_SHOWN} more in scores.csv")
    if failed and not settings.retry_failed:
        lines.append("          (fix the clips or gaitlab, then re-run with --retry-failed)")
    return "\n".join(lines)
