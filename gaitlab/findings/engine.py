"""The rules: from metric summaries to ranked findings with their fixes.

:func:`evaluate_findings` takes ``{metric_name: MetricResult}`` and a small
:class:`~gaitlab.findings.model.FindingsContext`, so it runs on a live
:class:`~gaitlab.kinematics.GaitAnalysis` and on one reloaded from result.json alike
(:mod:`gaitlab.findings.reload`). Steps:

1. **Measure.** Each rule of the knowledge base reads one summary of its metric:

   ``median``                 the clip median (no side);
   ``per_side``               the left and the right median, one result each;
   ``mean_of_sides``          ``(L + R) / 2`` (no side): for a lean signed toward the stance
                              leg, camera roll adds to one side and subtracts from the
                              other, so it cancels here;
   ``abs_left_minus_right``   ``|L - R|`` in the metric's unit, side = the larger one;
   ``abs_asymmetry_pct``      ``|SI|`` with ``SI = 100 (L - R) / ((|L| + |R|) / 2)``
                              (Robinson 1987), side = the larger one;
   ``half_left_minus_right``  ``|L - R| / 2``: for a lean signed toward the stance leg this is
                              the constant lean to one side, side = where it leans.

   A rule that ``needs_level_camera`` (an angle against the image vertical that camera roll
   shifts one way) is not measurable unless the context gives a bound on the camera's roll;
   with one, only the part beyond the bound counts.
2. **Band.** :meth:`~gaitlab.findings.knowledge.Band.classify`: normal, watch or high,
   capped at the rule's ``max_severity`` (experimental measures: watch).
3. **Beat the noise.** A left/right statistic out of band must rest on a left/right
   difference larger than the clip's measurement noise: the 95 % bound of the difference of
   two medians from their stride-to-stride spread
   (:func:`gaitlab.findings.noise.left_right_noise`) and, for timing
   rules, ``min_frames`` frames of the clip. Otherwise it is not measurable on this clip,
   with the reason.
4. **Gate by confidence.** Not measurable -> not assessed (with the reason); low -> a
   *check* ("check with a better clip", with the filming tips its reasons call for), never a
   finding (docs/metrics.md, Confidence); medium or high -> a finding.
5. **Suppress** a finding made redundant by another (``suppressed_by``).
6. **Combine** findings into patterns (the parts are folded in).
7. **Rank**, worst first: severity, then confidence, then patterns before single findings,
   then how far beyond the watch edge (in watch-to-high spans), then the rule's priority.
   The first ``max_findings`` are the headline list.

Pure: no I/O except loading the packaged knowledge base when none is passed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gaitlab.findings.knowledge import (
    LEFT_RIGHT_STATISTICS,
    Cue,
    Exercise,
    FindingRule,
    KnowledgeBase,
    Pattern,
    load_knowledge_base,
)
from gaitlab.findings.model import (
    CONFIDENCES,
    SEVERITIES,
    Assessment,
    Evidence,
    Finding,
    FindingsContext,
    FindingsReport,
    FindingsSettings,
    KeyFrame,
)
from gaitlab.findings.noise import edge_noise, finite, fmt_value, left_right_noise
from gaitlab.kinematics.metrics import MetricResult, StrideValue
from gaitlab.result import Confidence

_SIDES = ("left", "right")
#: Why a level-camera rule is not measurable when the camera's roll is unknown.
ROLL_UNKNOWN_REASON = (
    "camera tilt unknown: the lean is measured against the image vertical, and a phone "
    "tilted by 3 deg alone reads as a 3 deg lean (gaitlab does not level the image yet)"
)


def _other(side: str) -> str:
    return "right" if side == "left" else "left"


@dataclass(frozen=True)
class _Measured:
    """One banded number of a rule: its side, value and statistic label."""

    side: str | None
    value: float
    label: str


def measure(rule: FindingRule, metric: MetricResult) -> list[_Measured]:
    """The summary value(s) a rule bands, from a ``MetricResult``.

    Parameters
    ----------
    rule
        The rule (its ``statistic`` selects the summary).
    metric
        The metric's summary over the clip.

    Returns
    -------
    list
        One entry, or two for ``per_side`` (left, right). Values may be NaN.
    """
    st = rule.statistic
    if st == "median":
        return [_Measured(None, float(metric.median), "median")]
    if st == "mean_of_sides":
        mean = 0.5 * (float(metric.left_median) + float(metric.right_median))
        return [_Measured(None, mean, "mean of sides")]
    if st == "per_side":
        return [
            _Measured("left", float(metric.left_median), "left median"),
            _Measured("right", float(metric.right_median), "right median"),
        ]
    signed = {
        "abs_left_minus_right": (float(metric.left_minus_right), 1.0, "left - right"),
        "abs_asymmetry_pct": (float(metric.asymmetry_pct), 1.0, "symmetry index"),
        "half_left_minus_right": (float(metric.left_minus_right), 0.5, "constant lean"),
    }
    raw, scale, label = signed[st]
    side = None if not finite(raw) or raw == 0 else ("left" if raw > 0 else "right")
    return [_Measured(side, scale * abs(raw), label)]


def _evidence(metric: MetricResult, statistic: str, side: str | None) -> tuple[Evidence, ...]:
    """The numbers behind a result of ``statistic`` on ``side``, from one metric."""

    def ev(label: str, value: float) -> Evidence:
        return Evidence(metric.name, label, float(value), metric.unit, metric.confidence)

    if statistic == "median":
        return (ev("median", metric.median),)
    if statistic == "mean_of_sides":
        return (
            ev("left median", metric.left_median),
            ev("right median", metric.right_median),
            ev("mean of sides", 0.5 * (metric.left_median + metric.right_median)),
        )
    if statistic == "per_side":
        if side is None:
            return ()
        return (ev(f"{side} median", getattr(metric, f"{side}_median")),)
    sides = (ev("left median", metric.left_median), ev("right median", metric.right_median))
    if statistic == "abs_asymmetry_pct":
        return (
            *sides,
            Evidence(
                metric.name, "symmetry index", float(metric.asymmetry_pct), "pct", metric.confidence
            ),
        )
    if statistic == "half_left_minus_right":
        return (*sides, ev("constant lean (+ = left)", 0.5 * metric.left_minus_right))
    return (*sides, ev("left - right", metric.left_minus_right))


def key_frames(
    rule: FindingRule,
    metric: MetricResult,
    side: str | None,
    limit: int,
) -> tuple[KeyFrame, ...]:
    """The strides that show a result best.

    For a median or per-side result: the ``limit`` most extreme strides in the bad direction
    (of that side). For a left/right comparison: on each side the stride closest to that
    side's median, the reported side first, so the two can be shown next to each other.
    Each key frame is at the time the stride's value was read (``StrideValue.at_s``: the
    event, the peak, or the interval's middle), labelled with the metric's instant; values
    saved without that time fall back to the stride's foot strike.
    """
    values = [v for v in metric.values if finite(v.value)]
    chosen: list[StrideValue]
    if rule.statistic in ("median", "per_side", "mean_of_sides"):
        if side is not None:
            values = [v for v in values if v.side == side]
        worst_first = rule.band.direction == "above"
        chosen = sorted(values, key=lambda v: v.value, reverse=worst_first)[:limit]
    else:
        chosen = []
        for s in (side, _other(side)) if side else _SIDES:
            own = [v for v in values if v.side == s]
            med = getattr(metric, f"{s}_median")
            if own and finite(med):
                chosen.append(min(own, key=lambda v: abs(v.value - med)))
    return tuple(
        KeyFrame(
            time_s=v.moment_s,
            side=v.side,
            value=float(v.value),
            instant=metric.instant if finite(v.at_s) else "foot strike",
        )
        for v in chosen
    )


def _sources(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for g in groups for s in g))


def _fix_sources(cues: Iterable[Cue], exercises: Iterable[Exercise]) -> list[str]:
    return [s for c in cues for s in c.sources] + [s for e in exercises for s in e.sources]


def retake_tips(kb: KnowledgeBase, reasons: Sequence[str]) -> tuple[str, ...]:
    """Filming tips (docs/filming.md) that answer a metric's low-confidence reasons.

    A tip applies when one of its ``when`` fragments occurs in a reason; with no match the
    general camera set-up tip is given.
    """
    text = " ".join(reasons).lower()
    tips = tuple(g.text for g in kb.filming_guide if any(w in text for w in g.when))
    if tips:
        return tips
    return tuple(g.text for g in kb.filming_guide if g.id == "camera")


# ------------------------------------------------------------------------------ single rules
def _assess_rule(
    rule: FindingRule,
    metrics: Mapping[str, MetricResult],
    context: FindingsContext,
    kb: KnowledgeBase,
    settings: FindingsSettings,
) -> list[tuple[Assessment, Finding | None]]:
    """Assess one rule on every side it reads; out-of-band results come with a Finding."""
    metric = metrics.get(rule.metric)
    unit = "" if metric is None else metric.unit
    unit = "pct" if rule.statistic == "abs_asymmetry_pct" else unit

    def assess(
        side: str | None, status: str, value: float, band: str, why: tuple[str, ...]
    ) -> Assessment:
        confidence = Confidence.NOT_MEASURABLE.value if metric is None else metric.confidence
        return Assessment(
            rule.id, rule.title, rule.metric, side, status, value, unit, band, confidence, why
        )

    if metric is None:
        return [
            (assess(None, "not_measurable", math.nan, "", ("not computed for this clip",)), None)
        ]
    reasons = tuple(metric.reasons)
    roll = context.camera_roll_max_deg
    out: list[tuple[Assessment, Finding | None]] = []
    for m in measure(rule, metric):
        if metric.confidence == "not_measurable" or not finite(m.value):
            why = reasons or (f"{m.label} of {rule.metric} is not available",)
            out.append((assess(m.side, "not_measurable", m.value, "", why), None))
            continue
        if rule.needs_level_camera and not (finite(roll) and roll >= 0):
            why = (ROLL_UNKNOWN_REASON,)
            out.append((assess(m.side, "not_measurable", m.value, "", why), None))
            continue
        value = max(0.0, m.value - roll) if rule.needs_level_camera else m.value
        band = rule.band.classify(value)
        if band != "normal" and rule.statistic in LEFT_RIGHT_STATISTICS:
            diff = abs(float(metric.left_minus_right))
            noise, parts = left_right_noise(rule, metric, context.capture_fps)
            if not diff > noise:  # also when the noise cannot be judged (NaN)
                why = (
                    f"the left/right difference ({fmt_value(diff, metric.unit)}) is not larger "
                    f"than this clip's measurement noise ({'; '.join(parts)})",
                    *reasons,
                )
                out.append((assess(m.side, "not_measurable", value, "", why), None))
                continue
        if band != "normal" and rule.measurement_error > 0:
            edge = rule.band.watch.edge
            noise, parts = edge_noise(metric, m.side, rule.measurement_error)
            if not abs(value - edge) > noise:
                why = (
                    f"{fmt_value(value, unit)} is not beyond the {fmt_value(edge, unit)} edge "
                    f"by more than this clip's measurement noise ({fmt_value(noise, unit)}: "
                    f"{'; '.join(parts)})",
                    *reasons,
                )
                out.append((assess(m.side, "not_measurable", value, "", why), None))
                continue
        capped: tuple[str, ...] = ()
        if band in SEVERITIES and SEVERITIES.index(band) > SEVERITIES.index(rule.max_severity):
            band = rule.max_severity
            capped = (f"severity capped at {band}: {rule.max_severity_why}",)
        if band == "normal":
            status = "normal"
        else:
            status = "check" if metric.confidence == "low" else "finding"
        assessment = assess(m.side, status, value, band, (*reasons, *capped))
        finding = None
        if status != "normal":
            evidence = _evidence(metric, rule.statistic, m.side)
            for extra in rule.also_show:
                if extra in metrics and metrics[extra].confidence != "not_measurable":
                    evidence += _evidence(metrics[extra], rule.statistic, m.side)
            finding = Finding(
                id=rule.id,
                title=rule.title,
                category=rule.category,
                severity=band,
                side=m.side,
                side_note=rule.side_note.format(side=m.side, other=_other(m.side))
                if m.side and rule.side_note
                else "",
                metric=rule.metric,
                value=value,
                unit=unit,
                band=rule.band,
                confidence=metric.confidence,
                confidence_reasons=(*reasons, *capped),
                explanation=rule.explanation,
                clinical=rule.clinical,
                cues=rule.cues,
                exercises=rule.exercises,
                sources=_sources(rule.sources, _fix_sources(rule.cues, rule.exercises)),
                key_frames=key_frames(rule, metric, m.side, settings.max_key_frames),
                evidence=evidence,
                retake=retake_tips(kb, reasons) if status == "check" else (),
                refs=_sources(rule.refs, (r for c in rule.cues for r in c.refs)),
            )
        out.append((assessment, finding))
    return out


# ---------------------------------------------------------------------------------- patterns
def _combine(pattern: Pattern, parts: Sequence[Finding], settings: FindingsSettings) -> Finding:
    """One pattern finding from its (ranked) parts."""
    first = next(p for p in parts if p.id == pattern.requires[0])
    sided = [p for p in parts if p.side is not None]
    side = sided[0].side if sided and all(p.side == sided[0].side for p in sided) else None
    cues = tuple(dict.fromkeys((*pattern.cues, *(c for p in parts for c in p.cues))))
    exercises = tuple(dict.fromkeys((*pattern.exercises, *(e for p in parts for e in p.exercises))))
    frames: list[KeyFrame] = []
    depth = max(len(p.key_frames) for p in parts)
    for i in range(depth):  # first frame of each part, then the second, ...
        frames += [p.key_frames[i] for p in parts if i < len(p.key_frames)]
    return Finding(
        id=pattern.id,
        title=pattern.title,
        category="pattern",
        severity=max((p.severity for p in parts), key=SEVERITIES.index),
        side=side,
        side_note=sided[0].side_note if side is not None else "",
        metric=first.metric,
        value=first.value,
        unit=first.unit,
        band=first.band,
        confidence=min((p.confidence for p in parts), key=CONFIDENCES.index),
        confidence_reasons=tuple(dict.fromkeys(r for p in parts for r in p.confidence_reasons)),
        explanation=pattern.explanation,
        clinical=pattern.clinical,
        cues=cues,
        exercises=exercises,
        sources=_sources(pattern.sources, _fix_sources(cues, exercises)),
        key_frames=tuple(frames[: settings.max_key_frames]),
        evidence=tuple(e for p in parts for e in p.evidence),
        parts=tuple(parts),
        refs=_sources(pattern.refs, (r for c in cues for r in c.refs)),
    )


def apply_patterns(
    kb: KnowledgeBase, findings: Sequence[Finding], settings: FindingsSettings
) -> list[Finding]:
    """Fold findings into the knowledge base's patterns, in file order (first match wins).

    A pattern forms when every finding it requires is present (for ``same_side`` patterns: on
    the same side, one pattern per side). Its parts leave the list; a finding joins at most
    one pattern.
    """
    pool = list(findings)
    for pattern in kb.patterns:
        groups: list[list[Finding]]
        if pattern.same_side:
            groups = [[f for f in pool if f.side == s and f.id in pattern.requires] for s in _SIDES]
        else:
            groups = [[f for f in pool if f.id in pattern.requires]]
        for parts in groups:
            if {f.id for f in parts} != set(pattern.requires):
                continue
            parts = sorted(parts, key=lambda f: _rank_key(kb, f))
            pool = [f for f in pool if all(f is not p for p in parts)]
            pool.append(_combine(pattern, parts, settings))
    return pool


# ----------------------------------------------------------------------------------- ranking
def _priority(kb: KnowledgeBase, f: Finding) -> int:
    ids = f.ids[1:] if f.parts else f.ids
    return min(kb.rule(i).priority for i in ids)


def _rank_key(kb: KnowledgeBase, f: Finding) -> tuple[Any, ...]:
    return (
        -SEVERITIES.index(f.severity),
        -CONFIDENCES.index(f.confidence),
        0 if f.parts else 1,
        -f.excess,
        _priority(kb, f),
        _SIDES.index(f.side) if f.side in _SIDES else -1,
    )


def rank(kb: KnowledgeBase, findings: Iterable[Finding]) -> list[Finding]:
    """Findings worst first (see the module docstring for the order)."""
    return sorted(findings, key=lambda f: _rank_key(kb, f))


# -------------------------------------------------------------------------------- entry point
def evaluate_findings(
    metrics: Mapping[str, MetricResult],
    context: FindingsContext,
    kb: KnowledgeBase | None = None,
    settings: FindingsSettings | None = None,
) -> FindingsReport:
    """Turn a clip's metrics into ranked findings, checks and the advice every report carries.

    Parameters
    ----------
    metrics
        Metric name -> :class:`~gaitlab.kinematics.MetricResult` (``GaitAnalysis.metrics``, or
        :func:`gaitlab.findings.reload.metric_results_from_result` of a saved result).
    context
        View, frame rate, running verdict and (optionally) stride times.
    kb
        Knowledge base; the packaged one when None.
    settings
        Engine settings; defaults when None.

    Returns
    -------
    FindingsReport
    """
    kb = kb or load_knowledge_base()
    settings = settings or FindingsSettings()
    if not context.is_running:
        reason = context.running_reason or f"the clip was judged as {context.activity}"
        return _report(kb, "not_running", f"nothing assessed: {reason}", [], [], [], [])

    assessments: list[Assessment] = []
    findings: list[Finding] = []
    checks: list[Finding] = []
    for rule in kb.findings:
        for a, f in _assess_rule(rule, metrics, context, kb, settings):
            assessments.append(a)
            if f is not None:
                (checks if a.status == "check" else findings).append(f)

    findings, assessments = _apply_suppression(kb, findings, assessments)
    checks, assessments = _apply_suppression(kb, checks, assessments)
    ranked = rank(kb, apply_patterns(kb, findings, settings))
    checks = rank(kb, checks)
    return _report(
        kb,
        "findings" if ranked else "no_findings",
        _message(ranked, checks, assessments),
        ranked[: settings.max_findings],
        ranked[settings.max_findings :],
        checks,
        assessments,
    )


def _report(
    kb: KnowledgeBase,
    status: str,
    message: str,
    findings: Sequence[Finding],
    more: Sequence[Finding],
    checks: Sequence[Finding],
    assessments: Sequence[Assessment],
) -> FindingsReport:
    """A report with the advice, safety notes and filming guide every report carries."""
    return FindingsReport(
        status=status,
        message=message,
        findings=tuple(findings),
        more_findings=tuple(more),
        checks=tuple(checks),
        assessments=tuple(assessments),
        pain_first=kb.pain_first,
        general_advice=kb.general_advice,
        safety=kb.safety,
        filming_guide=kb.filming_guide,
        articles=kb.articles,
        references=kb.references,
    )


def _apply_suppression(
    kb: KnowledgeBase, found: Sequence[Finding], assessments: Sequence[Assessment]
) -> tuple[list[Finding], list[Assessment]]:
    """Drop findings made redundant by another one of the same list (``suppressed_by``).

    Findings and checks are handled as separate lists, so a check never silences a finding.
    """
    present = {f.id for f in found}
    kept: list[Finding] = []
    out = list(assessments)
    for f in found:
        by = [i for i in kb.rule(f.id).suppressed_by if i in present]
        if not by:
            kept.append(f)
            continue
        out = [
            dataclasses.replace(
                a, status="suppressed", reasons=(*a.reasons, f"covered by: {', '.join(by)}")
            )
            if (a.finding_id, a.side) == (f.id, f.side)
            else a
            for a in out
        ]
    return kept, out


def _message(
    findings: Sequence[Finding], checks: Sequence[Finding], assessments: Sequence[Assessment]
) -> str:
    n_ok = sum(a.status in ("normal", "finding", "check", "suppressed") for a in assessments)
    n_na = sum(a.status == "not_measurable" for a in assessments)
    head = (
        f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
        if findings
        else "no deviation beyond the normal bands"
    )
    parts = [head]
    if checks:
        parts.append(f"{len(checks)} to check with a better clip")
    parts.append(f"{n_ok} results assessed, {n_na} not measurable on this clip")
    return "; ".join(parts)
