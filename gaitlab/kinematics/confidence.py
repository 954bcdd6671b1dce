"""Confidence grading of a metric: high / medium / low / not_measurable, with reasons.

A grade starts at ``high`` and each rule can only lower it (:meth:`Grade.cap`), adding the
reason in words the user can act on. The rules (docs/metrics.md, Confidence):

- wrong view -> not measurable; unclear view -> low;
- no strides -> not measurable; fewer than ``min_strides_medium`` -> low; fewer than
  ``min_strides_high`` -> medium;
- timing metrics (contact, flight, duty factor): one frame as a share of the contact time
  above 8 % -> medium, above 12 % -> low (at 25 fps a frame is 16 % of a 250 ms contact);
- landmarks poorly visible at the events -> medium (or low when very poor);
- a large share of repaired leg swaps -> medium for leg metrics;
- events inferred for a hidden far leg -> that side is a copy: asymmetry not measurable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LEVELS: tuple[str, ...] = ("not_measurable", "low", "medium", "high")


@dataclass
class Grade:
    """A mutable confidence grade being built up by rules (not part of any result)."""

    level: str = "high"
    reasons: list[str] = field(default_factory=list)

    def cap(self, level: str, reason: str) -> None:
        """Lower the grade to at most ``level`` and record why."""
        if level not in LEVELS:
            raise ValueError(f"unknown confidence level {level!r}; expected one of {LEVELS}")
        if LEVELS.index(level) < LEVELS.index(self.level):
            self.level = level
        self.reasons.append(reason)


def filming_hint(view_needed: str) -> str:
    """One-line filming advice for a metric's view (docs/filming.md)."""
    if view_needed == "side":
        return (
            "film from the side, camera still at hip height 3-5 m away, square to the "
            "running direction, whole body in frame"
        )
    return "film from directly behind, camera still at hip height, whole body in frame"


def grade_view(grade: Grade, view_needed: str, view: str, view_confidence: float) -> None:
    """View rules: a metric from the wrong view is not measurable."""
    frontal = view in ("rear", "front")
    side = view in ("side-left", "side-right")
    if view == "unclear" and view_needed == "any":
        grade.cap("low", "the view is unclear; the events may be misplaced")
    elif view == "unclear":
        grade.cap("not_measurable", f"the view is unclear; {filming_hint(view_needed)}")
    elif view_needed == "side" and not side:
        grade.cap("not_measurable", f"needs a side view, this clip is {view}")
    elif view_needed == "frontal" and not frontal:
        grade.cap("not_measurable", f"needs a rear or front view, this clip is {view}")
    elif view_confidence < 0.5:
        grade.cap("low", f"view detection is uncertain ({view_confidence:.0%})")
    elif view_confidence < 0.8:
        grade.cap("medium", f"view detection is only fairly certain ({view_confidence:.0%})")


def grade_count(grade: Grade, n: int, unit: str, n_high: int, n_medium: int) -> None:
    """Sample-size rules: more strides, more trust."""
    if n == 0:
        grade.cap("not_measurable", f"no complete {unit}s detected")
    elif n < n_medium:
        grade.cap("low", f"only {n} {unit}s (>= {n_high} wanted)")
    elif n < n_high:
        grade.cap("medium", f"{n} {unit}s (>= {n_high} wanted for high confidence)")


def grade_fps(
    grade: Grade,
    kind: str,
    fps: float,
    fps_min: float,
    contact_s: float = float("nan"),
    share_medium: float = 0.08,
    share_low: float = 0.12,
) -> None:
    """Frame-rate rule for timing metrics: one frame against the contact it times.

    Each event is placed to about one frame, so the trust in a contact (and the flight and
    duty factor made from the same events) follows ``frame interval / contact time``:
    above ``share_low`` -> low, above ``share_medium`` -> medium. Without a measured
    contact time, frame rates below ``fps_min`` -> low. The cadence is not a timing of
    single events (it comes from the rhythm of the whole clip) and is not graded here.
    """
    if kind != "timing":
        return
    frame_ms = 1000.0 / fps
    if np.isfinite(contact_s) and contact_s > 0:
        share = frame_ms / (1000.0 * contact_s)
        if share > share_medium:
            grade.cap(
                "low" if share > share_low else "medium",
                f"timing at {fps:.0f} fps: one frame is {frame_ms:.0f} ms, "
                f"{100 * share:.0f} % of a {1000 * contact_s:.0f} ms contact; film at >= "
                f"{1.0 / (share_medium * contact_s):.0f} fps (slow motion is better)",
            )
    elif fps < fps_min:
        grade.cap(
            "low",
            f"timing at {fps:.0f} fps: one frame is {frame_ms:.0f} ms; film at "
            f">= {fps_min:.0f} fps (slow motion is better)",
        )


def grade_visibility(grade: Grade, visibility: float, good: float) -> None:
    """Visibility rule: median visibility of the metric's landmarks at its events."""
    if not visibility >= good:  # also catches NaN
        if visibility >= 0.5:
            grade.cap("medium", f"landmarks partly hidden (median visibility {visibility:.2f})")
        else:
            grade.cap("low", f"landmarks mostly hidden (median visibility {visibility:.2f})")


def grade_swaps(grade: Grade, share: float, share_max: float) -> None:
    """Leg-swap rule: many repaired frames mean the pose model struggled with the legs."""
    if share > share_max:
        grade.cap("medium", f"{share:.0%} of frames had left/right leg labels swapped (repaired)")
