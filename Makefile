# Neural Networks from Scratch: one Makefile for readers, students, instructors and CI.
#   make book     set up .venv, build the HTML book, print (and if possible open) index.html
#   make test     set up .venv, then every test: nnlib, notebook checks, nbval, book build, browser
#   make execute  re-run every notebook in place (one BLAS thread), then regenerate student/ and colab/
#                 (NOTEBOOKS=chapters/NN_x.ipynb for one; test-nbval takes it too)
#   make lab      open the notebooks in JupyterLab (as students see them: no nbgrader interface)
#   make screenshots  build the book and save a full-page screenshot of every page in _build/screenshots/
#   make bench    nnlib's speed against hand-written NumPy (and PyTorch, if installed)
#   make student  student versions of the exercises in _build/student/ (ARGS="--chapter 1 3" or "--id ...")
#   make clean    remove _build/ (keeps .venv)

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
# uv (set-up, and the Colab-like stack's test) trusts the system's certificates, as pip does:
# a network that inspects TLS with its own certificate authority works for both.
export UV_NATIVE_TLS ?= 1
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml tests/browser/package-lock.json | cksum | cut -d' ' -f1)

# One BLAS thread wherever notebooks run, so that outputs reproduce bit for bit.
# The same instructions on every x86-64 machine, too: OpenBLAS picks its kernels and NumPy its
# loops by CPU (AVX-512 or AVX2), and the two give different last digits, so on any machine with
# AVX2 and FMA both are held to their AVX2 versions (a machine without them runs its own).
SAME_MATH  := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && \
                echo 'OPENBLAS_CORETYPE=Haswell NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"')
