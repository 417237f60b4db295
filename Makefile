# Porte-Voix: every target sets up .venv itself on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench chat serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/porte-voix demo

test: $(STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot adapters scheduler storage tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

chat: $(STAMP)
	$(BIN)/porte-voix chat

serve: $(STAMP)
	$(BIN)/porte-voix serve

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache porte-voix.db
