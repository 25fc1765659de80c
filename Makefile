# Two entry points for a fresh machine: `make demo` and `make test`.
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint browser translations-extract translations-update translations-check

demo: $(STAMP)
	$(BIN)/banner run

test: $(STAMP) browser lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check banner tests bench
	$(BIN)/ruff format --check banner tests bench
	$(BIN)/mypy --strict banner

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Browser tests drive Debian's Chromium; playwright cannot download browsers here.
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

# Translations: Babel catalogs in translations/, compiled in memory at start.
# extract: every message id of the Python code (keywords _, N_, _l) and the
# Jinja templates into translations/messages.pot, sorted, no line numbers.
POT     := translations/messages.pot
EXTRACT := $(BIN)/pybabel extract -F babel.cfg -k N_ -k _l --no-location --sort-output \
           --project banner --copyright-holder "banner contributors"
translations-extract: $(STAMP)
	$(EXTRACT) -o $(POT) .

# update: merge new ids into both catalogs, keeping every translation; new
# entries arrive empty (never fuzzy-guessed) for a translator to fill in.
translations-update: translations-extract
	$(BIN)/pybabel update -i $(POT) -d translations --no-location --no-fuzzy-matching \
	  --ignore-pot-creation-date

# check: the catalogs match the sources and every id is translated in both
# languages, not fuzzy, with the same placeholders and no HTML.
translations-check: $(STAMP)
	$(EXTRACT) -o $(VENV)/check.pot . >/dev/null
	$(BIN)/pybabel update -i $(VENV)/check.pot -d translations --no-location \
	  --no-fuzzy-matching --ignore-pot-creation-date --check
	$(BIN)/pytest -q tests/test_translations.py
