# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
# A Chromium for the e2e tests: Debian's when there is one, else Playwright's own.
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install install-dev install-test chromium clean

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
# on 127.0.0.1:9400, and stops with the app.
run: install-dev
	$(FLASK) init-db --demo-if-empty
	@if [ -z "$$FRANCECONNECT_ISSUER" ]; then \
	  $(BIN)/python -m services.dev_provider & provider=$$!; \
	  trap 'kill $$provider 2>/dev/null' EXIT INT TERM; \
	  echo "Local FranceConnect stand-in on http://127.0.0.1:9400"; \
	fi; \
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

test: chromium
	CHROMIUM_PATH=$$( [ -x "$(CHROMIUM)" ] && echo "$(CHROMIUM)" ) $(BIN)/pytest

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
