"""``gaitlab compare BEFORE AFTER --out DIR [--video]``: two sessions, table and video."""

from __future__ import annotations

import argparse
from pathlib import Path

from gaitlab.files import check_output_dir, one_line

#: Default folder of the comparison's files.
DEFAULT_OUT = Path("gaitlab_results") / "comparison"


def add_compare_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add ``gaitlab compare`` to the ``gaitlab`` command."""
    p = subparsers.add_parser(
        "compare",
        help="compare two sessions: what moved, and both clips side by side (no pose inference)",
        description=(
            "Compare two sessions (before, after): each metric's change against the smallest "
            "detectable difference (comparison.csv, comparison.json) and, with --video, both "
            "clips side by side in one H.264 video, stepped together stride by stride (stride "
            "k of each over the same frames, aligned on one foot's strikes) with the angle "
            "overlays of the annotated video, drawn from the saved landmarks."
        ),
    )
    for name in ("before", "after"):
        p.add_argument(
            name,
            help=f"{name} session: a folder written by `gaitlab analyze`, or a stored "
            "session's number (#12, as `gaitlab history` lists it)",
        )
    p.add_argument("--out", help=f"folder for the comparison's files (default: {DEFAULT_OUT})")
    p.add_argument("--video", action="store_true", help="also write side_by_side.mp4")
    p.add_argument(
        "--overlay",
        action="store_true",
        help="with --video: blend the after clip over the before clip instead of side by side",
    )
    p.add_argument(
        "--side",
        choices=["left", "right"],
        help="the foot whose strikes align the clips (default: the one giving most stride "
        "pairs, the leg nearer the camera on a tie)",
    )
    p.add_argument("--clip-before", metavar="PATH", help="where the before clip is now, if moved")
    p.add_argument("--clip-after", metavar="PATH", help="where the after clip is now, if moved")
    p.add_argument("--store", metavar="URL", help="result store of the session numbers")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run ``gaitlab compare``."""
    # The analysis stack loads only when the command runs.
    from gaitlab.report.content import fmt_value
    from gaitlab.store.compare import resolve_session, write_comparison

    out = check_output_dir(args.out if args.out is not None else DEFAULT_OUT)
    before = resolve_session(args.before, "Before", args.store)
    after = resolve_session(args.after, "After", args.store)
    comparison = write_comparison(
        before, after, out, video=args.video, side=args.side,
        clip_paths=(args.clip_before, args.clip_after), overlay=args.overlay,
    )  # fmt: skip
    if args.quiet:
        return 0
    moved = [c for c in comparison.changes if c.changed]
    if moved:
        print(
            "moved     "
            + ", ".join(
                f"{c.metric} {fmt_value(c.before, c.unit)} -> {fmt_value(c.after, c.unit)}"
                for c in moved
            )
        )
    else:
        print("moved     nothing beyond measurement noise")
    for c in comparison.changes:
        over = fmt_value(c.threshold, c.unit) if c.threshold is not None else "-"
        note = f"  ({c.note})" if c.note else ""
        print(f"  {c.metric:<28} {c.verdict:<15} counts when over {over}{note}")
    sbs = comparison.video
    if sbs is not None:
        print(
            f"video     {sbs.video} ({len(sbs.plan.pairs)} stride pairs aligned on "
            f"{sbs.side} foot strikes, {sbs.plan.n_out} frames at {sbs.plan.out_fps:g} fps)"
        )
        for note in sbs.notes:
            print(f"note      {one_line(note)}")
    print(f"table     {comparison.files['csv']}, {comparison.files['json'].name}")
    return 0
