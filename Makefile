# Two commands: `make run` (set up and start the dashboard) and `make test` (set up and run every test).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run team test setup setup-dev chromium postgresql lint bench

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

setup-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

run: setup
	$(BIN)/python -m ui.serve

team: setup postgresql
	$(BIN)/python scripts/team.py

chromium:
	bash scripts/install_chromium.sh

postgresql:
	bash scripts/install_postgresql.sh

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup-dev chromium postgresql lint
	$(BIN)/pytest

bench: setup-dev
	$(BIN)/python -m bench
