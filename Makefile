# The two commands: `make run` (the demo) and `make test` (the whole suite).
# Both create .venv/ in the repo and install what they need into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEMO   := FLIPSIDE_DEMO=1

.PHONY: run test install lint typecheck layers pytest clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade uv
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	@$(DEMO) $(BIN)/flipside db upgrade
	@$(DEMO) $(BIN)/flipside demo
	@$(DEMO) $(BIN)/flipside serve --host 127.0.0.1 --port 5000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

layers:
	@if [ -f ../shared/tools/check_layers.py ]; then $(BIN)/python ../shared/tools/check_layers.py .; fi

pytest: install
	$(BIN)/pytest

test: install lint typecheck layers pytest

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
