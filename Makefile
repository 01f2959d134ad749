# Neural Networks from Scratch: one Makefile for readers, students, instructors and CI.
#   make book     set up .venv, build the HTML book, print (and if possible open) index.html
#   make test     set up .venv, then every test: nnlib, notebook checks, nbval, book build, browser
#   make execute  re-run every notebook in place (one BLAS thread), saving outputs and widget state
#   make lab      open the notebooks in JupyterLab
#   make bench    nnlib's speed against hand-written NumPy (and PyTorch, if installed)
#   make student  student versions of the exercises in _build/student/ (ARGS="--chapter 1 3" or "--id ...")
#   make clean    remove _build/ (keeps .venv)

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml tests/browser/package-lock.json | cksum | cut -d' ' -f1)

# One BLAS thread wherever notebooks run, so that outputs reproduce bit for bit.
ONE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 PYDEVD_DISABLE_FILE_VALIDATION=1
NOTEBOOKS  := $(sort $(wildcard chapters/*.ipynb))
RESULTS    := _build/test-results
NBVAL_OPTS := --nbval --nbval-current-env --nbval-sanitize-with nbval_sanitize.cfg \
              --nbval-cell-timeout=300 -p no:cacheprovider

.PHONY: help setup book test test-unit test-nbval test-browser execute student lab bench clean

help:
	@sed -n '2,9p' Makefile | sed 's/^# *//'

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml tests/browser/package-lock.json
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)"; exit 1; }
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@# axe-core for the accessibility checks of the browser tests (from the npm registry, at set-up only)
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/browser --silent --no-audit --no-fund; \
	  else echo "npm not found: the accessibility checks of the browser tests will be skipped"; fi
	rm -f $(VENV)/.installed-*
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo
	@echo "The book is at: file://$(CURDIR)/_build/html/index.html"
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
	  $(BIN)/python -m webbrowser -t "file://$(CURDIR)/_build/html/index.html" >/dev/null 2>&1 || true; fi

test: $(STAMP)
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	$(MAKE) --no-print-directory test-unit test-nbval
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(MAKE) --no-print-directory test-browser
	@$(BIN)/python tools/test_summary.py $(RESULTS)

# nnlib's unit tests and the checks on the notebooks' structure (no kernel needed).
test-unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not browser" -q --junitxml=$(RESULTS)/unit.xml

# Every notebook re-executed and its outputs compared with the committed ones.
test-nbval: $(STAMP)
	$(ONE_THREAD) $(BIN)/python -m pytest $(NBVAL_OPTS) $(NOTEBOOKS) -q --junitxml=$(RESULTS)/nbval.xml

# Every page of the built book opened in headless Chromium (skipped, loudly, without it).
test-browser: $(STAMP)
	$(BIN)/python -m pytest tests/test_browser.py -m browser -q -rs --junitxml=$(RESULTS)/browser.xml

# Prepare the exercise notebooks (student-version links, nbgrader metadata), run every notebook,
# then regenerate what is derived from them: the exercise index and the student versions.
execute: $(STAMP)
	$(BIN)/python tools/student_links.py $(filter %_exercises.ipynb,$(NOTEBOOKS))
	$(BIN)/python tools/nbgrader_metadata.py $(filter %_exercises.ipynb,$(NOTEBOOKS))
	$(ONE_THREAD) $(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)
	$(BIN)/python tools/exercise_index.py
	$(BIN)/python tools/student.py --output-dir student

student: $(STAMP)
	$(BIN)/python tools/student.py $(ARGS)

lab: $(STAMP)
	$(BIN)/jupyter lab chapters/

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build
