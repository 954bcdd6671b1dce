"""Several clips of one run (a side and a rear view, say) analysed as one session.

- :mod:`gaitlab.session.document`: ``session.json`` as frozen dataclasses;
- :mod:`gaitlab.session.combine`: the pure combination (each metric from the view that
  measures it, cadence compared, findings merged and ranked once);
- :mod:`gaitlab.session.folder`: reading and writing a session folder, and its HTML report;
- :mod:`gaitlab.session.run`: analysing the clips and writing everything (the CLI's call).
"""

from __future__ import annotations

from gaitlab.session.combine import CADENCE_TOLERANCE_SPM, ClipOutcome, combine_session
from gaitlab.session.document import (
    SESSION_FILE,
    SESSION_REPORT_FILE,
    CadenceCheck,
    SessionClip,
    SessionDocument,
    SessionFinding,
    SessionMetric,
)

__all__ = [
    "CADENCE_TOLERANCE_SPM",
    "SESSION_FILE",
    "SESSION_REPORT_FILE",
    "CadenceCheck",
    "ClipOutcome",
    "SessionClip",
    "SessionDocument",
    "SessionFinding",
    "SessionMetric",
    "combine_session",
]
