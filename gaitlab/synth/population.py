"""A population of synthetic runners: everything that is not the measured quantity, drawn.

One seed and a clip index give one clip (:func:`draw_clip`); the same seed always gives the
same population, and clip ``i`` does not depend on how many clips were asked for. What is
drawn, and why each range:

- **kit**: top and bottom colours (any hue and lightness), including a low-contrast pair
  (a shade apart) and the same colour top and bottom; top plain, striped or colour-blocked;
  shorts, long shorts or tights; the top tucked in or untucked (a loose hem that flaps);
  a straight or curved waistband (up to 2.5 cm lower or higher at the middle);
- **body**: girth 0.85-1.2 x (lengths are the motion-capture skeleton's, so every true joint
  centre stays exact), skin tone from light to dark, hair and shoe colours;
- **scene**: wall plain / mottled / bricks / panels, floor plain / tiles / planks, a treadmill
  console, 0-6 boxes of clutter, light level and direction;
- **camera**: height 0.5-1.5 m aimed at the runner's middle, distance 2.5-6 m, roll 0-5 deg
  either way, yaw 0-30 deg off square for side views (0-10 deg for rear views), the field of
  view chosen so the runner is 250-800 px tall, image 480p-1080p portrait or landscape,
  24-240 fps, x264 CRF 18-32;
- **camera motion** (population version 2, the default): side views 60 % static (a
  treadmill), 20 % panning (the runner runs overground past the camera and a hand-held phone
  turns to follow: lag, overshoot and shake drawn), 20 % pass-by (a tripod, the runner
  crosses the frame overground); rear views 70 % static, 30 % pass-by (the runner runs
  away from the camera). Drawn from a generator of its own, seeded by ``(seed, index,
  CAMERA_MOTION_STREAM)``, so every other parameter of a clip is what version 1 drew.
  Version 1 (every clip static) is the population the accuracy tables up to this version
  were measured on; ``--population-version 1`` renders it again;
- **faults**: a drawn share of clips carries one planted fault that its view can measure
  (pelvic drop from behind; limited hip extension, back arch, trunk lean, overstride from
  the side); the rest are normal.
"""

from __future__ import annotations

import colorsys
import csv
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from gaitlab.synth.camera_path import CameraMotion, runner_start_x_m
from gaitlab.synth.deviations import NORMAL_RUN, PRESETS
from gaitlab.synth.figure import RGB, SKIN_TONES, Outfit
from gaitlab.synth.render import Camera, ClipSpec, Scene

#: Planted faults: name -> (view kind that measures it, deviation amounts).
FAULTS: dict[str, tuple[str, dict[str, float]]] = {
    "pelvic_drop": ("rear", {"pelvic_drop_deg": 8.0}),
    "limited_hip_extension": ("side", {"hip_extension_deg": -10.0}),
    "back_arch": ("side", {"back_arch_deg": 15.0}),
    "trunk_lean": ("side", {"trunk_lean_deg": 10.0}),
    "overstride": ("side", {"overstride_cm": 8.0}),
}
#: Kit kinds as seen at the waist: a contrasting tucked top, a low-contrast pair, the same
#: colour top and bottom, an untucked top.
KITS: tuple[str, ...] = ("contrast", "low_contrast", "same_colour", "untucked")
#: Image sizes (short side, px) and frame rates drawn from.
SHORT_SIDES_PX: tuple[int, ...] = (480, 540, 720, 1080)
FRAME_RATES: tuple[int, ...] = (24, 25, 30, 50, 60, 120, 240)
#: How often each frame rate is drawn (phones film mostly at 24-60 fps).
FRAME_RATE_WEIGHTS: tuple[float, ...] = (1.0, 1.0, 2.0, 1.0, 2.5, 1.0, 0.5)
#: Long side for each short side (16:9, even numbers for H.264).
_LONG_SIDE = {480: 854, 540: 960, 720: 1280, 1080: 1920}
#: The runner's standing height (m), for the field of view.
RUNNER_HEIGHT_M = 1.62
#: Population format versions: 1 = every camera static, 2 = camera motion drawn.
POPULATION_VERSIONS: tuple[int, ...] = (1, 2)
#: Seeds the camera motion's own random stream (with the population seed and clip index).
CAMERA_MOTION_STREAM = 230_001
#: Camera motions drawn per view kind, with their probabilities (population version 2).
CAMERA_MOTION_WEIGHTS: dict[str, dict[str, float]] = {
    "side": {"static": 0.6, "panning": 0.2, "pass-by": 0.2},
    "rear": {"static": 0.7, "pass-by": 0.3},
}
#: An overground camera's far clipping plane (m): the room is larger.
OVERGROUND_FAR_M = 150.0


