"""What the Streamlit dashboard (``app.py``) needs beyond layout, as small pure functions.

``app.py`` only lays out widgets and calls these; everything here is testable without
Streamlit (the package never imports it).

=================  ==============================================================
``workspace``      per-session temporary folders, upload checks, stale-folder sweep
``run``            analyse a clip and write its outputs, with one staged progress
``summary``        clip quality, findings cards, stride table, key frames, downloads
``scrubber``       decode one frame by seeking, draw it with the report's annotators
``compare``        reading an uploaded result, the comparison table (maths: findings)
``notes``          a physio's notes saved into the result folder
=================  ==============================================================
"""

from gaitlab.dashboard.notes import load_notes, save_notes
from gaitlab.dashboard.run import run_analysis
from gaitlab.dashboard.scrubber import FrameRenderer, angles_at
from gaitlab.dashboard.workspace import SessionWorkspace, check_upload, sweep_stale
from gaitlab.findings.change import MetricChange, compare_results

__all__ = [
    "FrameRenderer",
    "MetricChange",
    "SessionWorkspace",
    "angles_at",
    "check_upload",
    "compare_results",
    "load_notes",
    "run_analysis",
    "save_notes",
    "sweep_stale",
]
