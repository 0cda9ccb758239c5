# The two commands a newcomer needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
SCENARIO ?= scenarios/default.yaml

.PHONY: install run test bench validate clean help

help:
	@echo "make run      install (first time) and serve $(SCENARIO) at http://$(HOST):$(PORT)"
	@echo "make test     install (first time) and run the whole test suite"
	@echo "make validate validate the default scenario and print its summary"
	@echo "make clean    remove the virtual environment and caches"

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: install
	$(BIN)/dsop-sandbox serve --scenario $(SCENARIO) --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

validate: install
	$(BIN)/dsop-sandbox validate $(SCENARIO)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
