# One command each: `make run` starts the portal with demo data, `make test` runs every test.
# Both set up their own virtual environment from scratch on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
# Two workers: the suite is CPU-bound and the machines it runs on have two cores.
PYTEST_ARGS ?= -n 2
# pytest-playwright declares session fixtures as instance methods; pytest warns about it.
PYTEST_W := -W "ignore:Session-scoped fixtures defined as instance methods:pytest.PytestRemovedIn10Warning"

.PHONY: bench lighthouse docs install run test test-sqlite test-postgres lint translations extract-messages clean

$(BIN)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed translations

# The .mo files are built, not committed. Core has two domains: its own strings (messages)
# and WTForms' built-in messages, which WTForms ships no Indonesian for (wtforms).
translations: $(BIN)/.installed
	$(BIN)/pybabel compile -d portal/translations -D "messages wtforms" 2>&1 | grep -v "^compiling" || true
	@for d in plugins/*/translations; do [ -d $$d ] && $(BIN)/pybabel compile -d $$d >/dev/null || true; done

extract-messages: $(BIN)/.installed
	$(BIN)/python tools/translations.py

run: install
	$(BIN)/portal db upgrade
	$(BIN)/portal demo
	$(BIN)/portal run --host $(HOST) --port $(PORT) --workers $(WORKERS)

# Every test on SQLite; then the same suite on PostgreSQL when PORTAL_TEST_DATABASE_URL is set.
test: install
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$PORTAL_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "PORTAL_TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi
	$(MAKE) --no-print-directory test-examples

test-sqlite:
	env -u PORTAL_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_W) $(PYTEST_ARGS)

test-postgres:
	$(BIN)/pytest $(PYTEST_W) $(PYTEST_ARGS)

# Benchmarks (issue 10): wrk against the main pages and a bare Flask floor; writes bench/RESULTS.md.
# BENCH_ARGS=--scale adds the 1,000 vs 100,000 products / 10,000 vs 1,000,000 orders comparison.
bench: install
	command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Lighthouse (mobile) on the home, a product and an order page; prints the four scores.
lighthouse: install
	$(BIN)/python bench/lighthouse.py

lint: $(BIN)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance/*.db instance/media .pytest_cache

docs: $(BIN)/.installed
	$(BIN)/portal docs build

# The external example plugin (examples/backinstock): installed with pip like any
# third party's package and tested with its own tests through portal.testing.
.PHONY: test-examples
test-examples: $(BIN)/.installed
	$(BIN)/pip install -q --no-deps -e examples/backinstock
	cd examples/backinstock && ../../$(BIN)/pytest -q $(PYTEST_W)
