"""Two clips stepped together stride by stride: which frame of each is shown when.

Pure maths for the side-by-side comparison video (:mod:`gaitlab.report.sidebyside`): no
decoding, no drawing, no files. A stride is one foot's foot strike to its next foot strike
(the gait cycle). The k-th kept stride of clip A is paired with the k-th kept stride of clip
B (strides a reviewer excluded are skipped, so they never pair), and both are shown over the
same ``n`` output frames: output frame ``j`` of a pair is at phase ``p = j / n`` of the gait
cycle, and each clip shows the frame on screen at ``start_s + p * duration_s`` of its own
stride (the last frame whose capture time is not after that instant). ``n`` is the longer
stride's duration at the output rate, so the slower stride plays in real time and the
quicker one is stretched to match; clips of different frame rates map through their own
timestamps.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Slack on capture times when picking the frame on screen (float error on 1/fps sums).
_TIME_EPS_S = 1e-6


@dataclass(frozen=True)
class StrideSpan:
    """One stride of one foot in a clip, in frames.

    Attributes
    ----------
    number
        1-based position among that foot's strides in the clip, excluded ones counted (what
        the caption shows, so it matches the reviewer's view of the clip).
    start_frame
        Frame of the foot strike.
    end_frame
        Frame of the same foot's next foot strike (the stride's last frame is the one
        before it).
    excluded
        True when a reviewer excluded the stride: it is never paired.
    """

    number: int
    start_frame: int
    end_frame: int
    excluded: bool = False

    def __post_init__(self) -> None:
        if self.end_frame <= self.start_frame:
            raise ValueError(
                f"stride {self.number}: ends at frame {self.end_frame}, not after its start "
                f"{self.start_frame}"
            )


@dataclass(frozen=True)
class StridePair:
    """Stride ``k`` of both clips and the output frames that show it.

    Attributes
    ----------
    k
        1-based pair number.
    a, b
        The two strides.
    first_out
        First output frame of the pair.
    n_out
        Output frames of the pair.
    """

    k: int
    a: StrideSpan
    b: StrideSpan
    first_out: int
    n_out: int


@dataclass(frozen=True)
class StepPlan:
    """Which frame of each clip every output frame shows.

    Attributes
    ----------
    out_fps
        Output frame rate (frames per second of playback).
    frame_a, frame_b : (m,) int
        Source frame of clip A and B at each output frame.
    pair_index : (m,) int
        0-based index into ``pairs`` of each output frame.
    phase_pct : (m,) float
        Position in the gait cycle, 0 at foot strike, below 100.
    pairs
        The paired strides, in order.
    unpaired_a, unpaired_b
        Kept strides of A and of B left without a partner (the longer clip's last ones).
    """

    out_fps: float
    frame_a: np.ndarray
    frame_b: np.ndarray
    pair_index: np.ndarray
    phase_pct: np.ndarray
    pairs: tuple[StridePair, ...]
    unpaired_a: int
    unpaired_b: int

    @property
    def n_out(self) -> int:
        """Output frames."""
        return len(self.frame_a)


def stride_spans(strike_frames: Sequence[int], excluded: Sequence[int] = ()) -> list[StrideSpan]:
    """The strides of one foot from its foot-strike frames.

    Parameters
    ----------
    strike_frames
        Frames of that foot's foot strikes (any order; duplicates ignored).
    excluded
        Foot-strike frames whose stride a reviewer excluded.

    Returns
    -------
    list of StrideSpan
        One per pair of consecutive strikes, numbered from 1 in time order.
    """
    frames = sorted(set(int(f) for f in strike_frames))
    drop = {int(f) for f in excluded}
    return [
        StrideSpan(k, start, end, start in drop)
        for k, (start, end) in enumerate(itertools.pairwise(frames), 1)
    ]


def pairable(spans_a: Sequence[StrideSpan], spans_b: Sequence[StrideSpan]) -> int:
    """Stride pairs two clips give (kept strides of the clip with fewer)."""
    return min(sum(not s.excluded for s in spans_a), sum(not s.excluded for s in spans_b))


def _on_screen(time_s: np.ndarray, t: np.ndarray, first: int, last: int) -> np.ndarray:
    """Index of the frame on screen at each ``t``, kept within ``[first, last]``."""
    i = np.searchsorted(time_s, t + _TIME_EPS_S, side="right") - 1
    return np.clip(i, first, last)


def align_strides(
    spans_a: Sequence[StrideSpan],
    spans_b: Sequence[StrideSpan],
    time_a_s: np.ndarray,
    time_b_s: np.ndarray,
    out_fps: float,
) -> StepPlan:
    """Pair the strides of two clips and map each output frame to a frame of each.

    Parameters
    ----------
    spans_a, spans_b
        Strides of the same foot in clip A and clip B (:func:`stride_spans`).
    time_a_s, time_b_s : (n_a,), (n_b,) float
        Capture time of every frame of each clip, increasing.
    out_fps
        Output frame rate; a pair lasts ``round(max(duration_a, duration_b) * out_fps)``
        output frames (at least 1).

    Returns
    -------
    StepPlan
        Empty (no output frames) when either clip has no kept stride.

    Raises
    ------
    ValueError
        When ``out_fps`` is not a positive finite number or a stride lies outside its clip.
    """
    if not np.isfinite(out_fps) or out_fps <= 0:
        raise ValueError(f"out_fps must be a positive number, got {out_fps}")
    ta = np.asarray(time_a_s, dtype=float)
    tb = np.asarray(time_b_s, dtype=float)
    kept_a = [s for s in spans_a if not s.excluded]
    kept_b = [s for s in spans_b if not s.excluded]
    for name, kept, t in (("A", kept_a, ta), ("B", kept_b, tb)):
        for s in kept:
            if s.end_frame >= len(t) or s.start_frame < 0:
                raise ValueError(
                    f"clip {name} stride {s.number}: frames {s.start_frame}-{s.end_frame} "
                    f"outside its {len(t)} frames"
                )
    n_pairs = min(len(kept_a), len(kept_b))
    fa, fb, idx, phase = [], [], [], []
    pairs = []
    first = 0
    for k in range(n_pairs):
        a, b = kept_a[k], kept_b[k]
        dur_a = ta[a.end_frame] - ta[a.start_frame]
        dur_b = tb[b.end_frame] - tb[b.start_frame]
        n = max(1, round(max(dur_a, dur_b) * out_fps))
        p = np.arange(n) / n
        fa.append(_on_screen(ta, ta[a.start_frame] + p * dur_a, a.start_frame, a.end_frame - 1))
        fb.append(_on_screen(tb, tb[b.start_frame] + p * dur_b, b.start_frame, b.end_frame - 1))
        idx.append(np.full(n, k))
        phase.append(100.0 * p)
        pairs.append(StridePair(k + 1, a, b, first, n))
        first += n

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    return StepPlan(
        out_fps=float(out_fps),
        frame_a=cat(fa, int),
        frame_b=cat(fb, int),
        pair_index=cat(idx, int),
        phase_pct=cat(phase, float),
        pairs=tuple(pairs),
        unpaired_a=len(kept_a) - n_pairs,
        unpaired_b=len(kept_b) - n_pairs,
    )


def choose_side(
    spans_a: dict[str, Sequence[StrideSpan]],
    spans_b: dict[str, Sequence[StrideSpan]],
    prefer: str | None = None,
) -> str:
    """The foot whose strikes give the most stride pairs (``prefer`` on a tie, else left).

    Parameters
    ----------
    spans_a, spans_b
        Side (``left``, ``right``) -> that foot's strides in clip A and clip B.
    prefer
        The side to take when both give as many pairs (the leg nearer the camera).
    """
    order = ["left", "right"]
    if prefer in order:
        order.remove(prefer)
        order.insert(0, prefer)
    return max(
        order, key=lambda s: (pairable(spans_a.get(s, ()), spans_b.get(s, ())), -order.index(s))
    )
