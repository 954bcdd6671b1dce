"""Before and after as one video: two result folders side by side, stepped stride by stride.

Each half is drawn as the annotated video draws it (:func:`~gaitlab.report.annotators.
default_annotators` on :class:`~gaitlab.report.frames.FrameOverlays` of its own result), from
the landmarks saved in the result folder (no pose inference) over the clip's frames; the
frames shown come from :func:`gaitlab.report.stepsync.align_strides`, so stride k of the
first clip and stride k of the second play over the same output frames. Under each half, a
caption names the session (label, date, clip), the stride and the phase of the gait cycle.
Encoded as the annotated video is (:class:`~gaitlab.report.render.H264Writer`): H.264 in MP4,
which browsers play. A clip that is no longer where it was analysed is drawn as its
landmarks over a plain background, and the caption says so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from gaitlab.errors import GaitlabError
from gaitlab.io.video import Frame, fit_size, iter_frames, prefetch
from gaitlab.report.annotators import annotate_all, default_annotators, put_text, text_size
from gaitlab.report.data import ReportData
from gaitlab.report.frames import FrameOverlays, nearest_frame
from gaitlab.report.outputs import clip_problem
from gaitlab.report.render import BackgroundEncoder, H264Writer
from gaitlab.report.stepsync import StepPlan, StrideSpan, align_strides, choose_side, stride_spans

#: Default height of each half of the video (pixels).
HALF_HEIGHT_PX = 540
#: Highest output rate: the stride pairs of two 240 fps clips need not be encoded at 240 fps.
MAX_OUT_FPS = 60.0
#: Background of a half whose clip is gone (only the landmarks are drawn).
_BLANK_RGB = (48, 48, 48)
_CAPTION_RGB = (255, 255, 255)


class NoStridesToCompare(GaitlabError):
    """A session has no stride to step through (not running, or every stride excluded)."""

    exit_code = 5


@dataclass(frozen=True)
class SideBySide:
    """What :func:`render_side_by_side` wrote.

    Attributes
    ----------
    video
        The MP4.
    plan
        The frame mapping (which frame of each clip every output frame shows).
    side
        The foot whose strikes align the clips (``left`` or ``right``).
    notes
        What the viewer should know (a clip drawn without its frames, strides left unpaired).
    """

    video: Path
    plan: StepPlan
    side: str
    notes: tuple[str, ...]


def session_spans(data: ReportData) -> dict[str, list[StrideSpan]]:
    """Each foot's strides in a result: every pair of consecutive foot strikes, numbered.

    A stride the result does not keep (a reviewer excluded it, or the analysis left it out)
    is marked excluded, so it keeps its number but is never paired.
    """
    time_s = data.time_s
    kept = {(s.side, nearest_frame(time_s, s.foot_strike_s)) for s in data.strides}
    out = {}
    for side in ("left", "right"):
        strikes = [
            e.frame if e.frame is not None else nearest_frame(time_s, e.time_s)
            for e in data.events
            if e.side == side and e.kind == "foot_strike"
        ]
        spans = stride_spans(strikes)
        out[side] = [
            StrideSpan(s.number, s.start_frame, s.end_frame, (side, s.start_frame) not in kept)
            for s in spans
        ]
    return out


def session_label(data: ReportData, label: str) -> str:
    """``"Before  2026-11-02  week1.mp4"``: the caption's first line of one half."""
    date = (data.result.created_utc or "")[:10]
    name = Path(data.result.clip.path).name
    return "  ".join(p for p in (label, date, name) if p)


