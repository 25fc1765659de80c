# Two entry points for a fresh machine: `make demo` and `make test`.
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint browser translations-extract translations-update

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
