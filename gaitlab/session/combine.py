"""Several clips of one run -> one session: each metric from the view that measures it.

Pure: result documents in, a :class:`~gaitlab.session.document.SessionDocument` out; no
file is read or written here (:mod:`gaitlab.session.folder` does that).

Which clip a metric comes from
------------------------------
Every metric of ``result.json`` names the plane it is measured in (its catalogue ``view``):

- ``side`` (trunk lean, hip and thigh extension, knee flexion, overstride, shank angle,
  vertical oscillation, lumbar arch): sagittal-plane angles and distances, which a side view
  sees square on and a rear view sees end on;
- ``frontal`` (pelvic drop, lateral trunk lean, foot midline offset, step width):
  frontal-plane angles and widths, which only a rear or front view sees;
- ``any`` (cadence, contact and flight time, duty factor): timing from the foot contacts,
  which every view gives; a side view sees the foot meet and leave the ground directly, a
  rear view infers it from the body's bounce, so the side clip wins.

A metric is taken from a measurable clip of its preferred view family; among several such
clips (two side clips, say), from the one with the higher confidence, then the more strides
measured, then the one given first. Only when no clip of that family measured it does a clip
of another view supply it, and :attr:`SessionMetric.why` says so.

Findings
--------
A finding belongs to its metric: it is kept only from the clip its metric is taken from, so
a pelvic-drop finding read off a side clip is dropped when the rear clip measures the pelvis
(even if the rear clip finds it normal). Findings without a single metric (patterns of
several) are kept once, from the clip supplying most of their parts' metrics. The same
finding (id and leg) never appears twice; the clips whose copy was left out are listed in
``also_in``. The merged list is ranked once: severity, then confidence, then each clip's own
order.

Cadence
-------
The clips of one run at one pace must give the same cadence. :data:`CADENCE_TOLERANCE_SPM`
(4 steps/min) is twice the worst single-clip cadence error measured on the synthetic
population (1.7 steps/min, docs/accuracy.md) rounded up: two honest readings of the same
pace can differ by that much, while a changed pace or a half/double reading differs by more.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gaitlab.result import Finding, MetricSummary, ResultDocument
from gaitlab.session.document import (
    SESSION_SCHEMA,
    SESSION_SCHEMA_VERSION,
    CadenceCheck,
    SessionClip,
    SessionDocument,
    SessionFinding,
    SessionMetric,
)

#: Largest spread of the clips' cadences (steps/min) read as one run at one pace.
CADENCE_TOLERANCE_SPM = 4.0

#: View family each catalogue ``view`` prefers (``any`` = timing, seen best from the side).
PREFERRED_ROLE = {"side": "side", "frontal": "frontal", "any": "side"}

_WHY = {
    "side": "a sagittal-plane measure, which a side view sees square on",
    "frontal": "a frontal-plane measure, which only a rear or front view sees",
    "any": "timing from the foot contacts, which a side view sees directly",
}
_ROLE_WORDS = {"side": "side", "frontal": "rear or front", "unclear": "unclear"}


@dataclass(frozen=True)
class ClipOutcome:
    """One clip's outcome as the combination reads it.

    Attributes
    ----------
    label
        The clip's file name.
    folder
        Its result folder, relative to the session folder ("" when none was written).
    result
        Its result document, None when the clip failed.
    error, exit_code
        Why it failed (the one line the command prints) and that error's exit code.
    """

    label: str
    folder: str = ""
    result: ResultDocument | None = None
    error: str = ""
    exit_code: int | None = None


def clip_role(result: ResultDocument) -> str:
    """``side``, ``frontal`` or ``unclear``: the family of views a result can measure."""
    if result.kinematics is None:
        return "unclear"
    view = result.kinematics.view
    return "side" if view.is_side else "frontal" if view.is_frontal else "unclear"


def clip_cadence_spm(result: ResultDocument) -> float | None:
    """A running clip's cadence (steps/min), None when not running or not measured."""
    kin = result.kinematics
    if kin is None or not kin.running.is_running:
        return None
    if kin.cadence.cadence_spm is not None:
        return float(kin.cadence.cadence_spm)
    metric = kin.metrics.get("cadence_spm")
    return None if metric is None or metric.median is None else float(metric.median)


