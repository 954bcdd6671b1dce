"""The dashboard's runner view: a runner's sessions, past results, comparisons and trends.

Reads the result store (:mod:`gaitlab.store`); a past result is reopened from the
``result.json`` recorded with its session (no pose inference). Also the words of the
"Save to a runner's history" control (:func:`chosen_code`, :func:`saved_message`). Plain
data in, plain data out, plus one Altair chart spec; the page lays them out.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gaitlab.errors import GaitlabError
from gaitlab.findings.change import MetricChange, compare_results
from gaitlab.hashing import file_sha256
from gaitlab.report.content import fmt_value
from gaitlab.result import ResultDocument, ResultFolderError, read_result
from gaitlab.store.archive import SavedSession
from gaitlab.store.database import check_runner_code
from gaitlab.store.errors import BadRunnerCode
from gaitlab.store.history import Trend, metric_names
from gaitlab.store.records import SessionRecord

#: The runner choice of the save control that means "the code typed below".
NEW_RUNNER = "(new runner)"


class ResultGone(GaitlabError):
    """A session's result folder was moved or deleted since it was recorded."""

    exit_code = 4


def chosen_code(pick: str, typed: str) -> str:
    """The runner a result is saved for: the one picked, or the new code typed.

    Raises
    ------
    BadRunnerCode
        "New runner" picked and no code typed, or a code that is too long.
    """
    if pick != NEW_RUNNER:
        return pick
    if not typed.strip():
        raise BadRunnerCode("type the new runner's code (a name or any text that identifies them)")
    return check_runner_code(typed)


def saved_message(saved: SavedSession, store: str) -> str:
    """What the page says after a save: which session, where the files are, how to delete."""
    again = " (this result was saved before: replaced, not duplicated)" if saved.replaced else ""
    return (
        f"Saved as session #{saved.session_id} of runner **{saved.runner}**{again}. "
        f"{len(saved.files)} files are kept in `{saved.folder}` (store: {store}); the "
        "dashboard's temporary copy is still deleted when you leave. Delete this runner's "
        f"data with `gaitlab runner delete {shlex.quote(saved.runner)}`."
    )


def session_label(s: SessionRecord) -> str:
    """One line naming a session: ``#3 2026-03-02 09:00 side-left run.mp4``."""
    return f"#{s.id} {s.recorded_utc:%Y-%m-%d %H:%M} {s.view} {Path(s.clip_path).name}"


def session_rows(sessions: Sequence[SessionRecord]) -> list[dict[str, Any]]:
    """The sessions as table rows: when, view, clip, findings, notes, folder."""
    return [
        {
            "session": s.id,
            "recorded (UTC)": f"{s.recorded_utc:%Y-%m-%d %H:%M}",
            "view": s.view,
            "clip": Path(s.clip_path).name,
            "findings": ", ".join(f"{f.title} ({f.severity})" for f in s.findings) or "–",
            "notes": s.physio_notes,
            "result folder": s.result_dir,
        }
        for s in sessions
    ]


def load_session_result(session: SessionRecord) -> tuple[ResultDocument, str]:
    """The session's ``result.json`` and a warning ("" when none).

    The warning says when the file changed since the session was recorded (its hash differs):
    the store's numbers and the file's may then disagree.

    Raises
    ------
    ResultGone
        When the recorded ``result.json`` is missing or unreadable.
    """
    path = session.result_path
    if not path.is_file():
        raise ResultGone(
            f"the result of session #{session.id} is no longer at {path} "
            "(moved or deleted): analyse the clip again to restore it"
        )
    try:
        result = read_result(path)
    except ResultFolderError as exc:
        raise ResultGone(
            f"the result of session #{session.id} is unreadable: {exc.message}"
        ) from None
    warning = ""
    if file_sha256(path) != session.result_sha256:
        warning = f"{path.name} changed since session #{session.id} was recorded"
    return result, warning


def compare_sessions(before: SessionRecord, after: SessionRecord) -> list[MetricChange]:
    """What moved between two sessions, from their stored result files."""
    return compare_results(load_session_result(before)[0], load_session_result(after)[0])


def trend_rows(trend: Trend) -> list[dict[str, Any]]:
    """The trend as table rows, with each session's change from the first."""
    rows = []
    for p in trend.points:
        change = None if trend.baseline is None else p.median - trend.baseline
        rows.append(
            {
                "session": p.session_id,
                "recorded (UTC)": f"{p.recorded_utc:%Y-%m-%d}",
                "view": p.view,
                "median": fmt_value(p.median, trend.unit),
                "change from first": fmt_value(change, trend.unit),
                "beyond threshold": (
                    "–"
                    if trend.threshold is None or change is None
                    else ("yes" if abs(change) > trend.threshold else "no")
                ),
                "strides": p.n_strides,
                "confidence": p.confidence,
            }
        )
    return rows


def band_text(trend: Trend) -> str:
    """The normal band and the change threshold in words."""
    low, high = trend.band_low, trend.band_high
    if low is not None and high is not None:
        band = f"normal band {fmt_value(low, trend.unit)} to {fmt_value(high, trend.unit)}"
    elif low is not None:
        band = f"normal: {fmt_value(low, trend.unit)} or more"
    elif high is not None:
        band = f"normal: up to {fmt_value(high, trend.unit)}"
    else:
        band = "no normal band in the findings rules"
    if trend.threshold is None:
        return f"{band}; no change threshold (too few sessions or strides)"
    return (
        f"{band}; a change counts beyond ±{fmt_value(trend.threshold, trend.unit)} "
        f"from the first session ({trend.basis})"
    )


def trend_chart(trend: Trend) -> Any:
    """Altair chart of a trend: the metric per session, the normal band and the threshold.

    The normal band is green; the first session's value ± the change threshold is grey, so
    a point outside the grey band moved by more than measurement noise.
    """
    import altair as alt

    points = [
        {"date": p.recorded_utc.isoformat(), "median": p.median, "session": p.session_id}
        for p in trend.points
    ]
    values = [p.median for p in trend.points]
    layers = []
    lo_edge = min(values, default=0.0)
    hi_edge = max(values, default=1.0)
    if trend.band_low is not None or trend.band_high is not None:
        span = (hi_edge - lo_edge) or 1.0
        low = trend.band_low if trend.band_low is not None else lo_edge - span
        high = trend.band_high if trend.band_high is not None else hi_edge + span
        layers.append(
            alt.Chart(alt.Data(values=[{"low": low, "high": high}]))
            .mark_rect(color="#2e7d32", opacity=0.12)
            .encode(y="low:Q", y2="high:Q")
        )
    if trend.baseline is not None and trend.threshold is not None:
        layers.append(
            alt.Chart(
                alt.Data(
                    values=[
                        {
                            "low": trend.baseline - trend.threshold,
                            "high": trend.baseline + trend.threshold,
                        }
                    ]
                )
            )
            .mark_rect(color="#757575", opacity=0.18)
            .encode(y="low:Q", y2="high:Q")
        )
    title = f"{trend.metric} ({trend.unit})"
    layers.append(
        alt.Chart(alt.Data(values=points))
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="session"),
            y=alt.Y("median:Q", title=title, scale=alt.Scale(zero=False)),
            tooltip=["session:Q", "date:T", "median:Q"],
        )
    )
    return alt.layer(*layers).properties(title=title)


def metric_choices(sessions: Sequence[SessionRecord], bands: Mapping[str, Any]) -> list[str]:
    """Metrics worth a trend: measured in some session; banded metrics first."""
    names = metric_names(sessions)
    return sorted(names, key=lambda n: (n not in bands, names.index(n)))
