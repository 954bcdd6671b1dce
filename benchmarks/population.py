"""Accuracy over a population of rendered runners (``accuracy.py --population N --seed S``).

Each clip of ``gaitlab synth --population`` (:mod:`gaitlab.synth.population`) is rendered once
into ``<work>/population/<seed>/`` and analysed with :func:`gaitlab.pipeline.analyze_clip`
(pose cached in ``<work>/pose``); each clip's scores are saved beside it as
``<clip>.score.json`` with a hash of the gaitlab package's sources, so a re-run or a change of
the report costs nothing and a killed run resumes where it stopped, while a change of gaitlab's
code scores every clip again (from the cached poses when the pose stage did not change).

Per clip and metric the error is the clip value (median over strides) minus the truth's
median over its stances, with the same pairing of definitions as the sample benchmark
(:data:`accuracy.TRUTH_KEY`). A metric is "measurable" when gaitlab gave a value at any
confidence. The report gives, for every metric, the median, 90th percentile and worst
absolute clip error, overall and for each level of each drawn factor; the planted faults'
detection (a finding of the fault's rule id among the reported findings) on faulty clips and
false findings on normal clips; and the pelvic-drop targets across clothing, where the clip
error is also given against the truth of the stances gaitlab measured
(:func:`same_stances_truth_median`). Population version 2 (the default) draws the camera's
motion (static, panning, pass-by): the report then says how often gaitlab's camera class and
treadmill/overground verdict were right, and breaks the errors down by the camera motion. A
clip rendered by another version (or drawn otherwise) is rendered and scored again, never
reused (:func:`gaitlab.synth.population.rendered_as_drawn`).
"""

from __future__ import annotations

import itertools
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from provenance import package_hash

from gaitlab.errors import GaitlabError
from gaitlab.pipeline import AnalysisRequest, analyze_clip

#: Planted fault -> the findings rule that should report it.
FAULT_FINDING: dict[str, str] = {
    "pelvic_drop": "pelvic_drop",
    "limited_hip_extension": "limited_hip_extension",
    "back_arch": "lumbar_arch",
    "trunk_lean": "trunk_lean_forward",
    "overstride": "overstride",
}
#: Metrics reported, with the view kind that measures them.
METRICS: dict[str, str] = {
    "trunk_lean_deg": "side",
    "hip_extension_deg": "side",
    "knee_flexion_strike_deg": "side",
    "overstride_pct_leg": "side",
    "contact_time_s": "side",
    "cadence_spm": "any",
    "pelvic_drop_deg": "rear",
}


def _bucket(edges: tuple[float, ...], unit: str) -> Callable[[float], str]:
    def f(v: float) -> str:
        for lo, hi in itertools.pairwise(edges):
            if lo <= v < hi:
                return f"{lo:g}-{hi:g} {unit}"
        return f">= {edges[-1]:g} {unit}"

    return f


#: Factors the errors are broken down by: name -> how to read its level from the params.
FACTORS: dict[str, Callable[[dict[str, Any]], str]] = {
    "view": lambda p: p["view_kind"],
    "kit": lambda p: p["kit"],
    "top pattern": lambda p: p["outfit_top_pattern"],
    "bottoms": lambda p: p["outfit_bottoms"],
    "waistband": lambda p: "curved" if p["outfit_waistband_curve_m"] else "straight",
    "runner height": lambda p: _bucket((250, 400, 550, 801), "px")(p["runner_px"]),
    "frame rate": lambda p: _bucket((24, 50, 100, 241), "fps")(p["fps"]),
    "image": lambda p: f"{min(p['width_px'], p['height_px'])}p {p['orientation']}",
    "camera height": lambda p: _bucket((0.5, 0.85, 1.2, 1.51), "m")(p["camera_height_m"]),
    "distance": lambda p: _bucket((2.5, 3.7, 4.9, 6.01), "m")(p["camera_distance_m"]),
    "roll": lambda p: _bucket((0, 2, 4, 5.01), "deg")(abs(p["camera_roll_deg"])),
    "yaw": lambda p: _bucket((0, 10, 20, 30.01), "deg")(abs(p["camera_yaw_deg"])),
    "compression": lambda p: _bucket((18, 24, 29, 33), "CRF")(p["crf"]),
    "wall": lambda p: p["scene_wall"],
    "floor": lambda p: p["scene_floor"],
    "console": lambda p: "console" if p["scene_console"] else "none",
    "girth": lambda p: _bucket((0.85, 1.0, 1.1, 1.21), "x")(p["outfit_girth_scale"]),
    "camera_motion": lambda p: p.get("camera_motion", "static"),
}
#: The camera class gaitlab should report for each rendered camera motion (a pass-by is
#: filmed from a tripod), and whether the runner is on a treadmill.
EXPECTED_CAMERA: dict[str, str] = {"static": "static", "panning": "panning", "pass-by": "static"}
EXPECTED_TREADMILL: dict[str, bool] = {"static": True, "panning": False, "pass-by": False}


