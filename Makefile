# ipp-wsgi: the two commands of the README.
#   make serve   create .venv, install ipp-wsgi, serve IPP on 127.0.0.1:8631 (Ctrl-C stops it)
#   make test    install the Debian packages the tests need, create .venv, run ruff, mypy and pytest
# Both create their own virtual environment; nothing has to be installed by hand first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BIND ?= 127.0.0.1:8631
SPOOL_DIR ?= $(CURDIR)/var/spool
PYTEST_ARGS ?=

.PHONY: serve test lint typecheck pytest system-packages clean

serve: $(VENV)/.installed
	mkdir -p "$(SPOOL_DIR)"
	exec $(BIN)/ipp-wsgi serve --bind $(BIND) --spool-dir "$(SPOOL_DIR)"

test: system-packages $(VENV)/.installed-test
	$(MAKE) lint typecheck pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy
	$(BIN)/mypy tests/harness tests/conftest.py

pytest: $(VENV)/.installed-test
	$(BIN)/pytest $(PYTEST_ARGS)

system-packages:
	scripts/install-debian-packages

# Debian's python3 needs python3-venv for `python3 -m venv`: install it when venv creation fails.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); scripts/install-debian-packages python3-venv && $(PYTHON) -m venv $(VENV); }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
