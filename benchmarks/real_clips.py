"""gaitlab on real clips against hand labels: verdict, view, camera, cadence and foot events.

Usage::

    python benchmarks/real_clips.py                          # every labelled clip present
    python benchmarks/real_clips.py --write docs/real_clips.md --json /tmp/real.json
    python benchmarks/real_clips.py --only zzzhushi,hato72   # clips whose name contains these

What it does
------------
1. Reads every labels file in ``benchmarks/labels`` (format: ``benchmarks/labels/README.md``;
   the labels were made by looking at the frames, never from gaitlab's output).
2. For each clip present in ``../shared/clips`` (a clip that is absent, or whose SHA-256 is
   not the labelled one, is skipped with a message), runs :func:`gaitlab.pipeline.analyze_clip`
   with the default request, exactly as ``gaitlab analyze`` does; poses are cached in
   gaitlab's pose cache (``--cache-dir``, default gaitlab's), so a re-run after a kinematics
   change costs seconds.
3. Prints one row per clip: the labelled and the reported view, camera class, surface and
   verdict; the cadence gaitlab reports against the labelled one; the share of labelled foot
   strikes and toe-offs with a detected event of the same side within one frame (each label
   is matched to the nearest detected event of its kind and side; a label without a side
   matches either side); and which metrics were measurable.

Definitions
-----------
* **reported cadence**: the ``cadence_spm`` metric's median, the number the user sees; "-"
  when the metric is not measurable (the clip-level periodicity estimate is shown beside it
  in brackets, as it is computed even when not reported).
* **cadence target**: ``|reported - labelled| <= max(2, 2 x label uncertainty)`` steps/min,
  only for clips whose labels say ``cadence_is_target`` (running in real time, >= 4 steps).
  2 steps/min is the issue's tolerance; on a short clip the labels themselves are only good to
  a few steps/min (``cadence.uncertainty_spm`` in the file), and a halved or doubled cadence
  misses by 80+ steps/min either way.
* **events within 1 frame**: ``|detected frame - labelled frame| <= 1``; detected frames are
  gaitlab's ``GaitEvent.frame`` (the frame nearest the interpolated event time).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clip_labels import ClipLabels, EventScore, all_labels, score_events, sha256_of  # noqa: E402
from provenance import run_label  # noqa: E402

from gaitlab.errors import GaitlabError  # noqa: E402
from gaitlab.pipeline import AnalysisRequest, ClipAnalysis, analyze_clip  # noqa: E402

SHARED_CLIPS = REPO.parent / "shared" / "clips"
BEGIN_MARK = "<!-- real_clips.py: generated table begin -->"
END_MARK = "<!-- real_clips.py: generated table end -->"
CADENCE_TOLERANCE_SPM = 2.0
NOT_MEASURABLE = "not_measurable"


@dataclass
class ClipRun:
    """gaitlab's answers on one labelled clip, and how they compare with the labels."""

    labels: ClipLabels
    seconds: float = math.nan
    error: str | None = None
    view: str = "-"
    camera: str = "-"
    treadmill: bool | None = None
    activity: str = "-"
    is_running: bool = False
    reported_cadence_spm: float = math.nan
    periodicity_cadence_spm: float = math.nan
    strikes: EventScore | None = None
    toe_offs: EventScore | None = None
    detected_strikes: int = 0
    detected_toe_offs: int = 0
    measurable: list[str] = field(default_factory=list)
    n_frames: int = 0

    # ------------------------------------------------------------------ judgements
    @property
    def verdict_right(self) -> bool:
        """gaitlab's running verdict equals the labelled activity (running or not).

        A clip gaitlab refuses (an input error) counts as "not running".
        """
        return self.is_running == self.labels.is_running

    @property
    def cadence_tolerance_spm(self) -> float:
        """The cadence target's tolerance on this clip (see the module doc)."""
        unc = self.labels.cadence.uncertainty_spm if self.labels.cadence else 0.0
        return max(CADENCE_TOLERANCE_SPM, 2.0 * unc)

    @property
    def cadence_error_spm(self) -> float:
        """Reported minus labelled cadence (NaN when either is missing)."""
        if self.labels.cadence is None:
            return math.nan
        return self.reported_cadence_spm - self.labels.cadence.value_spm

    @property
    def cadence_right(self) -> bool | None:
        """True/False against the cadence target; None when the clip has no target."""
        if not self.labels.cadence_is_target:
            return None
        err = self.cadence_error_spm
        return bool(math.isfinite(err) and abs(err) <= self.cadence_tolerance_spm)


def reported_cadence(analysis: ClipAnalysis) -> float:
    """The ``cadence_spm`` metric's median, or NaN when it is not measurable or absent."""
    metric = analysis.kinematics.metrics.get("cadence_spm")
    if metric is None or metric.confidence == NOT_MEASURABLE:
        return math.nan
    return float(metric.median)


