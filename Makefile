# gigbranch — the two commands: `make run` (demo county on SQLite) and `make test` (whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
ASSET_STAMP := build/vendor/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint format bench install assets system-deps clean audit fault

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "需要 Python 3.11 或更高版本"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(PY_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(ASSET_STAMP): $(NODE_STAMP) tools/vendor_assets.py
	$(BIN)/python tools/vendor_assets.py
	touch $@

install: $(PY_STAMP) $(ASSET_STAMP)

assets: $(ASSET_STAMP)

# Debian packages the browser tests need (Chromium and a CJK font); installed when missing.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "WenQuanYi"; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	fi

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py compile_catalogs
	$(BIN)/python manage.py seed_demo --if-empty
	HOST=$(HOST) PORT=$(PORT) BIN=$(BIN) bash tools/run_dev.sh

test: install system-deps
	$(BIN)/python manage.py compile_catalogs
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: install
	$(BIN)/pytest -m "not browser" -x -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy gigbranch config
	$(BIN)/lint-imports --no-cache
	$(BIN)/djlint gigbranch/templates --lint
	$(BIN)/python tools/module_sizes.py
	GIGBRANCH_PROFILE=test $(BIN)/python manage.py makemigrations --check --dry-run
	@if [ "$(AUDIT_LATER)" != 1 ]; then $(MAKE) --no-print-directory audit; fi

# Known vulnerabilities in constraints.txt and the served npm packages (ADR 0048): exit 1 on
# one not in tools/advisory_allowlist.toml, exit 2 when an advisory service does not answer.
audit: install
	$(BIN)/python tools/supply_chain.py

# Fault tests (ADR 0048): a worker killed mid-import, PostgreSQL restarted mid-intake.
# Need PostgreSQL (DATABASE_URL) and Debian's PostgreSQL binaries; not part of `make test`.
fault: install
	FAULT_TESTS=1 $(BIN)/pytest -m fault -n 0 -p no:randomly -q

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules build
