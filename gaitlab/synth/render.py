"""Rendering: camera set-ups, the pybullet scene, H.264 writing, per-point occlusion.

pybullet runs in DIRECT mode (no window, no GPU) with its CPU TinyRenderer. Each figure part
(:mod:`gaitlab.synth.figure`) is a static visual-only body placed at its segment's pose every
frame; there is no physics. The camera's view and projection matrices are built here in numpy
and passed to ``getCameraImage``, and the ground truth projects joint centres with the very
same matrices (:meth:`Camera.project`).

Views (the runner faces +X on a treadmill at the origin):

- ``side-left``: camera on the runner's left (+Y), the runner faces image-left;
- ``side-right``: camera on the right (-Y), the runner faces image-right;
- ``rear``: camera behind (-X); the runner's left is on the image's left;
- ``front``: camera ahead (+X).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from gaitlab.synth import room_tiles
from gaitlab.synth.camera_path import CameraMotion
from gaitlab.synth.deviations import PRESETS, Deviations
from gaitlab.synth.figure import Outfit, Part, build_figure
from gaitlab.synth.finishes import FLOORS, WALLS, Scene, paint_finishes
from gaitlab.synth.gait import Synthesis, gait_schedule, synthesize
from gaitlab.synth.motion import load_motion, make_loop
from gaitlab.synth.occlusion import occluded, sample_segment
from gaitlab.synth.skeleton import SEG, SEGMENTS, BodyPose
from gaitlab.synth.video import VideoWriter

VIEWS: tuple[str, ...] = ("side-left", "side-right", "rear", "front")


@dataclass(frozen=True)
class Camera:
    """A pinhole camera looking at the treadmill.

    Attributes
    ----------
    view
        One of ``VIEWS``.
    width_px, height_px
        Image size (even numbers: H.264 4:2:0).
    height_m
        Camera height above the floor; it looks horizontally (level camera).
    distance_m
        Distance from the treadmill centre.
    roll_deg
        Roll about the line of sight (+ = image turned counter-clockwise).
    fov_deg
        Vertical field of view.
    target_height_m
        Height of the point the camera looks at, above the treadmill centre; None = level
        camera looking horizontally (at ``height_m``).
    yaw_deg
        Camera moved round the treadmill centre by this angle from square-on (+ =
        anticlockwise seen from above): an oblique view.
    pan_deg, tilt_deg
        The camera turned about its own centre (a hand-held phone following the runner):
        + pan = anticlockwise seen from above, + tilt = up. Zero for a fixed camera.
    """

    view: str = "side-left"
    width_px: int = 960
    height_px: int = 540
    height_m: float = 0.9
    distance_m: float = 4.0
    roll_deg: float = 0.0
    fov_deg: float = 35.0
    near_m: float = 0.5
    far_m: float = 30.0
    target_height_m: float | None = None
    yaw_deg: float = 0.0
    pan_deg: float = 0.0
    tilt_deg: float = 0.0

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}, got {self.view!r}")
        if self.width_px % 2 or self.height_px % 2 or min(self.width_px, self.height_px) < 64:
            raise ValueError("width and height must be even and at least 64 px")
        if not 1.0 <= self.distance_m <= 20.0:
            raise ValueError("camera distance must be within 1-20 m")
        if abs(self.roll_deg) > 20.0:
            raise ValueError("camera roll must be within +-20 degrees")
        if abs(self.yaw_deg) > 45.0:
            raise ValueError("camera yaw must be within +-45 degrees")
        if abs(self.pan_deg) > 85.0 or abs(self.tilt_deg) > 45.0:
            raise ValueError("camera pan must be within +-85 and tilt within +-45 degrees")

    def eye_target_up(self) -> tuple[NDArray, NDArray, NDArray]:
        """Camera position, look-at point and up vector (world, m)."""
        direction = {
            "side-left": (0.0, 1.0, 0.0),
            "side-right": (0.0, -1.0, 0.0),
            "rear": (-1.0, 0.0, 0.0),
            "front": (1.0, 0.0, 0.0),
        }[self.view]
        yaw = np.radians(self.yaw_deg)
        c, s = np.cos(yaw), np.sin(yaw)
        dx, dy, _ = direction
        direction = (c * dx - s * dy, s * dx + c * dy, 0.0)
        aim = self.height_m if self.target_height_m is None else self.target_height_m
        target = np.array([0.0, 0.0, aim])
        eye = np.array([0.0, 0.0, self.height_m]) + self.distance_m * np.asarray(direction)
        if self.pan_deg or self.tilt_deg:
            # Turn about the camera's own centre: pan about the vertical, then tilt about
            # the (turned) horizontal axis of the image.
            look = Rotation.from_euler("z", self.pan_deg, degrees=True).apply(target - eye)
            side = np.cross(look, [0.0, 0.0, 1.0])
            side /= np.linalg.norm(side)
            look = Rotation.from_rotvec(np.radians(self.tilt_deg) * -side).apply(look)
            target = eye + look
        forward = (target - eye) / np.linalg.norm(target - eye)
        up = Rotation.from_rotvec(-np.radians(self.roll_deg) * forward).apply([0.0, 0.0, 1.0])
        return eye, target, up

    def view_matrix(self) -> NDArray[np.float64]:
        """4x4 OpenGL view matrix (world -> camera), row-major numpy."""
        eye, target, up = self.eye_target_up()
        f = (target - eye) / np.linalg.norm(target - eye)
        s = np.cross(f, up)
        s /= np.linalg.norm(s)
        u = np.cross(s, f)
        m = np.eye(4)
        m[0, :3], m[1, :3], m[2, :3] = s, u, -f
        m[:3, 3] = -m[:3, :3] @ eye
        return m

    def projection_matrix(self) -> NDArray[np.float64]:
        """4x4 OpenGL perspective projection matrix, row-major numpy."""
        aspect = self.width_px / self.height_px
        f = 1.0 / np.tan(np.radians(self.fov_deg) / 2.0)
        n, fa = self.near_m, self.far_m
        m = np.zeros((4, 4))
        m[0, 0] = f / aspect
        m[1, 1] = f
        m[2, 2] = (fa + n) / (n - fa)
        m[2, 3] = 2.0 * fa * n / (n - fa)
        m[3, 2] = -1.0
        return m

    def project(self, points_m: NDArray[np.float64]) -> NDArray[np.float64]:
        """Pixel coordinates of world points, ``(..., 3) -> (..., 2)``.

        x right, y down, origin at the top-left corner of the image (pixel ``i`` spans
        ``[i, i + 1)``), exactly as the renderer rasterises.
        """
        pts = np.asarray(points_m, dtype=np.float64)
        h = np.concatenate([pts, np.ones((*pts.shape[:-1], 1))], axis=-1)
        clip = h @ (self.projection_matrix() @ self.view_matrix()).T
        ndc = clip[..., :3] / clip[..., 3:4]
        x = (ndc[..., 0] + 1.0) * 0.5 * self.width_px
        y = (1.0 - ndc[..., 1]) * 0.5 * self.height_px
        return np.stack([x, y], axis=-1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description including both matrices."""
        eye, target, up = self.eye_target_up()
        return {
            **asdict(self),
            "eye_m": eye.round(6).tolist(),
            "target_m": target.round(6).tolist(),
            "up": up.round(6).tolist(),
            "view_matrix": self.view_matrix().round(9).tolist(),
            "projection_matrix": self.projection_matrix().round(9).tolist(),
        }


