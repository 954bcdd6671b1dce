"""Package attributes imported on first use (PEP 562), so that importing a package is cheap.

``gaitlab.batch`` (pyarrow, the pipeline) and ``gaitlab.store`` (SQLAlchemy, Alembic) are
imported by the ``gaitlab`` command to build its parser; their heavy modules load only when
a name from them is used.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping, Sequence
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


class Preload:
    """Imports modules on a second thread, to overlap their loading with other work.

    For modules a command needs later, while it waits on work that releases the GIL (the
    pose model's inference): ``start`` once that work runs, ``join`` before the modules are
    used. An import error is raised by :meth:`join`, as the import itself would raise it.

    Parameters
    ----------
    modules
        Module names, imported in this order.
    """

    def __init__(self, modules: Sequence[str]) -> None:
        self._modules = tuple(modules)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gaitlab-preload", daemon=True)
        self._started = False

    def _run(self) -> None:
        try:
            for name in self._modules:
                importlib.import_module(name)
        except BaseException as exc:  # handed to the caller by join()
            self._error = exc

    def start(self) -> None:
        """Start importing (once; later calls do nothing)."""
        if not self._started:
            self._started = True
            self._thread.start()

    def join(self) -> None:
        """Wait for the imports, if started; raise the first import error."""
        if self._started:
            self._thread.join()
        if self._error is not None:
            raise self._error