def check_cadence(
    values_spm: Sequence[float | None], tolerance_spm: float = CADENCE_TOLERANCE_SPM
) -> CadenceCheck:
    """Whether the clips' cadences (steps/min, None = not measured) agree within tolerance.

    Parameters
    ----------
    values_spm
        Each clip's cadence, in clip order.
    tolerance_spm
        Largest spread (highest minus lowest, steps/min) still read as one pace.

    Returns
    -------
    CadenceCheck
        ``agree`` is None with fewer than two measured cadences.
    """
    measured = [v for v in values_spm if v is not None]
    values = tuple(values_spm)
    if len(measured) < 2:
        note = (
            "only one clip gives a cadence: nothing to compare"
            if measured
            else "no clip gives a cadence"
        )
        return CadenceCheck(tolerance_spm=tolerance_spm, values_spm=values, note=note)
    spread = round(max(measured) - min(measured), 1)
    listed = " vs ".join(f"{v:.0f}" for v in measured)
    if spread <= tolerance_spm:
        note = (
            f"the clips' cadences agree: {listed} steps/min (spread {spread:g}, "
            f"within {tolerance_spm:g})"
        )
        return CadenceCheck(
            tolerance_spm=tolerance_spm, values_spm=values, spread_spm=spread, agree=True,
            note=note,
        )  # fmt: skip
    ratio = max(measured) / min(measured) if min(measured) > 0 else float("inf")
    why = (
        "one reads about half the other: one clip may count strides instead of steps"
        if 1.8 <= ratio <= 2.2
        else "the clips may show different paces or different runs"
    )
    note = (
        f"the clips' cadences do NOT agree: {listed} steps/min differ by {spread:g} "
        f"(more than {tolerance_spm:g}); {why}"
    )
    return CadenceCheck(
        tolerance_spm=tolerance_spm, values_spm=values, spread_spm=spread, agree=False, note=note
    )


def _choose_metric(
    name: str, candidates: Sequence[tuple[int, str, MetricSummary]]
) -> SessionMetric | None:
    """The measurable summary of the clip that measures ``name`` best (see the module doc)."""
    usable = [(i, role, m) for i, role, m in candidates if m.measurable]
    if not usable:
        return None
    family = next((m.view for _, _, m in usable if m.view), "any")
    preferred = PREFERRED_ROLE.get(family, "side")

    def key(item: tuple[int, str, MetricSummary]) -> tuple[int, int, int, int]:
        i, role, m = item
        return (0 if role == preferred else 1, m.confidence.rank, -m.n, i)

    ranked = sorted(usable, key=key)
    index, role, best = ranked[0]
    why = _WHY.get(family, _WHY["any"])
    if role == preferred:
        why = f"{why}: from the {_ROLE_WORDS[role]} clip"
        same = [r for r in ranked[1:] if r[1] == preferred]
        if same:
            why += " with the higher confidence, then more strides"
    else:
        why = (
            f"{why}, but no {_ROLE_WORDS[preferred]} clip measured it: from the "
            f"{_ROLE_WORDS[role]} clip, which sees it poorly"
        )
    others = tuple(
        {"clip": i, "median": m.median, "confidence": m.confidence.value} for i, _, m in ranked[1:]
    )
    return SessionMetric(
        name=name,
        unit=best.unit,
        clip=index,
        view="",
        median=best.median,
        iqr=best.iqr,
        left_median=best.left_median,
        right_median=best.right_median,
        n=best.n,
        confidence=best.confidence,
        why=why,
        others=others,
    )


def _finding_home(finding: Finding, index: int, chosen: Mapping[str, SessionMetric]) -> bool:
    """True when ``finding`` (of clip ``index``) belongs to the clip its metrics come from."""
    if finding.metric:
        home = chosen.get(finding.metric)
        return home is not None and home.clip == index
    metrics = [p.metric for p in finding.parts if p.metric]
    if not metrics:
        return True
    votes = [chosen[m].clip for m in metrics if m in chosen]
    return bool(votes) and max(set(votes), key=votes.count) == index


