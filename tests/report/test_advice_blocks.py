"""The report's "If it hurts now" block (always, above the findings) and band sources."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

from gaitlab.findings import evaluate_findings, load_knowledge_base
from gaitlab.findings.model import _plain
from gaitlab.jsonsafe import to_json_ready
from gaitlab.report import findings_view
from gaitlab.report.content import band_sources
from gaitlab.result import Band, Findings, Reference, read_result
from tests.findings.factories import context, metric

KB = load_knowledge_base()
REFERENCES = {k: Reference.from_dict(_plain(r)) for k, r in KB.references.items()}


def _band(rule_id: str) -> Band:
    return Band.from_dict(_plain(KB.rule(rule_id).band))


def pain_lines() -> list[str]:
    return [f"{a.title}: {a.text}" for a in KB.pain_first]


def test_html_shows_if_it_hurts_now_above_the_findings(synthetic_outputs: dict[str, Path]) -> None:
    page = html.unescape(synthetic_outputs["html"].read_text())
    top = page.index("<h2>If it hurts now</h2>")
    assert top < page.index("<h2>Findings</h2>")
    for line, a in zip(pain_lines(), KB.pain_first, strict=True):
        at = page.index(line)
        assert top < at < page.index("<h2>Findings</h2>")
        cite = "; ".join(KB.articles[k].short_name for k in a.sources)
        assert page[at:].startswith(f'{line} <span class="cite">[{cite}]</span>'), a.id


def test_results_without_the_block_still_get_it_from_the_knowledge_base(
    synthetic_outputs: dict[str, Path],
) -> None:
    # A result saved before "pain_first" existed: the real block with it taken out.
    saved = read_result(synthetic_outputs["result"]).findings
    old = dataclasses.replace(saved, pain_first=())
    for block in (findings_view(old), findings_view(None)):
        assert [t for t, _ in block.pain_first] == pain_lines()
        assert block.cite(block.pain_first[0][1]) == "Hip pain from running"


def test_a_fresh_report_carries_its_own_block() -> None:
    report = evaluate_findings({"cadence_spm": metric("cadence_spm", median=130.0)}, context(), KB)
    block = findings_view(Findings.from_dict(to_json_ready(report.to_dict())))
    assert [t for t, _ in block.pain_first] == pain_lines()
    (f,) = block.findings
    assert band_sources(f.band, f.unit, block.references) == (
        "normal: 150 steps/min or more; watch below 150.0 steps/min (project convention; "
        "gaitlab accuracy benchmark), high below 140.0 steps/min (project convention; "
        "Heiderscheit 2011)"
    )


def test_every_band_edge_names_its_study_or_says_project_convention() -> None:
    literature = {r.short_name for r in KB.references.values() if r.kind == "literature"}
    for rule in KB.findings:
        text = band_sources(_band(rule.id), "deg", REFERENCES)
        edges = re.findall(r"(watch|high) (?:beyond|below) \S+ \(([^)]*)\)", text)
        assert [level for level, _ in edges] == ["watch", "high"], (rule.id, text)
        for (level, names), edge in zip(edges, (rule.band.watch, rule.band.high), strict=True):
            named = set(names.split("; "))
            has_study = any(KB.references[k].kind == "literature" for k in edge.refs)
            assert named & literature if has_study else "project convention" in named, (
                rule.id,
                level,
                names,
            )


def test_band_sources_example() -> None:
    assert band_sources(_band("pelvic_drop"), "deg", REFERENCES) == (
        "normal: under 5 deg; watch beyond 5.0° (project convention; gaitlab accuracy "
        "benchmark), high beyond 8.0° (Dingenen 2018; project convention)"
    )
    assert band_sources(Band(), "deg", REFERENCES) == ""