def plan_comparison(
    a: ReportData, b: ReportData, *, side: str | None = None, out_fps: float | None = None
) -> tuple[StepPlan, str]:
    """The frame mapping of two sessions and the foot it aligns on.

    Parameters
    ----------
    a, b
        The two sessions (before, after).
    side
        ``left`` or ``right``; None: the foot giving the most stride pairs (the leg nearer
        the camera of ``a`` on a tie).
    out_fps
        Output rate; None: the higher of the two capture rates, at most :data:`MAX_OUT_FPS`.

    Raises
    ------
    NoStridesToCompare
        When either session has no kept stride of that foot.
    """
    spans_a, spans_b = session_spans(a), session_spans(b)
    for data, spans, name in ((a, spans_a, "first"), (b, spans_b, "second")):
        if not any(not s.excluded for v in spans.values() for s in v):
            why = ""
            kin = data.kinematics
            if kin is not None and not kin.running.is_running:
                why = f" ({kin.running.reason})"
            raise NoStridesToCompare(
                f"the {name} session ({Path(data.result.clip.path).name}) has no stride to "
                f"compare{why}"
            )
    chosen = side or choose_side(spans_a, spans_b, prefer=a.near_side)
    if out_fps is None:
        rates = [d.series.video.capture_fps for d in (a, b)]
        out_fps = min(MAX_OUT_FPS, max(r for r in rates if np.isfinite(r) and r > 0))
    plan = align_strides(spans_a[chosen], spans_b[chosen], a.time_s, b.time_s, out_fps)
    if plan.n_out == 0:
        missing = "first" if not any(not s.excluded for s in spans_a[chosen]) else "second"
        raise NoStridesToCompare(
            f"the {missing} session has no {chosen} stride to compare (try the other foot)"
        )
    return plan, chosen


class _Source:
    """The frames of one clip at the output size, read forward only, or a blank stand-in."""

    def __init__(self, data: ReportData, size: tuple[int, int], clip_path: Path | None) -> None:
        self.size = size
        self.time_s = data.time_s
        self.problem = clip_problem(data, clip_path)
        self._frames: Iterator[Frame] | None = None
        self._current: Frame | None = None
        self._index = -1
        if self.problem is None:
            info = data.series.video
            if clip_path is not None:
                from dataclasses import replace

                info = replace(info, path=str(clip_path))
            self._frames = prefetch(iter_frames(info, size=size), depth=4)

    def frame(self, i: int) -> np.ndarray:
        """An RGB copy of frame ``i`` (frames are asked for in non-decreasing order)."""
        w, h = self.size
        if self._frames is None:
            return np.full((h, w, 3), _BLANK_RGB, dtype=np.uint8)
        while self._index < i:
            nxt = next(self._frames, None)
            if nxt is None:
                break
            self._current = nxt
            self._index = nearest_frame(self.time_s, nxt.time_s)
        if self._current is None:
            return np.full((h, w, 3), _BLANK_RGB, dtype=np.uint8)
        return self._current.rgb.copy()

    def close(self) -> None:
        close = getattr(self._frames, "close", None)
        if close is not None:
            close()


def _caption(img: np.ndarray, lines: list[str]) -> None:
    """White lines on a dark band at the bottom of ``img``."""
    scale = max(0.4, img.shape[0] / 1200.0)
    _, h = text_size("Ag", scale, 1)
    pad = max(4, round(h * 0.5))
    band = pad + (h + pad) * len(lines)
    y0 = img.shape[0] - band
    roi = img[y0:]
    roi[:] = (roi.astype(np.float32) * 0.35).astype(np.uint8)
    for k, text in enumerate(lines):
        put_text(img, text, (pad, y0 + pad + h + k * (h + pad)), _CAPTION_RGB, scale, 1, False)


