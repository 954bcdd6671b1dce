"""The gait event types: an event, a stride, and a clip's detected events.

Plain data without the detectors' dependencies (:mod:`.events` finds them), so that code
that only reads or edits events (a reviewer's corrections) loads no signal processing.
"""

from __future__ import annotations

from dataclasses import dataclass

EVENT_KINDS: tuple[str, str] = ("foot_strike", "toe_off")


@dataclass(frozen=True)
class GaitEvent:
    """One gait event.

    Attributes
    ----------
    side
        ``"left"`` or ``"right"``.
    kind
        ``"foot_strike"`` or ``"toe_off"``.
    time_s
        Event time in seconds (interpolated between frames).
    frame
        Index of the frame nearest to ``time_s``.
    inferred
        True when not seen on this leg but placed half a stride after the other leg's
        event (hidden far leg).
    """

    side: str
    kind: str
    time_s: float
    frame: int
    inferred: bool = False


@dataclass(frozen=True)
class Stride:
    """One stride of one leg: foot strike to the next foot strike of the same foot.

    Attributes
    ----------
    side
        Leg whose stance starts the stride.
    foot_strike_s, toe_off_s, next_foot_strike_s
        Event times in seconds.
    contralateral_foot_strike_s
        The other foot's first strike after this foot strike (NaN if none inside the
        stride); before ``toe_off_s`` in walking (double support).
    inferred
        True when any of this stride's events was inferred.
    """

    side: str
    foot_strike_s: float
    toe_off_s: float
    next_foot_strike_s: float
    contralateral_foot_strike_s: float
    inferred: bool

    @property
    def stride_time_s(self) -> float:
        """Foot strike to the next foot strike of the same foot."""
        return self.next_foot_strike_s - self.foot_strike_s

    @property
    def contact_time_s(self) -> float:
        """Foot strike to toe-off."""
        return self.toe_off_s - self.foot_strike_s

    @property
    def flight_time_s(self) -> float:
        """Toe-off to the other foot's strike (negative = double support, i.e. walking)."""
        return self.contralateral_foot_strike_s - self.toe_off_s

    @property
    def duty_factor_pct(self) -> float:
        """Contact time / stride time x 100."""
        return 100.0 * self.contact_time_s / self.stride_time_s


@dataclass(frozen=True)
class EventDetection:
    """All gait events of a clip and how they were found.

    Attributes
    ----------
    events
        Time-ordered events of both legs.
    near_side
        Side nearer the camera in side view (better visibility), else None.
    far_inferred
        True when any of the far leg's stances was inferred from the near leg's (each
        event says whether it was).
    alternation_share
        Share of consecutive foot strikes that alternate left/right (1 = perfect).
    notes
        Human-readable remarks on event quality.
    """

    events: tuple[GaitEvent, ...]
    near_side: str | None
    far_inferred: bool
    alternation_share: float
    notes: tuple[str, ...]

    def of(self, side: str, kind: str) -> list[GaitEvent]:
        """Events of one side and kind, time-ordered."""
        return [e for e in self.events if e.side == side and e.kind == kind]
