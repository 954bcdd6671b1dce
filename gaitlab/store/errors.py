"""Errors of the result store (user-facing one-line messages, documented exit codes)."""

from __future__ import annotations

from gaitlab.errors import GaitlabError


class StoreError(GaitlabError):
    """The result store cannot be opened or written (bad URL, server down, newer schema).

    Exit code 8.
    """

    exit_code = 8


class UnknownRunner(GaitlabError):
    """No runner with that code in the store (usage error, exit code 2)."""

    exit_code = 2


class NotConfirmed(GaitlabError):
    """A destructive command was not confirmed (usage error, exit code 2)."""

    exit_code = 2


class UnknownSession(GaitlabError):
    """No session with that id (of that runner) in the store (usage error, exit code 2)."""

    exit_code = 2


class BadRunnerCode(GaitlabError):
    """A runner code that cannot be used: empty or too long (usage error, exit code 2)."""

    exit_code = 2
