# Two entry points for a fresh machine: `make demo` and `make test`.
VENV    ?= .venv
BIN     := $(VENV)/bin
SUM     := $(shell cksum pyproject.toml | cut -d' ' -f1)
# The demo installs only what it runs; the tests add their own tools.
RUNTIME := $(VENV)/.runtime-$(SUM)
STAMP   := $(VENV)/.installed-$(SUM)

.PHONY: demo test lint browser translations-extract translations-update translations-check

demo: $(RUNTIME)
	$(BIN)/banner run

test: $(STAMP) browser lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check banner tests bench
	$(BIN)/ruff format --check banner tests bench
	$(BIN)/mypy --strict banner

$(RUNTIME): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP): $(RUNTIME)
	$(BIN)/pip install --quiet -e '.[test,scan]'
	touch $@

# Browser tests drive Debian's Chromium; playwright cannot download browsers here.
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

# Translations: Babel catalogs in translations/, compiled in memory at start
# (never a stale .mo). extract: every message id of the Python code (keywords
# _, N_, _l) and the Jinja templates into translations/messages.pot.
POT     := translations/messages.pot
EXTRACT := $(BIN)/pybabel extract -F babel.cfg -k N_ -k _l --no-location --sort-output \
           --width 100 --project banner --copyright-holder "banner contributors"
translations-extract: $(STAMP)
	$(EXTRACT) -o $(POT) .

# update: merge new ids into both catalogs (sorted, no line numbers), keeping
# every translation; new entries arrive empty, never fuzzy-guessed; ids the code
# no longer uses are dropped (no #~ entries).
translations-update: translations-extract
	$(BIN)/pybabel update -i $(POT) -d translations --no-fuzzy-matching --width 100 \
	  --ignore-pot-creation-date --ignore-obsolete

# check: extracts from the sources itself, then fails on any id missing,
# empty or fuzzy in either language, a dropped placeholder or HTML.
translations-check: $(STAMP)
	$(BIN)/pytest -q tests/core/test_translations.py
