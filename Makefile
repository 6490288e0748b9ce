# Two commands for a new machine with Python 3.11+, pip and make:
#   make run    set up and run the whole platform on http://127.0.0.1:8000 (embedded servers)
#   make test   set up and run the whole test suite (lint included)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint setup bench stress-embedded mutation clean

run: $(STAMP)
	$(BIN)/openkrakow run

# The suite runs in parallel processes, each with its own embedded servers and platform (most of
# a test's time is waiting on servers, jobs and the browser, not CPU); a test file stays on one
# process, in the order of collection (the long tests first: tests/conftest.py). TEST_WORKERS=0
# runs it in this one process.
TEST_WORKERS ?= 4
test: $(STAMP) node_modules/.installed lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check shared services tests
	$(BIN)/ruff format --check shared services tests

bench: $(STAMP)
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

# Not part of `make test`: 100 starts of the embedded servers under a churn of outgoing
# connections (README, "Embedded servers and their ports").
stress-embedded: $(STAMP)
	$(BIN)/python -m tests.bench.embedded_stress $(STRESS_ARGS)

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

# axe-core (accessibility checks in browser tests) and oidc-provider (OIDC tests). Without npm a
# developer's run goes on (those tests say which checks they could not make); under CI=true it is
# an error.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	elif [ -n "$$CI" ] && [ "$$CI" != "false" ] && [ "$$CI" != "0" ]; then \
	echo "npm not found: CI needs it for axe-core and oidc-provider (install Node.js and npm; .ci/run does)" >&2; exit 1; \
	else echo "npm not found: browser accessibility checks and OIDC provider tests will not be made"; fi

clean:
	rm -rf $(VENV) node_modules .openkrakow .mutation