def _truth_median(truth: dict[str, Any], key: str) -> float:
    vals = [s.get(key) for s in truth["stances"]]
    a = np.asarray([v for v in vals if v is not None], dtype=float)
    return float(np.median(a)) if a.size else math.nan


def same_stances_truth_median(
    truth: dict[str, Any], key: str, stances: list[tuple[str, float, float]]
) -> float:
    """Truth median over the true stances that the measured ones overlap (NaN: none).

    ``stances`` are the measured stances that gave a value: ``(side, foot_strike_s,
    toe_off_s)``. Each is paired with the true stance of its side that overlaps it most in
    time (a late foot strike still overlaps; rear-view strikes come up to 0.2 s late). A
    clip's value is a median over the stances gaitlab measured, so its truth is the median
    over the same stances: the truth's median over all its stances takes in stances at the
    clip's ends that gaitlab never saw, and when the two sides' drops differ (a planted drop
    is one-sided) the median jumps between the sides with the count of stances per side.
    """
    picked = []
    for side, strike_s, toe_off_s in stances:

        def overlap(s: dict[str, Any], a: float = strike_s, b: float = toe_off_s) -> float:
            return min(s["toe_off_s"], b) - max(s["foot_strike_s"], a)

        cands = [s for s in truth["stances"] if s["side"] == side and s.get(key) is not None]
        cands = [s for s in cands if overlap(s) > 0]
        if cands:
            picked.append(float(max(cands, key=overlap)[key]))
    return float(np.median(picked)) if picked else math.nan


def score_clip(analysis: Any, truth: dict[str, Any], truth_key: dict[str, str]) -> dict[str, Any]:
    """Clip errors, measurability, findings and event timing of one analysed clip."""
    from accuracy import leg_hka_m  # sibling script: run time

    kin = analysis.kinematics
    leg = leg_hka_m()
    metrics: dict[str, Any] = {}
    for name in METRICS:
        if name == "cadence_spm":
            value = float(kin.cadence.cadence_spm)
            truth_v = float(truth["cadence_spm"])
            conf = "measured" if np.isfinite(value) else "not_measurable"
            reasons: list[str] = []
        else:
            m = kin.metrics.get(name)
            if m is None:
                continue
            value, conf, reasons = float(m.median), m.confidence, list(m.reasons)
            if name == "overstride_pct_leg":
                truth_v = _truth_median(truth, "overstride_cm") / leg
            elif name == "duty_factor_pct":
                truth_v = math.nan
            else:
                truth_v = _truth_median(truth, truth_key[name])
        metrics[name] = {
            "value": value if np.isfinite(value) else None,
            "truth": truth_v if np.isfinite(truth_v) else None,
            "confidence": conf,
            "reasons": reasons[:2],
        }
        if name == "pelvic_drop_deg" and m is not None:
            ends = {(s.side, s.foot_strike_s): s.toe_off_s for s in kin.strides}
            measured = [
                (v.side, v.time_s, ends[(v.side, v.time_s)])
                for v in m.values
                if np.isfinite(v.value) and (v.side, v.time_s) in ends
            ]
            same = same_stances_truth_median(truth, truth_key[name], measured)
            metrics[name]["truth_same_stances"] = same if np.isfinite(same) else None
    found = [f.id for f in (*analysis.findings.findings, *analysis.findings.more_findings)]
    from real_clips import camera_class  # sibling script: run time

    return {
        "camera_detected": camera_class(analysis.to_dict()),
        "treadmill_detected": kin.treadmill,
        "view_detected": kin.view.view,
        "view_width_ratio": _finite_or_none(kin.view.width_ratio),
        "view_yaw_deg": _finite_or_none(kin.view.oblique_yaw_deg),
        "running": bool(kin.running.is_running),
        "metrics": metrics,
        "findings": found,
    }