def camera_class(result: dict[str, Any]) -> str:
    """The camera-motion class gaitlab reports (static/panning/handheld), or "-".

    Read from the result document so the benchmark needs no change when the kinematics
    block gains the field: ``kinematics.camera`` as a string or as an object with a
    ``motion`` or ``class`` entry.
    """
    cam = result.get("kinematics", {}).get("camera")
    if isinstance(cam, str):
        return cam
    if isinstance(cam, dict):
        for key in ("kind", "motion", "class", "camera_class"):
            if isinstance(cam.get(key), str):
                return cam[key]
    return "-"


def run_clip(labels: ClipLabels, clip: Path, cache_dir: Path | None) -> ClipRun:
    """Analyse one clip with the default request and compare with its labels."""
    run = ClipRun(labels=labels)
    t0 = time.perf_counter()
    try:
        analysis = analyze_clip(clip, AnalysisRequest(), cache_dir=cache_dir)
    except GaitlabError as exc:
        run.seconds = time.perf_counter() - t0
        # The message starts with the file name, which the table already shows.
        text = str(exc).split(": ", 1)[-1] if str(exc).startswith(clip.name) else str(exc)
        run.error = f"{type(exc).__name__}: {text.split(';')[0]}"
        return run
    run.seconds = time.perf_counter() - t0
    kin = analysis.kinematics
    run.n_frames = analysis.series.n_frames
    run.view = kin.view.view
    run.camera = camera_class(analysis.to_dict())
    run.treadmill = kin.treadmill
    run.activity = kin.running.activity
    run.is_running = kin.running.is_running
    run.reported_cadence_spm = reported_cadence(analysis)
    run.periodicity_cadence_spm = float(kin.cadence.cadence_spm)
    strikes = [(e.frame, e.side) for e in kin.events.events if e.kind == "foot_strike"]
    toe_offs = [(e.frame, e.side) for e in kin.events.events if e.kind == "toe_off"]
    run.detected_strikes, run.detected_toe_offs = len(strikes), len(toe_offs)
    run.strikes = score_events(labels.foot_strikes, strikes) if labels.foot_strikes else None
    run.toe_offs = score_events(labels.toe_offs, toe_offs) if labels.toe_offs else None
    run.measurable = [
        name for name, m in kin.metrics.items() if m.confidence != NOT_MEASURABLE and m.n > 0
    ]
    return run


# --------------------------------------------------------------------------- report
def _f(x: float, nd: int = 1) -> str:
    return f"{x:.{nd}f}" if math.isfinite(x) else "-"


def _share(s: EventScore | None) -> str:
    if s is None or not s.labelled:
        return "-"
    bias = s.median_offset_frames
    off = f", median offset {bias:+.1f}" if math.isfinite(bias) else ""
    return f"{s.within}/{s.labelled} ({100 * s.share:.1f} %{off})"


def _surface(treadmill: bool | None) -> str:
    return {True: "treadmill", False: "overground", None: "-"}[treadmill]


def _mark(ok: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "-"}[ok]


