"""From a motion loop and planted deviations to the runner's exact pose at any times.

Steps, in order (each a pure function of its inputs and the seed):

1. **Time -> phase.** Strides follow each other with seeded durations
   ``period / cadence_scale * (1 + e_k)``; ``phase = k + (t - start_k) / duration_k`` for
   stride ``k``. The clip starts at a seeded phase of the first stride.
2. **Source pose** from the seamless loop (:mod:`gaitlab.synth.motion`).
3. **Leg edits** (hip extension, overstride), then **pelvic drop**, then **trunk edits**
   (lean, back arch; they turn the pelvis about its hip axis, so they leave the pelvic
   obliquity alone and come last to be exact), see :mod:`gaitlab.synth.deviations`; each
   is scaled by a phase window and by the stride's own seeded variation.
4. **Foot lock.** The source's stance foot bobs 2-7 cm through the floor (up to 7 cm on the
   left). During each stance window (from the source: the sole moves slower than 15 % of the
   running speed) the body is lifted so the stance sole's lowest point is exactly on the floor
   (z = 0); between stances the lift is interpolated linearly in time, and nowhere may a sole
   go below the floor.
5. **Overground travel** (optional, :func:`overground_travel`). The loop runs in place, as
   on a treadmill whose belt carries the stance foot backwards. Overground there is no belt:
   the whole body is moved forwards so that the stance foot stands still on the floor (the
   heel while it is the lower end of the foot, then the toe it rolls onto), and in flight
   the body keeps the speed it left the ground with, changing linearly to the speed of the
   next stance. The ground speed then follows from the gait itself (stride length over
   stride time).

Everything is evaluated on a 1 kHz grid plus the requested times, so the foot lock and the
contact events do not depend on the video's frame rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gaitlab.synth.deviations import (
    Deviations,
    Window,
    drop_pelvis,
    lift_root,
    per_stride_smooth,
    reach_ankle,
    rotate_leg,
    tilt_pelvis_and_trunk,
)
from gaitlab.synth.motion import MotionLoop, sagittal_angle_deg
from gaitlab.synth.skeleton import SEG, BodyPose
from gaitlab.synth.truth import CONTACT_HEIGHT_M

#: A sole moving slower than this share of the running speed is in stance (source motion).
STANCE_SPEED_SHARE = 0.15

#: Standard deviations of the per-stride variation at ``stride_variability = 1``.
JITTER_SD: dict[str, float] = {
    "duration_pct": 1.5,
    "trunk_lean_deg": 0.6,
    "back_arch_deg": 0.5,
    "pelvic_drop_deg": 0.6,
    "hip_extension_deg": 1.0,
    "overstride_cm": 0.8,
}

#: Sample rate of the internal evaluation grid (Hz).
GRID_HZ = 1000.0
#: Margin evaluated before 0 and after the end so the lock has stance on both sides (s).
GRID_MARGIN_S = 0.6


@dataclass(frozen=True)
class GaitSchedule:
    """When each foot is on the ground in the source loop, in stride phase.

    Attributes
    ----------
    stance
        ``{'l': (on, off), 'r': (on, off)}``: stance from ``on`` to ``off`` (``off`` may exceed 1;
        both repeat every stride).
    hip_extension_plateau
        ``{'l': (start, end), 'r': (start, end)}``: where the source's hip extension (thigh vs
        trunk) is within ``HIP_PLATEAU_DEG`` of its peak; hip-extension edits are at full size
        there, which makes a planted change of up to that size shift the peak exactly.
    """

    stance: dict[str, tuple[float, float]]
    hip_extension_plateau: dict[str, tuple[float, float]]

    def in_stance(self, side: str, phase: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether ``side`` is in its source stance window at each phase."""
        on, off = self.stance[side]
        return np.mod(np.asarray(phase) - on, 1.0) < (off - on)


#: Hip-extension edits are at full size where the source is within this of its peak (deg).
HIP_PLATEAU_DEG = 25.0
#: Stance ends when the sole has risen this far above its level at the end of the slow phase
#: (m): the source's soles keep rolling on the floor after they start to move.
TOE_OFF_RISE_M = 0.01