def _finite_or_none(value: float) -> float | None:
    return round(float(value), 3) if np.isfinite(value) else None


def refused_clip(message: str) -> dict[str, Any]:
    """The score of a clip gaitlab refused as a whole (its one-line message kept)."""
    why = message.split(": ", 1)[-1]
    return {
        "view_detected": "none",
        "running": False,
        "refused": message,
        "metrics": {
            m: {"value": None, "truth": None, "confidence": "not_measurable", "reasons": [why]}
            for m in METRICS
        },
        "findings": [],
    }


def run_population(
    n: int,
    seed: int,
    work: Path,
    request: AnalysisRequest,
    truth_key: dict[str, str],
    views: str = "all",
    version: int = 2,
) -> list[dict[str, Any]]:
    """Render (cached), analyse (pose cached) and score clips ``0 .. n-1`` of a population.

    ``views`` (``all``, ``rear`` or ``side``) keeps only the clips of that view kind; the
    draw is the same, so a rear-only run scores the rear clips of the full population.
    ``version`` is the population format (1: every camera static).
    """
    from gaitlab.synth.clip import render_clip, truth_path_for  # pybullet
    from gaitlab.synth.population import (
        PopulationSettings,
        add_params_to_truth,
        draw_population,
        rendered_as_drawn,
        write_index,
    )

    code = package_hash()
    folder = work / "population" / str(seed)
    folder.mkdir(parents=True, exist_ok=True)
    clips = draw_population(n, seed, folder, PopulationSettings(version=version))
    write_index(clips, folder)
    rows = []
    for clip in clips:
        if views != "all" and clip.params["view_kind"] != views:
            continue
        video = clip.spec.out_path
        truth_path = truth_path_for(video)
        score_path = video.with_name(f"{clip.stem}.score.json")
        if score_path.exists():
            cached = json.loads(score_path.read_text())
            # A score made by other gaitlab code, or of a clip drawn otherwise, is made again.
            same_clip = json.loads(json.dumps(clip.params)) == cached.get("params")
            if cached.get("package_hash") == code and same_clip:
                rows.append(cached)
                continue
        t0 = time.perf_counter()
        if not (video.exists() and rendered_as_drawn(truth_path, clip.params)):
            render_clip(clip.spec)
            add_params_to_truth(truth_path, clip.params)
        t1 = time.perf_counter()
        truth = json.loads(truth_path.read_text())
        try:
            analysis = analyze_clip(video, request, cache_dir=work / "pose")
            score = score_clip(analysis, truth, truth_key)
        except GaitlabError as exc:  # e.g. no runner found: every metric not measurable
            score = refused_clip(str(exc))
        row = {"stem": clip.stem, "params": clip.params, "package_hash": code, **score}
        row["render_s"] = round(t1 - t0, 1)
        row["analysis_s"] = round(time.perf_counter() - t1, 1)
        score_path.write_text(json.dumps(row, indent=1))
        print(
            f"  {clip.stem} ({clip.params['view']}, {clip.params['kit']}, {clip.params['fault']}, "
            f"{clip.params['fps']} fps): render {row['render_s']:.0f} s, "
            f"analysis {row['analysis_s']:.0f} s",
            file=sys.stderr,
        )
        rows.append(row)
    return rows


def _err(row: dict[str, Any], metric: str) -> float | None:
    m = row["metrics"].get(metric)
    if not m or m["value"] is None or m["truth"] is None:
        return None
    return abs(m["value"] - m["truth"])


def _same_stances_err(row: dict[str, Any]) -> float | None:
    """Pelvic drop's absolute clip error against the truth of the measured stances."""
    m = row["metrics"].get("pelvic_drop_deg")
    if not m or m["value"] is None or m.get("truth_same_stances") is None:
        return None
    return abs(m["value"] - m["truth_same_stances"])


def _applies(row: dict[str, Any], metric: str) -> bool:
    kind = METRICS[metric]
    return kind == "any" or row["params"]["view_kind"] == kind


def _stats(rows: list[dict[str, Any]], metric: str) -> str:
    rows = [r for r in rows if _applies(r, metric)]
    if not rows:
        return "-"
    errs = np.asarray([e for r in rows if (e := _err(r, metric)) is not None], dtype=float)
    nd = 3 if metric.endswith("_s") else 1
    meas = f"{errs.size}/{len(rows)}"
    if not errs.size:
        return f"n/a ({meas})"
    return (
        f"{np.median(errs):.{nd}f} / {np.percentile(errs, 90):.{nd}f} / {errs.max():.{nd}f} "
        f"({meas})"
    )


