# Two commands: `make run` (set up and start the dashboard) and `make test` (set up and run every test).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run team test setup setup-dev chromium postgresql lint bench

$(BIN)/python:
	@echo "==> Making a Python environment in $(VENV) (once)…"
	$(PY) -m venv $(VENV)
	@echo "==> Updating pip…"
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	@echo "==> Installing the dashboard's packages (requirements.txt; the first time takes a minute or two)…"
	$(BIN)/pip install --disable-pip-version-check -r requirements.txt
	@echo "==> Packages ready."

setup-dev: $(BIN)/python
	@echo "==> Installing the packages for the tests (requirements-dev.txt)…"
	$(BIN)/pip install --disable-pip-version-check -r requirements-dev.txt

run: setup
	@echo "==> Starting the dashboard: open the address printed below in your browser."
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