@dataclass(frozen=True)
class PopulationSettings:
    """Shares and ranges of the draw.

    Attributes
    ----------
    duration_s
        Clip length (short: a population must render and analyse in about an hour).
    fault_share
        Share of clips with a planted fault.
    rear_share
        Share of rear-view clips (the rest are side views, left or right).
    kit_weights
        Probabilities of :data:`KITS` (in that order).
    max_short_side_high_fps_px
        Clips at 120 fps and above are drawn at 720p at most (as phones film slow motion).
    version
        Population format (:data:`POPULATION_VERSIONS`): 1 = every camera static (the
        populations measured before camera motion), 2 = camera motion drawn.
    """

    duration_s: float = 3.5
    fault_share: float = 0.45
    rear_share: float = 0.5
    kit_weights: tuple[float, ...] = (0.55, 0.15, 0.15, 0.15)
    max_short_side_high_fps_px: int = 720
    version: int = 2

    def __post_init__(self) -> None:
        if self.version not in POPULATION_VERSIONS:
            raise ValueError(
                f"population version must be one of {POPULATION_VERSIONS}, got {self.version}"
            )


def _colour(rng: np.random.Generator, lightness: tuple[float, float] = (0.1, 0.9)) -> RGB:
    h = float(rng.uniform(0.0, 1.0))
    s = float(rng.uniform(0.0, 0.9))
    v = float(rng.uniform(*lightness))
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return (round(r, 3), round(g, 3), round(b, 3))


def _lab_distance(a: RGB, b: RGB) -> float:
    """CIELAB distance of two 0-1 sRGB colours (how different they look)."""
    px = np.array([[a, b]], dtype=np.float32)
    lab = cv2.cvtColor(px, cv2.COLOR_RGB2LAB)[0]
    return float(np.linalg.norm(lab[0] - lab[1]))


def _shade_of(rng: np.random.Generator, rgb: RGB, amount: float) -> RGB:
    h, s, v = colorsys.rgb_to_hsv(*rgb)
    v = float(np.clip(v + rng.choice([-1.0, 1.0]) * amount, 0.05, 0.95))
    h = (h + rng.uniform(-0.03, 0.03)) % 1.0
    r, g, b = colorsys.hsv_to_rgb(h, s, v)
    return (round(r, 3), round(g, 3), round(b, 3))


def _skin(rng: np.random.Generator) -> RGB:
    light, dark = np.array(SKIN_TONES["light"]), np.array(SKIN_TONES["dark"])
    t = float(rng.uniform(0.0, 1.0))
    rgb = (1.0 - t) * light + t * dark + rng.normal(0.0, 0.02, 3)
    return tuple(round(float(c), 3) for c in np.clip(rgb, 0.05, 0.98))  # type: ignore[return-value]


@dataclass(frozen=True)
class PopulationClip:
    """One drawn clip: its spec and every drawn parameter.

    Attributes
    ----------
    index, stem
        Position in the population and the file stem (``pop<seed>_<index>``).
    spec
        What to render.
    params
        Every drawn parameter, flat (JSON-ready); also the factors the benchmark breaks
        errors down by.
    """

    index: int
    stem: str
    spec: ClipSpec
    params: dict[str, Any]


