"""Room tiles for a camera that turns about its own centre (a phone panning to follow).

Seen from one centre, a turned camera's picture of the static room is a homography of any
other picture taken from there: ``x_tile ~ A_tile A_cam^-1 x_cam`` with ``A`` the map from a
world direction to homogeneous pixels (intrinsics times the view rotation). The renderer
draws the room into a few wide, level tiles and warps the right one per frame, exact but
for the resampling, instead of rasterising the room again every frame.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module
from typing import Any, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray


class PinholeCamera(Protocol):
    """What the tiles need of a camera (:class:`gaitlab.synth.render.Camera` has it)."""

    width_px: int
    height_px: int
    fov_deg: float

    def view_matrix(self) -> NDArray[np.float64]:
        """4x4 OpenGL view matrix."""
        ...

    def projection_matrix(self) -> NDArray[np.float64]:
        """4x4 OpenGL projection matrix."""
        ...


#: A camera type that ``dataclasses.replace`` can copy (the tile keeps the caller's type).
Cam = TypeVar("Cam", bound=Any)

#: Room tiles reach this far beyond the frame's half-diagonal: across (room for the pan
#: between tiles) and up/down (tilt shake), deg; and hold at most this many pixels.
_TILE_MARGIN_ACROSS_DEG = 20.0
_TILE_MARGIN_UP_DEG = 5.0
_TILE_MAX_PX = 8_000_000


def pixels_from_direction(camera: PinholeCamera) -> NDArray[np.float64]:
    """3x3 map from a world direction to homogeneous pixel coordinates (our convention)."""
    p = camera.projection_matrix()
    w, h = camera.width_px, camera.height_px
    k = np.array([[p[0, 0] * w / 2, 0.0, w / 2], [0.0, -p[1, 1] * h / 2, h / 2], [0, 0, 1.0]])
    # View coordinates look down -z; flip it so the depth is positive.
    return k @ np.diag([1.0, 1.0, -1.0]) @ camera.view_matrix()[:3, :3]


def tile_camera(camera: Cam) -> Cam:
    """A wide camera at the same centre, level, turned like ``camera``: a room tile."""
    f_px = camera.height_px / 2 / np.tan(np.radians(camera.fov_deg) / 2)
    half_diag = np.degrees(np.arctan(np.hypot(camera.width_px, camera.height_px) / 2 / f_px))
    across = np.radians(min(half_diag + _TILE_MARGIN_ACROSS_DEG, 75.0))
    up = np.radians(min(half_diag + _TILE_MARGIN_UP_DEG, 70.0))
    w, h = 2 * f_px * np.tan(across), 2 * f_px * np.tan(up)
    scale = min(1.0, float(np.sqrt(_TILE_MAX_PX / (w * h))))
    width, height = 2 * round(w * scale / 2), 2 * round(h * scale / 2)
    fov = float(np.degrees(2 * np.arctan(height / 2 / (f_px * scale))))
    return replace(
        camera, width_px=width, height_px=height, fov_deg=fov, tilt_deg=0.0, roll_deg=0.0
    )


def tile_covering(
    tiles: list[tuple[PinholeCamera, NDArray[np.uint8]]], camera: PinholeCamera
) -> tuple[NDArray[np.uint8], NDArray[np.float64]] | None:
    """A wide room tile that covers the camera's whole image and the homography to it."""
    corners = np.array(
        [
            [x, y, 1.0]
            for x in (0.0, camera.width_px / 2, camera.width_px)
            for y in (0.0, camera.height_px)
        ]
        + [[0.0, camera.height_px / 2, 1.0], [camera.width_px, camera.height_px / 2, 1.0]]
    )
    for tile_cam, tile in tiles:
        h = pixels_from_direction(tile_cam) @ np.linalg.inv(pixels_from_direction(camera))
        mapped = corners @ h.T
        if (mapped[:, 2] <= 0).any():
            continue
        xy = mapped[:, :2] / mapped[:, 2:]
        inside = (xy >= 1.0).all() and (xy[:, 0] <= tile_cam.width_px - 1).all()
        if inside and (xy[:, 1] <= tile_cam.height_px - 1).all():
            return tile, h
    return None


def warp(
    tile: NDArray[np.uint8], h: NDArray[np.float64], camera: PinholeCamera
) -> NDArray[np.uint8]:
    """The camera's view of the room: ``tile`` warped by ``h`` (camera pixel -> tile pixel)."""
    # OpenCV's pixel centres are at integers, ours at +0.5 (pixel i spans [i, i + 1)).
    shift = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    h_cv = np.linalg.inv(shift) @ h @ shift
    cv2 = import_module("cv2")
    return cv2.warpPerspective(
        tile,
        h_cv,
        (camera.width_px, camera.height_px),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