def _fault_table(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| fault | faulty clips: found / missed | normal clips (same view): false findings |"]
    out.append("|---|---|---|")
    for fault, rule in FAULT_FINDING.items():
        faulty = [r for r in rows if r["params"]["fault"] == fault]
        if not faulty:
            view = "rear" if fault == "pelvic_drop" else "side"
        else:
            view = faulty[0]["params"]["view_kind"]
        normal = [
            r for r in rows if r["params"]["fault"] == "normal" and r["params"]["view_kind"] == view
        ]
        found = sum(rule in r["findings"] for r in faulty)
        false = sum(rule in r["findings"] for r in normal)
        out.append(
            f"| {fault} (`{rule}`) | {found} / {len(faulty) - found} of {len(faulty)} | "
            f"{false} of {len(normal)} |"
        )
    return out


def _camera_rows(rows: list[dict[str, Any]]) -> list[str]:
    """Camera class and treadmill/overground verdict against the rendered camera motion."""
    scored = [r for r in rows if "camera_detected" in r]
    if not scored:
        return []
    out = ["### Camera motion and surface", ""]
    out.append("| camera motion | clips | camera class right | surface right | classes seen |")
    out.append("|---|---|---|---|---|")
    by: dict[str, list[dict[str, Any]]] = {}
    for r in scored:
        by.setdefault(r["params"].get("camera_motion", "static"), []).append(r)
    total_cam = total_surface = 0
    for motion in sorted(by):
        sub = by[motion]
        cam_ok = sum(r["camera_detected"] == EXPECTED_CAMERA[motion] for r in sub)
        surf_ok = sum(r["treadmill_detected"] is EXPECTED_TREADMILL[motion] for r in sub)
        total_cam, total_surface = total_cam + cam_ok, total_surface + surf_ok
        seen: dict[str, int] = {}
        for r in sub:
            seen[str(r["camera_detected"])] = seen.get(str(r["camera_detected"]), 0) + 1
        classes = ", ".join(f"{k} {v}" for k, v in sorted(seen.items()))
        out.append(
            f"| {motion} | {len(sub)} | {cam_ok} of {len(sub)} | {surf_ok} of {len(sub)} | "
            f"{classes} |"
        )
    out.append(
        f"| all | {len(scored)} | camera class right on {total_cam} of {len(scored)} | "
        f"surface right on {total_surface} of {len(scored)} | |"
    )
    out.append("")
    return out


def _pelvis_targets(rows: list[dict[str, Any]]) -> list[str]:
    rear = [r for r in rows if r["params"]["view_kind"] == "rear"]
    visible = [r for r in rear if r["params"]["kit"] == "contrast"]
    hidden = [r for r in rear if r["params"]["kit"] in ("untucked", "same_colour")]
    low = [r for r in rear if r["params"]["kit"] == "low_contrast"]

    def measured(r: dict[str, Any]) -> bool:
        return (r["metrics"].get("pelvic_drop_deg") or {}).get("value") is not None

    meas = [r for r in visible if measured(r)]
    within = [r for r in meas if (e := _err(r, "pelvic_drop_deg")) is not None and e <= 2.0]
    planted = [r for r in meas if r["params"]["fault"] == "pelvic_drop"]
    normal_rear = [r for r in rear if r["params"]["fault"] == "normal"]
    false = [r for r in normal_rear if "pelvic_drop" in r["findings"]]
    refused = [r for r in hidden if not measured(r)]

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} ({100 * a / b:.0f} %)" if b else "0/0"

    out = ["| pelvic-drop target | measured | target |", "|---|---|---|"]
    out.append(
        f"| measurable, rear clips with a visible waistband (contrasting, tucked) | "
        f"{pct(len(meas), len(visible))} | >= 85 % |"
    )
    out.append(
        f"| clip error <= 2 deg, of those measured | {pct(len(within), len(meas))} | >= 90 % |"
    )
    same = [r for r in meas if _same_stances_err(r) is not None]
    within_same = [r for r in same if (_same_stances_err(r) or 0.0) <= 2.0]
    out.append(
        f"| clip error <= 2 deg against the truth of the same stances, of those measured | "
        f"{pct(len(within_same), len(same))} | (reported) |"
    )
    errs = sorted(e for r in same if (e := _same_stances_err(r)) is not None)
    if errs:
        out.append(
            f"| same-stance clip error, median / p90 / worst (deg) | "
            f"{np.median(errs):.1f} / {np.percentile(errs, 90):.1f} / {errs[-1]:.1f} | |"
        )
    reads = ", ".join(
        f"{r['metrics']['pelvic_drop_deg']['value']:+.1f} (truth "
        f"{r['metrics']['pelvic_drop_deg']['truth']:+.1f}"
        + (
            f"; same stances {same_v:+.1f})"
            if (same_v := r["metrics"]["pelvic_drop_deg"].get("truth_same_stances")) is not None
            else ")"
        )
        for r in planted
    )
    out.append(
        f"| planted +8 deg drop clips: clip value (truth: the source's drop + 8) | "
        f"{reads or 'none measured'} | within 2 deg |"
    )
    out.append(
        f"| not measurable, untucked top or same-colour kit | {pct(len(refused), len(hidden))} "
        f"| >= 90 % |"
    )
    out.append(
        f"| low-contrast kit (a shade apart): measured | "
        f"{pct(sum(measured(r) for r in low), len(low))} | (reported) |"
    )
    out.append(
        f"| pelvic-drop finding on a normal rear clip | {pct(len(false), len(normal_rear))} | 0 |"
    )
    return out


