"""The words of a result: severities, confidence levels, units and the folder's file names.

Each vocabulary is defined here once; the findings engine, the reports, the dashboard, the
batch tables and the store all take their values and display forms from these enums.
"""

from __future__ import annotations

from enum import StrEnum

#: File name of the result document inside a result folder.
RESULT_FILE = "result.json"
#: File name of the pose series inside a result folder.
SERIES_FILE = "pose_series.npz"
#: Per-frame kinematics arrays the report saves next to the result (result.json lacks them).
KINEMATICS_SERIES_FILE = "kinematics_series.npz"


class Severity(StrEnum):
    """How far a finding lies outside the normal band: the knowledge base's two levels."""

    WATCH = "watch"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for the most severe level: sort keys put high before watch."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.HIGH: 0, Severity.WATCH: 1}


class Confidence(StrEnum):
    """How far a metric (and a finding read from it) can be trusted, as graded by kinematics."""

    NOT_MEASURABLE = "not_measurable"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for the most trustworthy level: sort keys put high first, not measurable last."""
        return _CONFIDENCE_RANK[self]


_CONFIDENCE_RANK = {
    Confidence.HIGH: 0,
    Confidence.MEDIUM: 1,
    Confidence.LOW: 2,
    Confidence.NOT_MEASURABLE: 3,
}


class Unit(StrEnum):
    """Units of the metrics as result.json names them, with their display forms.

    ``label`` is the unit written out after a number in sentences (``12.0 % leg length``);
    ``suffix`` is glued to a number in the report's tables (``12°``, ``4.1 % leg``);
    ``short`` is the compact form of the terminal summary and of the drawings (``% leg``).
    """

    DEG = "deg"
    S = "s"
    SPM = "spm"
    PCT = "pct"
    PCT_LEG = "pct_leg"
    PCT_TRUNK = "pct_trunk"
    CM = "cm"

    @property
    def label(self) -> str:
        """Written-out form, after a space (``steps/min``, ``% leg length``)."""
        return _UNIT_FORMS[self][0]

    @property
    def suffix(self) -> str:
        """Form glued to a number, with its own leading space where one belongs."""
        return _UNIT_FORMS[self][1]

    @property
    def short(self) -> str:
        """Compact form, after a space (``spm``, ``% leg``)."""
        return _UNIT_FORMS[self][2]


#: The one unit-label table: unit -> (label, suffix, short).
_UNIT_FORMS: dict[Unit, tuple[str, str, str]] = {
    Unit.DEG: ("deg", "°", "deg"),
    Unit.S: ("s", " s", "s"),
    Unit.SPM: ("steps/min", " steps/min", "spm"),
    Unit.PCT: ("%", " %", "%"),
    Unit.PCT_LEG: ("% leg length", " % leg", "% leg"),
    Unit.PCT_TRUNK: ("% trunk length", " % trunk", "% trunk"),
    Unit.CM: ("cm", " cm", "cm"),
}


def unit_label(unit: str) -> str:
    """Written-out form of ``unit``; an unknown unit is shown as it is named."""
    return Unit(unit).label if unit in Unit.__members__.values() else unit


def unit_suffix(unit: str) -> str:
    """Form of ``unit`` glued to a number (``°``, `` % leg``); ``" unit"`` when unknown."""
    if unit in Unit.__members__.values():
        return Unit(unit).suffix
    return f" {unit}" if unit else ""


def unit_short(unit: str) -> str:
    """Compact form of ``unit`` (``% leg``); an unknown unit is shown as it is named."""
    return Unit(unit).short if unit in Unit.__members__.values() else unit
