r"""Gait events (foot strike, toe-off) per side, strides and steps.

The step frequency that sets the windows comes from :mod:`.cadence`; the contact
detectors live in :mod:`.contacts` (all views), :mod:`.side_contacts` and
:mod:`.frontal_contacts`; the event types in :mod:`.event_types` (re-exported here). This
module puts them together.


"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from gaitlab.kinematics.cadence import SHORT_CLIP_STEPS, CadenceEstimate, steps_cadence_spm
from gaitlab.kinematics.contacts import (
    detect_contacts,
    foot_height_normalised,
    merge_split_stances,
    nearest_frame,
    velocity,
)
from gaitlab.kinematics.event_types import EVENT_KINDS as EVENT_KINDS
from gaitlab.kinematics.event_types import EventDetection as EventDetection
from gaitlab.kinematics.event_types import GaitEvent as GaitEvent
from gaitlab.kinematics.event_types import Stride as Stride
from gaitlab.kinematics.frontal_contacts import ground_drift_y, refine_frontal_contacts
from gaitlab.kinematics.geometry import (
    SIDES,
    foot_low_y,
    leg_length_px,
    mid,
    nanmedian_or_nan,
    nanpercentile_or_nan,
)
from gaitlab.kinematics.settings import KinematicsSettings
from gaitlab.kinematics.side_contacts import (
    add_dragged_stances,
    far_leg_consistent,
    fill_far_leg,
    foot_speed_rel_ground,
    ground_velocity_x,
    refine_side_contacts,
    retime_side_strikes,
)
from gaitlab.kinematics.sole import sole_height_frac_leg, sole_lifts, sole_toe_offs
from gaitlab.landmarks import LEG


def _alternation_share(fs_events: list[tuple[float, str]]) -> float:
    """Share of consecutive foot strikes whose sides differ."""
    fs_events = sorted(fs_events)
    if len(fs_events) < 2:
        return float("nan")
    sides = [s for _, s in fs_events]
    return float(np.mean([a != b for a, b in itertools.pairwise(sides)]))


def detect_gait_events(
    time_s: np.ndarray,
    xy_up: np.ndarray,
    visibility: np.ndarray,
    cadence: CadenceEstimate,
    settings: KinematicsSettings,
    side_view: bool,
    sole_up: np.ndarray | None = None,
) -> EventDetection:
    """Foot strikes and toe-offs of both legs (see module doc).

    Parameters
    ----------
    time_s : (n,) float
    xy_up : (n, 33, 2) float
        Cleaned landmarks, analysis frame with +Y up.
    visibility : (n, 33) float
        Used to tell the near from the far leg in side view.
    cadence
        Periodicity estimate; sets the stride-scale windows.
    settings
        ``foot_contact_frac``.
    side_view
        Check the far leg against the near one and infer it when needed.
    sole_up : (n, 2, 2) float, optional
        Side view: each foot's lowest silhouette pixel (:mod:`.sole`, sides in ``SIDES``
        order) in the same frame as ``xy_up``; toe-offs are then taken where it leaves
        the ground.
    """
    if not np.isfinite(cadence.stride_hz):
        return EventDetection((), None, False, float("nan"), ("no periodic stepping",))
    stride_s = 1.0 / cadence.stride_hz
    contacts: dict[str, list[tuple[float, float]]] = {}
    notes: list[str] = []
    v_ground = ground_velocity_x(time_s, xy_up) if side_view else float("nan")
    v_hip = velocity(time_s, mid(xy_up, "hip")[:, 0])
    v_run = abs(v_ground - nanmedian_or_nan(v_hip)) if np.isfinite(v_ground) else float("nan")
    near_side: str | None = None
    lifts: dict[str, np.ndarray] = {}
    if side_view:
        vis = {s: float(np.median(visibility[:, list(LEG[s][1:])])) for s in SIDES}
        near_side = max(SIDES, key=lambda s: vis[s])
    for side in SIDES:
        h = foot_height_normalised(time_s, foot_low_y(xy_up, side), stride_s)
        if side_view and np.isfinite(v_run) and v_run > 0:
            s_rel = foot_speed_rel_ground(time_s, xy_up, side, v_ground) / v_run
            with np.errstate(invalid="ignore"):
                low = h < settings.side_contact_max_height
            velocity_contacts = detect_contacts(
                time_s, s_rel, settings.foot_speed_contact_frac, stride_s, guard=low
            )
            velocity_contacts = add_dragged_stances(
                time_s,
                xy_up,
                side,
                h,
                s_rel,
                velocity_contacts,
                settings.side_contact_max_height,
                stride_s,
                leg_length_px(xy_up),
                settings.foot_ground_height_frac_leg,
            )
            contacts[side] = refine_side_contacts(
                time_s,
                xy_up,
                side,
                velocity_contacts,
                stride_s,
                leg_length_px(xy_up),
                settings.foot_ground_height_frac_leg,
                settings.toe_lift_height_frac_leg if side == near_side else None,
            )
            contacts[side] = retime_side_strikes(
                time_s, xy_up, side, contacts[side], stride_s, leg_length_px(xy_up)
            )
            contacts[side] = merge_split_stances(contacts[side], stride_s)
            if sole_up is not None:
                sole_h = sole_height_frac_leg(
                    time_s, sole_up[:, SIDES.index(side), 1], stride_s, leg_length_px(xy_up)
                )
                lifts[side] = sole_lifts(time_s, sole_h, contacts[side], stride_s)
        else:
            contacts[side] = detect_contacts(time_s, h, settings.foot_contact_frac, stride_s)
    if len(lifts) == len(SIDES):
        moved, shift_s = sole_toe_offs(contacts, lifts, stride_s)
        if moved is not contacts:
            contacts = moved
            notes.append(
                "toe-offs where the shoe's silhouette leaves the ground (a median "
                f"{1000 * shift_s:.0f} ms after the landmarks' toe-offs)"
            )
    if not side_view:
        # Re-time only when the ground line sinks by more than the height tolerance over a
        # stance (stance foot approaching the camera: rear view on a treadmill); with a
        # still ground line the height test is exact. A rising ground line (front view on
        # a treadmill) keeps the height test: the re-timing is validated on rear views only
        # (on the stick runner seen from the front it put toe-offs 200 ms early).
        drift = ground_drift_y(time_s, xy_up)
        lows = [foot_low_y(xy_up, s) for s in SIDES]
        swing_px = nanmedian_or_nan(
            np.array([nanpercentile_or_nan(y, 90) - nanpercentile_or_nan(y, 5) for y in lows])
        )
        if -drift * 0.35 * stride_s > settings.foot_contact_frac * swing_px:
            contacts = {
                side: refine_frontal_contacts(time_s, xy_up, side, contacts[side], stride_s, drift)
                for side in SIDES
            }
            notes.append(
                f"events by the feet's motion against the ground line (drifting {drift:.0f} "
                "px/s in the image)"
            )
    if side_view:
        notes.append(
            f"events by foot speed relative to the ground (ground {v_ground:.0f} px/s, "
            f"running speed {v_run:.0f} px/s in the image)"
        )
    far_inferred = False
    inferred_far: dict[str, list[bool]] = {}
    if side_view and near_side is not None:
        far_side = "right" if near_side == "left" else "left"
        consistency = far_leg_consistent(contacts[near_side], contacts[far_side], stride_s)
        if consistency < 1.0 and len(contacts[near_side]) >= 2:
            contacts[far_side], far_flags, n_inf = fill_far_leg(
                contacts[near_side], contacts[far_side], float(time_s[-1])
            )
            inferred_far[far_side] = far_flags
            far_inferred = n_inf > 0
            if far_inferred:
                notes.append(
                    f"{far_side} (far) leg: {n_inf} of {len(far_flags)} stances inferred from "
                    f"the {near_side} leg (its own foot strike did not fall mid-way between "
                    "the near foot's: far leg hidden or mislabelled there)"
                )
    events: list[GaitEvent] = []
    for side in SIDES:
        flags = inferred_far.get(side, [False] * len(contacts[side]))
        for (t_fs, t_to), inf in zip(contacts[side], flags, strict=True):
            for kind, t in (("foot_strike", t_fs), ("toe_off", t_to)):
                events.append(GaitEvent(side, kind, float(t), nearest_frame(time_s, t), inf))
    events.sort(key=lambda e: (e.time_s, e.side))
    fs_list = [(e.time_s, e.side) for e in events if e.kind == "foot_strike"]
    alt = _alternation_share(fs_list)
    if np.isfinite(alt) and alt < 0.9:
        notes.append(f"foot strikes alternate left/right in only {alt:.0%} of steps")
    return EventDetection(tuple(events), near_side, far_inferred, alt, tuple(notes))


def build_strides(detection: EventDetection) -> list[Stride]:
    """Strides (foot strike -> toe-off -> next foot strike of the same foot) of both legs.

    A stride is kept only when its toe-off lies between its two foot strikes and the stride
    is shorter than 1.6 x the median stride (a longer one spans a missed event).
    """
    out: list[Stride] = []
    for side in SIDES:
        other = "right" if side == "left" else "left"
        fss = detection.of(side, "foot_strike")
        tos = detection.of(side, "toe_off")
        other_fs = np.array([e.time_s for e in detection.of(other, "foot_strike")])
        for a, b in itertools.pairwise(fss):
            to = [e for e in tos if a.time_s < e.time_s < b.time_s]
            if len(to) != 1:
                continue
            after = other_fs[(other_fs > a.time_s) & (other_fs < b.time_s)]
            c = float(after[0]) if after.size else float("nan")
            inf = a.inferred or b.inferred or to[0].inferred
            out.append(Stride(side, a.time_s, to[0].time_s, b.time_s, c, inf))
    if out:
        med = float(np.median([s.stride_time_s for s in out]))
        out = [s for s in out if s.stride_time_s <= 1.6 * med]
    out.sort(key=lambda s: s.foot_strike_s)
    return out


def short_clip_cadence(
    time_s: np.ndarray, cad: CadenceEstimate, detection: EventDetection
) -> CadenceEstimate:
    """In a clip of few steps, the cadence from every complete step (a line through them).

    Used when the clip holds fewer than :data:`~gaitlab.kinematics.cadence.SHORT_CLIP_STEPS`
    steps and the steps' cadence is within 5 % of the periodogram's (same rhythm, less
    bias); the periodogram's value stays in the note.
    """
    if not np.isfinite(cad.cadence_spm):
        return cad
    n_steps = (time_s[-1] - time_s[0]) * cad.cadence_spm / 60.0
    strike_events = [e for e in detection.events if e.kind == "foot_strike"]
    strikes = np.array([e.time_s for e in strike_events])
    steps_spm = steps_cadence_spm(strikes, [e.side for e in strike_events])
    if n_steps >= SHORT_CLIP_STEPS or not np.isfinite(steps_spm):
        return cad
    if abs(steps_spm - cad.cadence_spm) > 0.05 * cad.cadence_spm:
        return cad
    note = (
        f"a short clip ({n_steps:.0f} steps): cadence from a line through its "
        f"{strikes.size - 1} complete steps (the rhythm's periodogram gave "
        f"{cad.cadence_spm:.1f})"
    )
    return replace(
        cad,
        cadence_spm=steps_spm,
        stride_hz=steps_spm / 120.0,
        note="; ".join(n for n in (cad.note, note) if n),
    )
