# dqaudit developer commands. Each target sets up .venv itself, so a fresh
# machine with only Python 3.11+ and make can run `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# make test runs the tests in this many processes (pytest-xdist); 1 to run them in order
TEST_PROCESSES ?= 2
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint format bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "dqaudit needs Python 3.11 or newer; set PYTHON=python3.11 (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -e '.[test]'
	@touch $@

demo: $(VENV)/.installed
	rm -rf demo-output  # the demo dates its history in the past: start from a fresh folder
	$(BIN)/dqaudit demo --out demo-output

test: $(VENV)/.installed-test
	$(BIN)/ruff check dqaudit tests sample_data bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadgroup

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run.py
	$(BIN)/python bench/pushdown_pg.py
	$(BIN)/python bench/derivation_pushdown.py
	$(BIN)/python bench/store_writes.py
	$(BIN)/python bench/plans_export.py
	$(BIN)/python bench/spark_backend.py
	$(BIN)/python bench/rules_overhead.py
	$(BIN)/python bench/batch_jobs.py

clean:
	rm -rf $(VENV) demo-output bench-data .pytest_cache .ruff_cache
