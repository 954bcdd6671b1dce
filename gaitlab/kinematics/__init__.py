"""Kinematics: from raw landmarks to per-stride running metrics with confidence.

Pure functions, no file I/O. The entry point is :func:`analyze_kinematics`, which returns a
:class:`GaitAnalysis` (``to_dict()`` gives the result.json block). Modules, one job each:

==================  ============================================================
``settings``        :class:`KinematicsSettings`, every threshold with its reason
``filtering``       Hampel, gap fill (max gap in s), zero-lag Butterworth per run
``swap``            left/right leg swap detection and repair
``cleaning``        the cleaning chain and its report
``view``            view (side-left/right, rear, front, unclear), facing, treadmill
``angles``          every angle as a small documented function, analysis frames
``events``          cadence by periodicity, foot strike / toe-off, strides
``definitions``     the metric catalogue (unit, definition, sign, view, instant)
``metrics``         per-stride values and summaries (:class:`MetricResult`)
``pelvis``          contralateral pelvic drop (tilt source pluggable)
``lumbar``          back arch from the segmentation mask's back contour
``confidence``      grading rules: view, strides, fps, visibility, swaps
``slowmo``          is a "not running" clip slow motion analysed at playback speed?
``verdict``         running, walking, not stepping or unknown, and why
``analysis``        :func:`analyze_kinematics`, the stage's one entry point
``result``          :class:`GaitAnalysis`, what the stage hands on
==================  ============================================================
"""

from gaitlab.lazy import lazy_exports

#: Public names and the submodule defining each, imported on first use (PEP 562): reading
#: the settings or a reviewer's corrections loads no signal processing (SciPy), and the
#: ``gaitlab analyze`` command loads it while the pose model runs.
_EXPORTS = {
    "analyze_kinematics": "analysis",
    "METRICS": "definitions",
    "MetricDefinition": "definitions",
    "GaitEvent": "event_types",
    "Stride": "event_types",
    "MetricResult": "metrics",
    "StrideValue": "metrics",
    "CadenceSummary": "result",
    "GaitAnalysis": "result",
    "KinematicsSettings": "settings",
    "RunningVerdict": "verdict",
    "VIEWS": "view",
    "ViewResult": "view",
}

__all__ = [
    "METRICS",
    "VIEWS",
    "CadenceSummary",
    "GaitAnalysis",
    "GaitEvent",
    "KinematicsSettings",
    "MetricDefinition",
    "MetricResult",
    "RunningVerdict",
    "Stride",
    "StrideValue",
    "ViewResult",
    "analyze_kinematics",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
