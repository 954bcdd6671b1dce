"""The ``gaitlab synth`` subcommand: render a synthetic runner with exact ground truth.

Wire it into the main parser with::

    from gaitlab.synth.cli import add_synth_parser
    add_synth_parser(subparsers)          # sets func=run_synth on the subparser

and call ``args.func(args)``. pybullet (the ``gaitlab[synth]`` extra) is imported only when the
command runs.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from gaitlab.synth.camera_path import CAMERA_MOTIONS, CameraMotion, runner_start_x_m
from gaitlab.synth.deviations import PRESETS, Deviations
from gaitlab.synth.figure import SKIN_TONES, Outfit, parse_colour

#: ``population.POPULATION_VERSIONS`` (kept here so the parser does not import OpenCV).
POPULATION_VERSIONS: tuple[int, ...] = (1, 2)

#: Deviation flags: (flag, Deviations field, help).
_DEVIATION_FLAGS: tuple[tuple[str, str, str], ...] = (
    ("--trunk-lean", "trunk_lean_deg", "extra forward trunk lean, deg (negative = upright)"),
    ("--back-arch", "back_arch_deg", "extra lumbar extension (trunk vs pelvis), deg"),
    ("--pelvic-drop", "pelvic_drop_deg", "extra contralateral pelvic drop at every stance, deg"),
    ("--pelvic-drop-left", "pelvic_drop_left_deg", "... only on left stance (right hip drops)"),
    ("--pelvic-drop-right", "pelvic_drop_right_deg", "... only on right stance"),
    ("--hip-extension", "hip_extension_deg", "change of peak hip extension, deg (neg = limited)"),
    ("--hip-extension-left", "hip_extension_left_deg", "... left leg only"),
    ("--hip-extension-right", "hip_extension_right_deg", "... right leg only"),
    ("--overstride", "overstride_cm", "extra ankle-ahead-of-hip at foot strike, cm"),
    ("--overstride-left", "overstride_left_cm", "... left leg only"),
    ("--overstride-right", "overstride_right_cm", "... right leg only"),
)


def add_synth_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``synth`` to an argparse subparsers object and return its parser."""
    p = subparsers.add_parser(
        "synth",
        help="render a synthetic runner with exact ground truth (needs gaitlab[synth])",
        description=(
            "Pose pybullet's motion-capture humanoid frame by frame, plant deviations of known "
            "size, render an H.264 clip and write <clip>.truth.json beside it. Deviation "
            "amounts add to the preset's."
        ),
    )
    p.add_argument(
        "--out", type=Path, required=True, help="output .mp4 path (a folder with --population)"
    )
    p.add_argument(
        "--population",
        type=int,
        default=0,
        metavar="N",
        help="render N clips with seeded random kit, body, scene, camera and planted faults "
        "into the --out folder, with index.json and index.csv (--seed picks the population)",
    )
    p.add_argument(
        "--population-version",
        type=int,
        choices=POPULATION_VERSIONS,
        default=POPULATION_VERSIONS[-1],
        help="with --population: 1 = every camera static (populations measured before camera "
        "motion), 2 = static, panning and pass-by cameras drawn (default)",
    )
    p.add_argument("--preset", choices=sorted(PRESETS), default="normal")
    p.add_argument("--motion", default=None, help="run | walk | DeepMimic file (default: preset's)")
    p.add_argument(
        "--view", choices=("side-left", "side-right", "rear", "front"), default="side-left"
    )
    p.add_argument("--fps", type=float, default=60.0, help="frame rate, 24-240")
    p.add_argument("--duration-s", type=float, default=5.0)
    p.add_argument("--width", type=int, default=960)
    p.add_argument("--height", type=int, default=540)
    p.add_argument("--camera-height-m", type=float, default=0.9)
    p.add_argument("--camera-distance-m", type=float, default=4.0)
    p.add_argument("--camera-roll-deg", type=float, default=0.0)
    p.add_argument("--fov-deg", type=float, default=35.0, help="vertical field of view")
    p.add_argument(
        "--camera-motion",
        choices=CAMERA_MOTIONS,
        default="static",
        help="static: treadmill; panning: overground runner, a hand-held phone turns to "
        "follow; pass-by: overground runner, fixed camera (crossing a side view, running "
        "away from a rear one, towards a front one)",
    )
    p.add_argument("--pan-shake-deg", type=float, default=0.3, help="panning: RMS hand shake, deg")
    p.add_argument(
        "--start-lead-s",
        type=float,
        default=0.0,
        help="overground: shifts where the runner starts (pass-by side: when they enter)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--crf", type=int, default=23, help="x264 quality (lower = better, bigger)")
    p.add_argument("--shirt", default="red", help="colour name or #rrggbb")
    p.add_argument("--shorts", default="navy", help="colour name or #rrggbb")
    p.add_argument("--skin", default="medium", help=f"{'|'.join(SKIN_TONES)} or #rrggbb")
    for flag, field_name, text in _DEVIATION_FLAGS:
        p.add_argument(flag, type=float, default=0.0, dest=field_name, help=text)
    p.add_argument("--cadence-scale", type=float, default=1.0, help="multiplies cadence")
    p.add_argument(
        "--stride-variability",
        type=float,
        default=None,
        help="scale of seeded stride-to-stride variation (0 = identical strides; default 1)",
    )
    p.set_defaults(func=run_synth)
    return p