def gait_schedule(loop: MotionLoop, n: int = 2000) -> GaitSchedule:
    """Find the stance windows and the hip-extension plateau of a loop's source motion.

    Two passes. First, a stance starts when the sole's centre (in the mocap's own,
    non-treadmill frame) slows below ``STANCE_SPEED_SHARE`` of the running speed and ends
    once the sole's lowest point, after speeding up again, has risen ``TOE_OFF_RISE_M`` above
    its height at that moment. The source is foot-locked with these windows; the stance
    windows returned are where the locked source's soles then actually touch the floor
    (within ``truth.CONTACT_HEIGHT_M``), so deviations and the lock in the final clip are
    timed by the contacts the ground truth reports (the source's left foot touches down
    ~50 ms before it stops sliding).
    """
    u = np.arange(n) / n
    pose = loop.sample(u)
    t = u * loop.period_s
    first: dict[str, tuple[float, float]] = {}
    plateau: dict[str, tuple[float, float]] = {}
    org = pose.origins_m()
    trunk = 0.5 * (org[:, SEG["upperarm_l"]] + org[:, SEG["upperarm_r"]]) - org[:, SEG["pelvis"]]
    lean = np.degrees(np.arctan2(trunk[:, 0], trunk[:, 2]))
    for side in ("l", "r"):
        soles = pose.sole_points_m(side)
        x_world = soles.mean(axis=1)[:, 0] + loop.speed_m_per_s * t
        dx = np.diff(np.concatenate([x_world, [x_world[0] + loop.speed_m_per_s * loop.period_s]]))
        speed = np.abs(dx) / (loop.period_s / n)
        slow = speed < STANCE_SPEED_SHARE * max(loop.speed_m_per_s, 1e-6)
        on, off = _longest_periodic_run(slow)
        low = soles[..., 2].min(axis=1)
        i_off = round(off * n)
        level = low[i_off % n]
        step = 0
        for step in range(int(0.15 * n)):
            if low[(i_off + step) % n] > level + TOE_OFF_RISE_M:
                break
        first[side] = (on, off + step / n)
        thigh = org[:, SEG[f"shank_{side}"]] - org[:, SEG[f"thigh_{side}"]]
        hip_ext = -lean - sagittal_angle_deg(thigh)
        plateau[side] = _run_around(
            hip_ext >= hip_ext.max() - HIP_PLATEAU_DEG, int(np.argmax(hip_ext))
        )
    pass1 = GaitSchedule(stance=first, hip_extension_plateau=plateau)
    # Second pass: lock three loops with the first windows and read the middle one's contacts.
    u3 = np.arange(3 * n) / n
    pose3 = loop.sample(u3)
    pose3 = lift_root(pose3, foot_lock(pose3, pass1, u3, u3 * loop.period_s))
    stance: dict[str, tuple[float, float]] = {}
    for side in ("l", "r"):
        contact = pose3.sole_points_m(side)[..., 2].min(axis=1) <= CONTACT_HEIGHT_M
        starts = np.flatnonzero(np.diff(contact.astype(np.int8)) == 1) + 1
        starts = starts[(starts >= n) & (starts < 2 * n)]
        if len(starts) == 0:
            stance[side] = first[side]
            continue
        i0 = int(starts[0])
        i1 = i0 + int(np.argmin(contact[i0:]))
        stance[side] = (u3[i0] - 1.0, u3[i1] - 1.0)
    return GaitSchedule(stance=stance, hip_extension_plateau=plateau)


def _run_around(mask: NDArray[np.bool_], i: int) -> tuple[float, float]:
    """The periodic run of True containing index ``i``, as phases (end may exceed 1)."""
    n = len(mask)
    lo = i
    while mask[(lo - 1) % n] and i - lo < n:
        lo -= 1
    hi = i
    while mask[(hi + 1) % n] and hi - i < n:
        hi += 1
    return (lo % n) / n, (lo % n + hi - lo + 1) / n


def _longest_periodic_run(mask: NDArray[np.bool_]) -> tuple[float, float]:
    n = len(mask)
    if mask.all() or not mask.any():
        raise ValueError("source motion has no clear stance/swing pattern")
    start = int(np.argmin(mask))  # a False sample: runs cannot wrap past it
    rolled = np.roll(mask, -start)
    best = (0, 0)
    i = 0
    while i < n:
        if rolled[i]:
            j = i
            while j < n and rolled[j]:
                j += 1
            if j - i > best[1] - best[0]:
                best = (i, j)
            i = j
        else:
            i += 1
    on = ((best[0] + start) % n) / n
    return on, on + (best[1] - best[0]) / n


