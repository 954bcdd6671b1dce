"""One validation layer for the numbers a user gives gaitlab, wherever they come from.

The same :class:`NumberRange` checks a value typed on the command line (``analyze``,
``batch``), read from a batch manifest cell, or passed to the settings objects the library
and the dashboard build (:class:`~gaitlab.pipeline.AnalysisRequest`,
:class:`~gaitlab.pose.extract.PoseSettings`, :class:`~gaitlab.io.video.VideoLimits`): a value
must be a finite number inside its range, and a bad one raises
:class:`~gaitlab.errors.InvalidOption` (exit code 2) with a message that says what was
expected and what arrived. Only these errors are usage errors; any other ``ValueError`` is a
bug and reported as one.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real

from gaitlab.errors import InvalidOption


@dataclass(frozen=True)
class NumberRange:
    """The accepted values of one numeric setting.

    Attributes
    ----------
    name
        The setting's name in messages when no other label is given (``slowmo_factor``).
    lo, hi
        Smallest and largest accepted value (inclusive).
    integer
        Only whole numbers are accepted.
    why
        What the range protects, added to the message (optional).
    """

    name: str
    lo: float
    hi: float
    integer: bool = False
    why: str = ""

    def describe(self) -> str:
        """``a number between 1 and 64`` (or ``a whole number ...``)."""
        kind = "a whole number" if self.integer else "a number"
        if math.isinf(self.hi):
            return f"{kind} of at least {self.lo:g}"
        return f"{kind} between {self.lo:g} and {self.hi:g}"

    def _problem(self, value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, Real):
            return f"must be {self.describe()}, got {value!r}"
        number = float(value)
        if math.isnan(number) or not self.lo <= number <= self.hi:
            reason = f" ({self.why})" if self.why else ""
            return f"must be {self.describe()}{reason}, got {_show(number)}"
        if self.integer and number != int(number):
            return f"must be {self.describe()}, got {_show(number)}"
        return None

    def check(self, value: object, label: str | None = None) -> float:
        """``value`` as a float (an int when ``integer``) when it is in range.

        Raises
        ------
        InvalidOption
            ``<label> must be a number between LO and HI, got VALUE``.
        """
        problem = self._problem(value)
        if problem is not None:
            raise InvalidOption(f"{label or self.name} {problem}")
        return int(value) if self.integer else float(value)  # type: ignore[arg-type]

    def check_optional(self, value: object, label: str | None = None) -> float | None:
        """:meth:`check`, letting None (not set) through."""
        return None if value is None else self.check(value, label)

    def parse(self, text: str, label: str | None = None) -> float:
        """A value typed by the user (command line, manifest cell), checked.

        Raises
        ------
        InvalidOption
            Not a number, or out of range.
        """
        try:
            value: float = int(text) if self.integer else float(text)
        except (TypeError, ValueError):
            raise InvalidOption(
                f"{label or self.name} must be {self.describe()}, got {text!r}"
            ) from None
        return self.check(value, label)

    def argtype(self) -> Callable[[str], float]:
        """An argparse ``type=``: argparse then prefixes the message with the option's name."""

        def parse(text: str) -> float:
            try:
                value: float = int(text) if self.integer else float(text)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"must be {self.describe()}, got {text!r}"
                ) from None
            problem = self._problem(value)
            if problem is not None:
                raise argparse.ArgumentTypeError(problem)
            return value

        parse.__name__ = self.name  # argparse names the type in some messages
        return parse


def _show(value: float) -> str:
    return f"{value:g}" if math.isfinite(value) else str(value)


#: Slow-motion factor: 1 (real time) to 64 (a 1920 fps capture played at 30 fps).
SLOWMO_FACTOR = NumberRange("slowmo_factor", 1.0, 64.0)
#: The runner's height, in cm.
HEIGHT_CM = NumberRange("height_cm", 100.0, 250.0)
#: Shortest clip accepted, in seconds of capture time.
#: Shortest clip accepted by default (capture time, s): one complete stride (two steps) of a
#: slow walk at 100 steps/min lasts 1.2 s, and one stride is what telling running from
#: walking needs (a running stride at >= 135 steps/min takes <= 0.9 s). A pass-by seen for
#: a stride or two is analysed and its few steps are reported at low confidence instead of
#: being refused.
MIN_CLIP_S = 1.2

MIN_DURATION_S = NumberRange("min_duration_s", 0.0, 3600.0)
#: Smallest short side of the frame accepted, in pixels.
MIN_SHORT_SIDE_PX = NumberRange("min_short_side_px", 1, 100_000, integer=True)
#: Longest clip accepted, in seconds (a limit set by the dashboard or a deployment).
MAX_DURATION_S = NumberRange("max_duration_s", 0.1, math.inf)
#: Largest file accepted, in megabytes.
MAX_FILE_MB = NumberRange("max_file_mb", 0.001, math.inf)
#: Landmarkers or processes used for one clip.
WORKERS = NumberRange("workers", 1, 64, integer=True)
#: Clips scored at once by a batch.
JOBS = NumberRange("jobs", 1, 4096, integer=True)
