# Two commands: `make run` serves the dashboard on the bundled default data; `make test` lints and runs every
# test. Both install exact versions from the lock files; `make lock` regenerates those from requirements*.txt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
DB ?= data/cdof.duckdb

.PHONY: run test lint lock db bench clean chromium report-deps refresh postgres

# The locks carry every file's hash, so pip installs exactly the locked files (and their dependencies must be
# locked too: a requirement added to requirements*.txt without `make lock` fails tests/test_lock.py).
$(VENV)/.run-deps: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.test-deps: $(VENV)/.run-deps requirements-test.lock
	$(PY) -m pip install --quiet --require-hashes -r requirements-test.lock
	touch $@

# Resolve requirements*.txt to exact versions and hashes from PyPI (uv, a test requirement); the test lock is
# constrained by the run lock, so both install the same version of every package they share.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 --python-platform linux \
	--custom-compile-command "make lock"
lock: $(VENV)/.test-deps
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) requirements-test.txt -c requirements.lock -o requirements-test.lock

lint: $(VENV)/.test-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# Debian's Chromium for the browser tests (Playwright's own browser download is not possible here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# ---- board report (issue 17): Debian packages the report needs at run time and in its tests ------------------
# Debian's chromium draws the charts (through Kaleido) and prints the PDF, in the report's font; the tests read the
# PDF's text back with pdftotext (poppler-utils). Installed only if missing.
REPORT_APT := chromium fonts-dejavu-core poppler-utils
report-deps:
	@missing="$$(for p in $(REPORT_APT); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
# ---- end of the board report's block ------------------------------------------------------------------------

# ---- PostgreSQL (issue 32): Debian's server for the tests, which start a throwaway one of their own -------------
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then \
		echo "installing Debian's postgresql ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; \
	fi
# ---- end of PostgreSQL's block ----------------------------------------------------------------------------------

db: $(VENV)/.run-deps
	$(PY) -m metrics build-default --db $(DB)

# Every catalogue metric with a Fingertips ID from OHID's API (README "Getting real data"); ARGS="--dry-run" etc.
refresh: db
	$(PY) -m metrics refresh --db $(DB) $(ARGS)

run: db report-deps
	$(PY) -m streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

test: lint $(VENV)/.test-deps chromium report-deps postgres
	$(PY) -m pytest -q

bench: $(VENV)/.test-deps chromium
	$(PY) -m bench

clean:
	rm -rf $(VENV) data/cdof.duckdb data/cdof.duckdb.wal .pytest_cache test-artifacts
