# gradnotes: every target sets itself up (a .venv with pinned packages) first.
#   make book   build the book into _build/html (fetches its JavaScript with npm once)
#   make test   run every test (unit, property, doctests, notebooks, the browser engine in Node, then the book in a real browser)
#   make lab    open the notebooks in JupyterLab
#   make bench  run the benchmarks and print the tables
#   make install-cells  write or update each notebook's first cell, which installs gradnotes when missing
# For teachers:
#   make student                 student notebooks (no solutions) in dist/student/
#   make answer-key              answer key and rubric for the teacher in dist/teacher/ (in neither book)
#   make nbgrader                the chapters as an nbgrader course in dist/nbgrader/ (nbgrader in _build/)
#   make book-student            the solution-free edition of the book
#   make grade SUBMISSIONS=dir   grade submitted notebooks, each in a sandbox, into grades/ (GRADES=folder,
#                                JOBS=2 in parallel, TIMEOUT=s per notebook, CELL_TIMEOUT=s per cell,
#                                CLASS_LIST=file of student names, QUICK=1 skips the chapters' experiment cells);
#                                a rerun resumes
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
DOWNLOADS := _build/downloads

GRADES ?= grades
JOBS ?= 1
TIMEOUT ?= 600
CELL_TIMEOUT ?= 60
CLASS_LIST ?=
QUICK ?=

.PHONY: book downloads install-cells test test-browser chromium lab bench setup clean student book-student grade notebooks

$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "gradnotes needs Python 3.11 or newer"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt setuptools
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

# The wheel of gradnotes and the archive of all notebooks (with that wheel) that the book ships.
downloads: $(VENV)/.installed
	$(PY) tools/downloads.py --notebooks notebooks --out $(DOWNLOADS)

# Insert or update every notebook's first cell, which installs gradnotes when it is missing.
install-cells: $(VENV)/.installed
	$(PY) tools/install_cell.py $(NOTEBOOKS)

# GRADNOTES_STATIC=1: the notebooks' explorers become precomputed, kernel-free ones.
book: $(VENV)/.installed $(ASSETS)/.fetched downloads
	GRADNOTES_STATIC=1 $(VENV)/bin/jupyter-book build . -n -W --keep-going
	@echo "The book is built: open file://$(CURDIR)/_build/html/index.html"

test: setup
	$(PY) -m pytest tests --ignore=tests/browser
	$(PY) -m pytest --doctest-modules gradnotes -q
	$(if $(NOTEBOOKS),$(PY) -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg $(NOTEBOOKS) -q)
	$(MAKE) --no-print-directory test-js
	$(MAKE) --no-print-directory test-browser

# Real-browser tests: the live notebook in JupyterLab and Notebook 7, then every page of the built book.
test-browser: book chromium
	$(PY) -m pytest tests/browser -q

# The browser engine (book/engine/) against the Python engine: float64 fixtures written by
# tools/engine_fixtures.py (redone when gradnotes or the script changes), then Node's test runner.
ENGINE_FIXTURES := _build/engine-fixtures
.PHONY: test-js
$(ENGINE_FIXTURES)/.written: tools/engine_fixtures.py $(wildcard gradnotes/*.py gradnotes/*/*.py) | $(VENV)/.installed
	$(PY) tools/engine_fixtures.py $(ENGINE_FIXTURES)
	touch $@

test-js: $(ENGINE_FIXTURES)/.written
	@command -v node >/dev/null || { echo "test-js needs Node.js 20 or newer (node is not on PATH)"; exit 1; }
	GRADNOTES_ENGINE_FIXTURES=$(ENGINE_FIXTURES) node --test tests/js

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

.PHONY: answer-key
answer-key: $(VENV)/.installed
	$(PY) -m gradnotes.classroom.answer_key notebooks dist/teacher/answer_key.md

# nbgrader (pinned in requirements-nbgrader.txt) in _build/nbgrader-venv, layered on .venv; the course in dist/nbgrader.
.PHONY: nbgrader
nbgrader: $(VENV)/.installed
	$(PY) -m gradnotes.classroom.nbgrader notebooks dist/nbgrader _build/nbgrader-venv

# The same book built from dist/student: exercises without solutions (checks say "not attempted yet").
book-student: student $(ASSETS)/.fetched
	rm -rf _build/student-src && mkdir -p _build/student-src/notebooks _build/student-src/_build
	cp -r _toc.yml book _build/student-src/
	$(PY) tools/student_config.py _config.yml _build/student-src/_config.yml
	cp dist/student/*.ipynb _build/student-src/notebooks/
	cp -r _build/assets _build/student-src/_build/assets
	$(PY) tools/downloads.py --notebooks dist/student --edition student --out _build/student-src/$(DOWNLOADS)
	GRADNOTES_STATIC=1 $(VENV)/bin/jupyter-book build _build/student-src -n -W --keep-going
	@echo "The solution-free edition is built: open file://$(CURDIR)/_build/student-src/_build/html/index.html"

grade: $(VENV)/.installed
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=<folder of notebooks> [GRADES=grades] [JOBS=2]" \
		"[TIMEOUT=600] [CELL_TIMEOUT=60] [CLASS_LIST=students.txt] [QUICK=1]"; exit 2; }
	$(PY) -m gradnotes.classroom.grade "$(SUBMISSIONS)" --out "$(GRADES)" --jobs "$(JOBS)" --timeout "$(TIMEOUT)" \
		--cell-timeout "$(CELL_TIMEOUT)" $(if $(CLASS_LIST),--class-list "$(CLASS_LIST)") $(if $(QUICK),--skip-experiments)

notebooks: $(VENV)/.installed
	$(PY) tools/execute_notebooks.py