@dataclass(frozen=True)
class StrideTable:
    """Per-stride timing and seeded variation, for strides ``first .. first + len - 1``.

    Attributes
    ----------
    first
        Index of the first stride (phase ``first`` starts it).
    start_s
        ``(m + 1,)`` start time of each stride and the end of the last, s.
    jitter
        Per-stride additive variation of each planted amount (``JITTER_SD`` keys; sided
        amounts as ``<key>_l`` / ``<key>_r``).
    """

    first: int
    start_s: NDArray[np.float64]
    jitter: dict[str, NDArray[np.float64]]

    def phase_at(self, time_s: NDArray[np.float64]) -> NDArray[np.float64]:
        """Stride phase at times (linear within each stride)."""
        k = np.searchsorted(self.start_s, time_s, side="right") - 1
        k = np.clip(k, 0, len(self.start_s) - 2)
        dur = self.start_s[k + 1] - self.start_s[k]
        return self.first + k + (time_s - self.start_s[k]) / dur

    def value(self, key: str, stride: NDArray[np.int64]) -> NDArray[np.float64]:
        """Jitter of ``key`` for stride indices (clamped to the table)."""
        idx = np.clip(stride - self.first, 0, len(self.jitter[key]) - 1)
        return self.jitter[key][idx]


def stride_table(
    period_s: float,
    deviations: Deviations,
    t_start_s: float,
    t_end_s: float,
    start_phase: float,
    rng: np.random.Generator,
) -> StrideTable:
    """Seeded stride durations and variation covering ``[t_start_s, t_end_s]``.

    Phase ``start_phase`` (in [0, 1)) is reached at time 0.
    """
    nominal = period_s / deviations.cadence_scale
    n_before = int(np.ceil(-t_start_s / nominal)) + 2
    n_after = int(np.ceil(t_end_s / nominal)) + 3
    m = n_before + n_after
    var = deviations.stride_variability
    jitter = {key: rng.normal(0.0, sd * var, m) for key, sd in JITTER_SD.items()}
    # Sided amounts vary independently on each side (keys "<name>_l", "<name>_r").
    for key in ("pelvic_drop_deg", "hip_extension_deg", "overstride_cm"):
        jitter[f"{key}_l"] = jitter.pop(key)
        jitter[f"{key}_r"] = rng.normal(0.0, JITTER_SD[key] * var, m)
    dur = nominal * (1.0 + jitter.pop("duration_pct") / 100.0)
    # Stride n_before is the one in progress at time 0, at start_phase.
    t0 = -start_phase * dur[n_before]
    starts = np.empty(m + 1)
    starts[n_before] = t0
    for k in range(n_before + 1, m + 1):
        starts[k] = starts[k - 1] + dur[k - 1]
    for k in range(n_before - 1, -1, -1):
        starts[k] = starts[k + 1] - dur[k]
    return StrideTable(first=-n_before, start_s=starts, jitter=jitter)


@dataclass
class Synthesis:
    """The runner at the requested times, with everything needed to explain it.

    Attributes
    ----------
    time_s
        ``(n,)`` requested times.
    phase
        ``(n,)`` stride phase (integer part = stride index).
    pose
        The final pose at ``time_s``.
    lift_m
        ``(n,)`` vertical foot-lock correction applied.
    planted
        Per-sample planted amounts actually applied (after windows and variation):
        ``trunk_lean_deg``, ``back_arch_deg``, ``pelvic_drop_deg`` (with ``pelvic_drop_stance``
        0 = left, 1 = right), ``hip_extension_l_deg`` / ``_r_deg``, ``overstride_l_cm`` / ``_r_cm``.
    schedule
        Source stance windows.
    strides
        Stride timing and variation.
    dense
        The same on the internal 1 kHz grid (for events), as ``(time_s, pose)``.
    travel_m
        ``(n, 3)`` forward travel added to the body overground (zero on a treadmill), m,
        zero at time 0.
    """

    time_s: NDArray[np.float64]
    phase: NDArray[np.float64]
    pose: BodyPose
    lift_m: NDArray[np.float64]
    planted: dict[str, NDArray[np.float64]]
    schedule: GaitSchedule
    strides: StrideTable
    dense: tuple[NDArray[np.float64], BodyPose] = field(repr=False)
    travel_m: NDArray[np.float64] | None = None


