"""Decoded frames kept from one pass over a clip for the next, so that part is decoded once.

``gaitlab analyze`` decodes the clip for the pose model and, when it draws the annotated
video, again for the drawing, at the same size (960 px on the long side). The pose pass
offers each frame it gave the model to a :class:`KeptFrames`; the drawing pass takes
those back and decodes only the frames after the last one kept
(:func:`frames_with_kept`). The pixels are the decoder's own either way: a frame kept is
the array a second decode at that size would give (:func:`gaitlab.io.video.iter_frames`
scales each decoded picture the same way whatever else it is asked for). Memory is
bounded by a budget (:data:`KEPT_FRAMES_MB`): a longer clip keeps its first frames only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import numpy as np

from gaitlab.io.video import Frame, iter_frames
from gaitlab.series import VideoInfo

#: Memory (MB) the kept frames may take: 61 frames at 540x960 (2 s of a 30 fps clip). Held
#: from the pose pass to the drawing, beside the analysis, they add to its peak one for one:
#: a 10 s 1080p clip peaked at 465 MB without them, 558 MB with them, 657 MB with 192 MB
#: (docs/performance.md).
KEPT_FRAMES_MB = 96.0
#: Longest clip (frames) whose frames are kept. The peak grows by about 0.08 MB a frame
#: (mask crops, series: 465 MB at 300 frames of 1080p, 587 MB at 1,800), so up to 600
#: frames the kept frames stay under the 600 MB allowed; a longer clip keeps none.
KEEP_MAX_CLIP_FRAMES = 600


class KeptFrames:
    """Frames of a clip in decode order, from its first, up to ``budget_mb`` of pixels.

    Parameters
    ----------
    budget_mb
        Most memory the kept pixels take (MB); the first frame that would pass it ends the
        keeping, and no later frame is kept (the frames kept stay a run from the first).
    max_clip_frames
        Keep nothing of a clip with more frames (:meth:`expect`).
    """

    def __init__(
        self, budget_mb: float = KEPT_FRAMES_MB, max_clip_frames: int = KEEP_MAX_CLIP_FRAMES
    ) -> None:
        self.budget_bytes = round(budget_mb * 1e6)
        self.max_clip_frames = max_clip_frames
        self.nbytes = 0
        self._frames: deque[Frame] = deque()
        self._open = True
        self._expected_index = 0

    def __len__(self) -> int:
        return len(self._frames)

    def offer(self, frame: Frame) -> None:
        """Keep ``frame`` (its picture only) if it continues the run and fits the budget.

        A frame out of order (not index 0, 1, 2, ... of one decode) or past the budget ends
        the keeping: what is kept is always the clip's first frames, each once.
        """
        if not self._open:
            return
        if (
            frame.index != self._expected_index
            or self.nbytes + frame.rgb.nbytes > self.budget_bytes
        ):
            self._open = False
            return
        self._frames.append(Frame(index=frame.index, time_s=frame.time_s, rgb=frame.rgb))
        self.nbytes += frame.rgb.nbytes
        self._expected_index += 1

    def expect(self, n_frames: int) -> None:
        """Be told the clip's frame count before the pass: a long clip keeps nothing."""
        if n_frames > self.max_clip_frames:
            self.stop()

    def stop(self) -> None:
        """Keep nothing more (a pass that gives frames of another size or another clip)."""
        self._open = False

    def clear(self) -> None:
        """Let the kept frames go."""
        self._open = False
        self._frames.clear()
        self.nbytes = 0

    def take(self, shape: tuple[int, int]) -> tuple[list[Frame], float | None]:
        """Hand the kept frames over, if they are ``(height, width)`` pictures; keep none.

        Returns
        -------
        frames
            The kept frames in order (empty when none were kept or of another size).
        last_s
            The time of the last one (None when none are handed over): the frames after it
            are still to be decoded.
        """
        frames = list(self._frames)
        self.clear()
        if not frames or frames[0].rgb.shape[:2] != tuple(shape):
            return [], None
        return frames, frames[-1].time_s


def frames_with_kept(
    info: VideoInfo, size: tuple[int, int], kept: KeptFrames | None
) -> Iterator[Frame]:
    """The clip's frames at ``size`` ``(width, height)``: those kept, then the rest decoded.

    As :func:`~gaitlab.io.video.iter_frames` ``(info, size=size)`` gives them (the same
    indices, times and pixels), with only the frames after the last kept one decoded. The
    kept frames are released as they are yielded.
    """
    frames, last_s = ([], None) if kept is None else kept.take((size[1], size[0]))
    n_kept = len(frames)
    queue = deque(frames)
    del frames  # each kept frame goes once yielded
    while queue:
        yield queue.popleft()
    if last_s is None:
        yield from iter_frames(info, size=size)
        return
    # The decode starts at the key frame before the first frame strictly later than the
    # last kept one, and yields from that frame on; its indices continue the kept run.
    for frame in iter_frames(info, size=size, start_s=float(np.nextafter(last_s, np.inf))):
        yield Frame(index=n_kept + frame.index, time_s=frame.time_s, rgb=frame.rgb)
