# Two commands for a new user: `make render` and `make test` (and `make test-quick` while editing).
# Each creates .venv if needed and installs the project into it only when pyproject.toml changed
# (the stamp file below), so a second run does not reinstall anything.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: render test test-quick lint clean-venv

render: $(STAMP)
	$(BIN)/audiobook render

# The whole suite, as CI runs it (.ci/run); the slowest tests are named at the end of its log.
test: $(STAMP)
	$(BIN)/python -m pytest --durations=15

# The edit loop: what is not marked slow (pyproject.toml): the unit tests and one end-to-end
# render per engine, in about a minute.
test-quick: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("audiobook needs Python 3.10 or newer" if sys.version_info < (3, 10) else 0)'
	$(PYTHON) -m venv $(VENV)

# Editable install: source edits need no reinstall; only a change to pyproject.toml triggers one.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[kokoro,piper,listen,test]'
	touch $@

clean-venv:
	rm -rf $(VENV)
