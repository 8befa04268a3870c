# The two commands of the README: `make run` and `make test`.
# Each installs what it needs first (idempotent): Debian packages when run as root,
# a virtual environment in .venv, and the front-end packages from the npm registry.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CCHC   := $(VENV)/bin/cchc
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEMO_DOSSIERS ?= 50000

# chromium: browser tests; libreoffice-writer-nogui: PDF; fonts with every Vietnamese letter.
DEB_PACKAGES := chromium libreoffice-writer-nogui fonts-liberation2 fonts-noto-core poppler-utils

.PHONY: install system-deps run test test-sqlite test-postgres bench clean

install: system-deps $(VENV)/.installed node_modules/.installed

system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Cài gói Debian:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Thiếu gói Debian:$$missing (chạy bằng root để tự cài, hoặc: sudo apt-get install$$missing)"; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

run: install
	$(CCHC) db upgrade
	$(CCHC) demo --dossiers $(DEMO_DOSSIERS) --if-empty
	$(CCHC) serve --host $(HOST) --port $(PORT)

# The whole suite on the embedded SQLite, then on the local PostgreSQL.
test: install test-sqlite test-postgres

test-sqlite:
	CCHC_TEST_DATABASE_URL=sqlite $(PY) -m pytest

test-postgres:
	CCHC_TEST_DATABASE_URL=$${CCHC_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(PY) -m pytest -m "not browser"

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules var