class Renderer:
    """A pybullet DIRECT connection holding the figure and the room.

    Use as a context manager; each instance owns its own physics client (no global state).

    Parameters
    ----------
    camera
        The camera (for a turning camera: its unturned set-up, which also places the light).
    outfit, scene
        The figure's kit and the room.
    overground_x_m
        ``(x_min, x_max)`` of an overground runner's path: no treadmill belt or console,
        a larger floor and wall, the wall beyond the path's far end, clutter off the path.
        None = a treadmill.
    frame_cameras
        Every frame's camera when the camera turns about its centre (panning): the room is
        rendered once into a few wide tiles and warped per frame (:meth:`render`).
    """

    def __init__(
        self,
        camera: Camera,
        outfit: Outfit | None = None,
        scene: Scene | None = None,
        overground_x_m: tuple[float, float] | None = None,
        frame_cameras: list[Camera] | None = None,
    ):
        self.p = import_module("pybullet")
        self.camera = camera
        self.scene = scene or Scene()
        self.overground_x_m = overground_x_m
        self.cid = self.p.connect(self.p.DIRECT)
        self._view = camera.view_matrix().T.ravel().tolist()  # OpenGL column-major
        self._proj = camera.projection_matrix().T.ravel().tolist()
        # The room is static: render it once and composite the figure over it with the
        # segmentation mask. Rasterising the floor and wall every frame would cost 4x the
        # figure (TinyRenderer is slow on large triangles) for identical pixels.
        room = self._add_room()
        self.background, room_ids = self._raw_render()
        self.background = self._finish_room(self.background, room_ids, room)
        # A camera turning about its centre sees the room through a homography of a wide
        # picture taken from the same centre: exact, and far cheaper than re-rasterising.
        self._tiles: list[tuple[Camera, NDArray[np.uint8]]] = []
        for cam in frame_cameras or []:
            if self._tile_for(cam) is None:
                tile_cam = room_tiles.tile_camera(cam)
                rgb, ids = self._raw_render(tile_cam)
                self._tiles.append((tile_cam, self._finish_room(rgb, ids, room, tile_cam)))
        for uid in room:
            self.p.removeBody(uid, physicsClientId=self.cid)
        self.parts: list[Part] = build_figure(outfit)
        self.body_ids: list[int] = []
        self.body_segment: dict[int, int] = {}
        for part in self.parts:
            vs = self.p.createVisualShape(
                self.p.GEOM_MESH,
                vertices=part.vertices_m.tolist(),
                indices=part.triangles.ravel().tolist(),
                normals=part.normals.tolist(),
                rgbaColor=[*part.rgb, 1.0],
                physicsClientId=self.cid,
            )
            uid = self.p.createMultiBody(
                baseMass=0, baseVisualShapeIndex=vs, physicsClientId=self.cid
            )
            self.body_ids.append(uid)
            self.body_segment[uid] = SEG[part.segment]
        self._flap = np.array([part.flap for part in self.parts], dtype=bool)
        self._part_seg = np.array([SEG[part.segment] for part in self.parts])
        lut = np.full(max(self.body_segment) + 64, -1, dtype=np.int16)
        for uid, s in self.body_segment.items():
            lut[uid] = s
        self._seg_lut = lut

    def _box(self, half: tuple[float, ...], pos: tuple[float, ...], rgb) -> int:
        vs = self.p.createVisualShape(
            self.p.GEOM_BOX, halfExtents=half, rgbaColor=[*rgb, 1.0], physicsClientId=self.cid
        )
        return int(
            self.p.createMultiBody(
                baseMass=0, baseVisualShapeIndex=vs, basePosition=pos, physicsClientId=self.cid
            )
        )

    def _add_room(self) -> list[int]:
        sc = self.scene
        path = self.overground_x_m
        # Floor top at z = -2 mm and a dark treadmill belt with its top at z = 0 under the
        # runner (the locked soles touch z = 0 exactly). Overground the runner's soles touch
        # z = 0 on a floor 2 mm lower: the same 2 mm as the belt's edge shows on a treadmill.
        reach = 12.0 if path is None else 60.0
        ids = [self._box((reach, reach, 0.05), (0.0, 0.0, -0.052), sc.floor_rgb)]
        if path is None:
            ids.append(self._box((0.85, 0.30, 0.02), (0.0, 0.0, -0.02), sc.belt_rgb))
        # A wall behind the runner, opposite the square-on camera (an oblique camera sees it
        # at an angle); beyond the far end of an overground runner's path.
        square = replace(self.camera, yaw_deg=0.0, target_height_m=None, pan_deg=0.0)
        eye, target, _ = square.eye_target_up()
        away = (eye - target) / np.linalg.norm(eye - target)
        behind_m = 3.5
        if path is not None:
            behind_m = max(3.5, max(-x * away[0] for x in path) + 4.0)
        back = -behind_m * away
        # Overground the camera may turn far to the side and see over a 7 m wall: 15 m.
        top = 4.0 if path is None else 8.0
        half = (0.05, reach, top) if abs(away[0]) > 0.5 else (reach, 0.05, top)
        self._wall_half, self._wall_pos = half, (float(back[0]), float(back[1]), top - 1.0)
        ids.append(self._box(half, self._wall_pos, sc.wall_rgb))
        self._wall_id = ids[-1]
        if sc.console and path is None:
            # Console on two uprights ahead of the runner, hand rails along the belt.
            grey = (0.30, 0.31, 0.33)
            ids.append(self._box((0.06, 0.32, 0.14), (1.00, 0.0, 1.25), (0.12, 0.12, 0.13)))
            for y in (-0.33, 0.33):
                ids.append(self._box((0.03, 0.03, 0.55), (0.95, y, 0.55), grey))
                ids.append(self._box((0.30, 0.02, 0.02), (0.68, y, 1.02), grey))
        rng = np.random.default_rng(sc.texture_seed)
        for _ in range(sc.clutter):
            # Boxes beside and behind the treadmill, never between the camera and the runner.
            size = rng.uniform([0.15, 0.15, 0.1], [0.6, 0.5, 1.2])
            ang = rng.uniform(0.0, 2.0 * np.pi)
            pos = rng.uniform(1.2, 2.8) * np.array([np.cos(ang), np.sin(ang)])
            if float(pos @ away[:2]) > 0.3:
                pos = pos - 2.0 * float(pos @ away[:2]) * away[:2]
            if path is not None and abs(pos[1]) < 0.9:
                # Off the runner's path (y = 0): aside of it, or behind it in a side view.
                sign = -np.sign(away[1]) if abs(away[1]) > 0.5 else (np.sign(pos[1]) or 1.0)
                pos = np.array([pos[0], sign * (0.9 + abs(pos[1]))])
            rgb = tuple(float(c) for c in rng.uniform(0.1, 0.9, 3))
            ids.append(self._box(tuple(size / 2), (*pos, float(size[2] / 2)), rgb))
        return ids

    def _finish_room(
        self,
        rgb: NDArray[np.uint8],
        ids: NDArray[np.int64],
        room: list[int],
        camera: Camera | None = None,
    ) -> NDArray[np.uint8]:
        """Paint the wall and floor finishes (:func:`gaitlab.synth.finishes.paint_finishes`)."""
        return paint_finishes(
            rgb,
            ids,
            self.scene,
            camera or self.camera,
            room[0],
            self._wall_id,
            self._wall_half,
            self._wall_pos,
            fixed_grain=camera is not None,
        )

    def close(self) -> None:
        """Disconnect the physics client."""
        if self.cid is not None:
            self.p.disconnect(physicsClientId=self.cid)
            self.cid = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def render(
        self,
        origins_m: NDArray[np.float64],
        quat_xyzw: NDArray[np.float64],
        hem: tuple[float, float] = (0.0, 0.0),
        camera: Camera | None = None,
    ) -> tuple[NDArray[np.uint8], NDArray[np.int16]]:
        """Render one frame.

        Parameters
        ----------
        origins_m
            ``(S, 3)`` segment origins.
        quat_xyzw
            ``(S, 4)`` segment world rotations.
        hem
            ``(dz_m, roll_deg)`` of flapping parts against their segment
            (:func:`gaitlab.synth.figure.hem_motion`).
        camera
            This frame's camera when it turns about its centre (one of ``frame_cameras``);
            None = the renderer's camera.

        Returns
        -------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8.
        segment : numpy.ndarray
            ``(H, W)`` int16 index into ``SEGMENTS`` of the front-most figure part, -1 for
            the room.
        """
        for uid, s, flap in zip(self.body_ids, self._part_seg, self._flap, strict=True):
            pos, quat = origins_m[s], quat_xyzw[s]
            if flap:
                seg_rot = Rotation.from_quat(quat)
                pos = pos + np.array([0.0, 0.0, hem[0]])
                quat = (seg_rot * Rotation.from_euler("x", hem[1], degrees=True)).as_quat()
            self.p.resetBasePositionAndOrientation(
                uid, pos.tolist(), quat.tolist(), physicsClientId=self.cid
            )
        figure, seg_ids = self._raw_render(camera)
        segment = np.where(
            seg_ids >= 0, self._seg_lut[np.clip(seg_ids, 0, len(self._seg_lut) - 1)], -1
        ).astype(np.int16)
        background = self.background if camera is None else self._room_seen_by(camera)
        rgb = np.where((segment >= 0)[:, :, None], figure, background)
        return rgb, segment

    def _tile_for(self, camera: Camera) -> tuple[NDArray[np.uint8], NDArray] | None:
        """A wide room tile covering the camera's whole image, and the homography to it."""
        return room_tiles.tile_covering(self._tiles, camera)

    def _room_seen_by(self, camera: Camera) -> NDArray[np.uint8]:
        """The room as the (turned) camera sees it: a wide tile warped by a homography."""
        found = self._tile_for(camera)
        if found is None:
            raise ValueError("the camera turned beyond the room tiles made for its frames")
        return room_tiles.warp(found[0], found[1], camera)

    def _raw_render(
        self, camera: Camera | None = None
    ) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
        # The light stays where the unturned camera puts it: turning the phone does not
        # move the room's lights.
        cam = camera or self.camera
        eye, target, _ = self.camera.eye_target_up()
        # Light from above, behind the camera and to one side: the runner's facing side is lit.
        side = np.cross(target - eye, [0.0, 0.0, 1.0])
        light = (eye - target) * 0.5 + 1.5 * side / max(np.linalg.norm(side), 1e-9)
        light = light + np.array([0.0, 0.0, 4.0])
        light = Rotation.from_euler("z", self.scene.light_azimuth_deg, degrees=True).apply(light)
        view, proj = self._view, self._proj
        if camera is not None:
            view = camera.view_matrix().T.ravel().tolist()
            proj = camera.projection_matrix().T.ravel().tolist()
        w, h, rgba, _depth, seg = self.p.getCameraImage(
            cam.width_px,
            cam.height_px,
            viewMatrix=view,
            projectionMatrix=proj,
            renderer=self.p.ER_TINY_RENDERER,
            lightDirection=light.tolist(),
            lightAmbientCoeff=self.scene.ambient,
            lightDiffuseCoeff=self.scene.diffuse,
            lightSpecularCoeff=0.05,
            shadow=0,
            physicsClientId=self.cid,
        )
        rgb = np.asarray(rgba, dtype=np.uint8).reshape(h, w, 4)[:, :, :3]
        return rgb, np.asarray(seg, dtype=np.int64).reshape(h, w)


