# `make run` — the bot (the playground at http://127.0.0.1:3978 and ./mynaleak.db when no credentials are set)
# `make test` — the whole test suite (what .ci/run runs, with HYPOTHESIS_PROFILE=ci: the same examples every run)
# `make fuzz` — the property and hostile-input tests with fresh random examples, ten times as many
# `make bench` — every benchmark in turn, short settings (a few minutes; not part of `make test`); each
#   prints its ratios against its baseline and a `SUMMARY <bench>: …` line. BENCH_SCALE=full: their defaults
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

# short settings by default; `make bench BENCH_SCALE=full` runs each bench with its own defaults
ifeq ($(BENCH_SCALE),full)
BENCH_SLACK_ACK ?=
BENCH_REPORT ?=
BENCH_SLACK_REPORT ?=
BENCH_TEAMS ?=
BENCH_TIMERS ?=
BENCH_LOAD ?=
BENCH_WORKERS ?=
else
BENCH_SLACK_ACK ?= --requests 300 --rounds 2
BENCH_REPORT ?= --reports 100
BENCH_SLACK_REPORT ?= --reports 200
BENCH_TEAMS ?= --requests 100
BENCH_TIMERS ?= --timers 2000 --incidents 50
BENCH_LOAD ?= --reports 200 --presses 1000
BENCH_WORKERS ?= --reports 200 --rounds 1
endif

bench: $(STAMP)
	$(PY) bench/slack_ack.py $(BENCH_SLACK_ACK)
	$(PY) bench/report_to_page.py $(BENCH_REPORT)
	$(PY) bench/slack_report_to_page.py $(BENCH_SLACK_REPORT)
	$(PY) bench/teams_roundtrip.py $(BENCH_TEAMS)
	$(PY) bench/timers.py $(BENCH_TIMERS)
	@if [ -n "$$MYNALEAK_TEST_DATABASE_URL" ]; then \
		echo "$(PY) bench/load_slack.py $(BENCH_LOAD)"; $(PY) bench/load_slack.py $(BENCH_LOAD); \
	else \
		echo "SUMMARY load_slack: skipped (it needs PostgreSQL: set MYNALEAK_TEST_DATABASE_URL)"; \
	fi
	$(PY) bench/workers.py $(BENCH_WORKERS)
