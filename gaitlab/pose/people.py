"""Which person is the runner: continuity checks, identity tracking and the choice.

MediaPipe's one-person landmarker follows whoever it detected first and, when it loses them,
whoever it detects next: with a bystander in frame the series can jump from the runner to
the bystander and back. This module holds the pure logic (no MediaPipe, no I/O):

1. :func:`check_single_track` looks at the one-person series for the two signs that someone
   else may be followed: an *identity jump* (the body centre moves further between two
   frames than a person can) and a *static track* (the followed person's feet barely move,
   so the runner may be someone else). A continuous, moving track is kept as it is.
2. :func:`link_tracks` links the poses of a multi-person pass into identities frame by frame
   by continuity of position and size (MediaPipe's pose order is not stable between frames),
   dropping duplicate detections of one person.
3. :func:`choose_runner` picks the largest, most periodic mover among the identities.
4. :func:`count_people` counts people, not identities: someone lost for a moment (a jump, a
   turn, an occlusion) and found again nearby, dressed alike, is one person seen twice.

Units: positions in image pixels, sizes as the landmark bounding box's larger side
(``size_px``, about the body height), speeds in body sizes per second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gaitlab.imaging.appearance import look_distance
from gaitlab.landmarks import INDEX

#: Largest centre displacement between two consecutive frames that is never a jump, in body
#: sizes (pose noise and a crouch or a landing move the box centre by up to ~0.3).
JUMP_BASE_SIZES = 0.6
#: Fastest a person moves across the image, in body sizes per second (a 10 m/s sprinter of
#: 1.8 m is 5.6/s); allowed displacement grows with the time between detections.
MAX_SPEED_SIZES_PER_S = 6.0
#: A track not seen for longer than this ends; a later pose starts a new identity (s).
MAX_GAP_S = 1.0
#: The reach grows with the time since last seen only up to this (s): someone lost for a
#: moment (occluded, missed) reappears near where they were, while a pose far away after a
#: gap is more likely someone else.
REACH_GROWTH_MAX_S = 0.25
#: Below this foot-motion amplitude (body sizes) a person is standing, not running or walking
#: (a standing person's ankles move < 0.05 relative to the hips; a runner's > 0.3).
STATIC_MOTION_MAX = 0.1
#: Foot-motion amplitude that counts as fully moving when scoring (body sizes).
MOVER_MOTION_REF = 0.3
#: Two poses whose landmarks differ by less than this (mean, body sizes) are one person
#: detected twice (MediaPipe's multi-pose output has such duplicates).
DUPLICATE_MAX = 0.1
#: An identity needs this many frames to be chosen (shorter ones are flickers).
MIN_TRACK_FRAMES = 10
#: Step periods searched for periodicity (s): 0.25 s = 240 steps/min, 1.6 s = a slow stride.
PERIOD_RANGE_S = (0.25, 1.6)
#: An identity that starts at most this long after another ends may be that person found
#: again (s): a flip, a turn or a passer-by in front loses a person for a second or so.
FOUND_AGAIN_MAX_GAP_S = 2.0
#: ... when it starts within the distance a person covers in the gap, at
#: :data:`MAX_SPEED_SIZES_PER_S` for at most this long (s): 6.6 body sizes at most.
FOUND_AGAIN_REACH_MAX_S = 1.0
#: ... and is dressed alike: the largest CIELAB distance between the median colours of torso,
#: thighs and shins (:func:`gaitlab.imaging.appearance.look_distance`) is at most this. Set
#: between the same man seen on a sunlit box and on shaded grass a second later (22.9) and
#: two sprinters in white and in black on a track (35.7): one clip each
#: (``sports2d_demo_walk_side_plus_jumps_2people``, ``sports2d_demo2_sprint_side_panning_3people``).
SAME_LOOK_MAX = 30.0

_HIPS = (INDEX["left_hip"], INDEX["right_hip"])
_ANKLES = (INDEX["left_ankle"], INDEX["right_ankle"])


def reach_sizes(dt_s: float | np.ndarray) -> float | np.ndarray:
    """Farthest a person's box centre moves in ``dt_s`` seconds, in body sizes."""
    return JUMP_BASE_SIZES + MAX_SPEED_SIZES_PER_S * np.minimum(dt_s, REACH_GROWTH_MAX_S)


