# Two commands do everything on a fresh machine with Python 3.11+:
#   make demo   - create .venv, install gaitlab (what the analysis needs), analyse a sample clip
#   make test   - create .venv, install gaitlab[dev] (tests, linters, Ray, Playwright ...),
#                 lint and run the whole test suite
# Each target installs only what it needs; `make test` after `make demo` adds the dev extras
# to the same .venv. Sizes and times of both installs: docs/performance.md.
# PYTHON picks the interpreter that creates the venv (default: python3).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# One stamp per install kind, named by pyproject.toml's checksum: an edited pyproject.toml
# reinstalls on the next run.
CKSUM      := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEMO_STAMP := $(VENV)/.installed-demo-$(CKSUM)
DEV_STAMP  := $(VENV)/.installed-dev-$(CKSUM)
DEMO_CLIP ?= sample_videos/synth_side_normal.mp4

.PHONY: demo test lint install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@rm -f $(VENV)/.installed-demo-* && touch $@

# The dev extras include everything the demo needs, so they satisfy the demo's stamp too.
$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-dev-* $(VENV)/.installed-demo-* && touch $@ $(DEMO_STAMP)

install: $(DEMO_STAMP)

install-dev: $(DEV_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/gaitlab analyze $(DEMO_CLIP) --out results/demo

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The suite's files are shared among TEST_WORKERS processes (pytest-xdist); each file's tests
# stay in one process, so a module's fixtures (one real analysis shared by its tests) are
# made once. Two suit a 2-core machine; every worker holds its own MediaPipe (~1.5 GB).
TEST_WORKERS ?= 2

test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache .import_linter_cache
