# Two commands on a fresh clone with only Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint fmt bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

PORT ?= 8000

demo: $(STAMP)  ## build the small demo data set and serve it on http://127.0.0.1:$(PORT) (make demo PORT=8080)
	$(BIN)/credlens demo --scale small --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint  ## lint, type-check, then run the whole test suite
	$(BIN)/python -m pytest

bench: $(STAMP)  ## benchmarks (figures, not assertions)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/metrics.py
	$(BIN)/python bench/privacy.py
	$(BIN)/python bench/dashboards.py
	$(BIN)/python bench/pageload.py
	$(BIN)/python bench/reports.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache

fmt: $(STAMP)  ## format and autofix
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench
