"""``gaitlab correct RESULT_DIR ...``: a reviewer's event corrections from the command line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from gaitlab.errors import UsageError
from gaitlab.files import check_output_dir
from gaitlab.kinematics.corrections import Corrections, EventEdit

_SIDES = {"left": "left", "l": "left", "right": "right", "r": "right"}


def _side(text: str) -> str:
    try:
        return _SIDES[text.lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"side must be left or right, got {text!r}") from None


def _frame(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a frame is a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a frame is 0 or more, got {value}")
    return value


class _Edit(argparse.Action):
    """Appends one :class:`EventEdit` per use, in command-line order."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        action, kind = self.const
        try:
            side = _side(values[0])
            frames = [_frame(v) for v in values[1:]]
        except argparse.ArgumentTypeError as exc:
            parser.error(f"{option_string}: {exc}")
        if action == "move":
            edit = EventEdit("move", side, kind, frames[0], frames[1])
        else:
            edit = EventEdit(action, side, kind, frames[0])
        edits = list(getattr(namespace, "edits", None) or [])
        namespace.edits = [*edits, edit]


def add_correct_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``gaitlab correct`` to the ``gaitlab`` command; return its parser."""
    p = subparsers.add_parser(
        "correct",
        help="correct foot strikes and toe-offs of a saved result (no pose inference)",
        description=(
            "Move, add or delete a foot strike or toe-off, or exclude a stride, then recompute "
            "every metric, finding, plot and report from the saved pose series. Frames are "
            "those of the scrubber and frames.csv; edits apply in the order given, after the "
            "ones already saved (corrections.json)."
        ),
    )
    p.add_argument("result_dir", help="folder written by `gaitlab analyze`")
    for kind, name in (("foot_strike", "strike"), ("toe_off", "toe-off")):
        p.add_argument(
            f"--move-{name}", nargs=3, metavar=("SIDE", "FROM", "TO"), action=_Edit,
            const=("move", kind), dest="edits", help=f"move the {name} of SIDE at frame FROM to TO",
        )  # fmt: skip
        p.add_argument(
            f"--add-{name}", nargs=2, metavar=("SIDE", "FRAME"), action=_Edit,
            const=("add", kind), dest="edits", help=f"add a {name} of SIDE at FRAME",
        )  # fmt: skip
        p.add_argument(
            f"--delete-{name}", nargs=2, metavar=("SIDE", "FRAME"), action=_Edit,
            const=("delete", kind), dest="edits", help=f"delete the {name} of SIDE at FRAME",
        )  # fmt: skip
    p.add_argument(
        "--exclude-stride", nargs=2, metavar=("SIDE", "FRAME"), action=_Edit,
        const=("exclude_stride", "foot_strike"), dest="edits",
        help="leave out the stride of SIDE whose foot strike is at FRAME",
    )  # fmt: skip
    p.add_argument("--undo", action="store_true", help="drop the last saved edit")
    p.add_argument("--clear", action="store_true", help="drop every saved edit")
    p.add_argument("--list", action="store_true", help="show the events and the saved edits")
    p.add_argument(
        "--export-labels",
        metavar="PATH",
        help="write the events in the benchmark labels format (benchmarks/labels/<clip>.json)",
    )
    p.add_argument("--clip", help="where the clip is now, if it moved (for the key frames)")
    p.add_argument("--no-keyframes", action="store_true", help="keep the existing key frames")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=cmd_correct, edits=[])
    return p


def _labels_path(text: str) -> Path:
    """The ``--export-labels`` file, checked before any edit is applied.

    Raises
    ------
    UsageError
        When it names a folder, or its folder cannot be created or written (exit code 2).
    """
    path = Path(text)
    if path.is_dir():
        raise UsageError(f"--export-labels {path} is a folder; give a file name (labels.json)")
    check_output_dir(path.parent, f"--export-labels {path}:")
    return path


def cmd_correct(args: argparse.Namespace) -> int:
    """Run ``gaitlab correct``."""
    # The analysis stack loads only when the command runs.
    from gaitlab.corrections.folder import (
        apply_corrections,
        labels_document,
        load_corrections,
        read_saved_result,
    )

    out = Path(args.result_dir)
    labels = _labels_path(args.export_labels) if args.export_labels else None
    saved = load_corrections(out)
    if args.clear and (args.undo or args.edits):
        raise UsageError("--clear drops every edit: give it alone")
    new = Corrections() if args.clear else saved.undone() if args.undo else saved
    for edit in args.edits:
        new = new.added(edit)
    changed = new != saved
    if changed:
        apply_corrections(out, new, keyframes=not args.no_keyframes, clip_path=args.clip)
    result, _ = read_saved_result(out)
    if labels is not None:
        text = json.dumps(labels_document(result, new), indent=2) + "\n"
        try:
            labels.parent.mkdir(parents=True, exist_ok=True)
            labels.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(
                f"--export-labels {labels}: cannot write it ({exc.strerror or exc}); the "
                "corrections are applied and saved"
            ) from None
    if args.quiet:
        return 0
    if args.list or not changed:
        for e in sorted(result.events, key=lambda e: int(e.frame or 0)):
            mark = " (inferred)" if e.inferred else ""
            print(f"frame {e.frame:>5}  {e.side:<5} {e.kind}{mark}")
    for i, e in enumerate(new.edits, 1):
        print(f"edit {i}: {e.describe()}")
    print(new.summary() or "no corrections: the events are as detected")
    if changed:
        print(f"recomputed metrics, findings, plots and reports in {out}")
    if args.export_labels:
        print(f"labels written to {args.export_labels}")
    return 0