def draw_clip(
    seed: int, index: int, out_dir: Path, settings: PopulationSettings | None = None
) -> PopulationClip:
    """Draw clip ``index`` of population ``seed``.

    Parameters
    ----------
    seed
        Population seed.
    index
        Clip number (0-based); each clip has its own generator, seeded by ``(seed, index)``.
    out_dir
        Folder the clip will be written to.
    settings
        Shares and ranges.

    Returns
    -------
    PopulationClip
    """
    st = settings or PopulationSettings()
    rng = np.random.default_rng([seed, index])
    view_kind = "rear" if rng.uniform() < st.rear_share else "side"
    view = "rear" if view_kind == "rear" else str(rng.choice(["side-left", "side-right"]))
    faults = [f for f, (v, _) in FAULTS.items() if v == view_kind]
    fault = str(rng.choice(faults)) if rng.uniform() < st.fault_share else "normal"
    deviations = NORMAL_RUN if fault == "normal" else NORMAL_RUN.plus(**FAULTS[fault][1])

    kit = str(rng.choice(KITS, p=np.asarray(st.kit_weights) / sum(st.kit_weights)))
    shirt = _colour(rng)
    if kit == "same_colour":
        shorts = shirt
    elif kit == "low_contrast":
        shorts = _shade_of(rng, shirt, float(rng.uniform(0.06, 0.14)))
    else:
        shorts = _colour(rng)
        for _ in range(20):  # a contrasting pair: redraw until they look clearly different
            if _lab_distance(shirt, shorts) >= 25.0:
                break
            shorts = _colour(rng)
    outfit = Outfit(
        shirt=shirt,
        shorts=shorts,
        skin=_skin(rng),
        hair=_colour(rng, (0.05, 0.6)),
        shoes=_colour(rng),
        accent=_colour(rng),
        top_pattern=str(rng.choice(["plain", "stripes", "block"], p=[0.6, 0.2, 0.2])),
        bottoms=str(rng.choice(["shorts", "long_shorts", "tights"], p=[0.6, 0.2, 0.2])),
        top_fit="untucked" if kit == "untucked" else "tucked",
        waistband_curve_m=round(float(rng.choice([0.0, 1.0]) * rng.uniform(-0.025, 0.025)), 4),
        girth_scale=round(float(rng.uniform(0.85, 1.2)), 3),
        hem_bounce_m=round(float(rng.uniform(0.01, 0.03)), 4),
        hem_sway_deg=round(float(rng.uniform(3.0, 10.0)), 2),
    )
    scene = Scene(
        floor_rgb=_colour(rng, (0.3, 0.8)),
        wall_rgb=_colour(rng, (0.4, 0.95)),
        wall=str(rng.choice(["plain", "noise", "bricks", "stripes"])),
        floor=str(rng.choice(["plain", "checker", "planks"])),
        console=bool(rng.uniform() < 0.4),
        clutter=int(rng.integers(0, 7)),
        ambient=round(float(rng.uniform(0.35, 0.75)), 3),
        diffuse=round(float(rng.uniform(0.3, 0.7)), 3),
        light_azimuth_deg=round(float(rng.uniform(-90.0, 90.0)), 1),
        texture_seed=int(rng.integers(0, 2**31)),
    )

    fps = int(rng.choice(FRAME_RATES, p=np.asarray(FRAME_RATE_WEIGHTS) / sum(FRAME_RATE_WEIGHTS)))
    short = int(rng.choice(SHORT_SIDES_PX))
    if fps >= 120:
        short = min(short, st.max_short_side_high_fps_px)
    portrait = bool(rng.uniform() < 0.3)
    width, height = (short, _LONG_SIDE[short]) if portrait else (_LONG_SIDE[short], short)
    distance = float(rng.uniform(2.5, 6.0))
    cam_height = float(rng.uniform(0.5, 1.5))
    # The runner's height in the image: 250-800 px, and at most 85 % of the frame.
    runner_px = float(rng.uniform(250.0, min(800.0, 0.85 * height)))
    fov = float(
        np.degrees(2.0 * np.arctan(RUNNER_HEIGHT_M * height / (2.0 * runner_px * distance)))
    )
    fov = float(np.clip(fov, 15.0, 80.0))
    # With the field of view clipped to a phone's range, the runner's height follows from it.
    runner_px = RUNNER_HEIGHT_M * height / (2.0 * distance * np.tan(np.radians(fov) / 2.0))
    yaw_max = 30.0 if view_kind == "side" else 10.0
    camera = Camera(
        view=view,
        width_px=width,
        height_px=height,
        height_m=round(cam_height, 3),
        distance_m=round(distance, 3),
        roll_deg=round(float(rng.uniform(-5.0, 5.0)), 2),
        fov_deg=round(fov, 3),
        target_height_m=0.85,
        yaw_deg=round(float(rng.choice([-1.0, 1.0]) * rng.uniform(0.0, yaw_max)), 2),
    )
    crf = int(rng.integers(18, 33))
    motion = draw_camera_motion(seed, index, view_kind, camera, st)
    if motion.overground:
        camera = replace(camera, far_m=OVERGROUND_FAR_M)
    stem = f"pop{seed}_{index:03d}"
    spec = ClipSpec(
        out_path=Path(out_dir) / f"{stem}.mp4",
        motion=PRESETS["normal"][0],
        deviations=deviations,
        camera=camera,
        fps=float(fps),
        duration_s=st.duration_s,
        seed=int(rng.integers(0, 2**31)),
        outfit=outfit,
        crf=crf,
        preset=fault,
        scene=scene,
        camera_motion=motion,
    )
    params: dict[str, Any] = {
        "population_seed": seed,
        "index": index,
        "fault": fault,
        "view": view,
        "view_kind": view_kind,
        "kit": kit,
        "waist_contrast_lab": round(_lab_distance(shirt, shorts), 1),
        "runner_px": round(float(runner_px), 1),
        "fps": fps,
        "width_px": width,
        "height_px": height,
        "orientation": "portrait" if portrait else "landscape",
        "crf": crf,
        "motion_seed": spec.seed,
        "duration_s": st.duration_s,
        "camera_motion": motion.kind,
        **{
            f"camera_{k}": v
            for k, v in asdict(camera).items()
            if k not in ("near_m", "far_m", "pan_deg", "tilt_deg")
        },
        **{f"outfit_{k}": v for k, v in asdict(outfit).items()},
        **{f"scene_{k}": v for k, v in asdict(scene).items()},
        "deviations": deviations.to_dict(),
        "population_version": st.version,
    }
    if motion.overground:
        params.update({f"camera_motion_{k}": v for k, v in motion.to_dict().items() if k != "kind"})
    return PopulationClip(index=index, stem=stem, spec=spec, params=params)


