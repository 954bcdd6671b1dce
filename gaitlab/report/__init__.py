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

from gaitlab.report.data import ReportData, ResultFolderError, findings_view
from gaitlab.report.outputs import rebuild_reports, write_outputs

__all__ = [
    "ReportData",
    "ResultFolderError",
    "findings_view",
    "rebuild_reports",
    "write_outputs",
]
