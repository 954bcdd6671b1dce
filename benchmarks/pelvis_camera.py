"""Where the pelvic drop's error comes from on rendered rear clips, and how much is perspective.

Usage::

    python benchmarks/pelvis_camera.py --work /path/to/bench --seeds 4040 5151

Reads the rear clips of populations already rendered by ``accuracy.py --population N --seed S
--work DIR`` (``<work>/population/<seed>/``), analyses them with the pose cache of that run
(``<work>/pose``) and prints, for every clip whose pelvic drop was measured:

- the truth's median over all its stances (what ``accuracy.py --population`` scores against)
  and over the stances gaitlab measured (:func:`population.same_stances_truth_median`);
- gaitlab's clip value, and the value it would give if the waistband's angle had the
  perspective term below removed, with the truth's pelvis yaw and the camera's elevation
  (an oracle: neither is measured from a clip; this says how much a correction could gain);
- the per-frame gain of that term in the edge's angle (least squares on the true obliquity and
  the term together; 1 = the geometry alone);
- the camera's elevation read from MediaPipe's world landmarks (a lead, see docs/accuracy.md).

**The perspective term** (docs/metrics.md, "Camera height"). The waistband is a horizontal
line on the pelvis. When the pelvis turns about the vertical by ``yaw`` (one hip ahead of the
other, once per stride) and the camera looks at it from ``elevation`` above (below) the
horizontal, the nearer end of a receding horizontal line is seen lower (higher): the line's
image angle is :func:`perspective_tilt_deg` without any pelvic obliquity at all.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))

from population import same_stances_truth_median  # noqa: E402
from provenance import run_label  # noqa: E402

from gaitlab.landmarks import INDEX  # noqa: E402

#: Height of the waistband edge above the mid-hip joint centre (m): the edge sat 0.27-0.35
#: trunk lengths above the mid-hip landmark on the development renders (docs/accuracy.md),
#: about 0.12-0.16 m for their 0.45 m trunk.
BAND_ABOVE_HIP_M = 0.13


def perspective_tilt_deg(yaw_deg: np.ndarray | float, elevation_deg: np.ndarray | float) -> Any:
    """Image angle (deg) of a level line turned by ``yaw`` seen from ``elevation`` above it.

    Rear view, image angle + = image-right end lower (:mod:`gaitlab.imaging.waistband`);
    ``yaw_deg`` + = the runner's left hip ahead (farther from a camera behind); ``elevation``
    + = camera above the line (the angle of the ray to the line below the horizontal).

    For a camera aimed at the line (the line at the image centre), a short segment of
    direction ``d = (sin yaw, cos yaw, 0)`` (x forward, y left, z up) seen along the ray
    ``f = (cos e, 0, -sin e)`` moves in the image by ``d . right = -cos yaw`` across and
    ``d . down = -sin yaw sin e`` down (``right = (0, -1, 0)``, ``down = (-sin e, 0, -cos e)``),
    so the angle from its left end to its right end is ``atan(tan(yaw) sin(e))``. A level
    camera with the line below the image centre gives ``atan(tan(yaw) tan(e))`` instead
    (the line runs to its vanishing point on the horizon); the two differ by under 2 % for
    elevations within 12 deg.
    """
    yaw = np.radians(np.asarray(yaw_deg, dtype=float))
    elev = np.radians(np.asarray(elevation_deg, dtype=float))
    return np.degrees(np.arctan(np.tan(yaw) * np.sin(elev)))


def truth_yaw_elevation(truth: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame pelvis yaw (deg, + = left hip ahead) and camera elevation over the band (deg)."""
    pts = truth["frames"]["points"]
    left = np.asarray(pts["left_hip"]["xyz_m"], dtype=float)
    right = np.asarray(pts["right_hip"]["xyz_m"], dtype=float)
    yaw = np.degrees(np.arctan2(left[:, 0] - right[:, 0], left[:, 1] - right[:, 1]))
    band = 0.5 * (left + right)
    band[:, 2] += BAND_ABOVE_HIP_M
    eye = np.asarray(truth["camera"]["eye_m"], dtype=float)
    horiz = np.hypot(eye[0] - band[:, 0], eye[1] - band[:, 1])
    return yaw, np.degrees(np.arctan2(eye[2] - band[:, 2], horiz))