def _merge_findings(
    results: Sequence[tuple[int, ResultDocument]], chosen: Mapping[str, SessionMetric]
) -> tuple[SessionFinding, ...]:
    """Findings kept from their metric's clip, once each, ranked once (see the module doc)."""
    kept: dict[tuple[str, str | None], tuple[tuple[int, int, int, int], int, Finding]] = {}
    seen_in: dict[tuple[str, str | None], list[int]] = {}
    for index, result in results:
        for order, finding in enumerate(result.reported_findings):
            key = (finding.id, finding.side)
            seen_in.setdefault(key, []).append(index)
            if not _finding_home(finding, index, chosen):
                continue
            rank = (finding.severity.rank, finding.confidence.rank, order, index)
            if key not in kept or rank < kept[key][0]:
                kept[key] = (rank, index, finding)
    merged = sorted(kept.items(), key=lambda item: item[1][0])
    return tuple(
        SessionFinding(
            clip=index,
            finding=finding,
            rank_in_clip=rank[2] + 1,
            also_in=tuple(sorted({i for i in seen_in[key] if i != index})),
        )
        for key, (rank, index, finding) in merged
    )


def _missing(
    clips: Sequence[SessionClip],
    measured: Mapping[str, str],
    chosen: Mapping[str, SessionMetric],
) -> tuple[str, ...]:
    """What the session lacks: failed clips, clips without running, metrics nobody measured."""
    lines = [f"{c.label} could not be analysed: {c.error}" for c in clips if not c.analysed]
    lines += [
        f"{c.label} does not show running: it adds no metric" for c in clips
        if c.analysed and not c.is_running
    ]  # fmt: skip
    roles = {c.role for c in clips if c.analysed and c.is_running}
    for family, needs in (("frontal", "frontal"), ("side", "side")):
        names = [n for n, f in measured.items() if f == family and n not in chosen]
        if names and needs not in roles:
            lines.append(
                f"no {_ROLE_WORDS[needs]} clip was analysed: {', '.join(names)} "
                "not measured in this session"
            )
    return tuple(lines)


def combine_session(
    outcomes: Sequence[ClipOutcome],
    *,
    tolerance_spm: float = CADENCE_TOLERANCE_SPM,
    gaitlab_version: str = "",
    created_utc: str = "",
) -> SessionDocument:
    """Combine the clips of one run into one session document.

    Parameters
    ----------
    outcomes
        Each clip's outcome, in the order the user gave them.
    tolerance_spm
        Cadence spread (steps/min) still read as one pace (:data:`CADENCE_TOLERANCE_SPM`).
    gaitlab_version, created_utc
        Provenance written into the document.

    Returns
    -------
    SessionDocument
        Every metric from the clip that measures it best, merged and ranked findings, the
        cadence check and what is missing.
    """
    clips = []
    results: list[tuple[int, ResultDocument]] = []
    for index, outcome in enumerate(outcomes):
        result = outcome.result
        if result is None:
            clips.append(
                SessionClip(
                    label=outcome.label,
                    folder=outcome.folder,
                    status="failed",
                    error=outcome.error,
                    exit_code=outcome.exit_code,
                )
            )
            continue
        results.append((index, result))
        kin = result.kinematics
        clips.append(
            SessionClip(
                label=outcome.label,
                folder=outcome.folder,
                status="analysed",
                view=result.view,
                role=clip_role(result),
                is_running=bool(kin is not None and kin.running.is_running),
                cadence_spm=clip_cadence_spm(result),
                sha256=result.clip.sha256,
            )
        )
    candidates: dict[str, list[tuple[int, str, MetricSummary]]] = {}
    measured_family: dict[str, str] = {}
    for index, result in results:
        for name, summary in result.metrics.items():
            candidates.setdefault(name, []).append((index, clips[index].role, summary))
            measured_family.setdefault(name, summary.view or "any")
    chosen: dict[str, SessionMetric] = {}
    for name, items in candidates.items():
        metric = _choose_metric(name, items)
        if metric is not None:
            chosen[name] = dataclasses.replace(metric, view=clips[metric.clip].view)
    status = "failed" if not results else "complete" if len(results) == len(clips) else "partial"
    return SessionDocument(
        schema=SESSION_SCHEMA,
        schema_version=SESSION_SCHEMA_VERSION,
        gaitlab_version=gaitlab_version,
        created_utc=created_utc,
        status=status,
        clips=tuple(clips),
        cadence=check_cadence([c.cadence_spm for c in clips], tolerance_spm),
        metrics=chosen,
        findings=_merge_findings(results, chosen),
        missing=_missing(clips, measured_family, chosen),
    )
