# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
# A Chromium for the e2e tests: Debian's when there is one, else Playwright's own.
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-pg services poppler install install-dev install-test chromium guide-pictures bench load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-test: $(VENV)/.installed-test

# Without FRANCECONNECT_ISSUER, a local OpenID Connect provider stands in for FranceConnect
# on 127.0.0.1:9400. The message worker (services/worker.py) sends the codes that the
# pages put in the queue (instance/queue.db). Both stop with the app.
run: install-dev
	$(FLASK) init-db --demo-if-empty
	@provider=; if [ -z "$$FRANCECONNECT_ISSUER" ]; then \
	  $(BIN)/python -m services.dev_provider & provider=$$!; \
	  echo "Local FranceConnect stand-in on http://127.0.0.1:9400"; \
	fi; \
	$(BIN)/python -m services.worker -k thread -w 2 -m 0.5 -q & worker=$$!; \
	trap 'kill $$provider $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Message worker started (pid $$worker)"; \
	$(FLASK) run --host 127.0.0.1 --port 5000

chromium: install-test
	@if [ -x "$(CHROMIUM)" ]; then \
	  echo "Using $(CHROMIUM)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || $(BIN)/playwright install chromium; \
	else \
	  $(BIN)/playwright install chromium; \
	fi

# The W3C Nu HTML checker (vnu.jar, run with Java) for tests/test_html_valid.py.
node_modules/.installed: package.json package-lock.json
	@command -v java >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

# The whole suite twice, side by side (scripts/test-both.sh): on SQLite, and on PostgreSQL
# and Redis, installed from Debian's packages if missing and started on loopback by
# scripts/services.sh. TEST_ENGINES=sqlite (or postgresql) runs one only.
test: chromium node_modules/.installed poppler
	CHROMIUM_PATH=$$( [ -x "$(CHROMIUM)" ] && echo "$(CHROMIUM)" ) BIN=$(BIN) \
	  bash scripts/test-both.sh

services:
	bash scripts/services.sh

# poppler's pdftotext reads the words of the PDFs in tests/test_documents.py.
poppler:
	@command -v pdftotext >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; } || \
	  echo "pdftotext missing: the PDF word checks will be skipped"

# The whole suite on PostgreSQL and Redis only, e2e rendering checks included;
# PYTEST_ARGS="e2e -x" to narrow it.
test-pg: chromium node_modules/.installed
	CHROMIUM_PATH=$$( [ -x "$(CHROMIUM)" ] && echo "$(CHROMIUM)" ) BIN=$(BIN) \
	  TEST_ENGINES=postgresql TEST_PG_FULL=1 bash scripts/test-both.sh

$(VENV)/.installed-bench: requirements-bench.txt $(VENV)/.installed-test
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@

# The benchmark of issue 9: gunicorn with production settings, a throttled phone in
# Chromium, budgets printed PASS/FAIL; report and chart in reports/bench/.
bench: chromium $(VENV)/.installed-bench
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || true
	CHROMIUM_PATH=$$( [ -x "$(CHROMIUM)" ] && echo "$(CHROMIUM)" ) $(BIN)/python -m bench.run --out reports/bench

# The pictures of the in-app guide (/guide): screenshots of the real screens at 320 px.
# Run after a change to a journey page, then check in static/guide/.
guide-pictures: chromium
	GUIDE_PICTURES=update CHROMIUM_PATH=$$( [ -x "$(CHROMIUM)" ] && echo "$(CHROMIUM)" ) \
	  $(BIN)/pytest e2e/test_guide_pictures.py -k match_the_screens

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis node_modules reports

# Load and faults (issue 8, item 7): its own PostgreSQL and Redis on loopback, gunicorn with
# 4 workers, 200 locust virtual people through the first login for 60 s, then an attacker,
# Redis stopped and PostgreSQL restarted; PASS/FAIL printed, report in reports/load/.
$(VENV)/.installed-load: requirements-load.txt $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -r requirements-load.txt
	touch $@

load: $(VENV)/.installed-load
	$(BIN)/python -m load.run --out reports/load
