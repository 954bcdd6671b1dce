"""Accuracy of gaitlab's kinematics against exact ground truth (synthetic) and known real values.

Usage::

    python benchmarks/accuracy.py --quick            # 7 clips at 60 fps (~3 min on 2 cores)
    python benchmarks/accuracy.py                    # full set: 24 clips, 30 and 60 fps
    python benchmarks/accuracy.py --write docs/accuracy.md --json /tmp/acc.json
    python benchmarks/accuracy.py --population 72 --seed 1   # a population, see population.py

What it does
------------
1. Renders synthetic runners (``gaitlab.synth``: pybullet's motion-capture humanoid, exact
   ground truth in ``<clip>.truth.json``) into a cache folder (``--work``, default
   ``~/.cache/gaitlab/bench``), one file per spec: the file name carries a hash of the
   complete spec (deviations, view, fps, size, duration, seed, codec quality), so a changed
   spec re-renders and an unchanged one is reused. The set: the ``normal`` reference runner
   and each planted deviation on top of it (pelvic drop +8 deg, hip extension -10 deg, back
   arch +15 deg, trunk lean +10 deg, overstride +8 cm), seen from the side (side-left) and
   from behind (rear), at 30 and 60 fps, 960x540, 8 s. All clips share one seed, so the
   stride-to-stride variation is identical and a deviation clip differs from its normal clip
   only by what was planted.
2. Runs :func:`gaitlab.pipeline.analyze_clip` (the product's single-clip path, default
   request: view detected automatically) on each; pose results are cached in
   ``<work>/pose`` so a re-run after a kinematics change costs seconds.
3. Compares with the truth, per stride, with the *same definition* as the metric (below),
   and checks each planted deviation against the normal clip of the same view and fps.
4. Runs the real clips with known values from ``../shared/clips`` (skipped when absent).
5. Prints a markdown report with the accuracy targets beside the measured values;
   ``--write`` also saves it.

How truth and measurement are paired
------------------------------------
Each detected stride is matched to the true stance of the same side whose foot strike is
nearest, if closer than 0.15 s (a running step is ~0.35-0.4 s); unmatched strides count in
"matched" but not in the errors. The metric's value (read at the *detected* events) is
compared with the truth value of the matched stance (read at the *true* events, from the
true 3D joint centres, 1 kHz): an event-timing error therefore shows up in the metric error,
as it would for a user. Error statistics are over matched strides: median of the absolute
error ("med |e|"), its 90th percentile ("p90 |e|") and the median signed error ("bias",
measured - truth). A target on a metric is met only when all three hold: med |e| per
stride within it, the clip's reported value (median over strides) within it of the
truth's median, and at least 75 % of the detected strides matched to a true stance (a
stride detected far from any true strike is itself an error the per-stride statistic
would otherwise hide).

=============================  ==========================================================
gaitlab metric                 truth (``stances[*]`` in the truth file)
=============================  ==========================================================
trunk_lean_deg                 ``trunk_lean_stride_mean_deg``: mean trunk lean from this
                               foot strike to the next one of the same foot
hip_extension_deg              ``hip_extension_peak_deg``: peak thigh-vs-trunk extension
                               from foot strike to the other foot's next strike (late
                               stance and early swing; docs/metrics.md)
thigh_extension_deg            ``thigh_extension_peak_deg``: same window, thigh vs vertical
knee_flexion_strike_deg        ``knee_flexion_at_strike_deg`` (sagittal, at true strike)
knee_flexion_midstance_deg     ``knee_flexion_peak_stance_deg``: max over true stance
shank_angle_strike_deg         ``shank_angle_at_strike_deg``
overstride_pct_leg             ``overstride_cm`` / (thigh + shank length), the landmark leg
                               length hip-knee-ankle gaitlab divides by
contact_time_s                 ``contact_time_s`` (sole within 5 mm of the belt)
duty_factor_pct                ``contact_time_s / stride_time_s``
pelvic_drop_deg                ``pelvic_drop_peak_rel_neutral_deg``: peak swing-hip drop
                               from strike to mid-stance relative to the clip's median
                               obliquity (true hip joint centres, frontal plane)
cadence_spm                    clip value vs the truth file's ``cadence_spm``
=============================  ==========================================================

Event timing: every true foot strike / toe-off of a stance lying wholly inside the clip
(more than one frame from either end) is paired with the detected event of the same side
and kind nearest in time; it is "within 1 frame" when ``|t_detected - t_true| <= 1 / fps``
and missed when no detected event is within 0.15 s (a miss counts as not within 1 frame).

Deviation checks: ``delta = clip median (deviation clip) - clip median (normal clip)``, same
view and fps. The planted metric must move by the planted amount (expressed in the metric's
unit from the truth files) within 30 %. Every other checked metric must stay put: its delta
may differ from the truth's delta by at most 30 % of the amount planted for *that* metric
(trunk lean 3 deg, hip extension 3 deg, pelvic drop 2.4 deg, back arch 4.5 deg, overstride
2.7 % leg). The truth delta is used, not zero, because some edits move other metrics by
definition: leaning forward from the hips by 10 deg lowers thigh-vs-trunk hip extension by
10 deg.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing

from provenance import run_label  # noqa: E402

from gaitlab.pipeline import AnalysisRequest, analyze_clip  # noqa: E402
from gaitlab.synth.deviations import NORMAL_RUN, PRESETS, Deviations  # noqa: E402

SHARED_CLIPS = REPO.parent / "shared" / "clips"
DEFAULT_WORK = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gaitlab" / "bench"

WIDTH, HEIGHT, DURATION_S, SEED, CRF = 960, 540, 8.0, 11, 23
MATCH_S = 0.15


# --------------------------------------------------------------------------- the clip set
@dataclass(frozen=True)
class Planted:
    """A planted deviation: what is edited and which metric must move by how much."""

    name: str
    extra: dict[str, float]
    metric: str
    #: Truth key per stance whose clip median gives the expected move (in the metric's unit).
    truth_key: str
    label: str


PLANTED: tuple[Planted, ...] = (
    Planted(
        "pelvic_drop",
        {"pelvic_drop_deg": 8.0},
        "pelvic_drop_deg",
        "pelvic_drop_peak_rel_neutral_deg",
        "pelvic drop +8 deg",
    ),
    Planted(
        "limited_hip_extension",
        {"hip_extension_deg": -10.0},
        "hip_extension_deg",
        "hip_extension_peak_deg",
        "hip extension -10 deg",
    ),
    Planted(
        "back_arch",
        {"back_arch_deg": 15.0},
        "lumbar_arch_angle_deg",
        "trunk_pelvis_angle_mean_deg",
        "back arch +15 deg",
    ),
    Planted(
        "trunk_lean",
        {"trunk_lean_deg": 10.0},
        "trunk_lean_deg",
        "trunk_lean_stride_mean_deg",
        "trunk lean +10 deg",
    ),
    Planted(
        "overstride",
        {"overstride_cm": 8.0},
        "overstride_pct_leg",
        "overstride_pct_leg_hka",
        "overstride +8 cm",
    ),
)
PLANTED_BY_NAME = {p.name: p for p in PLANTED}
#: Views each checked metric is measured from.
METRIC_VIEW = {
    "pelvic_drop_deg": "rear",
    "hip_extension_deg": "side",
    "lumbar_arch_angle_deg": "side",
    "trunk_lean_deg": "side",
    "overstride_pct_leg": "side",
}


@dataclass(frozen=True)
class Case:
    """One synthetic clip of the benchmark."""

    condition: str  # "normal" or a Planted.name
    view: str  # "side" or "rear"
    fps: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def camera_view(self) -> str:
        return "side-left" if self.view == "side" else "rear"

    @property
    def deviations(self) -> Deviations:
        if self.condition == "normal":
            return NORMAL_RUN
        return NORMAL_RUN.plus(**PLANTED_BY_NAME[self.condition].extra)

    def spec_dict(self) -> dict[str, Any]:
        return {
            "motion": PRESETS["normal"][0],
            "deviations": self.deviations.to_dict(),
            "view": self.camera_view,
            "fps": self.fps,
            "width": self.width,
            "height": self.height,
            "duration_s": DURATION_S,
            "seed": SEED,
            "crf": CRF,
        }

    @property
    def key(self) -> str:
        text = json.dumps(self.spec_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def stem(self) -> str:
        return f"{self.condition}_{self.view}_{self.fps}fps_{self.key}"

    @property
    def label(self) -> str:
        default = (self.width, self.height) == (WIDTH, HEIGHT)
        size = "" if default else f" / {self.width}x{self.height}"
        return f"{self.condition} / {self.view} / {self.fps} fps{size}"


def clip_set(quick: bool) -> list[Case]:
    """Quick: 60 fps, normal in both views and each deviation in the view that measures it."""
    if quick:
        cases = [Case("normal", "side", 60), Case("normal", "rear", 60)]
        cases += [Case(p.name, METRIC_VIEW[p.metric], 60) for p in PLANTED]
        return cases
    return [
        Case(cond, view, fps)
        for fps in (60, 30)
        for view in ("side", "rear")
        for cond in ("normal", *PLANTED_BY_NAME)
    ]


def render_cached(case: Case, work: Path) -> tuple[Path, Path]:
    """The clip and its truth file, rendered once per spec."""
    from gaitlab.synth.clip import render_clip, truth_path_for
    from gaitlab.synth.render import Camera, ClipSpec

    video = work / "clips" / f"{case.stem}.mp4"
    truth = truth_path_for(video)
    if video.exists() and truth.exists():
        return video, truth
    spec = ClipSpec(
        out_path=video,
        motion=PRESETS["normal"][0],
        deviations=case.deviations,
        camera=Camera(view=case.camera_view, width_px=case.width, height_px=case.height),
        fps=float(case.fps),
        duration_s=DURATION_S,
        seed=SEED,
        crf=CRF,
        preset=case.condition,
    )
    t0 = time.perf_counter()
    render_clip(spec)
    print(f"  rendered {case.label} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return video, truth


# --------------------------------------------------------------------------- truth per stance
def leg_hka_m() -> float:
    """Thigh + shank length of the synthetic runner (the landmark leg length hip-knee-ankle)."""
    from gaitlab.synth.skeleton import OFFSET_M, SEG

    return float(-OFFSET_M[SEG["shank_r"], 2] - OFFSET_M[SEG["foot_r"], 2])


def truth_stances(truth: dict[str, Any]) -> list[dict[str, Any]]:
    """Stances with the derived keys the benchmark compares against."""
    leg = leg_hka_m()
    out = []
    for st in truth["stances"]:
        row = dict(st)
        row["overstride_pct_leg_hka"] = st["overstride_cm"] / leg
        if st.get("stride_time_s"):
            row["duty_factor_pct"] = 100.0 * st["contact_time_s"] / st["stride_time_s"]
        out.append(row)
    return out


#: gaitlab metric -> truth key (see module doc).
TRUTH_KEY: dict[str, str] = {
    "trunk_lean_deg": "trunk_lean_stride_mean_deg",
    "hip_extension_deg": "hip_extension_peak_deg",
    "thigh_extension_deg": "thigh_extension_peak_deg",
    "knee_flexion_strike_deg": "knee_flexion_at_strike_deg",
    "knee_flexion_midstance_deg": "knee_flexion_peak_stance_deg",
    "shank_angle_strike_deg": "shank_angle_at_strike_deg",
    "overstride_pct_leg": "overstride_pct_leg_hka",
    "contact_time_s": "contact_time_s",
    "duty_factor_pct": "duty_factor_pct",
    "pelvic_drop_deg": "pelvic_drop_peak_rel_neutral_deg",
}


# --------------------------------------------------------------------------- scoring
@dataclass
class MetricScore:
    """Per-stride comparison of one metric on one clip."""

    n_detected: int
    n_matched: int
    med_abs: float
    p90_abs: float
    bias: float
    clip_value: float
    truth_value: float

    @property
    def clip_error(self) -> float:
        return self.clip_value - self.truth_value


@dataclass
class ClipResult:
    """Everything measured on one clip."""

    case: Case
    view_detected: str
    running: bool
    cadence_spm: float
    cadence_truth_spm: float
    events_total: int = 0
    events_within_1_frame: int = 0
    events_missed: int = 0
    event_bias_ms: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, MetricScore] = field(default_factory=dict)
    medians: dict[str, float] = field(default_factory=dict)
    truth_medians: dict[str, float] = field(default_factory=dict)
    analysis_s: float = 0.0

    @property
    def events_share(self) -> float:
        return self.events_within_1_frame / self.events_total if self.events_total else math.nan


def _median(values: Sequence[float]) -> float:
    a = np.asarray([v for v in values if v is not None], dtype=float)
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else math.nan


def score_events(res: ClipResult, kin: Any, truth: dict[str, Any], fps: float) -> None:
    """Event timing against the true events (see module doc)."""
    t_end = truth["video"]["duration_s"] - 1.0 / fps
    t_start = 1.0 / fps
    detected: dict[tuple[str, str], np.ndarray] = {}
    for e in kin.events.events:
        detected.setdefault((e.side, e.kind), []).append(e.time_s)  # type: ignore[attr-defined]
    errs: dict[str, list[float]] = {"foot_strike": [], "toe_off": []}
    for side, stances in truth["events"].items():
        for st in stances:
            if not (st["foot_strike_s"] > t_start and st["toe_off_s"] < t_end):
                continue
            for kind in ("foot_strike", "toe_off"):
                t_true = st[f"{kind}_s"]
                cand = np.asarray(detected.get((side, kind), []), dtype=float)
                res.events_total += 1
                if cand.size == 0 or np.min(np.abs(cand - t_true)) > MATCH_S:
                    res.events_missed += 1
                    continue
                dt = float(cand[np.argmin(np.abs(cand - t_true))] - t_true)
                errs[kind].append(dt)
                if abs(dt) <= 1.0 / fps + 1e-6:
                    res.events_within_1_frame += 1
    res.event_bias_ms = {k: 1000.0 * _median(v) for k, v in errs.items()}


def score_metrics(res: ClipResult, kin: Any, stances: list[dict[str, Any]]) -> None:
    """Per-stride errors of each metric with a truth, and clip medians of all metrics."""
    for name, m in kin.metrics.items():
        res.medians[name] = m.median
    for name, key in TRUTH_KEY.items():
        res.truth_medians[name] = _median([s.get(key) for s in stances])
        m = kin.metrics.get(name)
        if m is None or not m.measurable:
            continue
        errs = []
        for v in m.values:
            if not np.isfinite(v.value):
                continue
            same = [s for s in stances if s["side"] == v.side and s.get(key) is not None]
            if not same:
                continue
            best = min(same, key=lambda s: abs(s["foot_strike_s"] - v.time_s))
            if abs(best["foot_strike_s"] - v.time_s) <= MATCH_S:
                errs.append(v.value - best[key])
        a = np.abs(errs)
        res.metrics[name] = MetricScore(
            n_detected=m.n,
            n_matched=len(errs),
            med_abs=float(np.median(a)) if a.size else math.nan,
            p90_abs=float(np.percentile(a, 90)) if a.size else math.nan,
            bias=float(np.median(errs)) if errs else math.nan,
            clip_value=m.median,
            truth_value=res.truth_medians[name],
        )
    for p in PLANTED:
        res.truth_medians.setdefault(p.metric, _median([s.get(p.truth_key) for s in stances]))


def run_case(case: Case, work: Path, request: AnalysisRequest, workers: int = 1) -> ClipResult:
    video, truth_path = render_cached(case, work)
    truth = json.loads(truth_path.read_text())
    t0 = time.perf_counter()
    analysis = analyze_clip(video, request, cache_dir=work / "pose", workers=workers)
    kin = analysis.kinematics
    res = ClipResult(
        case=case,
        view_detected=kin.view.view,
        running=kin.running.is_running,
        cadence_spm=kin.cadence.cadence_spm,
        cadence_truth_spm=truth["cadence_spm"],
        analysis_s=time.perf_counter() - t0,
    )
    score_events(res, kin, truth, case.fps)
    score_metrics(res, kin, truth_stances(truth))
    return res


# --------------------------------------------------------------------------- deviations
@dataclass
class DeviationCheck:
    """One planted deviation against the normal clip of the same view and fps."""

    planted: Planted
    view: str
    fps: int
    expected: float  # truth delta of the planted metric
    measured: float
    others: list[tuple[str, float, float, float, bool]]  # metric, truth d, measured d, tol, ok

    @property
    def moved_ok(self) -> bool:
        return bool(abs(self.measured - self.expected) <= 0.3 * abs(self.expected))

    @property
    def others_ok(self) -> bool:
        return all(o[4] for o in self.others)


def deviation_checks(results: list[ClipResult]) -> list[DeviationCheck]:
    by = {(r.case.condition, r.case.view, r.case.fps): r for r in results}
    # Size planted per metric (in its unit, from the truth): tolerance for "stays put".
    size: dict[str, float] = {}
    for p in PLANTED:
        for r in results:
            base = by.get(("normal", r.case.view, r.case.fps))
            if r.case.condition == p.name and base is not None:
                d = r.truth_medians[p.metric] - base.truth_medians[p.metric]
                size[p.metric] = max(size.get(p.metric, 0.0), abs(d))
    out = []
    for r in results:
        if r.case.condition == "normal":
            continue
        p = PLANTED_BY_NAME[r.case.condition]
        base = by.get(("normal", r.case.view, r.case.fps))
        if base is None or METRIC_VIEW[p.metric] != r.case.view:
            continue
        others = []
        for metric, view in METRIC_VIEW.items():
            if metric == p.metric or view != r.case.view or metric not in size:
                continue
            td = r.truth_medians.get(metric, math.nan) - base.truth_medians.get(metric, math.nan)
            md = r.medians.get(metric, math.nan) - base.medians.get(metric, math.nan)
            tol = 0.3 * size[metric]
            others.append((metric, td, md, tol, bool(abs(md - td) <= tol)))
        out.append(
            DeviationCheck(
                planted=p,
                view=r.case.view,
                fps=r.case.fps,
                expected=r.truth_medians[p.metric] - base.truth_medians[p.metric],
                measured=r.medians.get(p.metric, math.nan) - base.medians.get(p.metric, math.nan),
                others=others,
            )
        )
    return out


# --------------------------------------------------------------------------- real clips
@dataclass(frozen=True)
class RealClip:
    """A real clip with known values and the checks on them."""

    name: str
    checks: tuple[tuple[str, str, Callable[[Any], float], Callable[[float], bool]], ...]


REAL_CLIPS: tuple[RealClip, ...] = (
    RealClip(
        "zzzhushi_male_side_treadmill.mp4",
        (
            (
                "cadence_spm",
                "168.9 +- 1",
                lambda k: k.cadence.cadence_spm,
                lambda v: abs(v - 168.9) <= 1.0,
            ),
            (
                "contact_time_s",
                "0.180-0.320",
                lambda k: k.metrics["contact_time_s"].median,
                lambda v: 0.180 <= v <= 0.320,
            ),
            (
                "duty_factor_pct",
                "25-48",
                lambda k: k.metrics["duty_factor_pct"].median,
                lambda v: 25.0 <= v <= 48.0,
            ),
        ),
    ),
)


def run_real(
    work: Path, request: AnalysisRequest, workers: int = 1
) -> list[tuple[str, str, str, float, bool]]:
    rows = []
    for clip in REAL_CLIPS:
        path = SHARED_CLIPS / clip.name
        if not path.exists():
            rows.append((clip.name, "-", "clip absent: skipped", math.nan, True))
            continue
        kin = analyze_clip(path, request, cache_dir=work / "pose", workers=workers).kinematics
        for metric, target, get, ok in clip.checks:
            try:
                v = float(get(kin))
            except KeyError:
                v = math.nan
            rows.append((clip.name, metric, target, v, bool(np.isfinite(v) and ok(v))))
    return rows


# --------------------------------------------------------------------------- report
def _f(v: float, nd: int = 1) -> str:
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.{nd}f}"


def _pf(ok: bool) -> str:
    return "PASS" if ok else "**MISS**"


#: Accuracy targets on the synthetic clips: metric -> (view, fps, limit, text).
TARGETS: tuple[tuple[str, str, int, float, str], ...] = (
    ("trunk_lean_deg", "side", 60, 2.0, "<= 2 deg"),
    ("hip_extension_deg", "side", 60, 4.0, "<= 4 deg"),
    ("knee_flexion_strike_deg", "side", 60, 5.0, "<= 5 deg"),
    ("pelvic_drop_deg", "rear", 60, 2.0, "<= 2 deg"),
)


def report(results: list[ClipResult], checks: list[DeviationCheck], real: list, quick: bool) -> str:
    lines: list[str] = []
    w = lines.append
    normal = [r for r in results if r.case.condition == "normal"]
    size = f"{results[0].case.width}x{results[0].case.height}" if results else "-"
    w(
        f"Clip set: {'quick' if quick else 'full'}, {len(results)} synthetic clips "
        f"({size}, {DURATION_S:g} s, seed {SEED}), `python benchmarks/accuracy.py"
        f"{' --quick' if quick else ''}`."
    )
    w("")
    w(f"Measured with {run_label()}.")
    w("")
    w("### Targets")
    w("")
    w("| target | clips | measured | result |")
    w("|---|---|---|---|")
    for metric, view, fps, limit, text in TARGETS:
        rs = [
            r for r in results if r.case.view == view and r.case.fps == fps and metric in r.metrics
        ]
        if not rs:
            continue
        for r in rs:
            if r.case.condition != "normal":
                continue
            s = r.metrics[metric]
            matched = s.n_matched / s.n_detected if s.n_detected else 0.0
            ok = s.med_abs <= limit and abs(s.clip_error) <= limit and matched >= 0.75
            w(
                f"| {metric} error {text} | {r.case.label} | per stride {_f(s.med_abs)} "
                f"(p90 {_f(s.p90_abs)}, bias {_f(s.bias, 1)}); clip median "
                f"{_f(s.clip_value)} vs {_f(s.truth_value)} ({s.clip_error:+.1f}); "
                f"{s.n_matched}/{s.n_detected} strides matched | {_pf(ok)} |"
            )
    for r in normal:
        if r.case.view != "side" or r.case.fps != 60:
            continue
        w(
            f"| foot strike / toe-off within 1 frame >= 90 % | {r.case.label} | "
            f"{100 * r.events_share:.0f} % of {r.events_total} ({r.events_missed} missed; bias "
            f"FS {_f(r.event_bias_ms.get('foot_strike', math.nan), 0)} ms, TO "
            f"{_f(r.event_bias_ms.get('toe_off', math.nan), 0)} ms) | "
            f"{_pf(r.events_share >= 0.9)} |"
        )
        err = r.cadence_spm - r.cadence_truth_spm
        w(
            f"| cadence within 1 spm | {r.case.label} | {_f(r.cadence_spm)} vs "
            f"{_f(r.cadence_truth_spm)} ({err:+.2f}) | {_pf(abs(err) <= 1.0)} |"
        )
    for c in checks:
        w(
            f"| {c.planted.label} moves {c.planted.metric} within 30 % | {c.view} / {c.fps} fps | "
            f"{c.measured:+.1f} vs {c.expected:+.1f} | {_pf(c.moved_ok)} |"
        )
        if c.others:
            moved = ", ".join(
                f"{m} {md:+.1f} (truth {td:+.1f}, tol {tol:.1f})" for m, td, md, tol, _ in c.others
            )
            w(
                f"| {c.planted.label}: unplanted metrics stay put | {c.view} / {c.fps} fps | "
                f"{moved} | {_pf(c.others_ok)} |"
            )
    for name, metric, target, v, ok in real:
        w(
            f"| real: {metric} {target} | {name} | {_f(v, 3) if 's' == metric[-1] else _f(v)} | "
            f"{'skipped' if metric == '-' else _pf(ok)} |"
        )
    w("")
    w("### Per-metric error, all clips (measured - truth, per matched stride)")
    w("")
    names = list(TRUTH_KEY)
    w("| clip | view found | cadence (truth) | events <= 1 frame | " + " | ".join(names) + " |")
    w("|---|---|---|---|" + "---|" * len(names))
    for r in results:
        cells = []
        for n in names:
            s = r.metrics.get(n)
            nd = 3 if n.endswith("_s") else 1
            cells.append(
                "-"
                if s is None
                else f"{_f(s.med_abs, nd)} / {_f(s.p90_abs, nd)} "
                f"({_f(s.bias, nd)}; {s.n_matched}/{s.n_detected})"
            )
        ev = f"{100 * r.events_share:.0f} % ({r.events_missed} missed)" if r.events_total else "-"
        w(
            f"| {r.case.label} | {r.view_detected} | {_f(r.cadence_spm)} "
            f"({_f(r.cadence_truth_spm)}) | {ev} | " + " | ".join(cells) + " |"
        )
    w("")
    w(
        "Cells: med |e| / p90 |e| (bias; matched strides / detected strides). Units: deg, s, "
        "% leg, %."
    )
    w("")
    w("### Clip medians vs truth medians")
    w("")
    keys = [*names, "lumbar_arch_angle_deg"]
    w("| clip | " + " | ".join(keys) + " |")
    w("|---|" + "---|" * len(keys))
    for r in results:
        cells = []
        for k in keys:
            nd = 3 if k.endswith("_s") else 1
            cells.append(
                f"{_f(r.medians.get(k, math.nan), nd)} ({_f(r.truth_medians.get(k, math.nan), nd)})"
            )
        w(f"| {r.case.label} | " + " | ".join(cells) + " |")
    w("")
    w(
        "Truth of `lumbar_arch_angle_deg` is the true trunk-vs-pelvis angle (stance mean); the "
        "measure is experimental (a back-contour angle that includes the buttock, so it reads "
        "~+13 deg on the upright rendered runner, and ~0.75 deg per true degree over all "
        "frames), so only its change is checked."
    )
    return "\n".join(lines)


BEGIN_MARK = "<!-- accuracy.py: generated tables begin -->"
END_MARK = "<!-- accuracy.py: generated tables end -->"


POP_BEGIN_MARK = "<!-- accuracy.py --population: generated tables begin -->"
POP_END_MARK = "<!-- accuracy.py --population: generated tables end -->"


def splice_generated(path: Path, text: str, begin: str = BEGIN_MARK, end: str = END_MARK) -> str:
    """The report file with its generated part replaced by ``text``.

    Text before ``begin`` and after ``end`` (the hand-written introduction and the reasons
    for each miss) is kept; a file without the marks gets the block appended (the sample
    tables' marks: the file is replaced whole, as before).
    """
    block = f"{begin}\n{text}\n{end}\n"
    old = path.read_text() if path.exists() else ""
    if begin in old and end in old:
        head = old.split(begin, 1)[0]
        tail = old.split(end, 1)[1].lstrip("\n")
        return f"{head}{block}\n{tail}" if tail else f"{head}{block}"
    if begin != BEGIN_MARK and old:
        return f"{old.rstrip()}\n\n{block}"
    return block


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="7 clips at 60 fps instead of 24")
    ap.add_argument(
        "--population",
        type=int,
        default=0,
        metavar="N",
        help="instead: N clips of a rendered population (gaitlab synth --population; about "
        "a minute per clip on 2 idle cores); errors by factor, fault detection",
    )
    ap.add_argument("--seed", type=int, default=1, help="population seed (with --population)")
    ap.add_argument(
        "--population-version",
        type=int,
        choices=(1, 2),
        default=2,
        help="with --population: 1 = every camera static (the populations measured before "
        "camera motion), 2 = static, panning and pass-by cameras (default)",
    )
    ap.add_argument(
        "--views",
        choices=("all", "rear", "side"),
        default="all",
        help="with --population: only the clips of this view kind (the same draw: clip i is "
        "the same clip whatever the filter), e.g. rear for the pelvis measure",
    )
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK, help="render and pose cache")
    ap.add_argument("--write", type=Path, help="also write the markdown report here")
    ap.add_argument("--json", type=Path, help="write raw results as JSON here")
    ap.add_argument("--no-real", action="store_true", help="skip the real clips")
    ap.add_argument("--only", default="", help="comma-separated conditions to run (debug)")
    ap.add_argument("--fps", type=int, default=0, help="only clips at this frame rate")
    ap.add_argument(
        "--size", default=f"{WIDTH}x{HEIGHT}", help="render the synthetic clips at WxH pixels"
    )
    ap.add_argument(
        "--max-side",
        default="default",
        help="long side (px) of the frames given to the pose model: a number, 'full' (the "
        "clip's own size) or 'default' (PoseSettings' default)",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=1,
        help="landmarkers per clip (2: the segment-parallel pose stage of --workers 2)",
    )
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    width, height = (int(v) for v in args.size.lower().split("x"))
    request = AnalysisRequest()
    if args.max_side != "default":
        max_side = None if args.max_side == "full" else int(args.max_side)
        request = replace(request, pose=replace(request.pose, max_side_px=max_side))
    if args.population:
        from population import population_report, run_population

        rows = run_population(
            args.population,
            args.seed,
            args.work,
            request,
            TRUTH_KEY,
            views=args.views,
            version=args.population_version,
        )
        text = population_report(
            rows,
            args.seed,
            run_label(),
            n=args.population,
            views=args.views,
            version=args.population_version,
        )
        print(text)
        if args.write:
            args.write.write_text(splice_generated(args.write, text, POP_BEGIN_MARK, POP_END_MARK))
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1))
        return 0
    cases = [replace(c, width=width, height=height) for c in clip_set(args.quick)]
    if args.only:
        keep = set(args.only.split(","))
        cases = [c for c in cases if c.condition in keep]
    if args.fps:
        cases = [c for c in cases if c.fps == args.fps]
    results = []
    for case in cases:
        res = run_case(case, args.work, request, args.workers)
        print(f"  {case.label}: {res.analysis_s:.0f} s", file=sys.stderr)
        results.append(res)
    checks = deviation_checks(results)
    real = [] if args.no_real else run_real(args.work, request, args.workers)
    text = report(results, checks, real, args.quick)
    print(text)
    if args.write:
        args.write.write_text(splice_generated(args.write, text))
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        **{k: v for k, v in dataclasses.asdict(r).items() if k != "case"},
                        "case": dataclasses.asdict(r.case),
                    }
                    for r in results
                ],
                indent=1,
                default=float,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
