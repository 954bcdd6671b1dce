"""The store's commands: ``gaitlab history``, ``gaitlab runner`` and ``analyze --runner``.

Thin shells: each parses arguments, calls :mod:`gaitlab.store` and prints.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from gaitlab.store.errors import NotConfirmed

# Light imports only: the main command builds its parser from this module. The commands
# import the database (SQLAlchemy), the pose cache (OpenCV) and the report's number format
# when they run.

STORE_HELP = (
    "result store: a SQLAlchemy URL (postgresql+psycopg://user@host/db) or a SQLite file "
    "(default: $GAITLAB_STORE, else gaitlab.sqlite in the user data folder)"
)


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--store URL`` to a subcommand."""
    parser.add_argument("--store", metavar="URL", help=STORE_HELP)


def add_store_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add ``history`` and ``runner`` to the ``gaitlab`` command's subparsers."""
    hist = subparsers.add_parser(
        "history",
        help="a runner's sessions and how each metric moved",
        description="Print a runner's sessions and how each metric moved from the first "
        "to the last session that measured it, against the smallest detectable difference.",
    )
    hist.add_argument("runner", help="the runner's code (as given to --runner)")
    hist.add_argument("--csv", metavar="FILE", help="also write every session's metrics to FILE")
    add_store_option(hist)
    hist.set_defaults(func=cmd_history)

    run = subparsers.add_parser(
        "runner", help="list runners, note a session, or delete a runner and their data"
    )
    run_sub = run.add_subparsers(dest="runner_cmd", required=True)
    ls = run_sub.add_parser("list", help="runners in the store, with their session counts")
    add_store_option(ls)
    rm = run_sub.add_parser(
        "delete",
        help="delete a runner: their sessions, results and files",
        description="Delete a runner, every session of theirs and the files gaitlab wrote for "
        "them (result folders). Asks for confirmation unless --yes.",
    )
    rm.add_argument("runner", help="the runner's code")
    rm.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_store_option(rm)
    note = run_sub.add_parser(
        "note",
        help="set a session's physio notes",
        description="Replace the physio notes of one session of a runner (the session ids "
        "are in `gaitlab history RUNNER`). The notes are stored with the session and written "
        'to session_notes.json in its result folder (shown by the dashboard). "" clears them.',
    )
    note.add_argument("runner", help="the runner's code")
    note.add_argument("session", type=int, help="the session's id (# in gaitlab history)")
    note.add_argument("text", help="the notes (quote them)")
    add_store_option(note)
    run.set_defaults(func=cmd_runner)


def record_analysis(
    store: str | None,
    runner: str,
    result_dir: Path,
    files: Mapping[str, os.PathLike[str] | str],
    height_cm: float | None,
) -> str:
    """Record an analysis in the store (``gaitlab analyze --runner``); return a one-line note."""
    from gaitlab.store import open_store, read_session_folder

    session = read_session_folder(result_dir, runner, files=files)
    with open_store(store) as db:
        session_id = db.record_session(session, height_cm=height_cm)
        n = db.session_counts().get(session.runner, 1)
        where = db.describe()
    return f"session   #{session_id} of runner {session.runner} ({n} in all) in {where}"


def cmd_history(args: argparse.Namespace) -> int:
    """``gaitlab history RUNNER [--csv FILE]``."""
    from gaitlab.store import open_store
    from gaitlab.store.history import history_rows, metric_moves, write_history_csv

    with open_store(args.store) as db:
        runner = db.runner(args.runner)
        sessions = db.sessions(runner.code)
        where = db.describe()
    print(format_history(runner.code, runner.height_cm, sessions, metric_moves(sessions), where))
    if args.csv:
        path = write_history_csv(history_rows(sessions), args.csv)
        print(f"csv       {path}")
    return 0


