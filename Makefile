# The two commands: `make run` (the demo) and `make test` (the whole suite).
# Both create .venv/ in the repo and install what they need into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DEMO   := FLIPSIDE_DEMO=1

NODE_STAMP := node_modules/.installed-$(shell cksum package.json | cut -d' ' -f1)

.PHONY: run test install lint typecheck layers pytest browser-deps r-deps pdf-deps proxy-deps clean translations

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade uv
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Test-only: axe-core from the npm registry, and Debian's chromium for the browser tests.
$(NODE_STAMP): package.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --no-audit --no-fund --silent && rm -f node_modules/.installed-* && touch $@; \
	else echo "npm not found: the accessibility tests will skip"; fi

browser-deps: $(NODE_STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "could not install chromium: the browser tests will skip"; \
	  else echo "chromium not found (apt-get install chromium): the browser tests will skip"; fi; }

# Test-only: R is the oracle of the differential statistics tests (tests/oracle).
R_PACKAGES := r-base-core r-cran-survival r-cran-haven r-cran-psych

r-deps:
	@{ command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(survival); library(psych)' >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(R_PACKAGES) >/dev/null) \
	      || echo "could not install R: the R oracle tests will skip"; \
	  else echo "Rscript with survival not found (apt-get install $(R_PACKAGES)): the R oracle tests will skip"; fi; }

# The programme report's PDF (WeasyPrint) needs Pango; its tests read the PDF back with pypdf.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0

pdf-deps:
	@{ ldconfig -p | grep -q libpango-1.0 && ldconfig -p | grep -q libpangoft2-1.0; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null) \
	      || echo "could not install Pango: the PDF report tests will skip"; \
	  else echo "Pango not found (apt-get install $(PDF_PACKAGES)): the PDF report tests will skip"; fi; }

# Test-only: nginx runs the production recipe's file in front of gunicorn (tests/support/recipe.py).
proxy-deps:
	@{ command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null) \
	      || echo "could not install nginx: the production recipe test will skip"; \
	  else echo "nginx not found (apt-get install nginx-light): the production recipe test will skip"; fi; }

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

pytest: install browser-deps r-deps pdf-deps proxy-deps
	$(BIN)/pytest

test: install lint typecheck layers pytest

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache

# The participant pages' and mails' message catalogues (surveys/translations): extract
# the marked strings (babel.cfg), start a catalogue for a language of
# surveys/languages.py that has none yet (pybabel init), merge the strings into each
# language's .po, compile the .mo files that ship (committed;
# tests/unit/test_translations.py checks they match).
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -o surveys/translations/messages.pot --no-location \
	  --project=Flipside --version=1 --copyright-holder=Flipside \
	  --msgid-bugs-address=dandi@flipside.example --width=100 .
	@for lang in $$($(BIN)/python -c "from surveys.languages import DEFAULT_LANGUAGE, LANGUAGES; \
	    print(' '.join(c for c in LANGUAGES if c != DEFAULT_LANGUAGE))"); do \
	  test -f surveys/translations/$$lang/LC_MESSAGES/messages.po || \
	    $(BIN)/pybabel init -i surveys/translations/messages.pot -d surveys/translations \
	      -l $$lang --width=100; \
	done
	$(BIN)/pybabel update -i surveys/translations/messages.pot -d surveys/translations \
	  --no-fuzzy-matching --width=100
	$(BIN)/pybabel compile -d surveys/translations --statistics
