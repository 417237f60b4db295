# Porte-Voix: every target sets up .venv itself on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench chat serve clean screenshots

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
	$(BIN)/ruff check bot adapters scheduler storage tests bench cards
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

chat: $(STAMP)
	$(BIN)/porte-voix chat

serve: $(STAMP)
	$(BIN)/porte-voix serve

# Every card, in English and French, as Teams (Microsoft's renderer) and Slack draw them:
# PNGs and measures in docs/cards/ (cards/__main__.py); the dashboard's pages in
# docs/dashboard/ (cards/dashboard.py). Needs Debian's Chromium and fonts.
CHROMIUM ?= /usr/bin/chromium
CARD_FONTS := fonts-liberation2 fonts-lato fonts-noto-color-emoji

cards/node_modules/.package-lock.json: cards/package.json cards/package-lock.json
	cd cards && npm ci

screenshots: $(STAMP) cards/node_modules/.package-lock.json
	@test -x $(CHROMIUM) || { echo "make screenshots: no Chromium at $(CHROMIUM):" \
	  "apt-get install chromium $(CARD_FONTS)" >&2; exit 1; }
	PORTEVOIX_CHROMIUM=$(CHROMIUM) $(BIN)/python -m cards --out docs/cards
	PORTEVOIX_CHROMIUM=$(CHROMIUM) $(BIN)/python -m cards.dashboard --out docs/dashboard

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache porte-voix.db
