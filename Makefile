# examsvc: `make demo` runs the service with demo data on SQLite; `make test` runs the whole suite
# on SQLite and again on PostgreSQL. Both set everything up themselves on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi
PO := $(wildcard examsvc/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
HOST ?= 127.0.0.1
PORT ?= 5000
export EXAMSVC_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres

.PHONY: demo test test-sqlite test-postgresql install translations extract-messages chromium bench wrk mutate mutate-datasets clean

install: $(STAMP) $(MO)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

translations: $(MO)

# Refresh the catalogue after changing UI text: extract, then merge into every language. The
# catalogue is kept sorted and without source locations, so that two branches adding messages
# merge without conflicts (.gitattributes merges it as a union); the template is not kept.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l --no-location --sort-output --no-wrap -o examsvc/translations/messages.pot .
	$(BIN)/pybabel update -i examsvc/translations/messages.pot -d examsvc/translations --no-fuzzy-matching --ignore-obsolete --no-wrap
	sed -i '/^"POT-Creation-Date: /d' $(PO)
	rm -f examsvc/translations/messages.pot

demo: install
	$(FLASK) db-upgrade
	$(FLASK) load-demo
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl+C stops it)"
	EXAMSVC_IMPORT_WORKER_THREAD=1 $(FLASK) run --host $(HOST) --port $(PORT)

chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else echo "The browser tests need Debian's chromium: sudo apt-get install chromium chromium-driver" >&2; exit 1; fi; }

# Both databases run at once (two processes: the suite is mostly single-threaded Python, and CI
# has two cores; the PostgreSQL one takes its browser tests last, so that the two Chromium
# phases do not overlap), each into its own log, shown in full afterwards with one summary line each;
# the target fails if either fails.
TEST_LOGS := .test-logs
test: install chromium
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not running on 127.0.0.1:5432 (see .ci/run for how to start it)" >&2; exit 1; }
	@mkdir -p $(TEST_LOGS); echo "Running the suite on SQLite and on PostgreSQL at once (logs in $(TEST_LOGS)/) ..."; \
	EXAMSVC_TEST_DB=sqlite $(BIN)/pytest -q -p no:cacheprovider --durations=15 --basetemp=$(TEST_LOGS)/tmp-sqlite $(TEST_ARGS) > $(TEST_LOGS)/sqlite.log 2>&1 & sqlite=$$!; \
	EXAMSVC_TEST_DB=postgresql EXAMSVC_BROWSER_TESTS_LAST=1 $(BIN)/pytest -q -p no:cacheprovider --durations=15 --basetemp=$(TEST_LOGS)/tmp-postgresql $(TEST_ARGS) > $(TEST_LOGS)/postgresql.log 2>&1 & postgresql=$$!; \
	status=0; wait $$sqlite || status=1; wait $$postgresql || status=1; \
	for db in sqlite postgresql; do echo "== $$db =="; cat $(TEST_LOGS)/$$db.log; done; \
	for db in sqlite postgresql; do printf '%s: %s\n' "$$db" "$$(tail -n 1 $(TEST_LOGS)/$$db.log)"; done; \
	exit $$status

test-sqlite: install
	EXAMSVC_TEST_DB=sqlite $(BIN)/pytest -q

test-postgresql: install
	EXAMSVC_TEST_DB=postgresql $(BIN)/pytest -q

# Issue 7's suite on SQLite and PostgreSQL (bench/suite.py): a sitting's load from outside (gunicorn
# + wrk against a bare app on the same database), start and submit bursts, search, paper assembly
# and imports on a 100,000-question bank, the 50,000-row score sheet and item analysis; prints one
# table of figures against the issue's goals. Estimated 25–40 minutes on 2 cores; BENCH_ARGS="--quick"
# checks it with small sizes, BENCH_ARGS="--parts load" runs one part. Not part of `make test`.
bench: install wrk
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not running on 127.0.0.1:5432 (see .ci/run for how to start it)" >&2; exit 1; }
	$(BIN)/python -m bench.suite $(BENCH_ARGS)

wrk:
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  else echo "make bench needs wrk: sudo apt-get install wrk" >&2; exit 1; fi; }

# Mutation testing (issue 8) of the rules that decide a score or a deadline, one module at a time,
# with the focused unit tests named in pyproject.toml [tool.mutmut], on SQLite; then the survivors
# that only PostgreSQL's row locks can kill, each with its test on PostgreSQL (mutation-postgresql.txt);
# then the score per module and every survivor. Slow (minutes per module on 2 cores), so not part of `make test`.
# MUTATE_MODULES=question_bank.points runs one module; results are kept in mutants/ between runs.
MUTATE_MODULES ?= question_bank.types question_bank.points question_bank.services.marking \
	question_bank.services.deadlines question_bank.services.start_terms question_bank.services.attempts \
	question_bank.services.ledger question_bank.services.hashchain question_bank.reports.score_sheet
# The shared datasets as an absolute path, whether EXAMSVC_SHARED_DIR was given relative or not at all:
# mutmut runs the tests from inside mutants/, where a relative path (and the tests' own default,
# beside the checkout) names the wrong folder.
MUTATE_SHARED_DIR := $(abspath $(or $(EXAMSVC_SHARED_DIR),../shared))
# mutmut's output of each module (its progress, and the traceback when it fails) is kept here; the
# end of it is shown when a module fails.
MUTATE_LOG = $(TEST_LOGS)/mutate-$$module.log
mutate: mutate-datasets install
	@$(BIN)/mutmut --version >/dev/null 2>&1 || $(BIN)/pip install --quiet -e '.[test,mutate]'
	@mkdir -p $(TEST_LOGS); for module in $(MUTATE_MODULES); do \
	  echo "== mutating $$module (log: $(MUTATE_LOG))"; \
	  EXAMSVC_TEST_DB=sqlite EXAMSVC_SHARED_DIR="$(MUTATE_SHARED_DIR)" \
	    nice -n 19 $(BIN)/mutmut run --max-children 2 "$$module.*" > $(MUTATE_LOG) 2>&1 || { \
	    echo "mutmut failed on $$module; the end of $(MUTATE_LOG):" >&2; \
	    tr '\r' '\n' < $(MUTATE_LOG) | grep -v '^[[:space:]]*$$' | tail -n 40 >&2; exit 1; }; \
	done
	@pg_isready -q -h 127.0.0.1 -p 5432 || { echo "make mutate's second pass needs PostgreSQL on 127.0.0.1:5432 (see .ci/run for how to start it)" >&2; exit 1; }
	@echo "== the survivors listed in mutation-postgresql.txt, on PostgreSQL"
	@EXAMSVC_SHARED_DIR="$(MUTATE_SHARED_DIR)" nice -n 19 $(BIN)/python -m tools.mutation_postgresql
	@$(BIN)/python -m tools.mutation_scores

# The tests read the real bank files (tests/shared_data.py): without them every module's first
# mutmut pass fails, so say which folder was looked in before anything runs.
mutate-datasets:
	@test -d "$(MUTATE_SHARED_DIR)/datasets" || { \
	  echo "make mutate: no datasets folder at $(MUTATE_SHARED_DIR)/datasets. Set EXAMSVC_SHARED_DIR to the shared" \
	    "folder that holds datasets/ (default: ../shared beside the checkout), e.g." \
	    "EXAMSVC_SHARED_DIR=/path/to/shared make mutate" >&2; exit 1; }

clean:
	rm -rf $(VENV) instance .pytest_cache mutants
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
