"""gaitlab's own exceptions.

Every error a user can cause (a bad clip, a missing model, a clip with no runner) is a
:class:`GaitlabError` carrying a one-line, user-facing ``message`` and the process
``exit_code`` the CLI returns for it. The CLI and the dashboard show ``message``; they never
show a traceback for these.

Exit codes (documented in the README):

==  =====================================================
0   success
1   unexpected internal error (a bug: please report it)
2   usage error (bad arguments, settings or output folder)
3   model missing or corrupt
4   input is not a readable video
5   video readable but unsuitable (too short, too small, ...)
6   no runner found in the video
==  =====================================================
"""

from __future__ import annotations


class GaitlabError(Exception):
    """Base class for errors with a user-facing one-line message.

    Parameters
    ----------
    message
        One line that tells the user what is wrong and, where possible, what to do.
    """

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(GaitlabError):
    """The command was given something it cannot use: an option, a folder, a file (exit 2)."""

    exit_code = 2


class InvalidOption(UsageError, ValueError):
    """A setting's value is out of its range or not a number (exit 2).

    Also a :class:`ValueError`, so that library callers that validate settings objects by
    catching ``ValueError`` keep working; the CLI reports it as a usage error, while any
    other ``ValueError`` is an internal error (a bug).
    """


class ModelError(GaitlabError):
    """The pose model file is missing, corrupt, or cannot be downloaded."""

    exit_code = 3


class VideoError(GaitlabError):
    """Base class for problems with an input video."""

    exit_code = 4


class NotAFile(VideoError):
    """The path does not exist or is not a regular file."""


class UnreadableVideo(VideoError):
    """The file cannot be decoded as a video (not a video, corrupt, unknown codec)."""


class NoVideoStream(VideoError):
    """The container holds no video stream (e.g. an audio-only file)."""


class UnsuitableVideo(VideoError):
    """The video decodes but cannot be analysed (too few frames, too short, too small)."""

    exit_code = 5


class NoRunnerFound(GaitlabError):
    """Pose estimation found no person (or too few frames with one) in the video."""

    exit_code = 6