def population_report(
    rows: list[dict[str, Any]],
    seed: int,
    label: str,
    n: int | None = None,
    views: str = "all",
    version: int = 2,
) -> str:
    """Markdown tables of a scored population (``n`` clips drawn, ``views`` kept)."""
    lines: list[str] = []
    w = lines.append
    n_rear = sum(r["params"]["view_kind"] == "rear" for r in rows)
    n = len(rows) if n is None else n
    only = "" if views == "all" else f" --views {views}"
    only += "" if version == 2 else f" --population-version {version}"
    w(
        f"Population: {len(rows)} rendered clips (seed {seed}; {n_rear} rear, "
        f"{len(rows) - n_rear} side; {rows[0]['params']['duration_s'] if rows else 0:g} s "
        f"each), `python benchmarks/accuracy.py --population {n} --seed {seed}{only}`. "
        f"Measured with {label}."
    )
    w("")
    w("### Clip error per metric, overall")
    w("")
    w("Cells: median / p90 / worst absolute clip error (clip median minus truth median), and")
    w("(clips measured / clips of the view that measures the metric). Units: deg, % leg, s, spm.")
    w("")
    names = list(METRICS)
    w("| clips | " + " | ".join(names) + " |")
    w("|---|" + "---|" * len(names))
    w("| all | " + " | ".join(_stats(rows, m) for m in names) + " |")
    side50 = [r for r in rows if r["params"]["fps"] >= 50]
    w("| >= 50 fps | " + " | ".join(_stats(side50, m) for m in names) + " |")
    w("")
    lines.extend(_camera_rows(rows))
    w("### Planted faults")
    w("")
    lines.extend(_fault_table(rows))
    w("")
    w("### Pelvic drop across clothing")
    w("")
    lines.extend(_pelvis_targets(rows))
    w("")
    w("### By factor")
    w("")
    w("Same cells as above, for the clips at each level of each drawn factor.")
    for factor, level_of in FACTORS.items():
        w("")
        w(f"**{factor}**")
        w("")
        w("| level | clips | " + " | ".join(names) + " |")
        w("|---|---|" + "---|" * len(names))
        levels: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            levels.setdefault(level_of(r["params"]), []).append(r)
        for level in sorted(levels):
            sub = levels[level]
            w(f"| {level} | {len(sub)} | " + " | ".join(_stats(sub, m) for m in names) + " |")
    w("")
    w("### Not measurable: the reasons given")
    w("")
    reasons: dict[tuple[str, str], int] = {}
    for r in rows:
        for m, v in r["metrics"].items():
            if v["value"] is None and _applies(r, m) and v["reasons"]:
                key = (m, v["reasons"][0].split(":")[0][:90])
                reasons[key] = reasons.get(key, 0) + 1
    w("| metric | reason (first words) | clips |")
    w("|---|---|---|")
    for (m, why), k in sorted(reasons.items()):
        w(f"| {m} | {why} | {k} |")
    return "\n".join(lines)
