"""What the Streamlit dashboard (``app.py``) needs beyond layout, as small pure functions.

``app.py`` only lays out widgets and calls these; everything here is testable without
Streamlit (the package never imports it).

=================  ==============================================================
``workspace``      per-session temporary folders, upload checks, stale-folder sweep
``run``            analyse a clip and write its outputs, with one staged progress
``cards``          clip quality, findings cards, stride table, key frames, downloads
``scrubber``       decode one frame by seeking, draw it with the report's annotators
``compare``        reading an uploaded result, the comparison table (maths: findings)
``launch``         ``gaitlab dashboard``: start Streamlit with private settings
=================  ==============================================================
"""

from __future__ import annotations

from gaitlab.lazy import lazy_exports

#: Public names and the submodule defining each, imported on first use (PEP 562): the
#: ``gaitlab`` command builds its parser from :mod:`gaitlab.dashboard.launch` without loading
#: the analysis stack.
_EXPORTS = {
    "add_dashboard_parser": "launch",
    "run_analysis": "run",
    "FrameRenderer": "scrubber",
    "angles_at": "scrubber",
    "SessionWorkspace": "workspace",
    "check_upload": "workspace",
    "sweep_stale": "workspace",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports("gaitlab.dashboard", _EXPORTS, globals())
