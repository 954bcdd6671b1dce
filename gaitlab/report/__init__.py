"""Presentation: annotated frames and video, plots, HTML/PDF reports, and exports.

Everything is drawn from one :class:`~gaitlab.report.data.ReportData` (built from a live
analysis or reloaded from a result folder), so a rebuilt report equals the original. No
metric maths here: values come from the kinematics and findings stages.

==================  ============================================================
``style``           left/right colours shared by video, plots and reports
``annotators``      small annotator classes, ``annotate(frame, data) -> frame``
``frames``          per-frame overlay data, key-frame choice
``render``          one streaming pass: H.264 video + key-frame PNGs
``plots``           angle series, per-stride values, left vs right (matplotlib)
``exports``         frames.csv, strides.csv, OpenSim .trc / .mot
``content``         the report's text, shared by HTML and PDF
``html``, ``pdf``   the two report renderers
``documents``       plots + exports, reports; optionally in a second process
``outputs``         :func:`write_outputs`, :func:`rebuild_reports`
==================  ============================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gaitlab.lazy import lazy_exports

if TYPE_CHECKING:  # what the names are, for type checkers; loaded on first use otherwise
    from gaitlab.report.data import ReportData, ResultFolderError, findings_view
    from gaitlab.report.outputs import rebuild_reports, write_outputs

#: Public names and the submodule defining each, imported on first use (PEP 562): the
#: ``gaitlab analyze`` command forks the documents process (:mod:`gaitlab.report.documents`)
#: before the pose model loads, without the second of imports (SciPy, the findings, the
#: drawing code) that ``data`` and ``outputs`` bring; those load while the model runs.
_EXPORTS = {
    "ReportData": "data",
    "ResultFolderError": "data",
    "findings_view": "data",
    "rebuild_reports": "outputs",
    "write_outputs": "outputs",
}

__all__ = [
    "ReportData",
    "ResultFolderError",
    "findings_view",
    "rebuild_reports",
    "write_outputs",
]

__getattr__, __dir__ = lazy_exports("gaitlab.report", _EXPORTS, globals())
