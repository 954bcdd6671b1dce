"""The normal band of each metric's median, read off the knowledge base's rules.

The batch summary and the runner trends draw a metric's normal band; its edges are the
thresholds of the findings rules (with their sources in ``knowledge_base.toml``), so they
are read here, where the knowledge base lives, rather than restated by each consumer.
"""

from __future__ import annotations

from gaitlab.findings.knowledge import KnowledgeBase, load_knowledge_base

#: Statistics of a findings rule that band a metric's median (see :func:`normal_bands`);
#: the mean of the two side medians is close to the clip median when both sides have strides.
MEDIAN_STATISTICS = ("median", "per_side", "mean_of_sides")


def normal_bands(kb: KnowledgeBase | None = None) -> dict[str, list[float | None]]:
    """Normal band ``[low, high]`` per metric from the findings knowledge base.

    The normal side of a rule's watch edge is the normal band. Only rules on the clip median
    or on each side's median (:data:`MEDIAN_STATISTICS`) apply to a metric's median;
    asymmetry rules band another number. Two rules on one metric (trunk lean forward and
    backward) give both ends; an end no rule sets is None.

    Parameters
    ----------
    kb
        The knowledge base (default: the bundled one, :func:`load_knowledge_base`).

    Raises
    ------
    gaitlab.findings.KnowledgeBaseError
        The bundled knowledge base does not validate.
    """
    rules = (kb or load_knowledge_base()).findings
    bands: dict[str, list[float | None]] = {}
    for rule in rules:
        if rule.statistic not in MEDIAN_STATISTICS:
            continue
        low, high = bands.get(rule.metric, [None, None])
        edge = float(rule.band.watch.edge)
        if rule.band.direction == "above":
            high = edge if high is None else min(high, edge)
        else:
            low = edge if low is None else max(low, edge)
        bands[rule.metric] = [low, high]
    return bands