def centre_and_size(xy_px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounding-box centre ``(..., 2)`` and larger side ``(...)`` of landmarks ``(..., 33, 2)``."""
    lo = np.min(xy_px, axis=-2)
    hi = np.max(xy_px, axis=-2)
    return (lo + hi) / 2.0, np.max(hi - lo, axis=-1)


def foot_motion(xy_px: np.ndarray) -> float:
    """How much the feet move relative to the hips, in body sizes (NaN frames ignored).

    The larger over both ankles of the span (10th to 90th percentile) of the ankle's position
    relative to the mid-hip: ~0.02 standing, 0.3-0.6 walking or running in any view.
    """
    ok = ~np.isnan(xy_px[:, 0, 0])
    if ok.sum() < 3:
        return 0.0
    xy = xy_px[ok]
    _, size = centre_and_size(xy)
    hip = xy[:, _HIPS, :].mean(axis=1)
    spans = []
    for a in _ANKLES:
        rel = (xy[:, a, :] - hip) / size[:, None]
        spans.append(float(np.linalg.norm(np.percentile(rel, 90, 0) - np.percentile(rel, 10, 0))))
    return max(spans)


def periodicity(xy_px: np.ndarray, time_s: np.ndarray) -> float:
    """Strength (0-1) of a stepping rhythm: peak autocorrelation of the ankle separation.

    The left-minus-right ankle vector (body sizes) swings once per stride while stepping in
    any view; its strongest component's normalised autocorrelation peak at a lag within
    :data:`PERIOD_RANGE_S` is 1 for a perfect rhythm and ~0 for noise. Frames without a pose
    are filled by linear interpolation; tracks shorter than two step periods give 0.
    """
    ok = ~np.isnan(xy_px[:, 0, 0])
    if ok.sum() < MIN_TRACK_FRAMES:
        return 0.0
    idx = np.flatnonzero(ok)
    span = slice(idx[0], idx[-1] + 1)
    xy, t = xy_px[span], time_s[span]
    good = ~np.isnan(xy[:, 0, 0])
    _, size = centre_and_size(xy[good])
    sep = (xy[good][:, _ANKLES[0], :] - xy[good][:, _ANKLES[1], :]) / size[:, None]
    sig = sep[:, int(np.argmax(sep.var(axis=0)))]
    sig = np.interp(t, t[good], sig)
    dt = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    if dt <= 0 or t[-1] - t[0] < 2 * PERIOD_RANGE_S[0]:
        return 0.0
    sig = sig - sig.mean()
    denom = float(np.dot(sig, sig))
    if denom <= 1e-12:
        return 0.0
    lo = max(1, round(PERIOD_RANGE_S[0] / dt))
    hi = min(len(sig) - 2, round(PERIOD_RANGE_S[1] / dt))
    if hi < lo:
        return 0.0
    # Unbiased-by-length normalisation so short overlaps at long lags do not win.
    ac = [
        float(np.dot(sig[:-k], sig[k:])) / denom * len(sig) / (len(sig) - k)
        for k in range(lo, hi + 1)
    ]
    return float(np.clip(max(ac), 0.0, 1.0))


@dataclass(frozen=True)
class SingleTrackCheck:
    """Whether a one-person series may have followed someone other than the runner.

    Attributes
    ----------
    jump_times_s
        Frame times at which the body centre jumped further than a person moves.
    static
        True when the followed person's feet barely move (:data:`STATIC_MOTION_MAX`).
    motion
        Foot motion of the track (body sizes, see :func:`foot_motion`).
    """

    jump_times_s: tuple[float, ...]
    static: bool
    motion: float

    @property
    def suspicious(self) -> bool:
        """True when another person may have been followed: check with several poses."""
        return bool(self.jump_times_s) or self.static

    def describe(self) -> str:
        """One sentence on why several poses were (or were not) looked at."""
        if self.jump_times_s:
            times = ", ".join(f"{t:.1f} s" for t in self.jump_times_s[:5])
            return f"the one-person track jumped at {times} (possibly to another person)"
        if self.static:
            return f"the person found barely moves their feet (motion {self.motion:.2f})"
        return "one person was tracked continuously and moves"


def check_single_track(xy_px: np.ndarray, time_s: np.ndarray) -> SingleTrackCheck:
    """Look for identity jumps and a static person in a one-person series.

    Parameters
    ----------
    xy_px : (n, 33, 2) float
        Landmarks, NaN where no pose.
    time_s : (n,) float
        Frame times.
    """
    ok = np.flatnonzero(~np.isnan(xy_px[:, 0, 0]))
    if len(ok) < 2:
        return SingleTrackCheck((), False, 0.0)
    centre, size = centre_and_size(xy_px[ok])
    dt = np.diff(time_s[ok])
    step = np.linalg.norm(np.diff(centre, axis=0), axis=1) / np.maximum(
        (size[1:] + size[:-1]) / 2.0, 1.0
    )
    # After a long gap the runner may re-enter anywhere: not a jump.
    jumps = (dt <= MAX_GAP_S) & (step > reach_sizes(dt))
    motion = foot_motion(xy_px)
    return SingleTrackCheck(
        tuple(float(time_s[ok[i + 1]]) for i in np.flatnonzero(jumps)),
        motion < STATIC_MOTION_MAX,
        motion,
    )


@dataclass
class Tracks:
    """Identities linked over a multi-person pass.

    Attributes
    ----------
    assignment
        Per frame, per candidate pose: its identity, or -1 for a duplicate detection.
    ambiguous
        Per frame, the identities whose match was ambiguous (another person's pose was as
        close to where the identity was expected).
    n_tracks
        Number of identities.
    """

    assignment: list[list[int]]
    ambiguous: list[set[int]]
    n_tracks: int

    def track_xy(self, candidates: Sequence[Sequence[np.ndarray]], track: int) -> np.ndarray:
        """(n, 33, 2) landmarks of one identity, NaN where it is not seen."""
        out = np.full((len(candidates), *_shape(candidates)), np.nan)
        for i, ids in enumerate(self.assignment):
            for k, tid in enumerate(ids):
                if tid == track:
                    out[i] = candidates[i][k]
        return out


def _shape(candidates: Sequence[Sequence[np.ndarray]]) -> tuple[int, ...]:
    for frame in candidates:
        if len(frame):
            return tuple(frame[0].shape)
    return (33, 2)


def link_tracks(candidates: Sequence[Sequence[np.ndarray]], time_s: np.ndarray) -> Tracks:
    """Link each frame's poses to identities by continuity of position and size.

    Greedy nearest matching against each identity's last position, in body sizes, within
    :func:`reach_sizes` of the time since it was last seen and a size ratio below 1.8.
    Identities unseen for :data:`MAX_GAP_S` end. A pose overlapping one already matched in
    the same frame (centres within half a body size, similar size) is a duplicate detection
    of that person: it neither continues another identity nor starts a new one.

    Parameters
    ----------
    candidates
        Per frame, the landmarks ``(33, 2)`` of each pose found, in MediaPipe's (unstable)
        order.
    time_s : (n,) float
        Frame times.
    """
    last: list[tuple[float, np.ndarray, float]] = []  # per identity: (time, centre, size)
    assignment: list[list[int]] = []
    ambiguous: list[set[int]] = []
    recent: list[list[float]] = []  # per identity: its last sizes
    for i, poses in enumerate(candidates):
        t = float(time_s[i])
        ids = [-2] * len(poses)
        amb: set[int] = set()
        if poses:
            cs = [_box(p) for p in poses]
            live = [j for j, (tl, _, _) in enumerate(last) if t - tl <= MAX_GAP_S]
            pairs = []
            for j in live:
                tl, cl, sl = last[j]
                reach = reach_sizes(t - tl)
                for k, (c, s) in enumerate(cs):
                    d = float(np.linalg.norm(c - cl)) / max(sl, 1.0)
                    ratio = max(s, sl) / max(min(s, sl), 1.0)
                    if d <= reach and ratio <= 1.8:
                        pairs.append((d, j, k))
            pairs.sort()
            used_j: set[int] = set()
            for d, j, k in pairs:
                if j in used_j or ids[k] != -2:
                    continue
                if any(ids[m] >= 0 and _overlapping(cs[k], cs[m]) for m in range(len(poses))):
                    ids[k] = -1  # a second fit of a person already matched in this frame
                    continue
                ids[k] = j
                used_j.add(j)
                # Another, distinct person as close as the match: the identity may be wrong here.
                for d2, j2, k2 in pairs:
                    if (
                        j2 == j
                        and k2 != k
                        and d2 <= 1.5 * d + 0.1
                        and not _duplicate(poses[k], poses[k2], cs[k][1])
                    ):
                        amb.add(j)
            for k in range(len(poses)):
                if ids[k] != -2:
                    continue
                # A new identity is not started on top of a matched pose: MediaPipe returns
                # one person twice with slightly different fits.
                if any(ids[m] >= 0 and _overlapping(cs[k], cs[m]) for m in range(len(poses))):
                    ids[k] = -1
                    continue
                ids[k] = len(last)
                last.append((t, cs[k][0], cs[k][1]))
                recent.append([])
            for k, j in enumerate(ids):
                if j >= 0:
                    recent[j] = [*recent[j][-4:], float(cs[k][1])]
                    # The reference size is the median of the last 5: one bad fit (a
                    # shrunken pose at the frame edge) does not move it.
                    last[j] = (t, cs[k][0], float(np.median(recent[j])))
        assignment.append(ids)
        ambiguous.append(amb)
    return Tracks(assignment, ambiguous, len(last))


def _box(xy_px: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre and size of one pose."""
    centre, size = centre_and_size(xy_px)
    return centre, float(size)


def _overlapping(a: tuple[np.ndarray, float], b: tuple[np.ndarray, float]) -> bool:
    """Boxes of about the same size whose centres are within half a body size."""
    (ca, sa), (cb, sb) = a, b
    similar = max(sa, sb) / max(min(sa, sb), 1.0) <= 1.5
    return similar and float(np.linalg.norm(ca - cb)) <= 0.5 * max(sa, sb)


def _duplicate(a: np.ndarray, b: np.ndarray, size_px: float) -> bool:
    return float(np.mean(np.linalg.norm(a - b, axis=-1))) <= DUPLICATE_MAX * max(size_px, 1.0)


@dataclass(frozen=True)
class Person:
    """One identity seen in a multi-person pass, with the measures used to choose the runner."""

    track: int
    first_s: float
    last_s: float
    n_frames: int
    size_px: float
    motion: float
    periodicity: float
    score: float
    role: str = "bystander"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON representation (rounded)."""
        return {
            "id": self.track,
            "first_s": round(self.first_s, 3),
            "last_s": round(self.last_s, 3),
            "frames": self.n_frames,
            "size_px": round(self.size_px, 1),
            "foot_motion": round(self.motion, 3),
            "periodicity": round(self.periodicity, 3),
            "score": round(self.score, 4),
            "role": self.role,
        }


def describe_people(
    candidates: Sequence[Sequence[np.ndarray]], tracks: Tracks, time_s: np.ndarray
) -> list[Person]:
    """Measure every identity: time span, size, foot motion, periodicity and runner score.

    score = coverage x size share x (0.1 + mover) x (0.1 + periodicity), where coverage is
    the share of frames the identity is seen in, size share its median size over the
    largest identity's, and mover its foot motion over :data:`MOVER_MOTION_REF` (capped at
    1): the largest, longest-seen, most periodic mover scores highest. Identities with fewer
    than :data:`MIN_TRACK_FRAMES` frames score 0.
    """
    n = len(candidates)
    raw = []
    for tid in range(tracks.n_tracks):
        xy = tracks.track_xy(candidates, tid)
        seen = np.flatnonzero(~np.isnan(xy[:, 0, 0]))
        size_px = float(np.median(centre_and_size(xy[seen])[1]))
        raw.append((tid, seen, size_px, foot_motion(xy), periodicity(xy, time_s)))
    largest = max((r[2] for r in raw if len(r[1]) >= MIN_TRACK_FRAMES), default=1.0)
    people = []
    for tid, seen, size_px, motion, period in raw:
        score = 0.0
        if len(seen) >= MIN_TRACK_FRAMES:
            mover = min(motion / MOVER_MOTION_REF, 1.0)
            score = (len(seen) / n) * (size_px / largest) * (0.1 + mover) * (0.1 + period)
        people.append(
            Person(
                tid,
                float(time_s[seen[0]]),
                float(time_s[seen[-1]]),
                len(seen),
                size_px,
                motion,
                period,
                score,
            )
        )
    return people


@dataclass(frozen=True)
class RunnerChoice:
    """The identities followed as the runner and why.

    Attributes
    ----------
    followed
        Identities followed (one, or none when nobody was seen long enough).
    people
        Every identity, with role ``runner``, ``bystander`` or ``flicker`` (too short).
    reason
        One sentence for the user.
    """

    followed: tuple[int, ...]
    people: tuple[Person, ...]
    reason: str


def choose_runner(people: Sequence[Person], n_people: int | None = None) -> RunnerChoice:
    """Pick the highest-scoring identity (see :func:`describe_people`).

    Only that identity is followed: a stretch of someone similar before or after it is not
    joined, because identities that never overlap in time are as often a bystander as the
    runner re-entering, and following a bystander is the worse mistake. ``n_people``
    (:func:`count_people`) makes the reason count the other people rather than the other
    identities.
    """
    eligible = [p for p in people if p.score > 0]
    if not eligible:
        flick = tuple(_with_role(p, "flicker") for p in people)
        return RunnerChoice((), flick, "nobody was seen long enough to be followed")
    best = max(eligible, key=lambda p: p.score)
    roles = []
    for p in people:
        role = "runner" if p is best else ("bystander" if p.score > 0 else "flicker")
        roles.append(_with_role(p, role))
    others = len(eligible) - 1 if n_people is None else max(n_people - 1, 0)
    reason = (
        f"followed the largest, most periodic mover (seen {best.first_s:.1f}-{best.last_s:.1f} s, "
        f"periodicity {best.periodicity:.2f}, foot motion {best.motion:.2f}, "
        f"{best.size_px:.0f} px tall)"
    )
    if others:
        reason += f"; {others} other {'person' if others == 1 else 'people'} ignored"
    return RunnerChoice((best.track,), tuple(roles), reason)


def _with_role(p: Person, role: str) -> Person:
    return Person(**{**p.__dict__, "role": role})


@dataclass(frozen=True)
class PeopleCount:
    """How many people the identities of a multi-person pass are.

    Attributes
    ----------
    n_people
        Distinct people seen long enough to count (identities of at least
        :data:`MIN_TRACK_FRAMES` frames, each group of identities judged one person once).
    found_again
        ``(earlier, later)`` identity pairs judged to be one person found again.
    """

    n_people: int
    found_again: tuple[tuple[int, int], ...] = ()


def count_people(
    candidates: Sequence[Sequence[np.ndarray]],
    tracks: Tracks,
    time_s: np.ndarray,
    people: Sequence[Person],
    looks: Sequence[Sequence[np.ndarray]] | None = None,
) -> PeopleCount:
    """Count people: identities chained when one is plausibly the other found again.

    Identities are taken in the order they appear. A later one continues an earlier chain
    when it is never seen in the same frame as any identity of that chain, starts at most
    :data:`FOUND_AGAIN_MAX_GAP_S` after the chain's last identity ends, within reach of where
    it ended (:data:`MAX_SPEED_SIZES_PER_S` over the gap, for at most
    :data:`FOUND_AGAIN_REACH_MAX_S`), at a similar size (ratio of median sizes <= 1.8), and
    (when ``looks`` are given) dressed alike (:data:`SAME_LOOK_MAX`). Otherwise it is
    another person. The count is never below the most people seen in one frame.

    Parameters
    ----------
    candidates
        Per frame, the landmarks ``(33, 2)`` of each pose (as for :func:`link_tracks`).
    tracks
        Their identities (:func:`link_tracks`).
    time_s : (n,) float
        Frame times.
    people
        The identities measured (:func:`describe_people`); flickers are not counted.
    looks
        Per frame, per pose, its colours ``(3, 3)``
        (:func:`gaitlab.imaging.appearance.appearance_lab`), or None.
    """
    counted = sorted((p for p in people if p.n_frames >= MIN_TRACK_FRAMES), key=lambda p: p.first_s)
    if not counted:
        return PeopleCount(0)
    frames: dict[int, set[int]] = {p.track: set() for p in counted}
    look_rows: dict[int, list[np.ndarray]] = {p.track: [] for p in counted}
    for i, ids in enumerate(tracks.assignment):
        for k, tid in enumerate(ids):
            if tid in frames:
                frames[tid].add(i)
                if looks is not None:
                    look_rows[tid].append(looks[i][k])
    ends = {}
    for p in counted:
        xy = tracks.track_xy(candidates, p.track)
        first, last = min(frames[p.track]), max(frames[p.track])
        ends[p.track] = (centre_and_size(xy[first])[0], centre_and_size(xy[last])[0])
    look = {
        tid: np.nanmedian(np.asarray(rows), axis=0) if rows else None
        for tid, rows in look_rows.items()
    }
    by_id = {p.track: p for p in counted}
    chains: list[list[int]] = []
    found_again = []
    for p in counted:
        best: tuple[float, int] | None = None
        for c, chain in enumerate(chains):
            if any(frames[p.track] & frames[t] for t in chain):
                continue  # seen together: two people
            a = by_id[chain[-1]]
            gap_s = p.first_s - a.last_s
            if not 0.0 < gap_s <= FOUND_AGAIN_MAX_GAP_S:
                continue
            size = (a.size_px + p.size_px) / 2.0
            dist = float(np.linalg.norm(ends[p.track][0] - ends[a.track][1])) / max(size, 1.0)
            reach = JUMP_BASE_SIZES + MAX_SPEED_SIZES_PER_S * min(gap_s, FOUND_AGAIN_REACH_MAX_S)
            ratio = max(a.size_px, p.size_px) / max(min(a.size_px, p.size_px), 1.0)
            if dist > reach or ratio > 1.8:
                continue
            la, lp = look[a.track], look[p.track]
            if la is not None and lp is not None and look_distance(la, lp) > SAME_LOOK_MAX:
                continue  # dressed differently
            if best is None or dist < best[0]:
                best = (dist, c)
        if best is None:
            chains.append([p.track])
        else:
            found_again.append((chains[best[1]][-1], p.track))
            chains[best[1]].append(p.track)
    at_once = max((sum(tid in frames for tid in set(ids)) for ids in tracks.assignment), default=0)
    return PeopleCount(max(len(chains), at_once), tuple(found_again))
