"""An independent face detector for the face-blur tests: OpenCV's Haar cascades.

gaitlab blurs the faces that MediaPipe's BlazeFace (a neural network) and the runner's pose
landmarks point at. To check the result, the tests look for faces with a detector that
shares nothing with either: the Viola-Jones Haar cascades shipped inside OpenCV's wheel
(``cv2.data.haarcascades``), frontal (two cascades) and profile (both directions, as the
profile cascade only finds faces turned one way).

Haar cascades fire on plenty of things that are not faces (windows, louvres, foliage). The
clip tests therefore count a hit only where a person is (:func:`foreground_fraction`) and
only at the size faces have in that clip; the still test counts hits at a known place.
"""

from __future__ import annotations

import cv2
import numpy as np

_CASCADES = (
    "haarcascade_frontalface_alt2.xml",
    "haarcascade_frontalface_default.xml",
    "haarcascade_profileface.xml",
)


class HaarFaces:
    """Frontal and profile Haar cascades, run on a grey image.

    Parameters
    ----------
    min_neighbors
        OpenCV's ``minNeighbors`` (higher: fewer, surer hits).
    min_size_px, max_size_px
        Smallest and largest face box searched (square side).
    """

    def __init__(self, min_neighbors: int = 3, min_size_px: int = 20, max_size_px: int = 0):
        folder = cv2.data.haarcascades
        self.cascades = []
        for name in _CASCADES:
            cascade = cv2.CascadeClassifier(folder + name)
            assert not cascade.empty(), f"OpenCV ships no {name}"
            self.cascades.append((name, cascade))
        self.min_neighbors = min_neighbors
        self.min_size = (min_size_px, min_size_px)
        self.max_size = (max_size_px, max_size_px) if max_size_px else (0, 0)

    def detect(self, rgb: np.ndarray) -> list[tuple[str, int, int, int, int]]:
        """Face boxes ``(cascade, x, y, w, h)`` in ``rgb``'s pixels."""
        grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
        found = []
        for name, cascade in self.cascades:
            for flipped in (False, True) if "profile" in name else (False,):
                img = np.ascontiguousarray(grey[:, ::-1]) if flipped else grey
                hits = cascade.detectMultiScale(
                    img,
                    scaleFactor=1.1,
                    minNeighbors=self.min_neighbors,
                    minSize=self.min_size,
                    maxSize=self.max_size,
                )
                for x, y, w, h in hits if len(hits) else ():
                    x = img.shape[1] - x - w if flipped else x
                    found.append((name, int(x), int(y), int(w), int(h)))
        return found


def foreground_fraction(
    frame_rgb: np.ndarray, background_rgb: np.ndarray, box: tuple[int, int, int, int]
) -> float:
    """Share of a box's pixels that differ from a static background by more than 30 levels."""
    x, y, w, h = box
    a = frame_rgb[y : y + h, x : x + w].astype(np.int16)
    b = background_rgb[y : y + h, x : x + w].astype(np.int16)
    return float((np.abs(a - b).max(axis=2) > 30).mean()) if a.size else 0.0


def sharpness(rgb: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Variance of the Laplacian inside a box: detail left in it (0 for a flat patch)."""
    x, y, w, h = box
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[y : y + h, x : x + w]), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())
