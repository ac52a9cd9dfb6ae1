# Samverkansportalen: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test system-deps system-deps-test db demo bench bench-inprocess clean

run: system-deps install db demo
	@scripts/serve.sh $(HOST) $(PORT)

test: system-deps-test install-test
	@scripts/test.sh

system-deps:
	@scripts/system-deps.sh run

system-deps-test:
	@scripts/system-deps.sh test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml tests/oidc/package-lock.json
	$(BIN)/pip install -q -e '.[test,bench]'
	npm ci --prefix tests/oidc --no-audit --no-fund --silent
	@touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

db: install
	$(BIN)/portal db upgrade

demo: db
	$(BIN)/portal seed-demo

bench:
	@bench/run

bench-inprocess: install-test
	$(BIN)/python bench/inprocess.py

clean:
	rm -rf $(VENV) build *.egg-info
