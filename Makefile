# Two commands: `make run` (set up and start the dashboard) and `make test` (set up and run every test).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCALES := lipsync_core/locales

.PHONY: run team test setup setup-dev chromium postgresql fonts lint bench i18n-extract i18n-update i18n-compile

$(BIN)/python:
	@echo "==> Making a Python environment in $(VENV) (once)…"
	$(PY) -m venv $(VENV)
	@echo "==> Updating pip…"
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	@echo "==> Installing the dashboard's packages (requirements.txt; the first time takes a minute or two)…"
	$(BIN)/pip install --disable-pip-version-check -r requirements.txt
	@echo "==> Compiling the translations (lipsync_core/locales)…"
	$(BIN)/pybabel compile -d $(LOCALES) -D messages
	@echo "==> Packages ready."

setup-dev: $(BIN)/python
	@echo "==> Installing the packages for the tests (requirements-dev.txt)…"
	$(BIN)/pip install --disable-pip-version-check -r requirements-dev.txt
	@echo "==> Compiling the translations (lipsync_core/locales)…"
	$(BIN)/pybabel compile -d $(LOCALES) -D messages

run: setup
	@echo "==> Starting the dashboard: open the address printed below in your browser."
	$(BIN)/python -m ui.serve

team: setup postgresql
	$(BIN)/python scripts/team.py

chromium:
	bash scripts/install_chromium.sh

postgresql:
	bash scripts/install_postgresql.sh

fonts:
	bash scripts/install_fonts.sh

# The message catalogue (English, Tiếng Việt, 中文): extract the marked messages from the code,
# carry them into each language's .po file, compile the .po files the dashboard reads.
i18n-extract: $(BIN)/python
	$(BIN)/pybabel extract --project="Lipsync Dashboard" --copyright-holder="the Lipsync Dashboard team" -F babel.cfg -k N_ --sort-by-file -o $(LOCALES)/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages --no-fuzzy-matching --ignore-obsolete

i18n-compile: $(BIN)/python
	$(BIN)/pybabel compile -d $(LOCALES) -D messages --statistics

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup-dev chromium fonts postgresql lint
	$(BIN)/pytest

bench: setup-dev
	$(BIN)/python -m bench
