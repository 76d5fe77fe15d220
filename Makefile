# Quantitative Big Imaging course book.  Two commands on a fresh machine:
#   make book   set up everything, execute every notebook, write the site to _build/html
#   make test   set up everything and run the whole test suite
# Each setup step is skipped when it is already done (stamp files).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONHASHSEED := 0

.PHONY: book test nbval bench setup system vendor exercises slides mutations watch bigdata clean clean-all help

help:
	@echo "make book   - install what is missing, execute all notebooks, build the site into _build/html"
	@echo "make test   - install what is missing, build, and run the test suite"
	@echo "make nbval  - execute every notebook again under pytest's nbval (the build already runs them)"
	@echo "make bench  - time a cold, a no-change and two edit rebuilds, the 2-at-a-time speed-up, grading, every notebook"
	@echo "make bigdata - run week 11's pipeline at full size on a local dask cluster"
	@echo "make watch  - rebuild the page and deck of a lecture whenever it is saved"
	@echo "make mutations - plant known bugs in a copy of the course and check the tests catch them"
	@echo "make clean  - remove the built site and the execution cache (keeps .venv and data)"

setup: $(VENV)/.installed system vendor

# Python environment from the pinned requirements (re-run only when they change).  uv (from
# PyPI, pinned here) installs the same requirements.txt as pip, several times faster; when uv
# cannot be installed or fails, pip does it.  Students use pip (book/setup.md).  Both compile the
# bytecode at install time (uv only when asked): where PYTHONDONTWRITEBYTECODE is set (it is here),
# nothing else would, and every kernel, worker and build step would compile its imports again
# (3.0 s instead of 1.1 s to import the build's libraries, measured).
UV_VERSION := 0.13.8
$(VENV)/.installed: requirements.txt pyproject.toml
	@test -x $(PY) || { echo "setup: creating $(VENV) with $$(python3 --version)"; python3 -m venv $(VENV); }
	@start=$$(date +%s); \
	if $(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
	   && UV_NATIVE_TLS=1 $(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.txt; then \
	  echo "setup: requirements.txt installed into $(VENV) with uv $(UV_VERSION) in $$(( $$(date +%s) - start )) s"; \
	else \
	  echo "setup: uv unavailable, installing requirements.txt with pip (a few minutes)"; \
	  $(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt || exit 1; \
	  echo "setup: requirements.txt installed into $(VENV) with pip in $$(( $$(date +%s) - start )) s"; \
	fi
	@touch $@

# System programs: graphviz's `dot` (pydot, dask .visualize) and, for the browser tests,
# Debian's chromium.  Installed with apt-get when missing and we are root.
system:
	@bash tools/system.sh dot

# MathJax, reveal.js, require.js, jQuery from npm into _vendor/ (served by the site).
vendor:
	@bash tools/vendor.sh

book: setup
	@bash tools/system.sh chromium
	$(PY) tools/build.py

exercises: $(VENV)/.installed
	$(PY) -m qbi exercises

# The tests need the built site (and its execution cache): build first (a no-change build
# re-runs nothing), then the unit, site and slide tests, two pytest workers at a time, each with
# one BLAS/OpenMP thread (two workers on two cores).  Every notebook's execution is the build's
# (errors fail it); tests/test_notebooks.py checks that each notebook as it is now has a
# successful run in the cache.  `make nbval` re-executes them all under nbval as well.
# Slow checks (grading every week with qbi and otter, axe, browser walks, small-book builds,
# clusters) are cached under _build/test-cache/ by the hash of their inputs: on a built tree
# only what changed runs again ("c" / "N cached"); QBI_TEST_CACHE=0 runs them all.  The
# slowest tests are listed at the end.
THREADS := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
test: setup
	@bash tools/system.sh chromium
	$(PY) -m qbi exercises --check
	$(PY) tools/build.py
	$(THREADS) $(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile --durations=10 --durations-min=3 tests

nbval: setup
	$(THREADS) $(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile --nbval-lax lectures exercises solutions

slides: setup
	$(PY) -m qbi slides

bench: setup
	$(PY) tools/bench.py

# Week 11's pipeline at full size on a local dask cluster (out of the book: several minutes):
# volume size, per-worker memory limit, peak worker memory, 1- and 2-worker times.
bigdata: setup
	$(PY) tools/bigdata_full.py

# For authors: rebuild the page and the deck of whatever lecture is saved (Ctrl+C stops).
watch: setup
	$(PY) tools/watch.py

# Mutation audit: plant plausible bugs in a throwaway copy and show that the tests catch each one.
mutations: setup
	$(PY) tools/mutations.py

clean:
	rm -rf _build

clean-all: clean
	rm -rf $(VENV) _vendor node_modules data/*.npz data/*.sha256
