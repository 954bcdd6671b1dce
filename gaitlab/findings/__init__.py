"""Findings: from kinematic metrics to ranked findings and fixes a runner can act on.

The thresholds (with the literature or project source of each) and the advice (paraphrased
from five articles on hip pain in runners, each item citing its article, or a study where
no article says it; see ``docs/advice.md``) live in the data file ``knowledge_base.toml``;
the code only reads it and applies the rules. Modules:

=================  ===============================================================
``knowledge``      schema of the knowledge base, validating loader
``model``          :class:`FindingsContext`, :class:`Finding`, :class:`FindingsReport`
``engine``         bands, confidence gating, patterns, ranking, key frames
``reload``         inputs from a live ``GaitAnalysis`` or from result.json
``text``           :func:`format_findings` (and its pain-first and safety blocks) for the
                   terminal
=================  ===============================================================

Typical use::

    from gaitlab.findings import findings_for_analysis, format_findings

    report = findings_for_analysis(gait_analysis)
    print(format_findings(report))
    block = report.to_dict()  # the result's findings block (gaitlab.result.Findings)
"""

from gaitlab.findings.engine import evaluate_findings
from gaitlab.findings.knowledge import (
    KnowledgeBase,
    KnowledgeBaseError,
    load_knowledge_base,
    parse_knowledge_base,
)
from gaitlab.findings.model import (
    Assessment,
    Evidence,
    Finding,
    FindingsContext,
    FindingsReport,
    FindingsSettings,
    KeyFrame,
    StrideTiming,
)
from gaitlab.findings.reload import (
    context_from_analysis,
    context_from_result,
    findings_for_analysis,
    findings_for_result,
    metric_results_from_dict,
    metric_results_from_result,
)
from gaitlab.findings.text import format_findings, format_pain_first, format_safety

__all__ = [
    "Assessment",
    "Evidence",
    "Finding",
    "FindingsContext",
    "FindingsReport",
    "FindingsSettings",
    "KeyFrame",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "StrideTiming",
    "context_from_analysis",
    "context_from_result",
    "evaluate_findings",
    "findings_for_analysis",
    "findings_for_result",
    "format_findings",
    "format_pain_first",
    "format_safety",
    "load_knowledge_base",
    "metric_results_from_dict",
    "metric_results_from_result",
    "parse_knowledge_base",
]