ONE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 PYDEVD_DISABLE_FILE_VALIDATION=1 $(SAME_MATH)
NOTEBOOKS  := $(sort $(wildcard chapters/*.ipynb))
EXERCISE_NBS = $(filter %_exercises.ipynb,$(NOTEBOOKS))
RESULTS    := _build/test-results
NBVAL_OPTS := --nbval --nbval-current-env --nbval-sanitize-with nbval_sanitize.cfg \
              --nbval-cell-timeout=300 -p no:cacheprovider
# JupyterLab as students get it: nbgrader's instructor interface (menu, Validate button,
# Create Assignment panel) is disabled; the nbgrader command line is unaffected.
# tests/test_lab.py starts its JupyterLab with the same page config.
# Tests run on every core (pytest-xdist); a test file, and so a notebook, stays on one worker
# (nbval runs a notebook's cells in order in one kernel).
# The slowest files go first (conftest.py's SLOWEST_FIRST); --no-loadscope-reorder keeps that order.
PARALLEL := -n auto --dist loadfile --no-loadscope-reorder
LAB_PAGE_CONFIG := {"disabledExtensions": {"@jupyter/nbgrader": true}}
LAB_CONFIG      := _build/lab-config

.PHONY: help setup book test test-unit test-nbval test-browser screenshots execute student lab bench clean

help:
	@sed -n '2,10p' Makefile | sed 's/^# *//'

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml tests/browser/package-lock.json
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)"; exit 1; }
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	@# uv (pinned in requirements.txt) installs the pinned packages: it downloads and unpacks in
	@# parallel and byte-compiles on every core. Byte-compiling matters where
	@# PYTHONDONTWRITEBYTECODE is set (as on this project's machines): nothing else would write
	@# the .pyc files, and every kernel and test process would compile matplotlib, scipy and
	@# scikit-learn again (a notebook's imports took 5.1 s instead of 1.9 s). uv does not read
	@# pip.conf: where it cannot reach the index, pip installs the same pins instead.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$$(grep -m1 '^uv==' requirements.txt)"
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -r requirements.txt || { \
	  echo "uv could not install requirements.txt (see above): pip installs it instead"; \
	  $(BIN)/python -m pip install --quiet --no-compile -r requirements.txt && \
	  { $(BIN)/python -m compileall -qq -j 0 "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" || true; }; }
	@# rfc3987-syntax (and lark, which only it needs) come with jsonschema's format-nongpl extra,
	@# which jupyter-events asks for. jsonschema imports it, when it is there, to check "iri"
	@# strings, which nothing here has, and it builds its grammar's parser on import: 1.5 s in
	@# every process that imports nbformat (each pytest worker, the book build, JupyterLab,
	@# nbgrader). Without it jsonschema leaves "iri" unchecked (it skips a format whose checker
	@# is missing).
	$(BIN)/uv pip uninstall --quiet --python $(BIN)/python rfc3987-syntax lark
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

# make test runs the unit tests and nbval in one pytest session, so that neither core waits
# for the other stage's last file (tools/test_summary.py reports the two apart), and builds
# the book meanwhile (one process, in the cores' spare time; its log follows the tests').
# The browser test comes last: run beside the others it gained nothing clear and squeezed
# the JupyterLab test's timed waits.
test: $(STAMP)
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	@echo "== the book builds in the background: $(RESULTS)/book.log"
	@{ $(BIN)/jupyter-book build . -W -n --keep-going > $(RESULTS)/book.log 2>&1; echo $$? > $(RESULTS)/book.rc; } & \
	$(ONE_THREAD) $(BIN)/python -m pytest tests -m "not browser" $(NBVAL_OPTS) $(NOTEBOOKS) \
	  -q $(PARALLEL) --junitxml=$(RESULTS)/checks.xml; checks=$$?; wait; book=$$(cat $(RESULTS)/book.rc); \
	echo "== the book build"; if [ $$book = 0 ]; then tail -n 5 $(RESULTS)/book.log; else cat $(RESULTS)/book.log; fi; \
	if [ $$book = 0 ]; then $(MAKE) --no-print-directory test-browser; browser=$$?; else browser=1; fi; \
	$(BIN)/python tools/test_summary.py $(RESULTS); summary=$$?; \
	test $$checks = 0 && test $$book = 0 && test $$browser = 0 && test $$summary = 0

# nnlib's unit tests and the checks on the notebooks' structure (no kernel needed).
test-unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not browser" -q $(PARALLEL) --junitxml=$(RESULTS)/unit.xml

# Every notebook re-executed and its outputs compared with the committed ones.
test-nbval: $(STAMP)
	$(ONE_THREAD) $(BIN)/python -m pytest $(NBVAL_OPTS) $(PARALLEL) $(NOTEBOOKS) -q --junitxml=$(RESULTS)/nbval.xml

# A lesson and an exercise notebook run in a real JupyterLab, and every page of the built book
# opened in headless Chromium, with axe-core (skipped, loudly, without Chromium). The JupyterLab
# tests (one group, one worker) are named first so that they start first: last, they ran
# alone on one core for their last 30 s (110 s instead of 126 s for the stage).
test-browser: $(STAMP)
	$(BIN)/python -m pytest tests/test_lab.py tests/test_browser.py -m browser -q -rs -n auto --dist loadgroup \
	  --junitxml=$(RESULTS)/browser.xml

# What a reader sees, page by page (make test keeps only the first screen of each page).
screenshots: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	SCREENSHOTS=full $(BIN)/python -m pytest tests/test_browser.py -m browser -q -rs -n auto -k test_page_renders
	@echo "Screenshots: $(CURDIR)/_build/screenshots/"

# Prepare the exercise notebooks (student-version links, nbgrader metadata), run every notebook
# (storing the values of the {eval} numbers in the prose), then regenerate what is derived
# from them: the exercise index, the student versions and the plain-Markdown Colab copies.
execute: $(STAMP)
	$(if $(EXERCISE_NBS),$(BIN)/python tools/student_links.py $(EXERCISE_NBS))
	$(if $(EXERCISE_NBS),$(BIN)/python tools/nbgrader_metadata.py $(EXERCISE_NBS))
	$(ONE_THREAD) $(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)
	$(BIN)/python tools/exercise_index.py
	$(BIN)/python tools/student.py --output-dir student
	$(BIN)/python tools/colab_copy.py

student: $(STAMP)
	$(BIN)/python tools/student.py $(ARGS)

lab: $(STAMP)
	@mkdir -p $(LAB_CONFIG)/labconfig
	@printf '%s\n' '$(LAB_PAGE_CONFIG)' > $(LAB_CONFIG)/labconfig/page_config.json
	JUPYTER_CONFIG_PATH="$(CURDIR)/$(LAB_CONFIG)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" $(BIN)/jupyter lab chapters/

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build
