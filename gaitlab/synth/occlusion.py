"""Whether each projected point is hidden: the segment drawn at its pixel, frame by frame."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from gaitlab.synth.skeleton import POINT_NAMES, POINTS, SEG

#: Segments adjacent to each point's own segment (a joint centre drawn on either side of the
#: joint is "visible"), for the occlusion flag.
_NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "pelvis": ("pelvis", "abdomen", "thigh_l", "thigh_r"),
    "abdomen": ("abdomen", "pelvis", "chest"),
    "chest": ("chest", "abdomen", "head", "upperarm_l", "upperarm_r"),
    "head": ("head", "chest"),
    **{
        f"{a}_{s}": t
        for s in ("l", "r")
        for a, t in (
            ("thigh", ("pelvis", f"thigh_{s}", f"shank_{s}")),
            ("shank", (f"thigh_{s}", f"shank_{s}", f"foot_{s}")),
            ("foot", (f"shank_{s}", f"foot_{s}")),
            ("upperarm", ("chest", f"upperarm_{s}", f"forearm_{s}")),
            ("forearm", (f"upperarm_{s}", f"forearm_{s}")),
        )
    },
}


def sample_segment(segment: NDArray[np.int16], px: NDArray[np.float64]) -> NDArray[np.int16]:
    """Segment index at the pixel containing each point (-1 room, -2 outside the image)."""
    h, w = segment.shape
    col = np.floor(px[:, 0]).astype(np.int64)
    row = np.floor(px[:, 1]).astype(np.int64)
    inside = (col >= 0) & (col < w) & (row >= 0) & (row < h)
    out = np.full(len(px), -2, dtype=np.int16)
    out[inside] = segment[row[inside], col[inside]]
    return out


def occluded(seg_at: NDArray[np.int16]) -> NDArray[np.bool_]:
    """Per frame and point: the front-most segment is not the point's own or a neighbour."""
    out = np.ones(seg_at.shape, dtype=bool)
    for j, name in enumerate(POINT_NAMES):
        own = {SEG[s] for s in _NEIGHBOURS[POINTS[name][0]]}
        out[:, j] = ~np.isin(seg_at[:, j], list(own))
    return out
