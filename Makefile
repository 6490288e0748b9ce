# Two commands for a new machine with Python 3.11+, pip and make:
#   make run    set up and run the whole platform on http://127.0.0.1:8000 (embedded servers)
#   make test   set up and run the whole test suite (lint included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint setup bench mutation clean

run: $(STAMP)
	$(BIN)/openkrakow run

test: $(STAMP) node_modules/.installed lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check shared services tests
	$(BIN)/ruff format --check shared services tests

bench: $(STAMP)
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

# Mutation testing (a report like the benchmark, not part of `make test`): killed share per module.
# MUTATION_ARGS="domain kit --survivors"; see tests/mutation.py and docs/mutation.md.
mutation: $(STAMP)
	$(BIN)/python -m tests.mutation $(MUTATION_ARGS)

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# axe-core (accessibility checks in browser tests); skipped when npm is not installed,
# in which case the browser tests say why they skip.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: browser accessibility checks will be skipped"; fi

clean:
	rm -rf $(VENV) node_modules .openkrakow .mutation
