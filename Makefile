# atmp: `make demo` and `make test` are all a new machine needs (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HASH := $(shell cat pyproject.toml | sha256sum | cut -c1-12)
# Two installs, each with its own stamp: `make demo` needs the runtime dependencies only (pip
# install -e .); `make test`, lint, bench and soak add the test and dev extras (pytest, Playwright,
# schemathesis, ruff, mypy: most of the download).
RUNTIME_STAMP := $(VENV)/.installed-runtime-$(HASH)
STAMP := $(VENV)/.installed-test-$(HASH)

.PHONY: demo test lint bench soak install install-test clean-state help

help:
	@echo "make demo   install (runtime dependencies only), migrate var/atmp.sqlite3, load the demo, serve http://127.0.0.1:8000"
	@echo "make test   install with test dependencies and run every test (SQLite, PostgreSQL, browser)"
	@echo "make lint   ruff, mypy on the domain code, makemigrations --check"
	@echo "make bench  run the benchmarks in bench/ (ledger, statistics, uploads, PDF printing, workflow, QMS reads, trace import, EM import, batch execution, QC lab results and specification history) with their baselines"
	@echo "make soak   the long runs: 1,000 kill -9 per database, the API fuzzed with 50 examples per operation and role, 200 random walks per workflow (not part of make test)"

$(RUNTIME_STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "atmp needs Python 3.11+: install python3 (and python3-venv)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@rm -f $(VENV)/.installed-runtime-*
	@touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	@rm -f $(VENV)/.installed-test-*
	@touch $(STAMP)

install: $(RUNTIME_STAMP)

install-test: $(STAMP)

demo: $(RUNTIME_STAMP)
	@$(BIN)/python -c "import weasyprint" >/dev/null 2>&1 || echo "note: record PDFs need the system's Pango: apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 (README, Printing); everything else works without it"
	$(BIN)/atmp init
	$(BIN)/atmp demo
	$(BIN)/atmp serve

test: $(STAMP)
	@bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests contrib bench conftest.py
	$(BIN)/mypy src/atmp/ledger/merkle.py src/atmp/ledger/note.py src/atmp/ledger/canonical.py --strict
	$(BIN)/mypy src/atmp/stats --strict --exclude "stats/tests"
	$(BIN)/mypy src/atmp/trace/identifiers src/atmp/trace/units.py src/atmp/trace/coi.py src/atmp/trace/bank_panel.py --strict
	$(BIN)/mypy src/atmp/environment/limits.py src/atmp/environment/trending.py src/atmp/environment/charts.py src/atmp/manufacturing/due.py src/atmp/manufacturing/units.py src/atmp/manufacturing/opcua.py src/atmp/lab/criteria.py src/atmp/lab/units.py src/atmp/lab/charts.py --strict
	$(BIN)/mypy src/atmp/ledger src/atmp/accounts src/atmp/files src/atmp/printing src/atmp/workflow src/atmp/quality src/atmp/trace src/atmp/environment src/atmp/manufacturing src/atmp/lab
	ATMP_HOME=$$(mktemp -d) DJANGO_SETTINGS_MODULE=atmp.settings $(BIN)/python -m django makemigrations --check --dry-run

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/stats.py
	$(BIN)/python bench/upload_memory.py
	$(BIN)/python bench/print_pdf.py
	$(BIN)/python bench/workflow.py
	$(BIN)/python bench/qms.py
	$(BIN)/python bench/trace_import.py
	$(BIN)/python bench/environment.py
	$(BIN)/python bench/ebr.py
	$(BIN)/python bench/lab.py

soak: $(STAMP)
	ATMP_SOAK=1 $(BIN)/python -m pytest tests/test_crash_recovery.py tests/test_concurrent_writers.py -q -s -m slow
	ATMP_FUZZ_EXAMPLES=50 HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest tests/test_api_fuzz.py -q
	ATMP_WALK_EXAMPLES=200 HYPOTHESIS_PROFILE=ci $(BIN)/python -m pytest src/atmp/workflow/tests/test_random_walk.py -q

clean-state:
	rm -rf var
