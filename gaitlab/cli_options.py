"""Command-line options shared by ``gaitlab analyze`` and ``gaitlab batch``.

Both commands build their parsers from here, so the option reads the same in both and
neither command module imports the other. Light on purpose: the ``gaitlab`` command builds
its whole parser at every start, before it knows which subcommand runs.
"""

from __future__ import annotations

import argparse

#: ``PoseSettings.max_side_px``'s default, repeated here so that building the parser does not
#: load the pose stack (a test checks the two agree).
POSE_MAX_SIDE_PX = 960


def max_side_arg(text: str) -> int | None:
    """Parse ``--pose-max-side`` (pixels, or ``full``) for argparse."""
    # The pose stage (OpenCV, PyAV) loads only when the option is given.
    from gaitlab.pose.extract import parse_max_side

    try:
        return parse_max_side(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_pose_max_side(parser: argparse.ArgumentParser) -> None:
    """Add the ``--pose-max-side`` option to a subcommand's parser."""
    parser.add_argument(
        "--pose-max-side",
        type=max_side_arg,
        default=POSE_MAX_SIDE_PX,
        metavar="PX|full",
        help=f"long side in pixels of the frames the pose model is given (default "
        f"{POSE_MAX_SIDE_PX}: larger frames are scaled down, about a quarter less inference "
        "time at 1080p, same measured accuracy); full: the clip's own size",
    )
