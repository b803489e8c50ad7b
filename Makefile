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
export PYTHONPATH := $(CURDIR)/shared:$(CURDIR)
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: help venv test lint unit pytest dev build validate migrate bench clean docs

help:
	@echo "make dev      run the whole template locally (local cloud, demo data)"
	@echo "make test     install everything, lint, validate the template, run all tests"
	@echo "make bench    measure cold start, latency and sizes; writes bench/results.json"
	@echo "make build    sam build (python3.12 on PATH)"
	@echo "make migrate  apply database migrations to DATABASE_URL"

$(STAMP): requirements-dev.txt layers/plaza/requirements.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "no Python >= 3.11 found"; exit 1; }
	@echo "creating $(VENV) with $(PYTHON)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint --region $(AWS_DEFAULT_REGION)

pytest: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint pytest

dev: venv
	$(BIN)/python -m localcloud $(DEV_ARGS)

build: venv
	@test -n "$(PY312_DIR)" || { echo "sam build needs python3.12 on PATH"; exit 1; }
	PATH="$(PY312_DIR):$$PATH" $(BIN)/sam build

migrate: venv
	$(BIN)/python -m plaza.stores.migrations

bench: venv
	$(BIN)/python -m bench

docs: venv
	$(BIN)/python -m docs.openapi

clean:
	rm -rf .aws-sam bench/.work .pytest_cache .mypy_cache .ruff_cache