def draw_camera_motion(
    seed: int, index: int, view_kind: str, camera: Camera, settings: PopulationSettings
) -> CameraMotion:
    """Draw clip ``index``'s camera motion from its own stream (static in version 1).

    The stream is seeded by ``(seed, index, CAMERA_MOTION_STREAM)``, apart from the one every
    other parameter comes from, so adding this factor left the others as they were drawn.
    """
    if settings.version < 2:
        return CameraMotion()
    rng = np.random.default_rng([seed, index, CAMERA_MOTION_STREAM])
    weights = CAMERA_MOTION_WEIGHTS[view_kind]
    kinds = list(weights)
    p = np.asarray([weights[k] for k in kinds])
    kind = str(rng.choice(kinds, p=p / p.sum()))
    # Drawn whatever the kind, so each draw below is the same for a given clip.
    follow_hz = round(float(rng.uniform(0.6, 1.5)), 3)
    damping = round(float(rng.uniform(0.35, 0.9)), 3)
    lag_s = round(float(rng.uniform(0.05, 0.3)), 3)
    shake_deg = round(float(rng.uniform(0.05, 0.5)), 3)
    shake_hz = round(float(rng.uniform(3.0, 9.0)), 2)
    shake_seed = int(rng.integers(0, 2**31))
    lead_s = float(rng.uniform(-0.4, 0.3))
    if kind == "static":
        return CameraMotion()
    half_h_m = camera.distance_m * np.tan(np.radians(camera.fov_deg) / 2.0)
    half_w_m = half_h_m * camera.width_px / camera.height_px
    start = runner_start_x_m(
        kind, camera.view, half_w_m, camera.distance_m, settings.duration_s, lead_s=lead_s
    )
    if kind == "pass-by":
        return CameraMotion(kind=kind, start_x_m=round(start, 3))
    return CameraMotion(
        kind=kind,
        start_x_m=round(start, 3),
        follow_hz=follow_hz,
        damping=damping,
        lag_s=lag_s,
        shake_deg=shake_deg,
        shake_hz=shake_hz,
        shake_seed=shake_seed,
    )


