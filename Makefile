# PyTorch Zero to All — `make serve` to read the site, `make test` to check all of it.
# Both set up everything they need first (a .venv, KaTeX via npm ci, Chromium).

SHELL := /bin/bash
export NO_MKDOCS_2_WARNING := 1
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.setup-stamp
NODE_STAMP := node_modules/.package-lock.json
# the exact versions to install; CONSTRAINTS= installs the newest releases instead (the
# scheduled upgrade job does, then `make constraints` writes the new pins)
CONSTRAINTS ?= constraints.txt
# pytest workers: one per core; PYTEST_ARGS adds options (e.g. PYTEST_ARGS="-k linear")
WORKERS ?= auto
PYTEST_ARGS ?=

# root installs system packages directly, anyone else through sudo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup browser serve build test test-device device-bundle test-portability update-outputs format bench clean constraints durations

setup: $(PY_STAMP) $(NODE_STAMP)

## browser: the browser tests drive a system Chromium (never a downloaded one)
browser:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; then :; \
	elif command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get install -y --no-install-recommends chromium \
	    || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }; \
	else \
	  echo "The browser tests need Chromium or Chrome on PATH (chromium, chromium-browser or google-chrome)."; \
	  echo "Install it with your system's package manager, then run make test again."; exit 1; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(PY_STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -e '.[dev]'
	touch $@

## durations: after make test, store this machine's snippet times as a fresh clone's estimates
durations: setup
	$(BIN)/python -m zero_to_all.suite --record-durations

## constraints: pin what the .venv has now (after an upgrade) in constraints.txt
constraints: setup
	{ sed -n '/^#/p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable \
	  | grep -viE '^(nvidia-|cuda-|triton==|pip==|setuptools==)'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## serve: build and serve the site on http://127.0.0.1:8000 with live reload
serve: setup
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000 --livereload

## build: write the site to site/ (strict: any warning fails)
build: setup
	$(BIN)/mkdocs build --strict

LINTED := src tests snippets bench

## test: in stages (src/zero_to_all/suite.py): ruff; every page's code once, with the lint,
## harness and notebook tests; one strict build; the checks of that built site and a
## second clean build compared with it
test: setup browser
	$(BIN)/python -m zero_to_all.suite --workers $(WORKERS) $(PYTEST_ARGS)

## test-portability: every page's code and `#>` check under three CPU kernel profiles
## (this machine's best, AVX2, plain x86-64), as other machines would run it
test-portability: setup
	$(BIN)/python -m zero_to_all.portability $(PYTEST_ARGS)

## test-device: every page's code on this machine's CUDA GPU or Apple MPS device (says so and
## stops when there is none); trained numbers within the device tolerance the pages state
test-device: setup
	$(BIN)/python -m zero_to_all.device_check $(PYTEST_ARGS)

## device-bundle: what a GPU machine without a registry needs for test-device (bench/device_run.sh)
device-bundle: setup
	mkdir -p .device/wheels
	$(BIN)/python -m pip download -q --no-deps -d .device/wheels \
	  $$(grep -iE '^(pytest-codeblocks|pymdown-extensions|pytest_codeblocks)==' constraints.txt)
	tar czf .device/data.tar.gz -C "$$(dirname "$$($(BIN)/python -c 'from zero_to_all import data_dir; print(data_dir().parent)')")" \
	  "$$(basename "$$($(BIN)/python -c 'from zero_to_all import data_dir; print(data_dir().parent)')")/data"

## update-outputs: rewrite the `#>` lines of every snippet from a real run
update-outputs: setup
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup --no-loadscope-reorder tests/test_pages.py --update-outputs $(PYTEST_ARGS)

## format: format and fix what ruff can (make test only checks)
format: setup
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

## bench: measure build and test times, page weight and memory; writes bench/results.md
bench: setup browser
	$(BIN)/python bench/run.py

clean:
	rm -rf site .cache .pytest_cache
