# The two commands a user needs:  `make demo`  and  `make test`;  `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov
COMBINATION ?= data-refresh/full-load/schedule
# Test processes (pytest-xdist): the applies mostly wait on the AWS provider's fixed delays, so
# more workers than cores pays off. Tests are distributed by file: a file's shared fixtures (one
# emulated deployment, one plan of many cases) are made once, by the process that runs it. Files
# go out in collection order (tests/e2e first), so the three long applies start at once, on three
# workers, instead of last (xdist would otherwise send the files with the most tests first).
# Without the applies the tests are CPU-bound: three processes do best on two cores.
WORKERS ?= 4
CHECK_WORKERS ?= 3
XDIST := --dist loadfile --no-loadscope-reorder

.PHONY: help demo test check setup lint checkov docs build bench-plan bench-import bench-masking clean

help: ## this list: every target and what it does
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | \
	  awk -F'\t' '{ printf "  %-14s %s\n", $$1, $$2 }'

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

setup: $(VENV)/.installed ## virtual environment with everything the tests and the demo need
	bash scripts/ensure-mariadb.sh

demo: $(VENV)/.installed ## one whole automation cycle on the local AWS emulator, masking a refreshed table
	bash scripts/ensure-mariadb.sh
	$(PY) -m scripts.demo --combination $(COMBINATION) $(DEMO_ARGS)

test: setup lint checkov ## every test: unit, plan, masking against MariaDB, end to end on the emulator
	$(PY) -m pytest -q -n $(WORKERS) $(XDIST) $(PYTEST_ARGS)

check: setup lint ## the quick loop: lint, unit, plan checks, masking, the emulator's API (no apply)
	$(PY) -m pytest -q -n $(CHECK_WORKERS) $(XDIST) -m "not slow" $(PYTEST_ARGS)

lint: $(VENV)/.installed ## ruff, ruff format, mypy, terraform fmt
	$(VENV)/bin/ruff check lambda_src scripts tests
	$(VENV)/bin/ruff format --check lambda_src scripts tests
	$(VENV)/bin/mypy lambda_src/dms_automation
	TF_CLI_CONFIG_FILE=$$($(PY) -m scripts.tfcli) terraform fmt -check -recursive .

checkov: $(CHECKOV_VENV)/.installed ## checkov over modules/ and examples/
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework terraform \
	  --skip-path '/\.terraform/' -d modules -d examples

docs: $(VENV)/.installed ## rewrite the Inputs and Outputs tables of every module README
	$(PY) -m tests.test_docs --write

build: $(VENV)/.installed ## rebuild the Lambda package shipped by modules/automation
	$(PY) -m scripts.build_lambda

bench-plan: $(VENV)/.installed ## plan cost of a modules/automation consumer vs a one-resource floor
	$(PY) -m scripts.bench_plan

bench-import: $(VENV)/.installed ## cold import time of the handlers from the shipped zip
	$(PY) -m scripts.bench_import

bench-masking: setup ## the masking engine vs a naive loop and an unchunked UPDATE, on MariaDB
	$(PY) -m scripts.bench_masking

clean: ## remove the virtual environments, the Terraform CLI config and build/
	rm -rf $(VENV) $(CHECKOV_VENV) .tfcli build
