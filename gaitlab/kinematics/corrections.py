"""A reviewer's corrections to the detected gait events, applied before strides are built.

A physio reviewing a clip may move, add or delete a foot strike or toe-off, or exclude a
stride (a stumble, a bystander crossing, a bad frame). :class:`Corrections` is the ordered
list of those edits; :func:`gaitlab.kinematics.analyze_kinematics` applies it to the
detected events (:meth:`Corrections.apply`) and drops the excluded strides
(:meth:`Corrections.keep_strides`), so every metric and finding is recomputed from the saved
landmarks with the reviewer's events. Undo is dropping the last edit.

Edits name events by side, kind and frame index (what the reviewer sees in the scrubber),
and a stride by its side and the frame of its foot strike, so an edit still means the same
event after earlier edits have renumbered the strides.

Pure: no file I/O (the result folder's ``corrections.json`` is read and written by
:mod:`gaitlab.corrections`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gaitlab.errors import UsageError
from gaitlab.kinematics.event_types import EventDetection, GaitEvent, Stride

#: Edit actions.
ACTIONS = ("move", "add", "delete", "exclude_stride")
KINDS = ("foot_strike", "toe_off")
SIDES = ("left", "right")
_KIND_NAMES = {"foot_strike": "foot strike", "toe_off": "toe-off"}


class CorrectionError(UsageError):
    """A correction does not fit the events it is applied to (exit code 2)."""


@dataclass(frozen=True)
class EventEdit:
    """One reviewer edit.

    Attributes
    ----------
    action
        ``move``, ``add``, ``delete`` or ``exclude_stride``.
    side
        ``left`` or ``right``.
    kind
        ``foot_strike`` or ``toe_off`` (``foot_strike`` for ``exclude_stride``: the stride
        is named by its foot strike).
    frame
        The event's frame (``move``/``delete``/``exclude_stride``) or the new event's frame
        (``add``).
    to_frame
        Where a ``move`` puts the event; None otherwise.
    """

    action: str
    side: str
    kind: str
    frame: int
    to_frame: int | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise CorrectionError(f"correction action must be one of {', '.join(ACTIONS)}")
        if self.side not in SIDES:
            raise CorrectionError(f"side must be left or right, got {self.side!r}")
        if self.kind not in KINDS:
            raise CorrectionError(f"event must be foot_strike or toe_off, got {self.kind!r}")
        if (self.action == "move") != (self.to_frame is not None):
            raise CorrectionError("a move needs a target frame, and only a move has one")
        if self.action == "exclude_stride" and self.kind != "foot_strike":
            raise CorrectionError("a stride is named by its foot strike")

    @property
    def is_event_edit(self) -> bool:
        """True for move/add/delete (an event corrected), False for a stride excluded."""
        return self.action != "exclude_stride"

    def describe(self) -> str:
        """One line for lists and the undo button."""
        what = f"{self.side} {_KIND_NAMES[self.kind]}"
        if self.action == "move":
            return f"moved the {what} at frame {self.frame} to frame {self.to_frame}"
        if self.action == "add":
            return f"added a {what} at frame {self.frame}"
        if self.action == "delete":
            return f"deleted the {what} at frame {self.frame}"
        return f"excluded the {self.side} stride starting at frame {self.frame}"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        d = dataclasses.asdict(self)
        if self.to_frame is None:
            del d["to_frame"]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EventEdit:
        """Read :meth:`to_dict`'s form back (raises :class:`CorrectionError` on a bad one)."""
        try:
            to = d.get("to_frame")
            return cls(
                str(d["action"]), str(d["side"]), str(d.get("kind", "foot_strike")),
                _int(d["frame"]), None if to is None else _int(to),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise CorrectionError(f"not a readable correction: {dict(d)!r} ({exc})") from None


def _int(v: Any) -> int:
    if isinstance(v, bool) or not float(v).is_integer():
        raise ValueError(f"frame must be a whole number, got {v!r}")
    return int(v)


@dataclass(frozen=True)
class Corrections:
    """The reviewer's edits, in the order they were made."""

    edits: tuple[EventEdit, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.edits)

    @property
    def n_events(self) -> int:
        """Events moved, added or deleted."""
        return sum(e.is_event_edit for e in self.edits)

    @property
    def n_strides_excluded(self) -> int:
        """Strides excluded."""
        return sum(not e.is_event_edit for e in self.edits)

    def summary(self) -> str:
        """``"2 events corrected by the reviewer, 1 stride excluded"`` ("" without edits)."""
        parts = []
        if self.n_events:
            s = "" if self.n_events == 1 else "s"
            parts.append(f"{self.n_events} event{s} corrected by the reviewer")
        if self.n_strides_excluded:
            s = "" if self.n_strides_excluded == 1 else "s"
            parts.append(f"{self.n_strides_excluded} stride{s} excluded by the reviewer")
        return ", ".join(parts)

    def added(self, edit: EventEdit) -> Corrections:
        """These edits and ``edit`` after them."""
        return Corrections((*self.edits, edit))

    def undone(self) -> Corrections:
        """These edits without the last one (unchanged when there are none)."""
        return Corrections(self.edits[:-1])

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (also the ``corrections`` block of result.json)."""
        return {
            "summary": self.summary(),
            "n_events_corrected": self.n_events,
            "n_strides_excluded": self.n_strides_excluded,
            "edits": [e.to_dict() for e in self.edits],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Corrections:
        """Read :meth:`to_dict`'s form (None or no edits: no corrections)."""
        if not d:
            return cls()
        edits = d.get("edits") if isinstance(d, Mapping) else None
        if not isinstance(edits, list):
            raise CorrectionError("corrections must have a list of edits")
        return cls(tuple(EventEdit.from_dict(e) for e in edits))

    # ------------------------------------------------------------ applying
    def apply(self, detection: EventDetection, time_s: np.ndarray) -> EventDetection:
        """The detected events with the event edits applied in order.

        Raises
        ------
        CorrectionError
            When an edit names an event that is not there, a frame outside the clip, or adds
            an event where one of that side and kind already is.
        """
        n = len(time_s)
        events = list(detection.events)
        for edit in self.edits:
            if not edit.is_event_edit:
                continue
            for f in (edit.frame, edit.to_frame):
                if f is not None and not 0 <= f < n:
                    raise CorrectionError(f"{edit.describe()}: the clip has frames 0-{n - 1}")
            if edit.action == "add":
                if _find(events, edit.side, edit.kind, edit.frame) is not None:
                    raise CorrectionError(f"{edit.describe()}: there is one there already")
                events.append(
                    GaitEvent(edit.side, edit.kind, float(time_s[edit.frame]), edit.frame)
                )
                continue
            i = _find(events, edit.side, edit.kind, edit.frame)
            if i is None:
                raise CorrectionError(f"{edit.describe()}: {_nearest(events, edit)}")
            if edit.action == "delete":
                del events[i]
            else:
                to = int(edit.to_frame)  # type: ignore[arg-type]
                if _find(events, edit.side, edit.kind, to) is not None:
                    raise CorrectionError(f"{edit.describe()}: there is one there already")
                # A moved event is the reviewer's, not an inference from the other leg.
                events[i] = dataclasses.replace(
                    events[i], time_s=float(time_s[to]), frame=to, inferred=False
                )
        events.sort(key=lambda e: e.time_s)
        return dataclasses.replace(detection, events=tuple(events))

    def keep_strides(self, strides: Sequence[Stride], time_s: np.ndarray) -> tuple[Stride, ...]:
        """``strides`` without the excluded ones.

        Raises
        ------
        CorrectionError
            When an exclusion names no stride (no stride of that side starts at its frame).
        """
        starts = [(s.side, _frame(time_s, s.foot_strike_s)) for s in strides]
        dropped = set()
        for edit in self.edits:
            if edit.is_event_edit:
                continue
            key = (edit.side, edit.frame)
            if key not in starts:
                have = ", ".join(str(f) for side, f in starts if side == edit.side) or "none"
                raise CorrectionError(
                    f"{edit.describe()}: no {edit.side} stride starts there "
                    f"({edit.side} strides start at frames {have})"
                )
            dropped.add(key)
        return tuple(s for s, key in zip(strides, starts, strict=True) if key not in dropped)

    def placed(self) -> set[tuple[str, str, int]]:
        """(side, kind, frame) of the events the reviewer put where they now are."""
        out: set[tuple[str, str, int]] = set()
        for e in self.edits:
            if e.action == "delete":
                out.discard((e.side, e.kind, e.frame))
            elif e.action == "move":
                out.discard((e.side, e.kind, e.frame))
                out.add((e.side, e.kind, int(e.to_frame)))  # type: ignore[arg-type]
            elif e.action == "add":
                out.add((e.side, e.kind, e.frame))
        return out


def _frame(time_s: np.ndarray, t: float) -> int:
    return int(np.argmin(np.abs(np.asarray(time_s) - t)))


def _find(events: Sequence[GaitEvent], side: str, kind: str, frame: int) -> int | None:
    for i, e in enumerate(events):
        if e.side == side and e.kind == kind and e.frame == frame:
            return i
    return None


def _nearest(events: Sequence[GaitEvent], edit: EventEdit) -> str:
    frames = sorted(e.frame for e in events if e.side == edit.side and e.kind == edit.kind)
    if not frames:
        return f"there is no {edit.side} {_KIND_NAMES[edit.kind]} in this result"
    near = sorted(frames, key=lambda f: abs(f - edit.frame))[:3]
    return f"no such event there; the nearest are at frames {', '.join(map(str, sorted(near)))}"
