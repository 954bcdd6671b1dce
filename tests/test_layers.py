"""The layer contract (docs/architecture.md): checked by import-linter, and shown to bite.

``make lint`` runs ``lint-imports`` on the package. These tests show that the contract holds,
that it fails on a backward import even one hidden inside a function, that every top-level
module has a layer, that importing a lower layer loads nothing from the layers above it, and
that every import deferred into a function has a stated reason other than a cycle.
"""

from __future__ import annotations

import ast
import pkgutil
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import gaitlab
from tests.conftest import REPO

pytest.importorskip("importlinter")

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
LAYERS = next(c for c in CONTRACTS["contracts"] if c["id"] == "layers")["layers"]


def _layer_modules() -> list[list[str]]:
    return [[name.strip() for name in layer.split("|")] for layer in LAYERS]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """Run lint-imports on the package found under ``root`` (its pyproject.toml's contracts)."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_package_keeps_its_contracts():
    proc = lint_imports(REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 kept, 0 broken" in proc.stdout


#: Imports that break a contract, each injected into a copy of the package: (file, code
#: appended, the line lint-imports must print).
BAD_IMPORTS = {
    # Deferring the import into a function does not hide it from the contract.
    "kinematics imports report": (
        "kinematics/angles.py",
        "\n\ndef _peek():\n    from gaitlab.report import content  # noqa: F401\n",
        "gaitlab.kinematics.angles -> gaitlab.report.content",
    ),
    "store imports the dashboard": (
        "store/notes.py",
        "\nimport gaitlab.dashboard.cards  # noqa: E402, F401\n",
        "gaitlab.store.notes -> gaitlab.dashboard.cards",
    ),
    "batch imports the dashboard, its sibling": (
        "batch/flatten.py",
        "\nimport gaitlab.dashboard.compare  # noqa: E402, F401\n",
        "gaitlab.batch.flatten -> gaitlab.dashboard.compare",
    ),
    "a cycle inside synth": (
        "synth/render.py",
        "\n\ndef _peek():\n    from gaitlab.synth import clip  # noqa: F401\n",
        ".render -> .clip",
    ),
    "the maths reads video": (
        "kinematics/filtering.py",
        "\nimport av  # noqa: E402, F401\n",
        "gaitlab.kinematics.filtering -> av",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_IMPORTS))
def test_a_bad_import_breaks_the_contract(case: str, tmp_path: Path):
    rel, code, expected = BAD_IMPORTS[case]
    shutil.copytree(REPO / "gaitlab", tmp_path / "gaitlab", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    with (tmp_path / "gaitlab" / rel).open("a") as fh:
        fh.write(code)
    proc = lint_imports(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    # The printed import exists only in the copy: the copy was checked, not the installed one.
    assert expected in proc.stdout, proc.stdout
    assert "BROKEN" in proc.stdout


def test_every_top_level_module_has_a_layer():
    named = {m for layer in _layer_modules() for m in layer}
    present = {f"gaitlab.{m.name}" for m in pkgutil.iter_modules(gaitlab.__path__)}
    assert present == named


def _loaded_gaitlab_modules(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return {m for m in proc.stdout.split() if m.startswith("gaitlab.")}


def _top(module: str) -> str:
    return ".".join(module.split(".")[:2])


@pytest.mark.parametrize(
    "module", ["gaitlab.kinematics", "gaitlab.findings", "gaitlab.pipeline", "gaitlab.report"]
)
def test_importing_a_layer_loads_nothing_from_above_it(module: str):
    layers = _layer_modules()
    level = next(i for i, layer in enumerate(layers) if module in layer)
    above = {m for layer in layers[:level] for m in layer}
    loaded = _loaded_gaitlab_modules(module)
    assert {m for m in loaded if _top(m) in above} == set()


def test_importing_kinematics_loads_no_report_dashboard_batch_or_store():
    # The package itself loads its modules on first use; its entry point loads them all.
    loaded = _loaded_gaitlab_modules("gaitlab.kinematics.analysis")
    assert "gaitlab.kinematics.metrics" in loaded  # the check ran on a real import
    banned = ("gaitlab.report", "gaitlab.dashboard", "gaitlab.batch", "gaitlab.store")
    assert [m for m in loaded if _top(m) in banned] == []


#: Command shells build the ``gaitlab`` parser at every start and import the library call a
#: subcommand runs only when it runs (tests/test_cli.py, tests/batch/test_cli.py check that
#: building the parser stays light).
COMMAND_SHELLS = {
    "gaitlab/cli.py",
    "gaitlab/cli_options.py",
    "gaitlab/batch/cli.py",
    "gaitlab/store/cli.py",
    "gaitlab/synth/cli.py",
    "gaitlab/corrections/cli.py",
    "gaitlab/store/compare_cli.py",
    "gaitlab/store/correct_cli.py",
}
#: Other imports of gaitlab modules inside functions, each deferring a heavy dependency.
#: A cycle is never a reason: lint-imports sees imports inside functions too.
DEFERRED = {
    ("gaitlab/batch/orchestrate.py", "gaitlab.store"): "SQLAlchemy, only for clips with a runner",
    ("gaitlab/batch/task.py", "gaitlab.store"): "SQLAlchemy, only for clips with a runner",
    ("gaitlab/report/data.py", "gaitlab.pipeline"): "SciPy, only to recompute kinematics",
    ("gaitlab/report/data.py", "gaitlab.kinematics.corrections"): "SciPy, as the line above",
    ("gaitlab/report/outputs.py", "gaitlab.pipeline"): "SciPy, not when rebuilding reports",
    ("gaitlab/report/documents.py", "gaitlab.report.plots"): "matplotlib, in its own process",
    ("gaitlab/report/documents.py", "gaitlab.report.html"): "jinja2, in its own process",
    ("gaitlab/report/documents.py", "gaitlab.report.pdf"): "fpdf2, in its own process",
    ("gaitlab/report/documents.py", "gaitlab.report.exports"): (
        "SciPy and the findings (report data), in the process forked before the first frame"
    ),
    ("gaitlab/report/documents.py", "gaitlab.report.content"): (
        "SciPy and the findings (report data), in the process forked before the first frame"
    ),
    ("gaitlab/report/frames.py", "gaitlab.kinematics.lumbar"): "SciPy, only for back contours",
    ("gaitlab/store/compare.py", "gaitlab.store.database"): "SQLAlchemy, only for a session number",
    # Loaded on a second thread while the pose model infers (pipeline.AFTER_POSE_MODULES),
    # not before the first frame (tests/test_imports.py).
    ("gaitlab/pipeline.py", "gaitlab.kinematics.analysis"): "SciPy, after the first frame",
    ("gaitlab/pipeline.py", "gaitlab.findings"): "the findings engine, after the first frame",
    ("gaitlab/pipeline.py", "gaitlab.result"): "the result schema, after the first frame",
}


def _function_level_gaitlab_imports() -> set[tuple[str, str]]:
    found = set()
    for path in [*sorted((REPO / "gaitlab").rglob("*.py")), REPO / "app.py"]:
        rel = path.relative_to(REPO).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                found |= {(rel, n) for n in names if n == "gaitlab" or n.startswith("gaitlab.")}
    return found


def test_imports_inside_functions_have_a_reason():
    found = _function_level_gaitlab_imports()
    unexplained = {(f, m) for f, m in found if f not in COMMAND_SHELLS and (f, m) not in DEFERRED}
    assert unexplained == set(), (
        "import these at the top of the module; if one defers a heavy dependency, add it to "
        "DEFERRED with the reason"
    )
    assert set(DEFERRED) <= found, "DEFERRED lists imports that are gone"
