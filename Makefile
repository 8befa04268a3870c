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

# chromium and libatomic1 (for the Playwright driver): browser tests; libreoffice-writer-nogui: PDF, python3-uno: its
# server kept warm (unoserver runs under Debian's python3);
# fonts with every Vietnamese letter;
# nodejs and npm (only when npm is missing): the front-end packages come from the npm registry.
DEB_PACKAGES := chromium libatomic1 libreoffice-writer-nogui python3-uno fonts-liberation2 fonts-noto-core poppler-utils
ifeq ($(shell command -v npm),)
DEB_PACKAGES += nodejs npm
endif

.PHONY: install system-deps run test test-sqlite test-postgres test-clock bench bench-deps clean

install: system-deps $(VENV)/.installed node_modules/.installed

system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Cài gói Debian:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Thiếu gói Debian:$$missing"; \
	    echo "  Chạy lệnh này bằng root để tự cài, hoặc cài trước: sudo apt-get install --no-install-recommends$$missing"; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

# --ignore-scripts: these packages are files served as they are; none needs to run code when installed
# (swagger-ui-dist depends on @scarf/scarf, whose install script reports downloads; package.json also opts out).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Thiếu npm: sudo apt-get install --no-install-recommends nodejs npm" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Serves as soon as the schema is ready; a new database gets its demo province built in the background
# (accounts printed as soon as they can log in, progress in var/demo.log). The session signing key is
# generated once into var/secret_key (git-ignored).
# One job worker (cchc worker: notifications, the DVCQG sync, periodic jobs) runs beside the server and is stopped
# with it (SIGTERM: it finishes the jobs in hand).
run: install
	$(CCHC) db upgrade
	$(CCHC) secret init
	@$(CCHC) worker --workers 1 & worker=$$!; trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(CCHC) serve --host $(HOST) --port $(PORT) --demo $(DEMO_DOSSIERS)

# The whole suite, three processes side by side (scripts/suites shows each log whole when all are done): on the
# embedded SQLite with the process clock at 18:30 UTC (01:30 tomorrow in Việt Nam, so a date taken from the
# machine instead of cchc.clock fails), on PostgreSQL at the real time (the one answering at
# CCHC_TEST_POSTGRES_URL, default the local server, or a private cluster started for the run: scripts/with-postgres),
# and the browser tests in Debian's chromium at the real time.
test: install
	@PY=$(PY) scripts/suites sqlite postgres browser

test-sqlite: install
	CCHC_TEST_DATABASE_URL=sqlite $(PY) -m pytest

test-postgres: install
	PY=$(PY) scripts/with-postgres $(PY) -m pytest -m "not browser and not slow"

# The suites that count days, deadlines and periods with the process clock at 16:59 UTC (23:59 in Việt Nam), one
# minute before the day turns (CI runs it after `make test`, whose SQLite suite runs at 18:30 UTC).
test-clock: install
	@PY=$(PY) scripts/suites clock-1659

# wrk drives `cchc serve` in bench/web.py; only the benchmarks need it, not `make test`.
BENCH_DEB_PACKAGES := wrk

bench-deps:
	@$(MAKE) --no-print-directory system-deps DEB_PACKAGES="$(BENCH_DEB_PACKAGES)"

bench: install bench-deps
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules var
