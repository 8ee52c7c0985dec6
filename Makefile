# Finds a Python >= 3.12 (python3 here is 3.11; Mesa 3.5 needs 3.12+).
PYTHON ?= $(shell for p in python3.13 python3.12 /root/.pyenv/versions/3.13*/bin/python3.13 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/bin/python3.13 /usr/bin/python3.12 python3; do \
	  $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install browser demo test check lint format bench clean

$(BIN)/omo: pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no Python >= 3.12 found (tried python3.13, python3.12, pyenv versions)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	@touch $@

install: $(BIN)/omo

# Debian's chromium for the report's browser test (Playwright drives it; its own browser
# download is not needed). Installs as root when missing; otherwise says the test will skip.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "note: no chromium and not root: tests/present/test_report_browser.py will skip"; fi; }

demo: install
	$(BIN)/omo run configs/baseline.yaml --out runs/demo --force
	$(BIN)/omo kpis runs/demo

# Two worker processes (pytest-xdist), one test file at a time each, so a file's module
# fixtures run once; the slowest files start first (tests/conftest.py SLOWEST_FILES).
# --durations=30: every CI log shows where the suite's time goes.
test: install browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=30

# The inner loop: lint and the fast unit tests (engine processes, log, KPIs, architecture).
check: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests/engine/processes tests/measure tests/log tests/test_architecture.py tests/engine/test_streams.py -m "not slow"

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: install
	$(BIN)/python benchmarks/bench_baseline.py   # writes runs/bench/results.json (untracked)

clean:
	rm -rf $(VENV) runs .pytest_cache
