"""Normal bands of metric medians, read off the knowledge base's rules."""

from __future__ import annotations

import dataclasses

from gaitlab.findings import load_knowledge_base
from gaitlab.findings.knowledge import FindingRule
from gaitlab.findings.normal import MEDIAN_STATISTICS, normal_bands

KB = load_knowledge_base()


def _rule(base: FindingRule, metric: str, statistic: str, direction: str, edge: float):
    band = dataclasses.replace(
        base.band,
        direction=direction,
        watch=dataclasses.replace(base.band.watch, edge=edge),
    )
    return dataclasses.replace(base, metric=metric, statistic=statistic, band=band)


def test_watch_edges_bound_the_normal_side_and_asymmetry_rules_are_ignored():
    base = KB.findings[0]
    rules = (
        # Two rules on one metric: too much (above 12) and too little (below 3).
        _rule(base, "lean_deg", "median", "above", 12.0),
        _rule(base, "lean_deg", "median", "below", 3.0),
        # The stricter of two upper edges wins.
        _rule(base, "drop_deg", "per_side", "above", 8.0),
        _rule(base, "drop_deg", "per_side", "above", 5.0),
        # An asymmetry rule bands the left-right difference, not the median.
        _rule(base, "drop_deg", "half_left_minus_right", "above", 3.0),
        _rule(base, "ext_deg", "per_side", "below", 5.0),
    )
    kb = dataclasses.replace(KB, findings=rules)
    assert normal_bands(kb) == {
        "lean_deg": [3.0, 12.0],
        "drop_deg": [None, 5.0],
        "ext_deg": [5.0, None],
    }


def test_the_bundled_knowledge_base_bands_every_median_rule_metric():
    bands = normal_bands()
    median_rules = [r for r in KB.findings if r.statistic in MEDIAN_STATISTICS]
    assert {r.metric for r in median_rules} == set(bands)
    for r in median_rules:
        low, high = bands[r.metric]
        # The rule's own watch edge bounds the band on its normal side.
        if r.band.direction == "above":
            assert high is not None and high <= r.band.watch.edge
        else:
            assert low is not None and low >= r.band.watch.edge


def test_cited_bands_keep_only_edges_a_study_sets():
    from gaitlab.findings.normal import cited_bands

    base = KB.findings[0]
    lit = next(k for k, r in KB.references.items() if r.kind == "literature")

    def with_refs(rule, refs):
        watch = dataclasses.replace(rule.band.watch, refs=refs)
        return dataclasses.replace(rule, band=dataclasses.replace(rule.band, watch=watch))

    rules = (
        with_refs(_rule(base, "lean_deg", "median", "above", 12.0), (lit,)),
        with_refs(_rule(base, "lean_deg", "median", "below", 3.0), ("convention",)),
        with_refs(_rule(base, "ext_deg", "per_side", "below", 5.0), ("convention",)),
    )
    bands = cited_bands(dataclasses.replace(KB, findings=rules))
    assert set(bands) == {"lean_deg"}
    assert (bands["lean_deg"].low, bands["lean_deg"].high) == (None, 12.0)
    assert bands["lean_deg"].sources == (lit,)
    # The bundled knowledge base: trunk lean both ends from Teng 2015, the shank at strike
    # from Souza 2016; hip extension (a project convention only) has no cited band.
    real = cited_bands()
    assert (real["trunk_lean_deg"].low, real["trunk_lean_deg"].high) == (-2.0, 15.0)
    assert real["shank_angle_strike_deg"].high == 10.0
    assert "hip_extension_deg" not in real
