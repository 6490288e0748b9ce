# Two commands for a new machine with Python 3.11+, pip and make:
#   make run    set up and run the whole platform on http://127.0.0.1:8000 (embedded servers)
#   make test   set up and run the whole test suite (lint included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint setup bench stress-embedded clean

run: $(STAMP)
	$(BIN)/openkrakow run

test: $(STAMP) node_modules/.installed lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check shared services tests
	$(BIN)/ruff format --check shared services tests

bench: $(STAMP)
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

# Not part of `make test`: 100 starts of the embedded servers under a churn of outgoing
# connections (README, "Embedded servers and their ports").
stress-embedded: $(STAMP)
	$(BIN)/python -m tests.bench.embedded_stress $(STRESS_ARGS)

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# axe-core (accessibility checks in browser tests) and oidc-provider (OIDC tests); skipped when
# npm is not installed, in which case those tests say why they skip (and fail under CI=true).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: browser accessibility checks and OIDC provider tests will be skipped"; fi

clean:
	rm -rf $(VENV) node_modules .openkrakow
