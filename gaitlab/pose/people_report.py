"""What the pose stage reports about the people in a clip (``pose.people`` in result.json).

The mode it ran in, who was followed and why, and notes for the user: several people seen,
moments where the runner was uncertain or out of frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitlab.pose.people import Person


@dataclass(frozen=True)
class PeopleReport:
    """What the pose stage did about several people, for ``result.json`` (``pose.people``).

    Attributes
    ----------
    mode
        ``single`` (one-person pass kept), ``multi`` (several poses per frame, runner
        chosen), or ``single-unchecked`` (the backend cannot return several poses).
    why
        Why this mode was used.
    people_seen
        People seen long enough to count (:func:`count_people`; 1 in single mode, where
        nobody else is looked for).
    followed
        Identities followed as the runner (``id`` in ``people``); empty in single mode.
    reason
        Which person was followed and why.
    uncertain_spans_s
        ``[start, end]`` time spans where the followed identity was ambiguous.
    people
        Every identity of a multi-person pass (see :class:`Person`).
    notes
        Remarks for the user (several people, the runner out of frame).
    found_again
        ``(earlier, later)`` identities counted as one person found again.
    """

    mode: str
    why: str
    people_seen: int
    followed: tuple[int, ...] = ()
    reason: str = ""
    uncertain_spans_s: tuple[tuple[float, float], ...] = ()
    people: tuple[Person, ...] = ()
    notes: tuple[str, ...] = field(default=())
    found_again: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON representation."""
        return {
            "mode": self.mode,
            "why": self.why,
            "people_seen": self.people_seen,
            "followed": list(self.followed),
            "reason": self.reason,
            "uncertain_frames_spans_s": [
                [round(a, 3), round(b, 3)] for a, b in self.uncertain_spans_s
            ],
            "people": [p.to_dict() for p in self.people],
            "notes": list(self.notes),
            "found_again": [list(pair) for pair in self.found_again],
        }


def spans_s(flags: np.ndarray, time_s: np.ndarray) -> tuple[tuple[float, float], ...]:
    """Time spans ``[first, last]`` of consecutive True frames."""
    out = []
    idx = np.flatnonzero(flags)
    if len(idx) == 0:
        return ()
    start = prev = int(idx[0])
    for i in idx[1:]:
        if i != prev + 1:
            out.append((float(time_s[start]), float(time_s[prev])))
            start = int(i)
        prev = int(i)
    out.append((float(time_s[start]), float(time_s[prev])))
    return tuple(out)


#: Shortest absence of the followed runner mentioned in the notes (s).
ABSENCE_NOTE_MIN_S = 1.0


def absence_notes(detected: np.ndarray, time_s: np.ndarray) -> tuple[str, ...]:
    """Notes on the stretches where the followed runner is out of frame (or not found).

    Stretches shorter than :data:`ABSENCE_NOTE_MIN_S` are ordinary missed detections.
    """
    if len(time_s) < 2 or not detected.any():
        return ()
    dt = float(np.median(np.diff(time_s)))
    total = float(time_s[-1] - time_s[0]) + dt
    notes = []
    for a, b in spans_s(~detected, time_s):
        length = b - a + dt
        if length < ABSENCE_NOTE_MIN_S:
            continue
        where = "from the start" if a <= time_s[0] else ("to the end" if b >= time_s[-1] else "")
        notes.append(
            f"the runner is out of frame or not found for {length:.1f} s "
            f"({a:.1f}-{b + dt:.1f} s{', ' + where if where else ''}, {length / total:.0%} of the "
            "clip): metrics come from the visible part only"
        )
    return tuple(notes)
