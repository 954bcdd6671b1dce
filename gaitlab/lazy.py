"""Package attributes imported on first use (PEP 562), so that importing a package is cheap.

``gaitlab.batch`` (pyarrow, the pipeline) and ``gaitlab.store`` (SQLAlchemy, Alembic) are
imported by the ``gaitlab`` command to build its parser; their heavy modules load only when
a name from them is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str], module_globals: Mapping[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of a package whose names live in its submodules.

    Parameters
    ----------
    package
        The package's name (``gaitlab.store``).
    exports
        Public name -> submodule that defines it (``{"open_store": "database"}``).
    module_globals
        The package's ``globals()``, listed by ``__dir__`` too.
    """

    def getattr_(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)

    def dir_() -> list[str]:
        return sorted([*module_globals, *exports])

    return getattr_, dir_
