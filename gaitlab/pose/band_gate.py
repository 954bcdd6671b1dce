"""When the pose pass finds the waistband edge: not on the frames of a clip filmed side-on.

The waistband edge (:mod:`gaitlab.imaging.waistband`, ~14 ms a frame) is read only for a
rear or front view (pelvic drop; :mod:`gaitlab.kinematics.analysis`). The kinematics stage
decides the view from the clip median of the shoulders' width over the trunk's length
(:mod:`gaitlab.kinematics.view`: side at or below 0.45, frontal at or above 0.55). The pass
sees the landmarks frame by frame, so it keeps the running median of the same ratio on the
raw landmarks and stops finding the edge while that median says "side-on" beyond doubt
(:data:`SIDE_RATIO_MAX`, well below the kinematics' side limit, after :data:`MIN_FRAMES`
frames with a whole trunk). If the whole clip's median then does not say so (the runner
turned, a clip that starts side-on and ends from behind), the frames left out are measured
after the pass (:meth:`BandGate.catch_up_rows`), so a clip that can be analysed from behind
always has the edge of every frame, exactly as if it had never been left out.

Pure bookkeeping on landmark arrays; the pass does the decoding and the measuring.
"""

from __future__ import annotations

import numpy as np

from gaitlab.landmarks import INDEX

#: Running median of the width ratio at or below which the clip is side-on beyond doubt.
#: Square side views read 0.16-0.20 (:mod:`gaitlab.kinematics.view`); the kinematics call a
#: clip side-on up to 0.45 and frontal from 0.55, so a clip at 0.25 is never analysed as
#: frontal.
SIDE_RATIO_MAX = 0.25
#: Frames with a whole trunk before the running median may stop the edge's measurement.
MIN_FRAMES = 30

_LS, _RS = INDEX["left_shoulder"], INDEX["right_shoulder"]
_LH, _RH = INDEX["left_hip"], INDEX["right_hip"]


def width_ratio(xy_px: np.ndarray | None) -> float:
    """Shoulder width over trunk length of one frame's landmarks ``(33, 2)``; NaN if unknown.

    The per-frame ratio of :func:`gaitlab.kinematics.view.width_ratio_series`:
    ``|x_LS - x_RS| / |mid-shoulder - mid-hip|``, in any pixels (a ratio).
    """
    if xy_px is None:
        return float("nan")
    shoulders = 0.5 * (xy_px[_LS] + xy_px[_RS])
    hips = 0.5 * (xy_px[_LH] + xy_px[_RH])
    trunk = float(np.hypot(*(shoulders - hips)))
    width = abs(float(xy_px[_LS, 0] - xy_px[_RS, 0]))
    if not (np.isfinite(trunk) and np.isfinite(width)) or trunk <= 0:
        return float("nan")
    return width / trunk


class BandGate:
    """Decides, frame by frame in order, whether the pass finds the waistband edge.

    Parameters
    ----------
    side_ratio_max, min_frames
        :data:`SIDE_RATIO_MAX` and :data:`MIN_FRAMES`.
    """

    def __init__(
        self, side_ratio_max: float = SIDE_RATIO_MAX, min_frames: int = MIN_FRAMES
    ) -> None:
        self.side_ratio_max = side_ratio_max
        self.min_frames = min_frames
        self._ratios: list[float] = []
        #: Rows left out, with the landmarks the edge would have been found with.
        self.skipped: dict[int, np.ndarray] = {}

    def wants(
        self, row: int, xy_px: np.ndarray | None, band_xy_px: np.ndarray | None = None
    ) -> bool:
        """Whether to find the edge on ``row``.

        ``xy_px``: the row's landmarks in the clip's pixels (None: no pose), which decide;
        ``band_xy_px``: the same in the pixels of the frame the edge is found on (default
        ``xy_px``), kept for :meth:`catch_up_rows`. Rows without a pose are never measured
        (the edge needs the landmarks) and are not recorded as left out.
        """
        side_on = self._side_on()  # from the frames before this one
        ratio = width_ratio(xy_px)
        if np.isfinite(ratio):
            self._ratios.append(ratio)
        if xy_px is None:
            return False
        if side_on:
            self.skipped[row] = (xy_px if band_xy_px is None else band_xy_px).copy()
            return False
        return True

    def _side_on(self) -> bool:
        return (
            len(self._ratios) >= self.min_frames
            and float(np.median(self._ratios)) <= self.side_ratio_max
        )

    def catch_up_rows(self) -> dict[int, np.ndarray]:
        """The left-out rows to measure after the pass: all of them unless the clip is side-on.

        Called once the pass has seen every frame: the whole clip's median decides.
        """
        return {} if self._side_on() else self.skipped
