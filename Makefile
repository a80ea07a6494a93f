# Two commands set everything up on a fresh machine: `make run` and `make test`.
# Only python3, git and make are needed; everything else is installed into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: run test test-fast chromium typecheck lint format bench venv venv-dev venv-embedded migrate lock clean

$(BIN)/python:
	@echo ">>> creating virtualenv $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

# Each role installs from its hashed lock (requirements*.txt, written by `make lock` from the .in files);
# every lock holds the roles below it, with the same versions.
PIP_LOCKED := $(PY) -m pip install --quiet --require-hashes

$(VENV)/.requirements.stamp: requirements.txt | $(BIN)/python
	@echo ">>> installing requirements.txt"
	$(PIP_LOCKED) -r requirements.txt
	@touch $@

$(VENV)/.requirements-embedded.stamp: requirements.txt requirements-embedded.txt localkube/pyproject.toml | $(BIN)/python
	@echo ">>> installing requirements-embedded.txt"
	$(PIP_LOCKED) -r requirements-embedded.txt
	$(PY) -m pip install --quiet --no-deps -e ./localkube
	@touch $@ $(VENV)/.requirements.stamp

$(VENV)/.requirements-dev.stamp: requirements.txt requirements-embedded.txt requirements-dev.txt localkube/pyproject.toml | $(BIN)/python
	@echo ">>> installing requirements-dev.txt"
	$(PIP_LOCKED) -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e ./localkube
	@touch $@ $(VENV)/.requirements.stamp $(VENV)/.requirements-embedded.stamp

venv: $(VENV)/.requirements.stamp
venv-dev: $(VENV)/.requirements-dev.stamp
venv-embedded: $(VENV)/.requirements-embedded.stamp

migrate: venv
	@echo ">>> applying database migrations"
	$(PY) manage.py migrate --noinput

## run: the embedded platform (Redis + localkube + API + watcher + worker + beat, supervised) on SQLite.
## Ports: make run API_HOST=127.0.0.1 PORT=8000 KUBE_PORT=6443 REDIS_PORT=6380
API_HOST ?= 127.0.0.1
PORT ?= 8000
KUBE_PORT ?= 6443
REDIS_PORT ?= 6380
run: migrate $(VENV)/.requirements-embedded.stamp
	@echo ">>> starting the embedded stack (Ctrl-C stops everything)"
	$(PY) manage.py run_embedded --host $(API_HOST) --port $(PORT) --localkube-port $(KUBE_PORT) --redis-port $(REDIS_PORT)

# The suite runs in parallel under pytest-xdist, one worker per core of a 2-core machine; each test
# module stays on one worker (loadfile), so a module-scoped stack is started once. Files are handed
# out in the order tests/scheduling.py gives them (long e2e/slow files first), not re-sorted by xdist.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder
# Without a bytecode cache every run recompiles the project and re-rewrites the asserts of every test
# module, in each xdist worker and each Python process a test starts (seconds each): keep the cache,
# under the venv so the tree stays clean, even when the shell sets PYTHONDONTWRITEBYTECODE.
PYTEST := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(abspath $(VENV))/pycache $(BIN)/pytest
# test-fast does not even import what it would deselect: tests/e2e (every test there is marked e2e
# by its conftest), tests/browser (marked slow; its conftest imports Playwright, ~0.3 s in each
# worker) and the schema fuzz (marked slow), nor load the plugins only the fuzz needs.
FAST_SELECTION := -m "not e2e and not slow" --ignore=tests/e2e --ignore=tests/browser --ignore=tests/api/test_schemathesis.py \
	-p no:schemathesis -p no:hypothesispytest

## chromium: Debian's Chromium for the browser tests (tests/browser), installed with apt-get when
## missing and we are root; otherwise those tests skip and say how to install it.
chromium:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromium-headless-shell ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo ">>> installing Debian's chromium and its headless shell for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-headless-shell; \
	else echo ">>> chromium is missing and we are not root: browser tests will be skipped (sudo apt-get install chromium)"; fi

## test: lint and types, then the whole suite in parallel (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set).
## PYTEST_WORKERS=1 runs it on one worker.
test: venv-dev chromium
	@echo ">>> ruff check"
	$(BIN)/ruff check .
	@echo ">>> ruff format --check"
	$(BIN)/ruff format --check .
	@echo ">>> mypy"
	$(BIN)/mypy
	@echo ">>> makemigrations --check"
	DJANGO_SETTINGS_MODULE=ambient.settings.test $(PY) manage.py makemigrations --check --dry-run
	@echo ">>> pytest"
	$(PYTEST) $(PYTEST_PARALLEL)

## test-fast: the suite without the e2e and slow tests (no worker/watcher processes), in parallel.
test-fast: venv-dev
	$(PYTEST) $(PYTEST_PARALLEL) $(FAST_SELECTION)

## typecheck: mypy with the Django and DRF plugins over the packages, tests and bench (see [tool.mypy]).
typecheck: venv-dev
	$(BIN)/mypy

lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: every script in bench/, each printing a table and a final JSON line.
bench: venv-dev
	@set -e; for script in bench/*.py; do echo ">>> $$script"; $(PY) $$script; done

## lock: rewrite the hashed locks from requirements*.in (keeps current pins; add a package to a .in first).
LOCK := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-emit-package localkube
lock: venv-dev
	$(LOCK) requirements.in -o requirements.txt
	$(LOCK) requirements-embedded.in -o requirements-embedded.txt
	$(LOCK) requirements-dev.in -o requirements-dev.txt

clean:
	rm -rf $(VENV) .ambient .pytest_cache .ruff_cache .mypy_cache
