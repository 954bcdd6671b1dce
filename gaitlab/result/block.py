"""The base of every block of the result document: a JSON object as a frozen dataclass.

Round trip: ``Block.from_dict(d).to_dict() == d`` key for key and in the same key order for
the objects this gaitlab writes. Numbers are kept exactly as parsed (no int/float coercion);
lists become tuples and come back as lists; enums come back as their strings. Keys a block
does not model (a later minor addition) are kept in its ``extra`` and written after the
modelled ones.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

Json = Any
Reader = Callable[[Json], Any]


def tuple_of(read: Reader) -> Reader:
    """A reader of a JSON list: each item read by ``read``, as a tuple."""
    return lambda items: tuple(read(v) for v in items)


def mapping_of(read: Reader) -> Reader:
    """A reader of a JSON object of blocks: each value read by ``read``, keyed by text."""
    return lambda items: {str(k): read(v) for k, v in items.items()}


def _plain(value: Any) -> Json:
    """A field's value as JSON: blocks as objects, tuples as lists, enums as their strings."""
    if isinstance(value, Block):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, kw_only=True)
class Block:
    """A JSON object of the result as a frozen dataclass.

    Subclasses list their keys as (keyword-only) fields, in the order the pipeline writes
    them, so :meth:`to_dict` gives the keys in that order; fields with a default may be absent
    from older files. ``_readers`` says how to read a field whose JSON
    value is not kept as parsed (a nested block, a list, an enum); a JSON null stays None.
    """

    extra: Mapping[str, Json] = field(default_factory=dict, repr=False)

    _readers: ClassVar[Mapping[str, Reader]] = {}

    @classmethod
    def from_dict(cls, data: Mapping[str, Json]) -> Self:
        """The block of a parsed (and checked, :func:`gaitlab.result.check_result`) object."""
        names = [f.name for f in dataclasses.fields(cls) if f.name != "extra"]
        values: dict[str, Any] = {}
        for name in names:
            if name in data:
                raw = data[name]
                read = cls._readers.get(name)
                values[name] = raw if read is None or raw is None else read(raw)
        extra = {k: v for k, v in data.items() if k not in values and k not in names}
        return cls(**values, extra=extra)

    def to_dict(self) -> dict[str, Json]:
        """The JSON object: modelled keys in field order, then ``extra``."""
        out = {
            f.name: _plain(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name != "extra"
        }
        out.update(_plain(self.extra))
        return out
