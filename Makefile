# Quantitative Big Imaging course book.  Two commands on a fresh machine:
#   make book   set up everything, execute every notebook, write the site to _build/html
#   make test   set up everything and run the whole test suite
# Each setup step is skipped when it is already done (stamp files).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export PYTHONHASHSEED := 0

.PHONY: book test bench setup system vendor exercises slides mutations watch bigdata clean clean-all help

help:
	@echo "make book   - install what is missing, execute all notebooks, build the site into _build/html"
	@echo "make test   - install what is missing, build, and run the test suite"
	@echo "make bench  - time a cold and a no-change build and every notebook (time, peak memory)"
	@echo "make bigdata - run week 11's pipeline at full size on a local dask cluster"
	@echo "make watch  - rebuild the page and deck of a lecture whenever it is saved"
	@echo "make mutations - plant known bugs in a copy of the course and check the tests catch them"
	@echo "make clean  - remove the built site and the execution cache (keeps .venv and data)"

setup: $(VENV)/.installed system vendor

# Python environment from the pinned requirements (re-run only when they change).
$(VENV)/.installed: requirements.txt pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
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

# The tests need the built site (and its execution cache): build first, then run the unit,
# site and slide tests and nbval on every notebook, two pytest workers at a time.
test: setup
	@bash tools/system.sh chromium
	$(PY) -m qbi exercises --check
	$(PY) tools/build.py
	$(PY) -m pytest -p no:cacheprovider -n 2 --dist loadfile tests --nbval-lax lectures exercises solutions

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
