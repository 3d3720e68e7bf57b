# gradnotes: every target sets itself up (a .venv with pinned packages) first.
#   make book   build the book into _build/html (fetches its JavaScript with npm once)
#   make test   run every test (unit, property, doctests, notebooks, then the book in a real browser)
#   make lab    open the notebooks in JupyterLab
#   make bench  run the benchmarks and print the tables
# For teachers:
#   make student                 student notebooks (no solutions) in dist/student/
#   make book-student            the solution-free edition of the book
#   make grade SUBMISSIONS=dir   run submitted notebooks, write grades.csv (GRADES=...)
#   make notebooks               re-run the notebooks and store their outputs (after an engine change)
# TORCH=0 skips installing PyTorch (used only as a reference by tests and benchmarks).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
TORCH ?= 1
NOTEBOOKS := $(wildcard notebooks/*.ipynb)
ASSETS := _build/assets/gradnotes-vendor

GRADES ?= grades.csv

.PHONY: book test test-browser chromium lab bench setup clean student book-student grade notebooks

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

# The widget manager and MathJax, pinned in book/assets.json, fetched with npm pack, sha256-checked.
$(ASSETS)/.fetched: book/assets.json tools/fetch_assets.py | $(VENV)/.installed
	$(PY) tools/fetch_assets.py
	touch $@

# GRADNOTES_STATIC=1: the notebooks' explorers become precomputed, kernel-free ones.
book: $(VENV)/.installed $(ASSETS)/.fetched
	GRADNOTES_STATIC=1 $(VENV)/bin/jupyter-book build . -n -W --keep-going
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

test: setup
	$(PY) -m pytest tests --ignore=tests/browser
	$(PY) -m pytest --doctest-modules gradnotes -q
	$(if $(NOTEBOOKS),$(PY) -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg $(NOTEBOOKS) -q)
	$(MAKE) --no-print-directory test-browser

# Real-browser tests: the live notebook in JupyterLab and Notebook 7, then every page of the built book.
test-browser: book chromium
	$(PY) -m pytest tests/browser -q

# Debian's Chromium (`playwright install` cannot download browsers here). Installed with apt as
# root (as in CI); elsewhere, or if apt fails, the browser tests are skipped with the reason.
chromium:
	@if command -v chromium >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Chromium with apt-get (the browser tests drive it)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
			|| echo "apt-get could not install chromium: the browser tests will be skipped."; \
	else \
		echo "Chromium is missing and cannot be installed here (that needs root and apt-get)."; \
		echo "Install it, e.g. 'sudo apt-get install chromium' on Debian, then run 'make test' again;"; \
		echo "until then the browser tests (tests/browser) are skipped."; \
	fi

lab: $(VENV)/.installed
	$(VENV)/bin/jupyter lab notebooks

bench: $(VENV)/.installed $(VENV)/.torch
	$(PY) -m benchmarks

clean:
	rm -rf _build .pytest_cache

student: $(VENV)/.installed
	$(PY) -m gradnotes.classroom.student notebooks dist/student

# The same book built from dist/student: exercises without solutions (checks say "not attempted yet").
book-student: student $(ASSETS)/.fetched
	rm -rf _build/student-src && mkdir -p _build/student-src/notebooks _build/student-src/_build
	cp -r _config.yml _toc.yml book _build/student-src/
	cp dist/student/*.ipynb _build/student-src/notebooks/
	cp -r _build/assets _build/student-src/_build/assets
	GRADNOTES_STATIC=1 $(VENV)/bin/jupyter-book build _build/student-src -n -W --keep-going
	@echo "The solution-free edition is built: open file://$(CURDIR)/_build/student-src/_build/html/index.html"

grade: $(VENV)/.installed
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder of notebooks> [GRADES=grades.csv]"; exit 2; }
	$(PY) -m gradnotes.classroom.grade "$(SUBMISSIONS)" --out "$(GRADES)"

notebooks: $(VENV)/.installed
	$(PY) tools/execute_notebooks.py
