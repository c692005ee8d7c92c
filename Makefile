# `make run` — the bot (the playground at http://127.0.0.1:3978 and ./mynaleak.db when no credentials are set)
# `make test` — the whole test suite (what .ci/run runs, with HYPOTHESIS_PROFILE=ci: the same examples every run)
# `make fuzz` — the property and hostile-input tests with fresh random examples, ten times as many
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: run test fuzz lint format bench

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/mynaleak migrate
	$(VENV)/bin/mynaleak run

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest $(PYTEST_ARGS)

FUZZ_TESTS ?= tests/test_fuzz_inbound.py tests/test_privacy_property.py tests/test_privacy_layouts.py tests/flows/test_redaction.py

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -p no:cacheprovider $(FUZZ_TESTS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
