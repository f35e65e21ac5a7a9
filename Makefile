# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
# A Chromium for the e2e tests: Debian's when there is one, else Playwright's own.
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install install-test chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(FLASK) init-db --demo-if-empty
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