def synthesize(
    loop: MotionLoop,
    deviations: Deviations,
    time_s: NDArray[np.float64],
    seed: int = 0,
    schedule: GaitSchedule | None = None,
    overground: bool = False,
) -> Synthesis:
    """Pose the runner at ``time_s`` (s, from 0).

    Parameters
    ----------
    loop
        Seamless motion loop.
    deviations
        Planted deviations.
    time_s
        ``(n,)`` increasing times at which the pose is wanted (e.g. video frame times).
    seed
        Seeds the start phase and the stride-to-stride variation.
    schedule
        Source gait schedule (computed when omitted).
    overground
        Move the body forwards so the stance foot stands still on the floor
        (:func:`overground_travel`) instead of running in place.

    Returns
    -------
    Synthesis
    """
    time_s = np.asarray(time_s, dtype=np.float64)
    schedule = schedule or gait_schedule(loop)
    rng = np.random.default_rng(seed)
    start_phase = float(rng.uniform(0.0, 1.0))
    t_lo = min(0.0, float(time_s.min(initial=0.0))) - GRID_MARGIN_S
    t_hi = float(time_s.max(initial=0.0)) + GRID_MARGIN_S
    strides = stride_table(loop.period_s, deviations, t_lo, t_hi, start_phase, rng)

    grid = np.arange(np.floor(t_lo * GRID_HZ), np.ceil(t_hi * GRID_HZ) + 1) / GRID_HZ
    all_t, inverse = np.unique(np.concatenate([time_s, grid]), return_inverse=True)
    phase = strides.phase_at(all_t)
    pose = loop.sample(phase)
    planted: dict[str, NDArray[np.float64]] = {}
    d = deviations

    # Leg edits first: they keep ankle heights, so the lock below is unaffected by them.
    for side in ("l", "r"):
        lo, hi = schedule.hip_extension_plateau[side]
        win = Window(lo - 0.06, lo, hi, hi + 0.06)
        w, k = win.weight(phase)
        amount = d.amount("hip_extension_deg", side) + strides.value(f"hip_extension_deg_{side}", k)
        hip_ext = w * amount
        planted[f"hip_extension_{side}_deg"] = hip_ext
        pose = rotate_leg(pose, side, hip_ext)

        strike = schedule.stance[side][0]
        win = Window(strike - 0.14, strike - 0.025, strike + 0.025, strike + 0.12)
        w, k = win.weight(phase)
        amount = d.amount("overstride_cm", side) + strides.value(f"overstride_cm_{side}", k)
        over = w * amount
        planted[f"overstride_{side}_cm"] = over
        pose = reach_ankle(pose, side, over / 100.0)

    # Pelvic drop at full size from just before foot strike to toe-off (so the peak from
    # strike to mid-stance moves by exactly the planted amount), ramps in flight.
    drop = np.zeros_like(phase)
    stance_side = np.zeros(phase.shape, dtype=np.int64)
    for side_idx, side in enumerate(("l", "r")):
        on, off = schedule.stance[side]
        win = Window(on - 0.08, on - 0.02, off, off + 0.06)
        w, k = win.weight(phase)
        amount = d.amount("pelvic_drop_deg", side) + strides.value(f"pelvic_drop_deg_{side}", k)
        use = w > 0
        drop = np.where(use, w * amount, drop)
        stance_side = np.where(use, side_idx, stance_side)
    planted["pelvic_drop_deg"] = drop
    planted["pelvic_drop_stance"] = stance_side.astype(np.float64)
    pose = drop_pelvis(pose, drop, stance_side)

    lean = d.trunk_lean_deg + per_stride_smooth(
        strides.jitter["trunk_lean_deg"], phase - strides.first
    )
    arch = d.back_arch_deg + per_stride_smooth(
        strides.jitter["back_arch_deg"], phase - strides.first
    )
    planted["trunk_lean_deg"] = lean
    planted["back_arch_deg"] = arch
    pose = tilt_pelvis_and_trunk(pose, pelvis_deg=lean + arch, trunk_deg=lean)

    lift = foot_lock(pose, schedule, phase, all_t)
    pose = lift_root(pose, lift)
    travel = np.zeros((len(all_t), 3))
    if overground:
        travel = overground_travel(pose, schedule, phase, all_t)
        travel -= np.array([np.interp(0.0, all_t, travel[:, k]) for k in range(3)])
        pose = BodyPose(pose.root_m + travel, pose.rot)

    pick = inverse[: len(time_s)]
    out_pose = BodyPose(pose.root_m[pick], pose.rot[pick])
    grid_pick = inverse[len(time_s) :]
    return Synthesis(
        time_s=time_s,
        phase=phase[pick],
        pose=out_pose,
        lift_m=lift[pick],
        planted={k: v[pick] for k, v in planted.items()},
        schedule=schedule,
        strides=strides,
        dense=(all_t[grid_pick], BodyPose(pose.root_m[grid_pick], pose.rot[grid_pick])),
        travel_m=travel[pick],
    )


#: The stance foot's anchor passes from the heel to the toe while the toe point's height
#: goes from this far above the heel point's to this far below it (m).
ROLL_BLEND_M = 0.01