def leg_ray_elevation_deg(world_m: np.ndarray) -> float:
    """Median angle (deg) of the hip -> ankle vector out of the image plane, world landmarks.

    MediaPipe's world landmarks are turned like the camera (y down, z away from it), so a
    leg that is vertical on average leans towards the camera in them by the ray's elevation
    (camera above: the feet nearer). A lead, not a measure: the runner's own mean leg angle
    adds to it.
    """
    hips = 0.5 * (world_m[:, INDEX["left_hip"]] + world_m[:, INDEX["right_hip"]])
    ankles = 0.5 * (world_m[:, INDEX["left_ankle"]] + world_m[:, INDEX["right_ankle"]])
    leg = ankles - hips
    return float(np.nanmedian(np.degrees(np.arctan2(leg[:, 2], leg[:, 1]))))


def clip_row(video: Path, work: Path) -> dict[str, Any] | None:
    """Analyse one rear clip (pose cached) and split its pelvic-drop error (None: not measured)."""
    from gaitlab.kinematics.pelvis import pelvic_drop_values, waistband_obliquity_deg
    from gaitlab.pipeline import analyze_clip

    truth = json.loads(video.with_name(f"{video.stem}.truth.json").read_text())
    analysis = analyze_clip(video, cache_dir=work / "pose")
    kin, series = analysis.kinematics, analysis.series
    m = kin.metrics.get("pelvic_drop_deg")
    band = series.waistband
    if m is None or not np.isfinite(m.median) or band is None:
        return None
    n = min(len(series.time_s), len(truth["frames"]["time_s"]))
    t = series.time_s[:n]
    yaw, elev = truth_yaw_elevation(truth)
    term = perspective_tilt_deg(yaw[:n] - np.median(yaw[:n]), elev[:n])
    fps = series.video.nominal_fps
    ks = kin.settings
    tilt, _ = waistband_obliquity_deg(
        band.angle_deg[:n] - term,
        band.ok[:n],
        kin.view.view,
        t,
        lowpass_hz=min(ks.lowpass_hz, ks.lowpass_max_nyquist_fraction * 0.5 * fps),
        max_gap_s=ks.max_gap_s,
        min_ok_share=ks.waistband_ok_share_min,
    )
    oracle = math.nan
    if tilt is not None:
        vals = [v.value for v in pelvic_drop_values(t, tilt, kin.strides)]
        vals = [v for v in vals if np.isfinite(v)]
        oracle = float(np.median(vals)) if vals else math.nan
    ends = {(st.side, st.foot_strike_s): st.toe_off_s for st in kin.strides}
    stances = [
        (v.side, v.time_s, ends[(v.side, v.time_s)])
        for v in m.values
        if np.isfinite(v.value) and (v.side, v.time_s) in ends
    ]
    key = "pelvic_drop_peak_rel_neutral_deg"
    true_obl = -np.asarray(truth["frames"]["angles"]["pelvic_obliquity_deg"], dtype=float)[:n]
    ok = band.ok[:n] & np.isfinite(band.angle_deg[:n])
    gain = math.nan
    if ok.sum() > 10 and np.ptp(term[ok]) > 0:
        # Least squares of the edge's angle on the true obliquity and the term together: the
        # yaw swings with the obliquity, so the edge's own gain must not leak into the term's.
        a = np.column_stack([true_obl[ok], term[ok], np.ones(int(ok.sum()))])
        gain = float(np.linalg.lstsq(a, band.angle_deg[:n][ok], rcond=None)[0][1])
    p = truth["population"]
    return {
        "clip": video.stem,
        "fault": p["fault"],
        "camera_height_m": p["camera_height_m"],
        "camera_distance_m": p["camera_distance_m"],
        "elevation_deg": float(np.median(elev[:n])),
        "leg_ray_deg": leg_ray_elevation_deg(series.world_m),
        "yaw_range_deg": float(np.ptp(yaw[:n])),
        "truth_all": float(np.median([s[key] for s in truth["stances"] if s.get(key) is not None])),
        "truth_same": same_stances_truth_median(truth, key, stances),
        "value": float(m.median),
        "perspective_removed": oracle,
        "frame_gain": gain,
    }


