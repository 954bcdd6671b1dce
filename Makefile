# Two commands do everything on a fresh machine with Python 3.11+:
#   make demo   - create .venv, install gaitlab, analyse a sample clip
#   make test   - create .venv, install gaitlab[dev], lint and run the whole test suite
# PYTHON picks the interpreter that creates the venv (default: python3).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DEMO_CLIP ?= sample_videos/synth_side_normal.mp4

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/gaitlab analyze $(DEMO_CLIP) --out results/demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
