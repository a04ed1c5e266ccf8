# Two commands for a new user: `make app` (set up, build the demo data, run the app)
# and `make test` (set up, lint, type-check, run every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RAW ?= raw
DATA ?= data
PORT ?= 8501

.PHONY: app test setup setup-dev data lint bench clean

$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed
setup-dev: $(BIN)/.installed-dev

# Demo raw data and marts, built only when missing.
$(DATA)/manifest.json: | $(BIN)/.installed
	$(BIN)/python -m popmgmt demo --out $(RAW)
	$(BIN)/python -m popmgmt build --input $(RAW) --out $(DATA)

data: $(DATA)/manifest.json

app: $(BIN)/.installed $(DATA)/manifest.json
	$(BIN)/streamlit run app.py --server.port $(PORT)

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(BIN)/.installed-dev
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-postgresql.sh
	$(MAKE) lint
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed-dev
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(RAW) $(DATA)