def summary(rows: list[dict[str, Any]], value: str, truth: str) -> str:
    """Within 2 deg, median / p90 / worst |error| and its slope against camera height."""
    e = np.asarray([r[value] - r[truth] for r in rows], dtype=float)
    h = np.asarray([r["camera_height_m"] for r in rows], dtype=float)
    a = np.abs(e)
    slope = np.polyfit(h, e, 1)[0] if len(rows) > 2 else math.nan
    corr = np.corrcoef(h, e)[0, 1] if len(rows) > 2 else math.nan
    return (
        f"{int((a <= 2.0).sum())}/{len(rows)} | {np.median(a):.1f} / {np.percentile(a, 90):.1f} / "
        f"{a.max():.1f} | {slope:+.1f} (r {corr:+.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, required=True, help="the --work of the population run")
    ap.add_argument("--seeds", type=int, nargs="+", required=True)
    args = ap.parse_args(argv)
    rows = []
    for seed in args.seeds:
        folder = args.work / "population" / str(seed)
        for truth_path in sorted(folder.glob("*.truth.json")):
            truth = json.loads(truth_path.read_text())
            if truth["population"]["view_kind"] != "rear":
                continue
            row = clip_row(truth_path.with_name(f"{truth_path.stem[:-6]}.mp4"), args.work)
            if row is not None:
                rows.append(row)
    if not rows:
        print(f"no measured rear clip under {args.work}/population/{args.seeds}")
        return 1
    print(f"Seeds {', '.join(map(str, args.seeds))}: {len(rows)} rear clips with a pelvic drop.")
    print(f"Measured with {run_label()}.\n")
    print(
        "| clip | fault | camera m | elevation deg | leg-ray deg | truth, all stances | "
        "truth, same stances | gaitlab | perspective removed | frame gain |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['clip']} | {r['fault']} | {r['camera_height_m']:.2f} | "
            f"{r['elevation_deg']:+.1f} | {r['leg_ray_deg']:+.1f} | {r['truth_all']:.1f} | "
            f"{r['truth_same']:.1f} | {r['value']:.1f} | {r['perspective_removed']:.1f} | "
            f"{r['frame_gain']:.2f} |"
        )
    print(
        "\n| clip value against | within 2 deg | median / p90 / worst abs error (deg) | "
        "error per metre of camera height (deg) |"
    )
    print("|---|---|---|---|")
    print(f"| truth, all stances | {summary(rows, 'value', 'truth_all')} |")
    print(f"| truth, same stances | {summary(rows, 'value', 'truth_same')} |")
    print(
        f"| truth, same stances; perspective removed (oracle) | "
        f"{summary(rows, 'perspective_removed', 'truth_same')} |"
    )
    el = np.asarray([r["elevation_deg"] for r in rows])
    leg = np.asarray([r["leg_ray_deg"] for r in rows])
    fit = np.polyfit(el, leg, 1)
    print(
        f"\nLeg-ray angle against the true elevation: r {np.corrcoef(el, leg)[0, 1]:.2f}, "
        f"slope {fit[0]:.2f}, offset {fit[1]:+.1f} deg, residual SD "
        f"{np.std(leg - np.polyval(fit, el)):.1f} deg. Frame gain median "
        f"{np.nanmedian([r['frame_gain'] for r in rows]):.2f}."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