def render_side_by_side(
    a: ReportData,
    b: ReportData,
    out_path: str | Path,
    *,
    labels: tuple[str, str] = ("Before", "After"),
    side: str | None = None,
    out_fps: float | None = None,
    half_height_px: int = HALF_HEIGHT_PX,
    clip_paths: tuple[str | Path | None, str | Path | None] = (None, None),
    progress: Callable[[int, int], None] | None = None,
    overlay: bool = False,
) -> SideBySide:
    """Write the two sessions side by side (or overlaid), stride k of each over the same frames.

    Parameters
    ----------
    a, b
        The sessions (left half, right half).
    out_path
        The ``.mp4`` to write (its folder must exist).
    labels
        First word of each half's caption.
    side, out_fps
        As for :func:`plan_comparison`.
    half_height_px
        Height of each half; each keeps its clip's aspect ratio.
    clip_paths
        Where each clip is now, if it moved (default: the paths recorded in its result).
    progress
        ``progress(done, total)`` per output frame.
    overlay
        Blend the second session over the first (half each) in one frame of the first's
        size, instead of side by side; the second is scaled to that size (stretched when
        the two clips' shapes differ, which a note says).

    Raises
    ------
    NoStridesToCompare
        When a session has no stride of the aligning foot.
    """
    plan, chosen = plan_comparison(a, b, side=side, out_fps=out_fps)
    halves = []
    for data, clip in zip((a, b), clip_paths, strict=True):
        info = data.series.video
        long_side = max(info.width_px, info.height_px)
        target = half_height_px * long_side / info.height_px
        w, h, scale = fit_size(info.width_px, info.height_px, round(target))
        halves.append((data, (w, h), scale, Path(clip) if clip is not None else None))
    height = max(h for _, (_, h), _, _ in halves)
    width = sum(w for _, (w, _), _, _ in halves)
    if overlay:
        width, height = halves[0][1]
    out = Path(out_path)
    tmp = out.with_name(out.name + ".part.mp4")
    annotators = default_annotators()
    overlays = [FrameOverlays(data) for data, *_ in halves]
    sources = [_Source(data, size, clip) for data, size, _, clip in halves]
    notes = [
        f"{label}: {src.problem}; its half shows the landmarks only"
        for label, src in zip(labels, sources, strict=True)
        if src.problem
    ]
    if plan.unpaired_a or plan.unpaired_b:
        notes.append(
            f"{len(plan.pairs)} {chosen} strides paired; {plan.unpaired_a} of {labels[0]} and "
            f"{plan.unpaired_b} of {labels[1]} left without a partner"
        )
    if overlay:
        (wa, ha), (wb, hb) = halves[0][1], halves[1][1]
        if abs(wa / ha - wb / hb) > 0.02 * wa / ha:
            notes.append(f"{labels[1]} is stretched from {wb}x{hb} to {wa}x{ha} to overlay it")
    writer = BackgroundEncoder(H264Writer(tmp, width, height, plan.out_fps))
    try:
        for j in range(plan.n_out):
            pair = plan.pairs[int(plan.pair_index[j])]
            images, captions = [], []
            for k, (data, _, scale, _) in enumerate(halves):
                i = int((plan.frame_a if k == 0 else plan.frame_b)[j])
                images.append(
                    annotate_all(sources[k].frame(i), overlays[k].frame_data(i, scale), annotators)
                )
                stride = pair.a if k == 0 else pair.b
                gone = " (clip not found)" if sources[k].problem else ""
                captions.append(
                    [
                        session_label(data, labels[k]) + gone,
                        f"stride {stride.number} ({chosen} foot strike to strike), "
                        f"{plan.phase_pct[j]:.0f} % of the cycle",
                    ]
                )
            if overlay:
                second = cv2.resize(images[1], (width, height), interpolation=cv2.INTER_AREA)
                canvas = cv2.addWeighted(images[0], 0.5, second, 0.5, 0.0)
                _caption(
                    canvas,
                    [f"{captions[0][0]} and {captions[1][0]}, blended"]
                    + [f"{labels[k]}: {captions[k][1]}" for k in (0, 1)],
                )
            else:
                canvas = np.zeros((height, width, 3), dtype=np.uint8)
                x = 0
                for img, lines in zip(images, captions, strict=True):
                    _caption(img, lines)
                    h, w = img.shape[:2]
                    canvas[:h, x : x + w] = img
                    x += w
            writer.write(canvas, j / plan.out_fps)
            if progress is not None:
                progress(j + 1, plan.n_out)
    except BaseException:
        with contextlib.suppress(Exception):  # the first error is the one to report
            writer.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        for src in sources:
            src.close()
    writer.close()
    return SideBySide(tmp.replace(out), plan, chosen, tuple(notes))
