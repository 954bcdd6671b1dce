"""What ``gaitlab analyze a.mp4 b.mp4`` prints, and how a failed clip ends the command."""

from __future__ import annotations

from gaitlab.errors import GaitlabError
from gaitlab.files import one_line
from gaitlab.result import unit_short
from gaitlab.session.document import SessionDocument
from gaitlab.session.run import SessionRun


class SessionIncomplete(GaitlabError):
    """A clip of the session failed; the others' results and the session were written.

    The exit code is the failed clip's own (4 unreadable, 5 unsuitable, 6 no runner, ...),
    so a script sees the same code as for that clip alone.
    """

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "s":
        return f"{1000 * value:.0f} ms"
    short = unit_short(unit)
    return f"{value:.0f} {short}" if unit == "spm" else f"{value:.1f} {short}"


def format_session(run: SessionRun) -> str:
    """A short human summary of a session: clips, cadence check, metrics by clip, findings."""
    s: SessionDocument = run.session
    out = run.session_dir
    lines = [f"session   {s.status}: {len(s.analysed)} of {len(s.clips)} clips analysed"]
    for i, c in enumerate(s.clips, start=1):
        if c.analysed:
            lines.append(
                f"clip {i:<4} {one_line(c.label)}: {c.view}, cadence "
                f"{_fmt(c.cadence_spm, 'spm')} -> {out / c.folder}/"
            )
        else:
            lines.append(f"clip {i:<4} {one_line(c.label)}: FAILED ({one_line(c.error)})")
    lines.append(f"cadence   {s.cadence.note}")
    lines += [f"missing   {one_line(m)}" for m in s.missing]
    if s.metrics:
        lines.append("metrics   (median; confidence; from clip)")
        for name, m in s.metrics.items():
            lines.append(
                f"  {name:<30} {_fmt(m.median, m.unit):>12}  {m.confidence.value:<7} "
                f"{one_line(s.clips[m.clip].label)}"
            )
    if s.findings:
        lines.append("findings  (merged from the clips, worst first)")
        for n, merged in enumerate(s.findings, start=1):
            f = merged.finding
            side = f" ({f.side})" if f.side else ""
            lines.append(
                f"  {n}. {f.label}{side}: {_fmt(f.value, f.unit)}, {f.severity.value}, "
                f"from {one_line(s.clips[merged.clip].label)}"
            )
    else:
        lines.append("findings  none in any clip")
    lines.append(f"session   {run.session_file}")
    if run.report_file is not None:
        lines.append(f"report    {run.report_file} (if it hurts now: its first section)")
    return "\n".join(lines)


def session_outcome(run: SessionRun) -> None:
    """Raise :class:`SessionIncomplete` for the first failed clip (nothing when all worked)."""
    failed = run.session.failed
    if not failed:
        return
    first = failed[0]
    kept = [c.label for c in run.session.analysed]
    where = (
        f"the session keeps {', '.join(kept)}: {run.session_file}"
        if kept
        else f"no clip of the session could be analysed: {run.session_file}"
    )
    more = f"; {len(failed) - 1} more clip(s) failed" if len(failed) > 1 else ""
    raise SessionIncomplete(f"{first.error} ({where}{more})", first.exit_code or 1)
