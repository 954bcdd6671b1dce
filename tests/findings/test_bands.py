"""Every rule of the knowledge base at its band edges, on both sides where it is sided.

The metrics are built to pass the rules' other gates, so that only the band decides: a level
camera where a rule needs one, per-stride spreads small next to the left/right differences,
and no measurement-error margin beyond the edge (the noise rules are tested in
``test_noise.py``).
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from gaitlab.findings import evaluate_findings, load_knowledge_base
from gaitlab.findings.knowledge import FindingRule
from tests.findings.factories import context, metric

KB = load_knowledge_base()
EPS = 0.01
#: Per-stride spread of the synthetic strides, in the metric's unit: small next to the
#: differences at the band edges, as on a steady run.
SPREAD = {"contact_time_s": 0.002}


def _metric_for(rule: FindingRule, value: float, side: str | None) -> object:
    """A metric on which ``rule``'s statistic reads exactly ``value`` (on ``side``)."""
    band = rule.band
    # A clearly normal value of the statistic, for the other side of per-side rules.
    sign = 1.0 if band.direction == "above" else -1.0
    normal = band.watch.edge - sign * 1.0
    st = rule.statistic
    spread = SPREAD.get(rule.metric, 1.0)
    if st in ("median", "mean_of_sides"):
        return metric(rule.metric, median=value, left=value, right=value)
    if st == "per_side":
        left, right = (value, normal) if side == "left" else (normal, value)
        return metric(rule.metric, left=left, right=right)
    signed = value if side == "left" else -value
    base = 10.0
    if st == "abs_left_minus_right":
        return metric(rule.metric, left=base + max(signed, 0), right=base + max(-signed, 0))
    if st == "half_left_minus_right":
        return metric(rule.metric, left=signed, right=-signed)
    if st == "abs_asymmetry_pct":
        # 20 ms apart: more than two frames at the context's 120 fps (16.7 ms).
        left, right = (0.30, 0.28) if side == "left" else (0.28, 0.30)
        return metric(rule.metric, left=left, right=right, asymmetry_pct=signed, spread=spread)
    raise AssertionError(st)


def _expected(rule: FindingRule, band: str) -> str:
    """The band after the rule's severity cap."""
    order = ("normal", "watch", "high")
    return min(band, rule.max_severity, key=order.index)


def _cases() -> list[tuple[str, str | None, float, str]]:
    cases = []
    for rule in KB.findings:
        sign = 1.0 if rule.band.direction == "above" else -1.0
        sides = ("left", "right") if rule.side_note else (None,)
        for side in sides:
            w, h = rule.band.watch.edge, rule.band.high.edge
            cases += [
                (rule.id, side, w - sign * EPS, "normal"),
                (rule.id, side, w, "normal"),
                (rule.id, side, w + sign * EPS, "watch"),
                (rule.id, side, h, "watch"),
                (rule.id, side, h + sign * EPS, _expected(rule, "high")),
            ]
    return cases


def _statuses(rule_id: str, m: object) -> tuple[list, object]:
    """Evaluate one rule in isolation (no other rules, no patterns, no suppression)."""
    # The margin a rule's measurement error asks for beyond the edge is another gate
    # (test_noise.py); here only the band decides.
    rule = dataclasses.replace(KB.rule(rule_id), measurement_error=0.0)
    alone = dataclasses.replace(KB, findings=(rule,), patterns=())
    ctx = context()
    if rule.needs_level_camera:
        ctx = dataclasses.replace(ctx, camera_roll_max_deg=0.0)  # a camera known to be level
    report = evaluate_findings({rule.metric: m}, ctx, alone)
    return list(report.assessments), report


@pytest.mark.parametrize(("rule_id", "side", "value", "expected"), _cases())
def test_band_edges(rule_id: str, side: str | None, value: float, expected: str) -> None:
    rule = KB.rule(rule_id)
    assessments, report = _statuses(rule_id, _metric_for(rule, value, side))
    mine = [a for a in assessments if a.side == side or rule.statistic != "per_side"]
    assert len(mine) == 1
    a = mine[0]
    assert math.isclose(a.value, value, abs_tol=1e-9)
    assert a.band == expected
    reported = [f for f in report.findings if f.id == rule_id or rule_id in f.ids]
    if expected == "normal":
        assert a.status == "normal" and not reported
    else:
        assert a.status == "finding"
        f = next(f for f in (*report.findings, *report.more_findings) if f.id == rule_id)
        assert f.severity == expected
        if rule.side_note:
            assert f.side == side
        # Every fix cites an article, or (a cue from a study) its literature.
        assert f.sources and set(f.sources) <= set(KB.articles)
        assert all(c.sources or c.refs for c in f.cues) and all(e.sources for e in f.exercises)
        assert set(f.refs) <= {k for k, r in KB.references.items() if r.kind == "literature"}
        assert f.cues or f.exercises


@pytest.mark.parametrize("rule_id", [r.id for r in KB.findings if r.statistic == "per_side"])
def test_per_side_rules_report_each_side_separately(rule_id: str) -> None:
    rule = KB.rule(rule_id)
    sign = 1.0 if rule.band.direction == "above" else -1.0
    bad = rule.band.high.edge + sign * 2.0
    report = evaluate_findings(
        {rule.metric: metric(rule.metric, left=bad, right=bad)}, context(), KB
    )
    found = [f for f in (*report.findings, *report.more_findings) if f.id == rule_id]
    assert sorted(f.side for f in found) == ["left", "right"]
