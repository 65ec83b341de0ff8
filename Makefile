# Pioneer Index pipeline. `make run` then `make test` on a fresh clone; see README.md.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.8
LANDING ?= data/landing
HOME_DIR ?= data/state
LINT_HOME := $(CURDIR)/dbt_project/target/lint_home

.PHONY: install run test lint lock clean docs airflow bench

install: $(STAMP)  ## create .venv from the lock file (quick no-op when nothing changed)

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install -q --python $(PY) -r requirements.lock
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	touch $(STAMP)

lock:  ## re-resolve requirements.lock after changing pyproject.toml
	$(VENV)/bin/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

run: install  ## generate the demo organisation (once) and run the nightly job on it
	test -f $(LANDING)/.generated || { $(VENV)/bin/pioneer demo-data --out $(LANDING) --seed 1 --pilot 3 && touch $(LANDING)/.generated; }
	PIONEER_RULES_FILE=$${PIONEER_RULES_FILE:-$(LANDING)/pilot_rules.csv} $(VENV)/bin/pioneer run --sources $(LANDING) --home $(HOME_DIR)
	$(VENV)/bin/pioneer report --home $(HOME_DIR)
	@echo "warehouse: $(HOME_DIR)/warehouse.duckdb (schema marts; open read-only: pioneer sql --home $(HOME_DIR))"
	@echo "exports:   $(HOME_DIR)/exports/hr/"
	@echo "status:    $(VENV)/bin/pioneer status --home $(HOME_DIR)"

test: install  ## the whole test suite (installs Debian's chromium for the report's browser test)
	scripts/install_chromium.sh || echo "chromium unavailable: the browser test will skip"
	$(VENV)/bin/pytest -q -n 2 --dist loadscope  # two workers; a module's tests share one worker (its fixtures run once)

docs: install  ## dbt docs (models, columns, lineage) and GX Data Docs, served on 127.0.0.1 (a free port; DOCS_PORT=N to fix it)
	$(VENV)/bin/pioneer docs --home $(HOME_DIR) --serve --port $${DOCS_PORT:-0}

lint: install  ## ruff, the layers of the import graph (import-linter, pyproject.toml), sqlfluff over dbt_project/ (.sqlfluff: dbt templater, compiled against an empty scratch home)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	mkdir -p $(LINT_HOME)
	PIONEER_HOME=$(LINT_HOME) PIONEER_WAREHOUSE_PATH=$(LINT_HOME)/warehouse.duckdb DBT_SEND_ANONYMOUS_USAGE_STATS=false \
		$(VENV)/bin/sqlfluff lint dbt_project

airflow: install  ## Airflow 3 locally (standalone, SQLite) running dags/ on the demo landing zone; Ctrl-C stops it
	scripts/airflow_local.sh

bench: install  ## province-scale benchmark: 50,000 members x 24 months (landing zone generated once into benchmarks/work/)
	$(VENV)/bin/python benchmarks/bench.py $(BENCH_ARGS)

clean:
	rm -rf data dbt_project/target dbt_project/logs