def draw_population(
    n: int, seed: int, out_dir: Path, settings: PopulationSettings | None = None
) -> list[PopulationClip]:
    """Clips ``0 .. n - 1`` of population ``seed`` (see :func:`draw_clip`)."""
    if n < 1:
        raise ValueError(f"a population needs at least one clip, got {n}")
    return [draw_clip(seed, i, out_dir, settings) for i in range(n)]


#: Columns of the CSV index (the JSON index holds every parameter).
INDEX_COLUMNS: tuple[str, ...] = (
    "stem",
    "fault",
    "view",
    "kit",
    "waist_contrast_lab",
    "outfit_top_pattern",
    "outfit_bottoms",
    "outfit_waistband_curve_m",
    "outfit_girth_scale",
    "runner_px",
    "fps",
    "width_px",
    "height_px",
    "camera_height_m",
    "camera_distance_m",
    "camera_roll_deg",
    "camera_yaw_deg",
    "crf",
    "scene_wall",
    "scene_floor",
    "scene_console",
    "scene_clutter",
    "camera_motion",
)


def index_rows(clips: list[PopulationClip]) -> list[dict[str, Any]]:
    """One JSON-ready row per clip: its files and every drawn parameter."""
    return [
        {"stem": c.stem, "video": f"{c.stem}.mp4", "truth": f"{c.stem}.truth.json", **c.params}
        for c in clips
    ]


def write_index(clips: list[PopulationClip], out_dir: Path) -> tuple[Path, Path]:
    """Write ``index.json`` (every parameter) and ``index.csv`` (the main factors)."""
    out_dir = Path(out_dir)
    rows = index_rows(clips)
    json_path = out_dir / "index.json"
    json_path.write_text(json.dumps({"clips": rows}, indent=1))
    csv_path = out_dir / "index.csv"
    with csv_path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(INDEX_COLUMNS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return json_path, csv_path


def rendered_as_drawn(truth_path: Path, params: dict[str, Any]) -> bool:
    """Whether a rendered clip's truth records exactly these drawn parameters.

    A folder rendered by another population version (or an older gaitlab) may hold a clip of
    the same name that is a different clip: it must be rendered again, never reused.
    ``population_version`` alone may be missing (clips rendered before it was recorded are
    version 1 clips, identical to version 2's static ones).
    """
    try:
        recorded = json.loads(Path(truth_path).read_text()).get("population")
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict):
        return False
    return all(
        recorded.get(k, v if k == "population_version" else None) == v
        for k, v in json.loads(json.dumps(params)).items()
    ) and set(recorded) <= set(params) | {"population_version"}


def add_params_to_truth(truth_path: Path, params: dict[str, Any]) -> None:
    """Record the drawn parameters in a rendered clip's truth file (key ``population``)."""
    truth = json.loads(Path(truth_path).read_text())
    truth["population"] = params
    Path(truth_path).write_text(json.dumps(truth, separators=(",", ":"), allow_nan=False))
