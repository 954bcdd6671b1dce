"""The shape of ``result.json``, checked before any value of a file is used.

``gaitlab report`` (and anything else that reloads a result folder) must not trust the file:
it may come from a newer or an older gaitlab, or have been edited by hand or by another tool.
:func:`check_result` refuses another ``schema_version`` with a clear message and checks the
shape of every block (types, the ``left``/``right`` sides, severities and confidence levels
from :mod:`gaitlab.result.vocab`, event frames inside the clip). A document that fails is "not
a readable result" (:class:`ResultFolderError`, exit code 4), never an internal error.

Blocks may carry more keys than listed here (a later minor addition); a listed key with the
wrong type is an error, and so is a missing required one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from numbers import Real
from pathlib import Path
from typing import Any

from gaitlab import __version__
from gaitlab.errors import GaitlabError
from gaitlab.result.vocab import RESULT_FILE, Confidence, Severity

#: Version of the ``result.json`` layout; bump on incompatible change.
RESULT_SCHEMA_VERSION = 1
#: The ``schema`` value of a gaitlab result.
RESULT_SCHEMA = "gaitlab.result"


class ResultFolderError(GaitlabError):
    """A result folder cannot be read back: no result.json, a bad one, or a newer one (exit 4)."""

    exit_code = 4


class _Bad(Exception):
    """Where the document differs from the expected shape, and how."""

    def __init__(self, where: str, expected: str, got: Any) -> None:
        super().__init__(where)
        self.where, self.expected, self.got = where, expected, got

    def describe(self) -> str:
        where = self.where or "the document"
        if self.got is _MISSING:
            return f"{where} is missing"
        return f"{where} must be {self.expected}, got {_kind(self.got)}"


_MISSING = object()


Check = Callable[[Any, str], None]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, Real):
        return f"the number {value!r}"
    if isinstance(value, str):
        text = value if len(value) <= 30 else value[:27] + "..."
        return f"the text {text!r}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def number(*, null: bool = False) -> Check:
    """A number (JSON has no NaN: a missing value is null where ``null``)."""

    def check(value: Any, where: str) -> None:
        if not (_is_number(value) or (null and value is None)):
            raise _Bad(where, "a number" + (" or null" if null else ""), value)

    return check


def integer(*, minimum: int | None = None) -> Check:
    """A whole number, at least ``minimum``."""

    def check(value: Any, where: str) -> None:
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok or (minimum is not None and value < minimum):
            text = "a whole number" + (f" >= {minimum}" if minimum is not None else "")
            raise _Bad(where, text, value)

    return check


def text(*, null: bool = False, choices: tuple[str, ...] = ()) -> Check:
    """A string (one of ``choices`` when given)."""

    def check(value: Any, where: str) -> None:
        if null and value is None:
            return
        if not isinstance(value, str) or (choices and value not in choices):
            expected = f"one of {', '.join(choices)}" if choices else "text"
            raise _Bad(where, expected + (" or null" if null else ""), value)

    return check


def flag() -> Check:
    """A boolean: true or false."""

    def check(value: Any, where: str) -> None:
        if not isinstance(value, bool):
            raise _Bad(where, "true or false", value)

    return check


def listof(item: Check) -> Check:
    """A list whose every item passes ``item``."""

    def check(value: Any, where: str) -> None:
        if not isinstance(value, list):
            raise _Bad(where, "a list", value)
        for i, v in enumerate(value):
            item(v, f"{where}[{i}]")

    return check


def mapping_of(item: Check) -> Check:
    """An object whose every value passes ``item``."""

    def check(value: Any, where: str) -> None:
        if not isinstance(value, Mapping):
            raise _Bad(where, "an object", value)
        for k, v in value.items():
            item(v, f"{where}.{k}")

    return check


def obj(required: Mapping[str, Check], optional: Mapping[str, Check] | None = None) -> Check:
    """An object with these keys (more keys are allowed)."""

    def check(value: Any, where: str) -> None:
        if not isinstance(value, Mapping):
            raise _Bad(where, "an object", value)
        for key, sub in required.items():
            if key not in value:
                raise _Bad(f"{where}.{key}".lstrip("."), "present", _MISSING)
            sub(value[key], f"{where}.{key}".lstrip("."))
        for key, sub in (optional or {}).items():
            if key in value:
                sub(value[key], f"{where}.{key}".lstrip("."))

    return check


def nullable(inner: Check) -> Check:
    """null, or what ``inner`` accepts."""

    def check(value: Any, where: str) -> None:
        if value is not None:
            inner(value, where)

    return check


SIDE = text(choices=("left", "right"))
_TEXTS = listof(text())
_SEVERITY = text(choices=tuple(Severity))
_CONFIDENCE = text(choices=tuple(Confidence))

_CLIP = obj(
    {
        "path": text(),
        "width_px": integer(minimum=1),
        "height_px": integer(minimum=1),
        "rotation_deg": integer(),
        "n_frames": integer(minimum=0),
        "duration_s": number(),
        "capture_fps": number(null=True),
        "slowmo_factor": number(),
    },
    {
        "sha256": text(),
        "nominal_fps": number(null=True),
        "codec": text(),
        "container": text(),
        "vfr": flag(),
    },
)
_PERSON = obj({}, {"id": integer(), "first_s": number(), "last_s": number(), "role": text()})
_PEOPLE = obj(
    {},
    {
        "mode": text(),
        "why": text(),
        "people_seen": integer(minimum=0),
        "followed": listof(integer()),
        "reason": text(),
        "people": listof(_PERSON),
        "notes": _TEXTS,
    },
)
_POSE = obj(
    {
        "n_frames": integer(minimum=0),
        "frames_with_pose": integer(minimum=0),
        "detection_rate": number(),
    },
    {
        "model": obj(
            {}, {"name": text(), "sha256": text(), "backend": text(), "settings": obj({})}
        ),
        "sample_rate_hz": number(null=True),
        "series_file": text(),
        "people": nullable(_PEOPLE),
    },
)
_EVENT = obj(
    {"side": SIDE, "kind": text(choices=("foot_strike", "toe_off")), "time_s": number()},
    {"frame": integer(minimum=0), "inferred": flag()},
)
_STRIDE = obj(
    {"side": SIDE, "foot_strike_s": number()},
    {
        name: number(null=True)
        for name in (
            "toe_off_s",
            "next_foot_strike_s",
            "contralateral_foot_strike_s",
            "stride_time_s",
            "contact_time_s",
            "flight_time_s",
            "duty_factor_pct",
        )
    }
    | {"inferred": flag()},
)
_METRIC_VALUE = obj(
    {"side": SIDE, "time_s": number(), "value": number(null=True)},
    {"inferred": flag(), "at_s": number(null=True)},
)
_METRIC = obj(
    {"confidence": _CONFIDENCE},
    {
        "name": text(),
        "unit": text(),
        "values": listof(_METRIC_VALUE),
        "n": integer(minimum=0),
        "median": number(null=True),
        "iqr": number(null=True),
        "left_median": number(null=True),
        "right_median": number(null=True),
        "left_minus_right": number(null=True),
        "asymmetry_pct": number(null=True),
        "reasons": _TEXTS,
    },
)
_KINEMATICS = obj(
    {
        "view": obj({"view": text()}, {"confidence": number(null=True), "source": text(),
                                       "reason": text()}),
        "running": obj({"is_running": flag()}, {"activity": text(), "reason": text(),
                                                  "slow_motion": flag()}),
    },
    {
        "treadmill": nullable(flag()),
        "cadence": obj({}, {k: number(null=True) for k in
                            ("cadence_spm", "periodicity", "events_cadence_spm")}),
        "cleaning": obj({}, {"swap_share": number(null=True), "steps": _TEXTS}),
        "events": listof(_EVENT),
        "event_detection": obj({}, {"near_side": text(null=True, choices=("left", "right")),
                                    "far_leg_inferred": flag(), "notes": _TEXTS}),
        "strides": listof(_STRIDE),
        "metrics": mapping_of(_METRIC),
        "sign_conventions": mapping_of(text()),
        "notes": _TEXTS,
    },
)  # fmt: skip
_KEYS = listof(text())
_EDGE = obj({"edge": number(null=True)}, {"refs": _KEYS, "why": text()})
_BAND = obj({}, {"direction": text(), "normal": text(), "watch": _EDGE, "high": _EDGE})
_CUE = obj({"text": text()}, {"sources": _KEYS, "refs": _KEYS})
_EXERCISE = obj(
    {"name": text()},
    {k: text() for k in ("key", "how", "purpose", "dose")} | {"sources": _KEYS},
)
_KEY_FRAME = obj(
    {"time_s": number(null=True)},
    {"side": text(null=True, choices=("left", "right")), "value": number(null=True),
     "instant": text()},
)  # fmt: skip
_EVIDENCE = obj(
    {},
    {"metric": text(), "statistic": text(), "value": number(null=True), "unit": text(),
     "confidence": _CONFIDENCE},
)  # fmt: skip


def _finding(value: Any, where: str) -> None:
    _FINDING(value, where)


_FINDING = obj(
    {"id": text(), "severity": _SEVERITY, "confidence": _CONFIDENCE},
    {
        "title": text(),
        "category": text(),
        "side": text(null=True, choices=("left", "right")),
        "side_note": text(),
        "metric": text(),
        "value": number(null=True),
        "unit": text(),
        "band": _BAND,
        "confidence_reasons": _KEYS,
        "explanation": text(),
        "clinical": text(),
        "cues": listof(_CUE),
        "exercises": listof(_EXERCISE),
        "sources": _KEYS,
        "refs": _KEYS,
        "key_times_s": listof(number(null=True)),
        "key_frames": listof(_KEY_FRAME),
        "evidence": listof(_EVIDENCE),
        "parts": listof(_finding),
        "retake": _KEYS,
    },
)
_ASSESSMENT = obj(
    {"finding_id": text(), "status": text()},
    {"title": text(), "metric": text(), "side": text(null=True, choices=("left", "right")),
     "value": number(null=True), "unit": text(), "band": text(), "confidence": _CONFIDENCE,
     "reasons": _KEYS},
)  # fmt: skip
_ADVICE = obj({"text": text()}, {"id": text(), "title": text(), "sources": _KEYS})
_GUIDE = obj({"text": text()}, {"id": text(), "when": _KEYS, "refs": _KEYS, "sources": _KEYS})
_FINDINGS_BLOCK = obj(
    {"status": text(), "findings": listof(_FINDING)},
    {
        "message": text(),
        "more_findings": listof(_FINDING),
        "checks": listof(_FINDING),
        "assessments": listof(_ASSESSMENT),
        "pain_first": listof(_ADVICE),
        "general_advice": listof(_ADVICE),
        "safety": listof(_ADVICE),
        "filming_guide": listof(_GUIDE),
        "sources": mapping_of(obj({}, {k: text() for k in
                                       ("key", "file", "short_name", "publisher")})),
        "references": mapping_of(obj({}, {k: text() for k in
                                          ("key", "kind", "short_name", "citation", "note")})),
    },
)  # fmt: skip
_RESULT = obj(
    {"schema": text(), "schema_version": integer(minimum=1), "clip": _CLIP, "pose": _POSE},
    {
        "gaitlab_version": text(),
        "created_utc": text(),
        "request": obj({}, {"view": text(null=True), "height_cm": number(null=True),
                            "slowmo_factor": number(null=True), "model": text(null=True)}),
        "kinematics": nullable(_KINEMATICS),
        "findings": nullable(_FINDINGS_BLOCK),
    },
)  # fmt: skip


def check_result(document: Any, source: str | Path = RESULT_FILE) -> dict[str, Any]:
    """``document`` (parsed ``result.json``) when this gaitlab can read it.

    Parameters
    ----------
    document
        The parsed JSON.
    source
        Where it was read from, for the message.

    Returns
    -------
    dict
        The same document.

    Raises
    ------
    ResultFolderError
        Not a gaitlab result; a ``schema_version`` newer than :data:`RESULT_SCHEMA_VERSION`
        (update gaitlab) or older (analyse the clip again); or a block of the wrong shape (the
        message names the first one).
    """
    if not isinstance(document, Mapping) or document.get("schema") != RESULT_SCHEMA:
        schema = document.get("schema") if isinstance(document, Mapping) else None
        raise ResultFolderError(
            f"{source}: not a gaitlab result ("
            + (f"schema {schema!r}" if schema is not None else f"{_kind(document)}")
            + ")"
        )
    version = document.get("schema_version")
    if _is_number(version) and version > RESULT_SCHEMA_VERSION:
        raise ResultFolderError(
            f"{source}: written by a newer gaitlab (result schema {version}; gaitlab "
            f"{__version__} reads schema {RESULT_SCHEMA_VERSION}): update gaitlab to read it"
        )
    if _is_number(version) and version < RESULT_SCHEMA_VERSION:
        raise ResultFolderError(
            f"{source}: written by an older gaitlab (result schema {version}; gaitlab "
            f"{__version__} reads schema {RESULT_SCHEMA_VERSION}): analyse the clip again"
        )
    try:
        _RESULT(document, "")
        _check_frames(document)
    except _Bad as bad:
        raise ResultFolderError(f"{source}: not a readable result ({bad.describe()})") from None
    return dict(document)


def _check_frames(document: Mapping[str, Any]) -> None:
    """Event frames index the clip's frames: they must lie inside it."""
    n = document["pose"]["n_frames"]
    for i, event in enumerate((document.get("kinematics") or {}).get("events") or []):
        frame = event.get("frame")
        if frame is not None and frame >= n:
            raise _Bad(f"kinematics.events[{i}].frame", f"below pose.n_frames ({n})", frame)
