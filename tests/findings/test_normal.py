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
