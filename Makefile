# coopnode — the two everyday commands are `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
COOPNODE_ADMIN_EMAIL ?= admin@example.org

.PHONY: run test install install-test lint format typecheck bench clean demo

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "coopnode needs Python >= 3.11 (set PYTHON=python3.x)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Set up and run the node on the embedded SQLite database under ./var/.
run: install
	$(BIN)/coopnode init --if-missing
	$(BIN)/coopnode migrate
	$(BIN)/coopnode create-admin --if-none --email "$(COOPNODE_ADMIN_EMAIL)"
	$(BIN)/coopnode serve

## Three nodes (BE, FR, DE) on 127.0.0.1 under ./var/demo (emptied first): peering, a posting,
## a hosting, a value chain, settlement; one reconciliation line per pair (README "Demo").
demo: install
	$(BIN)/python -m scripts.demo

## Set up and run the whole test suite (database tests also on PostgreSQL when
## COOPNODE_TEST_DATABASE_URL is set).
test: install-test
	@scripts/install-browser || echo "make test: Chromium missing and not installable here; browser tests will be skipped"
	$(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check node federation plugins schemas tests benchmarks scripts
	$(BIN)/ruff format --check node federation plugins schemas tests benchmarks scripts

format: install-test
	$(BIN)/ruff format node federation plugins schemas tests benchmarks scripts
	$(BIN)/ruff check --fix node federation plugins schemas tests benchmarks scripts

typecheck: install-test
	$(BIN)/mypy

## Benchmarks print their figures beside a baseline measured in the same run
## (PostgreSQL too with COOPNODE_BENCH_DATABASE_URL).
bench: install-test
	$(BIN)/python benchmarks/ledger_posting.py
	$(BIN)/python benchmarks/payroll_run.py
	$(BIN)/python benchmarks/payslips.py
	$(BIN)/python benchmarks/federation_delivery.py

## Regenerate the French reference payslips (tests/plugins/fr/refdata/urssaf_2026.json) from
## URSSAF's rules, npm modele-social evaluated with publicodes. Needs node and npm; `make test`
## does not (it reads the committed fixture). See scripts/refdata/fr/README.md.
REFDATA_FR := scripts/refdata/fr
.PHONY: refdata
refdata:
	cd $(REFDATA_FR) && npm ci --no-audit --no-fund && node generate.mjs --out $(CURDIR)/tests/plugins/fr/refdata/urssaf_2026.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