def spec_from_args(args: argparse.Namespace):  # -> ClipSpec (pybullet-free import below)
    """Build a :class:`~gaitlab.synth.render.ClipSpec` from parsed arguments."""
    from gaitlab.synth.render import Camera, ClipSpec

    motion, dev, _ = PRESETS[args.preset]
    extra = {f: getattr(args, f) for _, f, _ in _DEVIATION_FLAGS if getattr(args, f)}
    if args.cadence_scale != 1.0:
        extra["cadence_scale"] = args.cadence_scale
    if args.stride_variability is not None:
        extra["stride_variability"] = args.stride_variability
    dev = dev.plus(**extra) if extra else dev
    camera = Camera(
        view=args.view,
        width_px=args.width,
        height_px=args.height,
        height_m=args.camera_height_m,
        distance_m=args.camera_distance_m,
        roll_deg=args.camera_roll_deg,
        fov_deg=args.fov_deg,
    )
    outfit = Outfit(
        shirt=parse_colour(args.shirt),
        shorts=parse_colour(args.shorts),
        skin=parse_colour(args.skin),
    )
    cam_motion = CameraMotion()
    if args.camera_motion != "static":
        import numpy as np

        if (args.motion or PRESETS[args.preset][0]) == "walk":
            raise ValueError("an overground runner needs a running motion, not a walk")
        half_w = args.camera_distance_m * np.tan(np.radians(args.fov_deg) / 2.0)
        half_w *= args.width / args.height
        start = runner_start_x_m(
            args.camera_motion,
            args.view,
            float(half_w),
            args.camera_distance_m,
            args.duration_s,
            lead_s=args.start_lead_s,
        )
        cam_motion = CameraMotion(
            kind=args.camera_motion,
            start_x_m=round(start, 3),
            shake_deg=args.pan_shake_deg if args.camera_motion == "panning" else 0.0,
            shake_seed=args.seed,
        )
        camera = replace(camera, far_m=150.0)
    return ClipSpec(
        out_path=args.out,
        motion=args.motion or motion,
        deviations=dev,
        camera=camera,
        fps=args.fps,
        duration_s=args.duration_s,
        seed=args.seed,
        outfit=outfit,
        crf=args.crf,
        preset=args.preset,
        camera_motion=cam_motion,
    )


def run_population(args: argparse.Namespace) -> int:
    """Render ``--population N`` clips into the ``--out`` folder and index them."""
    from gaitlab.synth.population import (
        PopulationSettings,
        add_params_to_truth,
        draw_population,
        rendered_as_drawn,
        write_index,
    )

    if args.population < 1:
        print(
            f"gaitlab synth: --population must be at least 1, got {args.population}",
            file=sys.stderr,
        )
        return 2
    if args.out.suffix.lower() == ".mp4" or (args.out.exists() and not args.out.is_dir()):
        print(
            f"gaitlab synth: with --population, --out must be a folder, got {args.out}",
            file=sys.stderr,
        )
        return 2
    clip_module = _clip_module()
    if clip_module is None:
        return 2
    render_clip, truth_path_for = clip_module.render_clip, clip_module.truth_path_for
    args.out.mkdir(parents=True, exist_ok=True)
    settings = PopulationSettings(version=args.population_version)
    clips = draw_population(args.population, args.seed, args.out, settings)
    write_index(clips, args.out)
    for clip in clips:
        video = clip.spec.out_path
        truth = truth_path_for(video)
        # A clip of the same name drawn otherwise (another population version) is redrawn.
        if not (video.exists() and rendered_as_drawn(truth, clip.params)):
            render_clip(clip.spec)
            add_params_to_truth(truth, clip.params)
        print(video)
    print(args.out / "index.json")
    return 0


def _clip_module() -> ModuleType | None:
    """:mod:`gaitlab.synth.clip` (it needs pybullet), or None after saying how to get it."""
    try:
        from gaitlab.synth import clip
    except ModuleNotFoundError as exc:  # pybullet missing
        print(
            f"gaitlab synth needs the synth extra: pip install 'gaitlab[synth]' ({exc})",
            file=sys.stderr,
        )
        return None
    return clip


def run_synth(args: argparse.Namespace) -> int:
    """Run ``gaitlab synth``; returns the process exit code (0 ok, 2 bad arguments)."""
    if args.population:
        return run_population(args)
    try:
        spec = spec_from_args(args)
    except ValueError as exc:
        print(f"gaitlab synth: {exc}", file=sys.stderr)
        return 2
    clip_module = _clip_module()
    if clip_module is None:
        return 2
    video, truth = clip_module.render_clip(spec)
    print(f"{video}\n{truth}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m gaitlab.synth.cli``) until the main CLI wires it."""
    parser = argparse.ArgumentParser(prog="gaitlab")
    sub = parser.add_subparsers(dest="command", required=True)
    add_synth_parser(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["Deviations", "add_synth_parser", "main", "replace", "run_synth", "spec_from_args"]
