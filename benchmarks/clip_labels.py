"""Hand labels of real clips (``benchmarks/labels/*.json``): reading, checking, scoring.

The labels are ground truth that does not come from gaitlab: foot strikes and toe-offs found
by stepping through the frames and looking (the format is described in
``benchmarks/labels/README.md``). This module reads them, checks them against their clip, and
scores detected events against them; it does no video or pose work, so the benchmark
(``real_clips.py``) and the tests share one definition of every number.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LABELS_DIR = Path(__file__).resolve().parent / "labels"

SCHEMA = "gaitlab-clip-labels"
SCHEMA_VERSION = 1
VIEWS = ("side", "rear", "front", "oblique")
CAMERAS = ("static", "panning", "handheld")
SURFACES = ("treadmill", "overground", "none")
ACTIVITIES = ("running", "walking", "other")
SIDES = ("left", "right", None)
#: Fewer visible steps than this and a clip's labelled cadence is not a target (issue's rule).
MIN_STEPS_FOR_CADENCE = 4
#: A detected event further than this from a label is another event, not a timing error
#: (half a running step at 30 fps).
NEAR_FRAMES = 5


class LabelError(ValueError):
    """A labels file that does not follow the format; the message names the file and field."""


@dataclass(frozen=True)
class Event:
    """One labelled foot event.

    Attributes
    ----------
    frame
        0-based frame index, in the order OpenCV reads the frames sequentially.
    side
        ``left`` / ``right`` leg of the runner, or None when the labeller could not tell.
    sure
        False when the labeller hesitated between neighbouring frames (see the file's notes).
    """

    frame: int
    side: str | None
    sure: bool


@dataclass(frozen=True)
class CadenceLabel:
    """Cadence computed from the labelled foot strikes.

    Attributes
    ----------
    value_spm
        Steps per minute of clip time: ``60 * fps / frames_per_step``.
    uncertainty_spm
        One standard error of ``value_spm`` (from the labelling precision or the fit's
        residuals, whichever is larger).
    frames_per_step
        Least-squares slope of strike frame against step number.
    steps
        Number of steps between the first and the last labelled strike.
    """

    value_spm: float
    uncertainty_spm: float
    frames_per_step: float
    steps: int


@dataclass(frozen=True)
class ClipLabels:
    """The labels of one clip (one ``benchmarks/labels/<clip stem>.json``)."""

    path: Path
    clip: str
    sha256: str
    frame_count: int
    fps: float
    view: str
    camera: str
    surface: str
    activity: str
    runner: str
    labelled_frames: tuple[int, int] | None
    label_precision_frames: float
    foot_strikes: tuple[Event, ...]
    toe_offs: tuple[Event, ...]
    cadence: CadenceLabel | None
    cadence_is_target: bool
    real_time: bool
    playback: str
    labelled_by: str
    date: str
    notes: str

    @property
    def stem(self) -> str:
        """The clip's file name without its extension (the labels file's name)."""
        return Path(self.clip).stem

    @property
    def visible_steps(self) -> int:
        """Steps between the first and last labelled foot strike."""
        return max(len(self.foot_strikes) - 1, 0)

    @property
    def is_running(self) -> bool:
        """True for a clip of running (the verdict gaitlab must give)."""
        return self.activity == "running"


# --------------------------------------------------------------------------- cadence
def cadence_from_strikes(
    frames: Sequence[int], fps: float, precision_frames: float = 1.0
) -> CadenceLabel | None:
    """Cadence of consecutive foot strikes (both feet, no step missing between them).

    The strikes are numbered 0, 1, 2, ... in time order; the least-squares slope of frame
    against step number is the frames per step, and ``cadence = 60 * fps / slope``. A fit
    uses every strike, so one strike labelled a frame early or late moves the result less
    than it would move ``(last - first) / (n - 1)``.

    Parameters
    ----------
    frames
        Frame indices of the foot strikes of both feet.
    fps
        Frame rate of the clip as OpenCV reads it (frames per second of clip time).
    precision_frames
        Standard deviation of one label, in frames (how sure the labeller is).

    Returns
    -------
    CadenceLabel or None
        None with fewer than 3 strikes (no fit, no uncertainty).
    """
    f = sorted(frames)
    n = len(f)
    if n < 3:
        return None
    idx = range(n)
    mean_i = (n - 1) / 2
    mean_f = sum(f) / n
    sxx = sum((i - mean_i) ** 2 for i in idx)
    slope = sum((i - mean_i) * (x - mean_f) for i, x in zip(idx, f, strict=True)) / sxx
    resid = [x - (mean_f + slope * (i - mean_i)) for i, x in zip(idx, f, strict=True)]
    sigma = max(precision_frames, math.sqrt(sum(r * r for r in resid) / (n - 2)))
    se_slope = sigma / math.sqrt(sxx)
    value = 60.0 * fps / slope
    return CadenceLabel(
        value_spm=round(value, 2),
        uncertainty_spm=round(value * se_slope / slope, 2),
        frames_per_step=round(slope, 3),
        steps=n - 1,
    )


# --------------------------------------------------------------------------- reading
def _need(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise LabelError(f"{where}: missing field {key!r}")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise LabelError(f"{where}: {key!r} must be {kind}, got {type(value).__name__}")
    return value


def _choice(data: dict[str, Any], key: str, allowed: Sequence[Any], where: str) -> Any:
    value = data.get(key, "<missing>")
    if value not in allowed:
        raise LabelError(f"{where}: {key!r} must be one of {list(allowed)}, got {value!r}")
    return value


def _events(data: dict[str, Any], key: str, where: str) -> tuple[Event, ...]:
    out = []
    for k, e in enumerate(_need(data, key, list, where)):
        at = f"{where}: {key}[{k}]"
        if not isinstance(e, dict):
            raise LabelError(f"{at} must be an object")
        frame = _need(e, "frame", int, at)
        side = _choice(e, "side", SIDES, at)
        sure = _need(e, "sure", bool, at)
        out.append(Event(frame=frame, side=side, sure=sure))
    frames = [e.frame for e in out]
    if frames != sorted(frames) or len(set(frames)) != len(frames):
        raise LabelError(f"{where}: {key} must be in increasing frame order, without repeats")
    return tuple(out)


def load_labels(path: str | Path) -> ClipLabels:
    """Read and check one labels file.

    Raises
    ------
    LabelError
        When a field is missing, has the wrong type or an unknown value, when events are
        out of order or outside the clip, or when the stored cadence disagrees with the one
        computed from the strikes.
    """
    path = Path(path)
    where = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise LabelError(f"{where}: not readable JSON ({exc})") from exc
    if data.get("schema") != SCHEMA or data.get("schema_version") != SCHEMA_VERSION:
        raise LabelError(f"{where}: expected schema {SCHEMA} version {SCHEMA_VERSION}")
    clip = _need(data, "clip", str, where)
    if Path(clip).stem != path.stem:
        raise LabelError(f"{where}: file name must be the clip's stem ({Path(clip).stem})")
    sha = _need(data, "sha256", str, where)
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise LabelError(f"{where}: sha256 must be 64 lower-case hex digits")
    n = _need(data, "frame_count", int, where)
    fps = float(_need(data, "fps", (int, float), where))
    if n <= 0 or not fps > 0:
        raise LabelError(f"{where}: frame_count and fps must be positive")
    window = data.get("labelled_frames")
    if window is not None:
        if not (isinstance(window, list) and len(window) == 2 and 0 <= window[0] < window[1] < n):
            raise LabelError(f"{where}: labelled_frames must be [first, last] inside the clip")
        window = (int(window[0]), int(window[1]))
    strikes = _events(data, "foot_strikes", where)
    toe_offs = _events(data, "toe_offs", where)
    for e in (*strikes, *toe_offs):
        if not 0 <= e.frame < n:
            raise LabelError(f"{where}: event at frame {e.frame} is outside 0..{n - 1}")
    activity = _choice(data, "activity", ACTIVITIES, where)
    precision = float(_need(data, "label_precision_frames", (int, float), where))
    stored = data.get("cadence")
    computed = cadence_from_strikes([e.frame for e in strikes], fps, precision)
    if (stored is None) != (computed is None):
        raise LabelError(f"{where}: cadence must be given exactly when there are >= 3 strikes")
    if stored is not None and computed is not None:
        if abs(float(stored["value_spm"]) - computed.value_spm) > 0.01:
            raise LabelError(
                f"{where}: cadence {stored['value_spm']} does not match the strikes "
                f"({computed.value_spm})"
            )
    return ClipLabels(
        path=path,
        clip=clip,
        sha256=sha,
        frame_count=n,
        fps=fps,
        view=_choice(data, "view", VIEWS, where),
        camera=_choice(data, "camera", CAMERAS, where),
        surface=_choice(data, "surface", SURFACES, where),
        activity=activity,
        runner=_need(data, "runner", str, where),
        labelled_frames=window,
        label_precision_frames=precision,
        foot_strikes=strikes,
        toe_offs=toe_offs,
        cadence=computed,
        cadence_is_target=_need(data, "cadence_is_target", bool, where),
        real_time=_need(data, "real_time", bool, where),
        playback=_need(data, "playback", str, where),
        labelled_by=_need(data, "labelled_by", str, where),
        date=_need(data, "date", str, where),
        notes=_need(data, "notes", str, where),
    )


def all_labels(folder: Path = LABELS_DIR) -> list[ClipLabels]:
    """Every labels file in ``folder``, sorted by clip name."""
    return [load_labels(p) for p in sorted(folder.glob("*.json"))]


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- plausibility
def alternation_problems(labels: ClipLabels) -> list[str]:
    """Ways the labelled strikes and toe-offs fail to alternate like running steps.

    In running one foot leaves the ground before the other lands, so in time the events go
    strike, toe-off, strike, toe-off ... Labels may stop early or skip a foot that is hidden,
    so only contradictions are reported: two strikes of the same known side in a row; more
    than one toe-off strictly between two consecutive strikes, or more than one strike
    strictly between two consecutive toe-offs (events on the same frame are a tie, allowed
    at one-frame labelling precision); and, per known side, a toe-off that is not followed
    by that side's next strike before that side's next toe-off.
    """
    problems: list[str] = []
    s = [e.frame for e in labels.foot_strikes]
    t = [e.frame for e in labels.toe_offs]
    for a, b in itertools.pairwise(labels.foot_strikes):
        if a.side is not None and a.side == b.side:
            problems.append(f"two {a.side} strikes in a row at {a.frame} and {b.frame}")
    for a, b in itertools.pairwise(s):
        inside = [x for x in t if a < x < b]
        if len(inside) > 1:
            problems.append(f"toe-offs {inside} all between strikes {a} and {b}")
    for a, b in itertools.pairwise(t):
        inside = [x for x in s if a < x < b]
        if len(inside) > 1:
            problems.append(f"strikes {inside} all between toe-offs {a} and {b}")
    for side in ("left", "right"):
        ss = [e.frame for e in labels.foot_strikes if e.side == side]
        ts = [e.frame for e in labels.toe_offs if e.side == side]
        for a, b in itertools.pairwise(ts):
            n = len([x for x in ss if a < x < b])
            if n != 1:
                problems.append(f"{side}: {n} {side} strikes between its toe-offs {a} and {b}")
        for a, b in itertools.pairwise(ss):
            n = len([x for x in ts if a < x < b])
            if n > 1:
                problems.append(f"{side}: {n} {side} toe-offs between its strikes {a} and {b}")
    return problems


# --------------------------------------------------------------------------- scoring
@dataclass(frozen=True)
class EventScore:
    """How many labelled events have a detected event of the same kind (and side) nearby.

    ``within`` counts labels whose nearest detected event is at most ``tolerance_frames``
    away; ``labelled`` is the number of labels scored; ``offsets_frames`` holds, for each
    label with a detected event at most :data:`NEAR_FRAMES` away, the signed offset
    ``detected - labelled`` of the nearest one (a systematic timing bias shows as a median
    away from 0).
    """

    labelled: int
    within: int
    tolerance_frames: int
    offsets_frames: tuple[int, ...] = ()

    @property
    def median_offset_frames(self) -> float:
        """Median of ``offsets_frames`` (NaN when empty)."""
        o = sorted(self.offsets_frames)
        if not o:
            return math.nan
        mid = len(o) // 2
        return float(o[mid]) if len(o) % 2 else (o[mid - 1] + o[mid]) / 2

    @property
    def share(self) -> float:
        """``within / labelled`` (NaN without labels)."""
        return self.within / self.labelled if self.labelled else math.nan


def score_events(
    labelled: Iterable[Event],
    detected: Iterable[tuple[int, str | None]],
    tolerance_frames: int = 1,
) -> EventScore:
    """Match each label to the nearest detected event of the same side.

    Parameters
    ----------
    labelled
        The hand labels of one kind (foot strikes or toe-offs).
    detected
        ``(frame, side)`` of the detected events of the same kind; ``side`` is the runner's
        leg (``left``/``right``). A label without a side is matched against every detected
        event, a label with a side only against detected events of that side.
    tolerance_frames
        A label counts as found when the nearest candidate is at most this many frames away.
    """
    det = list(detected)
    labels = list(labelled)
    within = 0
    offsets = []
    for e in labels:
        cands = [f for f, s in det if e.side is None or s == e.side]
        if not cands:
            continue
        nearest = min(cands, key=lambda f: abs(f - e.frame))
        within += abs(nearest - e.frame) <= tolerance_frames
        if abs(nearest - e.frame) <= NEAR_FRAMES:
            offsets.append(nearest - e.frame)
    return EventScore(
        labelled=len(labels),
        within=within,
        tolerance_frames=tolerance_frames,
        offsets_frames=tuple(offsets),
    )
