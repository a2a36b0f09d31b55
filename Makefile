# Two commands for a fresh machine with Python 3.11+ and make:
#   make run   - start the service with demo data (embedded PostgreSQL unless DATABASE_URL is set)
#   make test  - run the whole test suite (plus ruff and mypy)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/allot serve --demo

lint: $(STAMP)
	$(BIN)/ruff check api schema solver db tests bench
	$(BIN)/ruff format --check api schema solver db tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
