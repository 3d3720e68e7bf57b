# gradnotes: every target sets itself up (a .venv with pinned packages) first.
#   make book   build the book into _build/html
#   make test   run every test (unit, property, doctests, notebooks)
#   make lab    open the notebooks in JupyterLab
#   make bench  run the benchmarks and print the tables
# TORCH=0 skips installing PyTorch (used only as a reference by tests and benchmarks).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
TORCH ?= 1
NOTEBOOKS := $(wildcard notebooks/*.ipynb)

.PHONY: book test lab bench setup clean

$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "gradnotes needs Python 3.11 or newer"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.torch: $(VENV)/.installed requirements-torch.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-torch.txt -c constraints.txt
	touch $@

setup: $(VENV)/.installed $(if $(filter 1,$(TORCH)),$(VENV)/.torch)

book: $(VENV)/.installed
	$(VENV)/bin/jupyter-book build . -n -W --keep-going
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

test: setup
	$(PY) -m pytest tests
	$(PY) -m pytest --doctest-modules gradnotes -q
	$(if $(NOTEBOOKS),$(PY) -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg $(NOTEBOOKS) -q)

lab: $(VENV)/.installed
	$(VENV)/bin/jupyter lab notebooks

bench: $(VENV)/.installed $(VENV)/.torch
	$(PY) -m benchmarks

clean:
	rm -rf _build .pytest_cache
