"""The ``gaitlab`` command: a thin shell over the library.

Every subcommand parses arguments, calls one library function and prints. A
:class:`~gaitlab.errors.GaitlabError` becomes one line on stderr and its documented exit code;
anything else is a bug and is reported as one line too (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from gaitlab import __version__
from gaitlab.batch.cli import add_batch_parser
from gaitlab.cli_options import add_pose_max_side
from gaitlab.corrections.cli import add_correct_parser
from gaitlab.dashboard.launch import add_dashboard_parser
from gaitlab.errors import GaitlabError, UsageError
from gaitlab.files import check_output_dir, one_line, safe_folder_name
from gaitlab.options import HEIGHT_CM, MIN_CLIP_S, MIN_DURATION_S, SLOWMO_FACTOR, WORKERS
from gaitlab.store.cli import add_store_option, add_store_parsers
from gaitlab.store.compare_cli import add_compare_parser
from gaitlab.store.correct_cli import add_store_to_correct
from gaitlab.synth.cli import add_synth_parser
from gaitlab.timing import PROFILE_ENV, StageTimes

if TYPE_CHECKING:
    from gaitlab.result import MetricSummary, ResultDocument, View

EXIT_USAGE = 2


class ArgumentParser(argparse.ArgumentParser):
    """argparse with gaitlab's one-line errors: ``gaitlab: error: ...`` and exit code 2.

    argparse prints the whole usage text before its error; a bad option is reported like
    every other bad input instead, with a pointer to ``--help``.
    """

    def error(self, message: str) -> NoReturn:
        """Print one line and exit with :data:`EXIT_USAGE`."""
        self.exit(EXIT_USAGE, f"gaitlab: error: {one_line(message)} (see `{self.prog} --help`)\n")


def _progress_bar(
    enabled: bool, desc: str
) -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A per-frame progress callback drawing a tqdm bar on a terminal, and its closer."""
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(unit="frame", desc=desc, leave=False, file=sys.stderr, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh() if done == total else bar.update(0)

    return update, bar.close


#: What ``gaitlab analyze`` imports to write its outputs (the drawing code, the report data
#: and SciPy with it): loaded while the model infers when something is drawn.
REPORT_MODULES = ("gaitlab.report.outputs",)


def default_out_dir(clip: Path) -> Path:
    """``gaitlab_results/<clip name>``, the name made safe as a folder name."""
    return Path("gaitlab_results") / safe_folder_name(clip.stem)


def _cmd_analyze(args: argparse.Namespace) -> int:
    times = StageTimes() if os.environ.get(PROFILE_ENV) else None
    try:
        return _analyze(args, times)
    finally:
        if times is not None:
            times.write(os.environ[PROFILE_ENV])


def _analyze(args: argparse.Namespace, times: StageTimes | None) -> int:
    if times is not None:
        times.mark("command_start")
    # The analysis' own modules; the report's (and the findings' text) load after the pose
    # stage: the first frame reaches the model sooner.
    from gaitlab.io.video import VideoLimits
    from gaitlab.pipeline import AnalysisRequest, analyze_clip, default_pose_settings

    if times is not None:
        times.mark("imports_done")

    if len(args.clip) > 1:
        return _cmd_analyze_session(args)
    clip = Path(args.clip[0])
    # Everything the user can get wrong is checked before the minutes of pose inference.
    out_dir = check_output_dir(args.out if args.out is not None else default_out_dir(clip))
    runner = _check_runner_and_store(args.runner, args.store) if args.runner is not None else None
    request = AnalysisRequest(
        view=args.view,
        height_cm=args.height_cm,
        pose=default_pose_settings(
            model=args.model, slowmo_factor=args.slowmo, max_side_px=args.pose_max_side
        ),
        limits=VideoLimits(min_duration_s=args.min_duration_s),
    )
    show_bar = not args.json and not args.quiet and sys.stderr.isatty()
    # Forked before the model loads: it readies the plotting and PDF libraries on the second
    # core while the model runs, then writes the plots and reports beside the video.
    documents = None
    draws = not args.no_video or not args.no_keyframes
    if draws and (not args.workers or args.workers == 1):
        # Only the documents process's own module (no drawing code, no SciPy): the first
        # frame reaches the model as soon as in a numbers-only command.
        from gaitlab.report.documents import documents_ahead, end_if_long

        documents = documents_ahead(
            video=not args.no_video, keyframes=not args.no_keyframes, reports=not args.no_report
        )
    bar, close_bar = _progress_bar(show_bar, "pose")

    def progress(done: int, total: int) -> None:
        if documents is not None:
            end_if_long(documents, total)
        if bar is not None:
            bar(done, total)

    try:
        analysis = analyze_clip(
            clip,
            request,
            cache_dir=args.cache_dir,
            use_cache=not args.no_cache,
            progress=progress,
            workers=args.workers,
            times=times,
            # The drawing code (about a second of imports) loads on a second thread while
            # the model infers, as the analysis' own later stages do.
            preload=REPORT_MODULES if draws else (),
        )
    except BaseException:
        if documents is not None:
            documents.cancel()
        raise
    finally:
        close_bar()
    if times is not None:
        times.mark("analysis_done")
    from gaitlab.findings import format_findings
    from gaitlab.report import write_outputs

    if times is not None:
        times.mark("report_imports_done")
    progress, close_bar = _progress_bar(show_bar and not args.no_video, "video")
    try:
        paths = write_outputs(
            analysis,
            out_dir,
            video=not args.no_video,
            keyframes=not args.no_keyframes,
            reports=not args.no_report,
            blur_faces=args.blur_faces,
            progress=progress,
            workers=args.workers or 1,
            documents=documents,
            times=times,
        )
    finally:
        close_bar()
    if times is not None:
        times.mark("outputs_done")
    from gaitlab.result import read_result, result_json

    result_path = paths["result"]
    recorded = ""
    if runner is not None:
        recorded = _record(args.store, runner, out_dir, paths, args.height_cm)
    if args.json:
        print(result_json(read_result(result_path)))
    elif not args.quiet:
        print(format_summary(read_result(result_path), result_path))
        # Always: what to do if it hurts comes first, then findings (when running), safety.
        print()
        print(format_findings(analysis.findings))
        print()
        print(_format_outputs(paths, out_dir))
        if recorded:
            print(recorded)
    return 0


def _cmd_analyze_session(args: argparse.Namespace) -> int:
    """``gaitlab analyze a.mp4 b.mp4``: the clips as one session (see gaitlab.session)."""
    from gaitlab.io.video import VideoLimits
    from gaitlab.pipeline import AnalysisRequest, default_pose_settings
    from gaitlab.session.cli import format_session, session_outcome
    from gaitlab.session.folder import session_json
    from gaitlab.session.run import analyze_session, check_distinct_clips

    if args.view != "auto":
        raise UsageError(
            f"--view {args.view} names one clip's view; with several clips each clip's view "
            "is detected (leave --view out, or analyse the clips one by one)"
        )
    check_distinct_clips(args.clip)
    first = Path(args.clip[0])
    default = default_out_dir(first).with_name(default_out_dir(first).name + "-session")
    out_dir = check_output_dir(args.out if args.out is not None else default)
    runner = _check_runner_and_store(args.runner, args.store) if args.runner is not None else None
    request = AnalysisRequest(
        height_cm=args.height_cm,
        pose=default_pose_settings(
            model=args.model, slowmo_factor=args.slowmo, max_side_px=args.pose_max_side
        ),
        limits=VideoLimits(min_duration_s=args.min_duration_s),
    )
    run = analyze_session(
        args.clip,
        out_dir,
        request,
        cache_dir=args.cache_dir,
        use_cache=not args.no_cache,
        video=not args.no_video,
        keyframes=not args.no_keyframes,
        reports=not args.no_report,
        blur_faces=args.blur_faces,
        workers=args.workers,
    )
    recorded = ""
    if runner is not None and run.session.analysed:
        recorded = _record_session(args.store, runner, out_dir, args.height_cm)
    if args.json:
        print(session_json(run.session), end="")
    elif not args.quiet:
        print(format_session(run))
        if recorded:
            print(recorded)
    session_outcome(run)  # a failed clip: its one line and exit code, after the others' files
    return 0


def _check_runner_and_store(code: str, store: str | None) -> str:
    """The runner's code as stored, once the store is known to open (``analyze --runner``).

    Opened (created or migrated) before the analysis, as ``batch`` does: an unusable store
    fails the command now, not after minutes of inference with the files already written.
    """
    from gaitlab.store import BadRunnerCode, open_store
    from gaitlab.store.database import check_runner_code

    try:
        code = check_runner_code(code)
    except BadRunnerCode as exc:
        raise BadRunnerCode(f"--runner {code!r}: {exc.message}") from None
    open_store(store).close()
    return code


def _record(
    store: str | None, runner: str, out_dir: Path, paths: dict[str, Path], height_cm: float | None
) -> str:
    """Record the analysis in the store; a failure still says where the results are."""
    from gaitlab.store import StoreError
    from gaitlab.store.cli import record_analysis

    try:
        return record_analysis(store, runner, out_dir, paths, height_cm)
    except StoreError as exc:
        raise StoreError(
            f"{exc.message} (the results are in {out_dir}/ but not in the store: run the "
            "analysis again with --runner when the store works; the pose cache makes it fast)"
        ) from None


def _record_session(store: str | None, runner: str, out_dir: Path, height_cm: float | None) -> str:
    """Record a session folder in the store; a failure still says where the results are."""
    from gaitlab.store import StoreError
    from gaitlab.store.multiclip import record_session_folder

    try:
        return record_session_folder(store, runner, out_dir, height_cm)
    except StoreError as exc:
        raise StoreError(
            f"{exc.message} (the session is in {out_dir}/ but not in the store: run it again "
            "with --runner when the store works; the pose cache makes it fast)"
        ) from None


def _format_outputs(paths: dict[str, Path], out_dir: Path) -> str:
    main = [
        k for k in ("html", "pdf", "video", "frames_csv", "strides_csv", "trc", "mot") if k in paths
    ]
    listed = ", ".join(paths[k].name for k in main)
    return f"outputs   {out_dir}/ ({listed}, and {len(paths) - len(main)} more files)"


def _cmd_report(args: argparse.Namespace) -> int:
    from gaitlab.report import rebuild_reports
    from gaitlab.result import RESULT_FILE

    if (Path(args.result_dir) / RESULT_FILE).is_file():
        # The reports are rebuilt in place: a folder that cannot be written fails now.
        check_output_dir(args.result_dir, "result folder")

    paths = rebuild_reports(
        args.result_dir,
        clip_path=args.clip,
        video=args.video,
        keyframes=not args.no_keyframes,
        blur_faces=args.blur_faces,
    )
    if not args.quiet:
        print(_format_outputs(paths, Path(args.result_dir)))
    return 0


def format_summary(result: ResultDocument, result_path: Path) -> str:
    """A short human summary of a result."""
    clip, pose = result.clip, result.pose
    rotated = f", rotated {clip.rotation_deg} deg" if clip.rotation_deg else ""
    slowmo = f", slow-motion x{clip.slowmo_factor:g}" if clip.slowmo_factor != 1 else ""
    name = one_line(Path(clip.path).name)  # a newline in a file name stays on its line
    lines = [
        f"clip      {name}: {clip.width_px}x{clip.height_px} upright"
        f"{rotated}, {clip.n_frames} frames, {clip.duration_s:.1f} s, "
        f"{clip.capture_fps or 0:.1f} fps from timestamps{' (variable)' if clip.vfr else ''}"
        f"{slowmo}",
        f"pose      {pose.frames_with_pose}/{pose.n_frames} frames with a pose "
        f"({100 * pose.detection_rate:.1f} %), model {pose.model.name}",
    ]
    if clip.cut_note:  # a jump in the timestamps: what was analysed, what left out
        lines.append(f"cut       {clip.cut_note}")
    # Several people in frame, or the runner out of frame: say who was followed.
    lines += [f"people    {note}" for note in (pose.people.notes if pose.people else ())]
    kin = result.kinematics
    if kin is not None:
        view = kin.view
        lines.append(
            f"view      {view.view} ({view.source}, confidence {view.confidence or 0:.2f})"
            + (", treadmill" if kin.treadmill else "")
            + _view_doubt(view)
        )
        if not kin.running.is_running or kin.running.slow_motion:
            # Running in slow motion is running, but its timings wait for --slowmo N.
            lines.append(f"verdict   {kin.running.reason}")
        if kin.running.is_running:
            lines.append(f"strides   {len(kin.strides)}")
            lines.append(_metric_table(kin.metrics))
    lines.append(f"result    {one_line(str(result_path))}")
    return "\n".join(lines)


def _view_doubt(view: View) -> str:
    """A warning when the view the user set is not the one the clip shows (side vs frontal)."""
    detected = view.detected_view or "unclear"
    if view.source != "user" or detected == "unclear":
        return ""
    if detected.startswith("side") == view.is_side:
        return ""
    return (
        f"; but the clip looks {detected} (shoulder width ratio "
        f"{view.width_ratio or 0:.2f}): the metrics follow --view {view.view}, check it"
    )


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{1000 * value:.0f} ms"
    from gaitlab.result import unit_short

    unit = unit_short(unit)
    return f"{value:.0f} {unit}" if unit == "spm" else f"{value:.1f} {unit}"


def _metric_table(metrics: Mapping[str, MetricSummary]) -> str:
    """Metrics as aligned text: median, left / right, confidence (or why not measurable)."""
    rows = []
    for name, m in metrics.items():
        if not m.measurable:
            continue
        lr = ""
        if m.left_median is not None and m.right_median is not None:
            lr = f"L {_fmt(m.left_median, m.unit)} / R {_fmt(m.right_median, m.unit)}"
        rows.append(f"  {name:<28} {_fmt(m.median, m.unit):>12}  {lr:<28} {m.confidence}")
    skipped = [n for n, m in metrics.items() if not m.measurable]
    text = "metrics   (median over strides; confidence)\n" + "\n".join(rows)
    if skipped:
        text += f"\n  not measurable here: {', '.join(skipped)}"
    return text


def _cmd_models(args: argparse.Namespace) -> int:
    from gaitlab.pose import models

    if args.models_cmd == "download":
        path = models.download_model(args.name, base_url=args.base_url)
        print(f"installed {args.name}: {path}")
        return 0
    print(models.format_model_table(models.list_models()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``gaitlab`` command."""
    parser = ArgumentParser(
        prog="gaitlab",
        description="Running-gait analysis from a phone video.",
    )
    parser.add_argument("--version", action="version", version=f"gaitlab {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True)

    an = sub.add_parser(
        "analyze",
        help="analyse one clip, or several clips of one run as one session",
        description="Analyse one clip; or several clips of one run (a side and a rear view) "
        "as one session with one report (see docs/usage.md).",
    )
    an.add_argument(
        "clip",
        nargs="+",
        help="video file (.mp4, .mov, .m4v, .avi, .webm); two or more make one session",
    )
    an.add_argument(
        "--out",
        help="result folder (default: gaitlab_results/<clip name>; for a session, "
        "gaitlab_results/<first clip name>-session)",
    )
    an.add_argument(
        "--view",
        default="auto",
        choices=["auto", "side", "side-left", "side-right", "rear", "front"],
        help="camera view (default: detect it)",
    )
    an.add_argument(
        "--height-cm",
        type=HEIGHT_CM.argtype(),
        help="runner's height, for distances in cm (100-250)",
    )
    an.add_argument(
        "--slowmo",
        type=SLOWMO_FACTOR.argtype(),
        default=1.0,
        metavar="F",
        help="slow-motion factor: 8 for a 240 fps clip stored to play at 30 fps (1-64, default 1)",
    )
    an.add_argument("--model", default="full", help="pose model: full (bundled), lite, heavy")
    add_pose_max_side(an)
    an.add_argument(
        "--min-duration-s",
        type=MIN_DURATION_S.argtype(),
        default=MIN_CLIP_S,
        help=f"shortest clip accepted, in seconds (default {MIN_CLIP_S:g}: one stride)",
    )
    an.add_argument("--cache-dir", help="pose cache folder (default: user cache)")
    an.add_argument("--no-cache", action="store_true", help="always run pose inference")
    an.add_argument(
        "--workers",
        type=WORKERS.argtype(),
        metavar="N",
        help="pose landmarkers run in parallel on time segments of the clip (default 1: one "
        "pass; 2 is faster on a multi-core machine, with landmarks that differ slightly after the "
        "segment boundary; with 2 or more, the plots and reports are also written by a second "
        "process while the video renders: same files, ~120-190 MB more memory)",
    )
    an.add_argument("--no-video", action="store_true", help="skip the annotated video (slow)")
    an.add_argument("--no-keyframes", action="store_true", help="skip the key-frame images")
    an.add_argument(
        "--no-report", action="store_true", help="skip the HTML and PDF reports and their plots"
    )
    an.add_argument(
        "--blur-faces", action="store_true", help="blur faces in every exported image and video"
    )
    an.add_argument(
        "--runner",
        metavar="ID",
        help="record this analysis as a session of runner ID in the result store "
        "(created if new; see `gaitlab history`)",
    )
    add_store_option(an)
    an.add_argument("--json", action="store_true", help="print result.json to stdout")
    an.add_argument("--quiet", action="store_true", help="print nothing on success")
    an.set_defaults(func=_cmd_analyze)

    rep = sub.add_parser(
        "report",
        help="rebuild reports from a saved result folder (no pose inference)",
        description="Rebuild plots, exports, key frames and the HTML/PDF reports of a result.",
    )
    rep.add_argument("result_dir", help="folder written by `gaitlab analyze`")
    rep.add_argument("--clip", help="where the clip is now, if it moved")
    rep.add_argument("--video", action="store_true", help="also re-render the annotated video")
    rep.add_argument("--no-keyframes", action="store_true", help="keep the existing key frames")
    rep.add_argument("--blur-faces", action="store_true", help="blur faces in images and video")
    rep.add_argument("--quiet", action="store_true", help="print nothing on success")
    rep.set_defaults(func=_cmd_report)

    mo = sub.add_parser("models", help="list or download pose models")
    mo_sub = mo.add_subparsers(dest="models_cmd", required=True)
    mo_sub.add_parser("list", help="show installed models and their checks")
    dl = mo_sub.add_parser("download", help="download Google's official lite/heavy bundle")
    dl.add_argument("name", choices=["lite", "heavy"])
    dl.add_argument("--base-url", help=argparse.SUPPRESS)
    mo.set_defaults(func=_cmd_models)

    # Each adds its subcommand; their heavy imports happen only when the command runs.
    add_batch_parser(sub)
    add_synth_parser(sub)
    add_store_parsers(sub)
    add_dashboard_parser(sub)
    add_store_to_correct(add_correct_parser(sub))
    add_compare_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gaitlab`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return code
    except GaitlabError as exc:
        # Settings objects validate their own fields with InvalidOption, a GaitlabError (exit
        # 2); any other ValueError is a bug and falls through to the internal error below.
        print(f"gaitlab: error: {one_line(exc.message)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"gaitlab: interrupted{getattr(args, 'on_interrupt', '')}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`gaitlab history r7 | head`): not an error. Point stdout at
        # devnull so that the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"gaitlab: internal error: {type(exc).__name__}: {one_line(str(exc))} "
            "(a bug: rerun with --debug and report it)",
            file=sys.stderr,
        )
        return 1


def run() -> int:
    """Entry point of the installed ``gaitlab`` command and ``python -m gaitlab``: :func:`main`.

    Then the objects alive are frozen out of the garbage collector: the process ends next,
    and the interpreter's last collections would walk every object of the analysis stack
    (SciPy, mediapipe, the findings), which took over a second at exit on a shared 2-core
    machine (docs/performance.md). Atexit handlers and module cleanup still run.
    """
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(run())
