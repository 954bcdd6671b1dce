"""The benchmarks' provenance: a cached result is reused only for the same gaitlab code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import REPO


def _provenance():
    spec = importlib.util.spec_from_file_location(
        "provenance", REPO / "benchmarks" / "provenance.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_package_hash_follows_the_sources_and_nothing_else(tmp_path: Path) -> None:
    package_hash = _provenance().package_hash
    pkg = tmp_path / "gaitlab"
    (pkg / "kinematics").mkdir(parents=True)
    (pkg / "__init__.py").write_text("x = 1\n")
    (pkg / "kinematics" / "view.py").write_text("THRESHOLD = 0.35\n")
    first = package_hash(pkg)
    assert len(first) == 16 and package_hash(pkg) == first
    # Byte-code and other generated files do not count.
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "view.cpython-311.pyc").write_bytes(b"\x00\x01")
    assert package_hash(pkg) == first
    # A changed constant, or the same content under another name, is other code.
    (pkg / "kinematics" / "view.py").write_text("THRESHOLD = 0.45\n")
    changed = package_hash(pkg)
    assert changed != first
    (pkg / "kinematics" / "view.py").rename(pkg / "kinematics" / "views.py")
    assert package_hash(pkg) not in (first, changed)
