# Pizza Platform. Two commands matter: `make demo` (the platform end to end) and `make test`.
.DEFAULT_GOAL := help
SHELL := /bin/bash
UV := uv run --frozen

help:  ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup:  ## install system packages, uv and the Python environment (idempotent)
	@bash scripts/setup.sh

lint: setup  ## ruff, mypy, import-linter
	$(UV) ruff check .
	$(UV) ruff format --check .
	$(UV) mypy
	$(UV) lint-imports

test: lint  ## lint, then the whole test suite against a real local stack
	$(UV) pytest

test-fast: lint  ## like `make test` without tests marked slow
	$(UV) pytest -m "not slow"

demo: setup  ## run the whole platform end to end on demo data and leave it running
	$(UV) pizza demo

bench: setup  ## every benchmark on private stacks (never the running platform); one JSON in .pizza-bench/results/
	$(UV) python bench/suite.py

down:  ## stop the local stack
	$(UV) pizza stack down

.PHONY: help setup lint test test-fast demo bench down