def pose_arrays(pose: BodyPose) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Segment origins ``(n, S, 3)`` and quaternions ``(n, S, 4)`` (x, y, z, w)."""
    quat = Rotation.from_matrix(pose.rot.reshape(-1, 3, 3)).as_quat().reshape(pose.n, -1, 4)
    return pose.origins_m(), quat


@dataclass(frozen=True)
class ClipSpec:
    """Everything that defines a synthetic clip (the CLI builds one of these).

    Attributes
    ----------
    out_path
        Output ``.mp4`` path; the ground truth goes to ``<stem>.truth.json`` beside it.
    motion
        ``'run'``, ``'walk'`` or a DeepMimic motion file.
    deviations
        Planted deviations (already including any preset).
    camera
        Camera set-up.
    fps
        Frame rate (30-240).
    duration_s
        Clip length.
    seed
        Seeds the start phase and the stride-to-stride variation.
    outfit
        Colours.
    crf
        x264 constant rate factor (quality; lower = better, larger).
    preset
        Name of the preset used (for the record).
    scene
        Room, props and light.
    camera_motion
        Static (a treadmill), panning or pass-by (an overground runner); see
        :mod:`gaitlab.synth.camera_path`.
    """

    out_path: Path
    motion: str = "run"
    deviations: Deviations = field(default_factory=Deviations)
    camera: Camera = field(default_factory=Camera)
    fps: float = 60.0
    duration_s: float = 5.0
    seed: int = 0
    outfit: Outfit = field(default_factory=Outfit)
    crf: int = 23
    preset: str | None = None
    scene: Scene = field(default_factory=Scene)
    camera_motion: CameraMotion = field(default_factory=CameraMotion)

    def __post_init__(self) -> None:
        if not 24.0 <= self.fps <= 240.0:
            raise ValueError(f"fps must be within 24-240, got {self.fps}")
        if not 0.2 <= self.duration_s <= 120.0:
            raise ValueError(f"duration must be within 0.2-120 s, got {self.duration_s}")

    @classmethod
    def from_preset(cls, name: str, out_path: Path, **kw: Any) -> ClipSpec:
        """A spec from a named preset (``deviations.PRESETS``); ``kw`` override fields."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}: choose from {sorted(PRESETS)}")
        motion, dev, _ = PRESETS[name]
        return cls(out_path=Path(out_path), motion=motion, deviations=dev, preset=name, **kw)

    def frame_times_s(self) -> NDArray[np.float64]:
        """Presentation time of every frame: ``i / fps``."""
        n = round(self.duration_s * self.fps)
        return np.arange(n) / float(Fraction(self.fps).limit_denominator(1001))


def synthesize_clip(spec: ClipSpec) -> Synthesis:
    """Pose the runner at the spec's frame times (no rendering).

    Overground (any camera motion but static) the runner starts at ``start_x_m``.
    """
    loop = make_loop(load_motion(spec.motion))
    motion = spec.camera_motion
    syn = synthesize(
        loop,
        spec.deviations,
        spec.frame_times_s(),
        seed=spec.seed,
        schedule=gait_schedule(loop),
        overground=motion.overground,
    )
    if motion.overground and motion.start_x_m:
        start = np.array([motion.start_x_m, 0.0, 0.0])
        dense_t, dense_pose = syn.dense
        syn.pose = BodyPose(syn.pose.root_m + start, syn.pose.rot)
        syn.dense = (dense_t, BodyPose(dense_pose.root_m + start, dense_pose.rot))
        syn.travel_m = None if syn.travel_m is None else syn.travel_m + start
    return syn


__all__ = [
    "FLOORS",
    "SEGMENTS",
    "VIEWS",
    "WALLS",
    "Camera",
    "ClipSpec",
    "Renderer",
    "Scene",
    "VideoWriter",
    "occluded",
    "replace",
    "sample_segment",
]