def overground_travel(
    pose: BodyPose, schedule: GaitSchedule, phase: NDArray[np.float64], time_s: NDArray
) -> NDArray[np.float64]:
    """Horizontal travel that keeps the stance foot still on the floor (no treadmill belt).

    During each stance the body moves by minus the motion of the stance foot's anchor: the
    heel point while the heel is the lower end of the foot, the toe point once the foot has
    rolled onto it (blended over ``ROLL_BLEND_M`` of height difference, so the body's
    velocity stays continuous). In flight the body's velocity changes linearly from the
    value it left one stance with to the value it starts the next with. The travel is the
    time integral of that velocity (trapezoids on the 1 kHz grid).

    Parameters
    ----------
    pose
        The foot-locked in-place pose at ``time_s``.
    schedule
        Source stance windows.
    phase, time_s
        ``(n,)`` stride phase and increasing times (s).

    Returns
    -------
    numpy.ndarray
        ``(n, 3)`` travel (x, y; z = 0), m, zero at the first sample.

    Raises
    ------
    ValueError
        If the two feet are ever in stance together (a walk has no flight to hand over in).
    """
    t = np.asarray(time_s, dtype=np.float64)
    stance = {s: schedule.in_stance(s, phase) for s in ("l", "r")}
    if (stance["l"] & stance["r"]).any():
        raise ValueError("overground travel needs a running gait: both feet were on the ground")
    velocity = np.full((len(t), 2), np.nan)
    for side, name in (("l", "left"), ("r", "right")):
        heel, toe = pose.points_m((f"{name}_heel", f"{name}_foot_index")).transpose(1, 0, 2)
        # 1 at the heel, 0 at the toe, smooth in between.
        u = np.clip(0.5 + (toe[:, 2] - heel[:, 2]) / (2.0 * ROLL_BLEND_M), 0.0, 1.0)
        w = u * u * (3.0 - 2.0 * u)
        # The anchor's velocity is the blend of the two points' velocities: where the weight
        # is 1 (0) the heel (toe) stands exactly still.
        v_heel = np.gradient(heel[:, :2], t, axis=0)
        v_toe = np.gradient(toe[:, :2], t, axis=0)
        v_anchor = w[:, None] * v_heel + (1.0 - w[:, None]) * v_toe
        velocity[stance[side]] = -v_anchor[stance[side]]
    known = ~np.isnan(velocity[:, 0])
    if not known.any():
        raise ValueError("no stance in the evaluated span")
    for k in range(2):
        velocity[~known, k] = np.interp(t[~known], t[known], velocity[known, k])
    dt = np.diff(t)[:, None]
    # The source's stance feet drift sideways (~0.1 m/s): left alone the runner would veer
    # off a straight line. Each flight takes back its share of that drift with a smooth
    # sideways push (zero at take-off and landing), so the stance feet stay still and the
    # path stays straight.
    flight = np.flatnonzero(~known)
    runs = np.split(flight, np.flatnonzero(np.diff(flight) > 1) + 1) if len(flight) else []
    runs = [r for r in runs if len(r) > 2]
    if runs:
        drift_m = float(np.sum(0.5 * (velocity[1:, 1] + velocity[:-1, 1]) * dt[:, 0]))
        for r in runs:
            tr = t[r]
            bump = np.sin(np.pi * (tr - tr[0]) / (tr[-1] - tr[0])) ** 2
            area = float(np.sum(0.5 * (bump[1:] + bump[:-1]) * np.diff(tr)))
            velocity[r, 1] -= drift_m / len(runs) * bump / area
    travel = np.zeros((len(t), 3))
    travel[1:, :2] = np.cumsum(0.5 * (velocity[1:] + velocity[:-1]) * dt, axis=0)
    return travel


def foot_lock(
    pose: BodyPose, schedule: GaitSchedule, phase: NDArray[np.float64], time_s: NDArray
) -> NDArray[np.float64]:
    """Vertical lift that puts the stance sole on the floor (see the module docstring).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` lift in m to add to the root height.
    """
    z = {s: pose.sole_points_m(s)[..., 2].min(axis=1) for s in ("l", "r")}
    stance = {s: schedule.in_stance(s, phase) for s in ("l", "r")}
    any_stance = stance["l"] | stance["r"]
    lowest_stance = np.minimum(
        np.where(stance["l"], z["l"], np.inf), np.where(stance["r"], z["r"], np.inf)
    )
    if not any_stance.any():
        raise ValueError("no stance in the evaluated span")
    lift = np.interp(time_s, time_s[any_stance], -lowest_stance[any_stance])
    # Never a sole below the floor (e.g. a swing foot skimming it just before contact).
    return np.maximum(lift, -np.minimum(z["l"], z["r"]))