def format_history(
    code: str,
    height_cm: float | None,
    sessions: Sequence,
    moves: Sequence,
    where: str,
) -> str:
    """The text ``gaitlab history`` prints."""
    from gaitlab.report.content import fmt_value

    height = f", {height_cm:g} cm" if height_cm else ""
    lines = [f"runner    {code}{height}: {len(sessions)} sessions", f"store     {where}", ""]
    lines.append(f"  {'#':>4}  {'recorded (UTC)':<16}  {'view':<10}  {'clip':<28}  result")
    for s in sessions:
        lines.append(
            f"  {s.id:>4}  {s.recorded_utc:%Y-%m-%d %H:%M}  {s.view:<10}  "
            f"{Path(s.clip_path).name:<28}  {s.result_dir}"
        )
    noted = [s for s in sessions if s.physio_notes.strip()]
    if noted:
        lines += ["", "notes     physio notes per session"]
        for s in noted:
            first, *rest = s.physio_notes.strip().splitlines()
            lines.append(f"  {s.id:>4}  {first}")
            lines += [f"        {line}" for line in rest]
    if moves:
        lines += ["", "metrics   first -> last session measuring it; a change counts when over"]
        for m in moves:
            change = (
                ""
                if m.change is None
                else f"{'+' if m.change > 0 else ''}{fmt_value(m.change, m.unit)}"
            )
            over = f"over {fmt_value(m.threshold, m.unit)} ({m.basis})" if m.threshold else ""
            note = f"  [{m.note}]" if m.note else ""
            first, last = fmt_value(m.first, m.unit), fmt_value(m.last, m.unit)
            lines.append(
                f"  {m.metric:<30} {first:>10} -> {last:<10} ({m.n_sessions})  {change:>10}  "
                f"{m.verdict:<14} {over}{note}".rstrip()
            )
    return "\n".join(lines)


def cmd_runner(args: argparse.Namespace) -> int:
    """``gaitlab runner list``, ``runner delete ID [--yes]``, ``runner note ID SESSION TEXT``."""
    from gaitlab.store import open_store
    from gaitlab.store.forget import forget_runner
    from gaitlab.store.notes import set_session_notes

    with open_store(args.store) as db:
        if args.runner_cmd == "note":
            runner = db.runner(args.runner)
            saved = set_session_notes(db, args.session, args.text, runner=runner.code)
            what = "cleared" if not args.text.strip() else "saved"
            print(f"notes     {what} for session #{saved.session_id} of runner {saved.runner}")
            if saved.file is not None:
                print(f"file      {saved.file}")
            else:
                gone = saved.problem or "the result folder is gone"
                print(f"file      not written: {gone} (the notes are in the result store)")
            return 0
        if args.runner_cmd == "list":
            counts = db.session_counts()
            print(f"store     {db.describe()}")
            for r in db.runners():
                height = f"{r.height_cm:g} cm" if r.height_cm else "-"
                print(f"  {r.code:<24} {counts.get(r.code, 0):>4} sessions  {height}")
            return 0
        runner = db.runner(args.runner)
        sessions = db.sessions(runner.code)
        if not args.yes:
            confirm_deletion(runner.code, sessions, sys.stdin.isatty(), input)
        forgotten = forget_runner(db, runner.code)
    print(f"deleted   {forgotten.summary()}")
    for k in forgotten.deletion.kept:
        print(f"kept      {k}")
    return 0


def confirm_deletion(
    code: str, sessions: Sequence, interactive: bool, ask: Callable[[str], str]
) -> None:
    """Ask the user to type the runner's code; raise :class:`NotConfirmed` otherwise.

    Without a terminal there is nobody to ask: the deletion is refused (exit code 2).
    """
    if not interactive:
        raise NotConfirmed(
            f"not deleting runner {code!r} without confirmation: no terminal to ask on; "
            "pass --yes to delete without asking"
        )
    folders = sorted({s.result_dir for s in sessions})
    print(f"This deletes runner {code}, {len(sessions)} sessions and these result folders:")
    for f in folders:
        print(f"  {f}")
    if ask(f"Type {code} to confirm: ").strip() != code:
        raise NotConfirmed(f"runner {code!r} not deleted (confirmation did not match)")