def report(runs: list[ClipRun], skipped: list[str], label: str) -> str:
    """The markdown table and notes the benchmark prints (and ``--write`` splices in)."""
    lines = [
        f"Measured with {label}.",
        "",
        "Each cell: hand label -> gaitlab. Cadence in steps/min of clip time; reported = the "
        "`cadence_spm` metric (in brackets: the clip-level periodicity estimate, computed even "
        "when not reported). Events: labelled strikes / toe-offs with a detected event of the "
        "same side within 1 frame, and the median offset detected - labelled (frames) of the "
        "nearest detections within 5 frames.",
        "",
        "| clip | view | camera | surface | verdict (right?) | cadence: label -> reported "
        "[periodicity] (target met?) | strikes within 1 frame | toe-offs within 1 frame | "
        "measurable metrics |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lab = r.labels
        cad = (
            f"{lab.cadence.value_spm:.1f} +/- {lab.cadence.uncertainty_spm:.1f}"
            if lab.cadence
            else "-"
        )
        if r.error:
            lines.append(
                f"| {lab.stem} | {lab.view} -> - | {lab.camera} -> - | {lab.surface} -> - | "
                f"{lab.activity} -> refused: {r.error} ({_mark(r.verdict_right)}) | {cad} -> - | "
                f"{_share(score_events(lab.foot_strikes, [])) if lab.foot_strikes else '-'} | "
                f"{_share(score_events(lab.toe_offs, [])) if lab.toe_offs else '-'} | - |"
            )
            continue
        # The activity word says it all unless it disagrees with the metrics switch.
        consistent = (r.activity == "running") == r.is_running
        verdict = r.activity if consistent else f"{r.activity} (is_running={r.is_running})"
        target = _mark(r.cadence_right)
        tol = f", tol {r.cadence_tolerance_spm:.1f}" if r.cadence_right is not None else ""
        lines.append(
            f"| {lab.stem} | {lab.view} -> {r.view} | {lab.camera} -> {r.camera} | "
            f"{lab.surface} -> {_surface(r.treadmill)} | {lab.activity} -> {verdict} "
            f"({_mark(r.verdict_right)}) | {cad} -> {_f(r.reported_cadence_spm)} "
            f"[{_f(r.periodicity_cadence_spm)}] ({target}{tol}) | {_share(r.strikes)} | "
            f"{_share(r.toe_offs)} | {', '.join(r.measurable) or 'none'} |"
        )
    running = [r for r in runs if r.labels.is_running]
    others = [r for r in runs if not r.labels.is_running]
    targets = [r for r in runs if r.cadence_right is not None]
    lines += [
        "",
        f"Verdict right on {sum(r.verdict_right for r in running)}/{len(running)} running clips "
        f"and {sum(r.verdict_right for r in others)}/{len(others)} clips without running; "
        f"cadence target met on {sum(bool(r.cadence_right) for r in targets)}/{len(targets)} "
        "clips that have one.",
    ]
    if skipped:
        lines += ["", "Skipped: " + "; ".join(skipped) + "."]
    return "\n".join(lines)


def splice_generated(path: Path, text: str) -> str:
    """The page with its generated block replaced by ``text`` (whole page without marks)."""
    block = f"{BEGIN_MARK}\n{text}\n{END_MARK}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN_MARK in old and END_MARK in old:
        head = old.split(BEGIN_MARK, 1)[0]
        tail = old.split(END_MARK, 1)[1].lstrip("\n")
        return f"{head}{block}\n{tail}" if tail else f"{head}{block}"
    return block


def _run_dict(r: ClipRun) -> dict[str, Any]:
    lab = r.labels
    return {
        "clip": lab.clip,
        "seconds": round(r.seconds, 1),
        "error": r.error,
        "labelled": {
            "view": lab.view,
            "camera": lab.camera,
            "surface": lab.surface,
            "activity": lab.activity,
            "cadence_spm": lab.cadence.value_spm if lab.cadence else None,
            "cadence_uncertainty_spm": lab.cadence.uncertainty_spm if lab.cadence else None,
        },
        "gaitlab": {
            "view": r.view,
            "camera": r.camera,
            "treadmill": r.treadmill,
            "activity": r.activity,
            "is_running": r.is_running,
            "reported_cadence_spm": r.reported_cadence_spm
            if math.isfinite(r.reported_cadence_spm)
            else None,
            "periodicity_cadence_spm": r.periodicity_cadence_spm
            if math.isfinite(r.periodicity_cadence_spm)
            else None,
            "detected_strikes": r.detected_strikes,
            "detected_toe_offs": r.detected_toe_offs,
            "measurable": r.measurable,
        },
        "verdict_right": r.verdict_right,
        "cadence_right": r.cadence_right,
        "strikes_within_1_frame": [r.strikes.within, r.strikes.labelled] if r.strikes else None,
        "toe_offs_within_1_frame": [r.toe_offs.within, r.toe_offs.labelled] if r.toe_offs else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clips", type=Path, default=SHARED_CLIPS, help="folder of the real clips")
    ap.add_argument("--cache-dir", type=Path, default=None, help="pose cache (gaitlab's default)")
    ap.add_argument("--only", default="", help="comma-separated parts of clip names to run")
    ap.add_argument("--write", type=Path, help="splice the table into this markdown page")
    ap.add_argument("--json", type=Path, help="write raw results as JSON here")
    args = ap.parse_args(argv)

    label = run_label()
    print(f"# gaitlab on hand-labelled real clips\n\n{label}\n", flush=True)
    if not args.clips.is_dir():
        print(f"no real clips: {args.clips} is absent; nothing to measure")
        return 0
    only = [s for s in args.only.split(",") if s]
    runs: list[ClipRun] = []
    skipped: list[str] = []
    # Running clips first: they carry the targets.
    for labels in sorted(all_labels(), key=lambda lab: (not lab.is_running, lab.stem)):
        if only and not any(s in labels.stem for s in only):
            continue
        clip = args.clips / labels.clip
        if not clip.is_file():
            skipped.append(f"{labels.clip} (absent)")
            print(f"skip {labels.clip}: not in {args.clips}", flush=True)
            continue
        if sha256_of(clip) != labels.sha256:
            skipped.append(f"{labels.clip} (not the labelled file)")
            print(f"skip {labels.clip}: SHA-256 differs from the labelled file", flush=True)
            continue
        run = run_clip(labels, clip, args.cache_dir)
        print(
            f"{labels.stem}: {run.seconds:.0f} s, "
            + (run.error or f"{run.activity}, cadence {_f(run.reported_cadence_spm)}"),
            flush=True,
        )
        runs.append(run)
    text = report(runs, skipped, label)
    print("\n" + text)
    if args.write:
        args.write.write_text(splice_generated(args.write, text), encoding="utf-8")
    if args.json:
        payload = {"label": label, "clips": [_run_dict(r) for r in runs], "skipped": skipped}
        args.json.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
