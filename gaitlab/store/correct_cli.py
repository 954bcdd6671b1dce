"""``gaitlab correct ... --store URL``: a corrected stored session is recorded again.

History, trends and a reload from the store then show the corrections.

:mod:`gaitlab.corrections.cli` defines the command; the store sits above it in the layers, so
this module adds the option and wraps the command rather than the command importing the store.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from gaitlab.store.cli import STORE_HELP

Command = Callable[[argparse.Namespace], int]


def add_store_to_correct(parser: argparse.ArgumentParser) -> None:
    """Add ``--store`` to ``gaitlab correct`` and record a corrected stored session again."""
    parser.add_argument(
        "--store",
        metavar="URL",
        help=STORE_HELP + "; a result folder recorded there as a runner's session is recorded "
        "again with the corrections (without --store: the default store, when it exists)",
    )
    inner: Command = parser.get_default("func")

    def run(args: argparse.Namespace) -> int:
        return cmd_correct_stored(args, inner)

    parser.set_defaults(func=run)


def cmd_correct_stored(args: argparse.Namespace, inner: Command) -> int:
    """Run ``gaitlab correct`` (``inner``), then update the stored session it corrected.

    The store is opened and the session found before any edit is applied: an unusable store
    (exit 8), or a ``--store`` the folder is not a session of (exit 2), changes nothing.
    """
    from gaitlab.hashing import file_sha256
    from gaitlab.result import RESULT_FILE
    from gaitlab.store.corrected import record_corrected
    from gaitlab.store.database import open_store
    from gaitlab.store.errors import UnknownSession
    from gaitlab.store.location import display_url, resolve_store_url, store_exists

    out = Path(args.result_dir)
    result = out / RESULT_FILE
    if args.store is None and not store_exists(resolve_store_url(None)):
        return inner(args)  # no store to keep in step: never create one here
    if not result.is_file():
        return inner(args)  # the command's own one-line error for a folder without a result
    with open_store(args.store) as db:
        session = db.session_in(out)
        if session is None and args.store is not None:
            raise UnknownSession(
                f"{out} is not a session in the result store ({display_url(db.url)}): "
                "correct it without --store, or record it with `gaitlab analyze --runner`"
            )
        before = file_sha256(result)
        code = inner(args)
        if session is None or file_sha256(result) == before:
            return code
        stored = record_corrected(db, out)
        where = db.describe()
    if stored is not None and not args.quiet:
        print(
            f"session   #{stored.id} of runner {stored.runner}: recorded again with the "
            f"corrections in {where}"
        )
    return code
