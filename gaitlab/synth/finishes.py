"""The room's description, and its wall and floor finishes painted in world coordinates.

Each pixel of the wall or floor is traced back to the world point it shows (a ray through
the pixel met with the floor plane or the wall's face) and shaded by the finish there:
tiles and planks on the floor (in perspective), a mottled, brick or panelled wall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gaitlab.synth.room_tiles import PinholeCamera

#: Wall finishes: ``plain``, ``noise`` (a mottled texture), ``bricks``, ``stripes``
#: (vertical panels).
WALLS: tuple[str, ...] = ("plain", "noise", "bricks", "stripes")
#: Floor finishes: ``plain``, ``checker`` (tiles), ``planks``.
FLOORS: tuple[str, ...] = ("plain", "checker", "planks")


@dataclass(frozen=True)
class Scene:
    """Room, props and light.

    Attributes
    ----------
    floor_rgb, belt_rgb, wall_rgb
        Base colours.
    wall, floor
        Finishes (:data:`WALLS`, :data:`FLOORS`), drawn on the pre-rendered room image in
        world coordinates (the floor pattern is in perspective).
    console
        A treadmill console and hand rails ahead of the runner.
    clutter
        Number of boxes (furniture, bags) placed at seeded spots around the treadmill.
    ambient, diffuse
        Light coefficients of the renderer.
    light_azimuth_deg
        Direction the light comes from, turned about the vertical from its default.
    texture_seed
        Seeds the textures and the clutter.
    """

    floor_rgb: tuple[float, float, float] = (0.55, 0.56, 0.58)
    belt_rgb: tuple[float, float, float] = (0.16, 0.16, 0.18)
    wall_rgb: tuple[float, float, float] = (0.86, 0.87, 0.88)
    wall: str = "plain"
    floor: str = "plain"
    console: bool = False
    clutter: int = 0
    ambient: float = 0.55
    diffuse: float = 0.55
    light_azimuth_deg: float = 0.0
    texture_seed: int = 0

    def __post_init__(self) -> None:
        if self.wall not in WALLS or self.floor not in FLOORS:
            raise ValueError(f"wall must be one of {WALLS} and floor one of {FLOORS}")
        if not 0 <= self.clutter <= 12:
            raise ValueError("clutter must be 0-12 boxes")


def paint_finishes(
    rgb: NDArray[np.uint8],
    ids: NDArray[np.int64],
    scene: Scene,
    camera: PinholeCamera,
    floor_id: int,
    wall_id: int,
    wall_half: tuple[float, float, float],
    wall_pos: tuple[float, float, float],
    fixed_grain: bool = False,
) -> NDArray[np.uint8]:
    """Paint the scene's wall and floor finishes on a room image (world coordinates).

    Parameters
    ----------
    rgb, ids
        The rendered room and its body ids per pixel.
    scene, camera
        What was rendered and from where.
    floor_id, wall_id, wall_half, wall_pos
        The floor's and the wall's body ids, the wall box's half-extents and centre (m).
    fixed_grain
        A wide room tile for a turning camera: the wall's fine grain is then fixed to the
        wall so tiles agree (a fixed camera keeps its per-pixel grain, as rendered before).
    """
    sc = scene
    if sc.wall == "plain" and sc.floor == "plain":
        return rgb
    cam = camera
    h, w = ids.shape
    # A ray per pixel, hit with the floor plane and the wall plane.
    inv = np.linalg.inv(cam.projection_matrix() @ cam.view_matrix())
    xs = (np.arange(w) + 0.5) / w * 2.0 - 1.0
    ys = 1.0 - (np.arange(h) + 0.5) / h * 2.0
    gx, gy = np.meshgrid(xs, ys)
    near = np.stack([gx, gy, -np.ones_like(gx), np.ones_like(gx)], axis=-1) @ inv.T
    far = np.stack([gx, gy, np.ones_like(gx), np.ones_like(gx)], axis=-1) @ inv.T
    p0 = near[..., :3] / near[..., 3:]
    d = far[..., :3] / far[..., 3:] - p0
    out = rgb.astype(np.float32)
    rng = np.random.default_rng(sc.texture_seed)
    if sc.floor != "plain":
        floor = ids == floor_id
        t = -p0[..., 2] / np.where(np.abs(d[..., 2]) > 1e-9, d[..., 2], 1e-9)
        fx, fy = (p0[..., k] + t * d[..., k] for k in (0, 1))
        if sc.floor == "checker":
            tile = rng.uniform(0.3, 0.6)
            pat = (np.floor(fx / tile) + np.floor(fy / tile)) % 2
            shade = 1.0 - 0.35 * pat
        else:
            width = rng.uniform(0.12, 0.22)
            board = np.floor(fy / width)
            shade = 0.85 + 0.15 * np.sin(board * 2.3) + 0.03 * np.sin(fx * 40.0)
        out[floor] *= shade[floor, None]
    if sc.wall != "plain":
        wall = ids == wall_id
        # Position across the wall and up it, from where the ray meets the wall box.
        normal_axis = 0 if wall_half[0] < 1.0 else 1
        t = (wall_pos[normal_axis] - p0[..., normal_axis]) / np.where(
            np.abs(d[..., normal_axis]) > 1e-9, d[..., normal_axis], 1e-9
        )
        across = p0[..., 1 - normal_axis] + t * d[..., 1 - normal_axis]
        up = p0[..., 2] + t * d[..., 2]
        if sc.wall == "noise":
            coarse = rng.uniform(0.8, 1.1, (16, 24)).astype(np.float32)
            # Coarse cells of 1 m across the wall's middle 24 m (clamped beyond).
            u = np.clip(((across + 12.0) / 24.0 * 23).astype(int), 0, 23)
            v = np.clip((up / 6.0 * 15).astype(int), 0, 15)
            if not fixed_grain:
                grain = rng.uniform(0.95, 1.05, up.shape)
            else:
                # A room tile: the fine grain is fixed to the wall (2 cm cells), so
                # tiles taken at different pans agree where they overlap.
                cell = np.floor(across / 0.02) * 12.9898 + np.floor(up / 0.02) * 78.233
                grain = 0.95 + 0.1 * np.mod(np.sin(cell) * 43758.5453, 1.0)
            shade = coarse[v, u] * grain
        elif sc.wall == "bricks":
            row = np.floor(up / 0.075)
            col = np.floor((across + 0.1 * (row % 2)) / 0.2)
            mortar = (np.mod(up, 0.075) < 0.01) | (np.mod(across + 0.1 * (row % 2), 0.2) < 0.01)
            shade = np.where(mortar, 1.15, 0.75 + 0.1 * np.sin(col * 1.7 + row * 2.9))
        else:
            shade = 1.0 - 0.3 * (np.floor(across / rng.uniform(0.3, 0.8)) % 2)
        out[wall] *= shade[wall, None]
    return np.clip(out, 0, 255).astype(np.uint8)
