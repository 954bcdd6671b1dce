"""Person-mask crops: the model's full-frame mask cut down to a small box around the runner.

MediaPipe's mask is a full frame of float32 and is reused by the landmarker's next call, so
each frame's mask is cropped at once into a fixed-size uint8 crop and written into one
preallocated buffer (:class:`CropBuffer`); the series keeps only the crops.
"""

from __future__ import annotations

import cv2
import numpy as np

#: Size (height, width) of the stored person-mask crops; see :class:`gaitlab.series.MaskCrops`.
MASK_CROP_SHAPE: tuple[int, int] = (256, 192)
#: Margin around the landmarks' bounding box, as a share of its size, kept in a mask crop
#: (the landmarks are joint centres: the silhouette extends beyond them).
MASK_CROP_MARGIN = 0.25


def mask_crop(
    mask: np.ndarray, xy_px: np.ndarray, factor: np.ndarray | None = None
) -> tuple[np.ndarray, float, np.ndarray]:
    """Crop ``mask`` around the landmarks and scale it uniformly into MASK_CROP_SHAPE.

    ``mask`` and ``xy_px`` are in the pixels of the frame the model was given; with
    ``factor`` (clip px per model px) the returned origin and scale are in the clip's pixels.
    """
    crop_h, crop_w = MASK_CROP_SHAPE
    lo = np.nanmin(xy_px, axis=0)
    hi = np.nanmax(xy_px, axis=0)
    size = np.maximum(hi - lo, 1.0)
    lo = lo - MASK_CROP_MARGIN * size
    size = size * (1 + 2 * MASK_CROP_MARGIN)
    scale = float(min(crop_w / size[0], crop_h / size[1]))
    # Centre the box in the crop so the figure is not pushed against one edge.
    origin = lo - (np.array([crop_w, crop_h]) / scale - size) / 2
    affine = np.array([[scale, 0.0, -scale * origin[0]], [0.0, scale, -scale * origin[1]]])
    prob = cv2.warpAffine(
        np.asarray(mask, dtype=np.float32),  # no copy of the full-frame mask when float32
        affine,
        (crop_w, crop_h),
        flags=cv2.INTER_AREA,
        borderValue=0,
    )
    if factor is not None:
        # The two factors differ by under a pixel's rounding over the frame: one scale.
        origin, scale = origin * factor, scale / float(np.mean(factor))
    return origin, scale, np.clip(prob * 255.0 + 0.5, 0, 255).astype(np.uint8)


class CropBuffer:
    """Mask crops copied as they come into rows of one preallocated array.

    Kept as thousands of separate 48 kB arrays and assembled at the end, the crops of a clip
    would be held twice at the end of the pose stage, and the freed small blocks stay in the
    process's heap (the peak this saves: docs/performance.md). Rows of ``np.empty`` cost
    memory only once written, so a generous capacity is free.
    """

    def __init__(self, capacity: int = 0) -> None:
        self._data = np.empty((max(capacity, 1), *MASK_CROP_SHAPE), dtype=np.uint8)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def append(self, crop: np.ndarray) -> None:
        """Copy one ``MASK_CROP_SHAPE`` uint8 crop into the next row."""
        if self._n == len(self._data):  # more frames than estimated: grow (rare)
            grown = np.empty((self._n * 3 // 2 + 16, *MASK_CROP_SHAPE), dtype=np.uint8)
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        self._data[self._n] = crop
        self._n += 1

    def array(self, start: int = 0) -> np.ndarray:
        """The crops from ``start`` on, ``(n, h, w)`` uint8 (a view, no copy)."""
        return self._data[start : self._n]
