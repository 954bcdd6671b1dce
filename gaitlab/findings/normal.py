"""The normal band of each metric's median, read off the knowledge base's rules.

The batch summary and the runner trends draw a metric's normal band; its edges are the
thresholds of the findings rules (with their sources in ``knowledge_base.toml``), so they
are read here, where the knowledge base lives, rather than restated by each consumer.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class CitedBand:
    """A metric's typical-runner band whose edges a published study sets.

    Attributes
    ----------
    metric
        Metric name (``trunk_lean_deg``).
    low, high
        The band's edges in the metric's unit; None where no cited edge bounds that end.
    sources
        Literature keys of the edges (``teng2015``), as in ``knowledge_base.toml``.
    """

    metric: str
    low: float | None
    high: float | None
    sources: tuple[str, ...]


def cited_bands(kb: KnowledgeBase | None = None) -> dict[str, CitedBand]:
    """The normal bands of :func:`normal_bands` keeping only edges a literature reference sets.

    A plot that shows a "typical runner" band must be able to say whose runners: an edge
    justified only by a project convention is left out.

    Parameters
    ----------
    kb
        The knowledge base (default: the bundled one).
    """
    kb = kb or load_knowledge_base()
    out: dict[str, CitedBand] = {}
    for rule in kb.findings:
        if rule.statistic not in MEDIAN_STATISTICS:
            continue
        lit = tuple(k for k in rule.band.watch.refs if kb.references[k].kind == "literature")
        if not lit:
            continue
        band = out.get(rule.metric, CitedBand(rule.metric, None, None, ()))
        edge = float(rule.band.watch.edge)
        if rule.band.direction == "above":
            high = edge if band.high is None else min(band.high, edge)
            band = CitedBand(rule.metric, band.low, high, band.sources)
        else:
            low = edge if band.low is None else max(band.low, edge)
            band = CitedBand(rule.metric, low, band.high, band.sources)
        out[rule.metric] = CitedBand(
            band.metric, band.low, band.high, tuple(dict.fromkeys(band.sources + lit))
        )
    return out
