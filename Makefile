# Two commands: `make run` serves the dashboard on the bundled default data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
DB ?= data/cdof.duckdb

.PHONY: run test db bench clean chromium report-deps

$(VENV)/.run-deps: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: $(VENV)/.run-deps requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download is not possible here).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing Debian's chromium ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

# ---- board report (issue 17): Debian packages the report needs at run time and in its tests ------------------
# Charts are drawn by Kaleido in Debian's chromium; the PDF engine (WeasyPrint) needs Pango with its FreeType
# backend and a font; the tests read the PDF's text back with pdftotext (poppler-utils). Installed only if missing.
REPORT_APT := chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils
report-deps:
	@missing="$$(for p in $(REPORT_APT); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	if [ -n "$$missing" ]; then \
		echo "installing $$missing ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
# ---- end of the board report's block ------------------------------------------------------------------------

db: $(VENV)/.run-deps
	$(PY) -m metrics build-default --db $(DB)

run: db report-deps
	$(PY) -m streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

test: $(VENV)/.test-deps chromium report-deps
	$(PY) -m pytest -q

bench: $(VENV)/.test-deps chromium
	$(PY) -m bench

clean:
	rm -rf $(VENV) data/cdof.duckdb data/cdof.duckdb.wal .pytest_cache test-artifacts
