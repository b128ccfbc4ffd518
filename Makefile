# Two commands on a fresh machine: `make run` and `make test`. Each installs into .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run rehearse test test-dates lint bench clean

# The browser tests drive Debian's chromium (and need a Chinese font for the screenshots).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/rectiflow up --demo

# Beyond one machine, rehearsed here: Prefect API x2 + services on PostgreSQL and Redis,
# two workers, two portals (deploy/README.md). Needs the machine's PostgreSQL and Redis.
rehearse: $(STAMP)
	$(BIN)/rectiflow rehearse --fresh --demo

$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-microhei

# The directory sign-in tests start their own OpenLDAP server (Debian's slapd; never the system's).
SLAPD := /usr/sbin/slapd
$(SLAPD):
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q slapd

test: $(STAMP) $(CHROMIUM) $(SLAPD)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n 2 --dist loadfile

# The suite on other days (a year end, Spring Festival, a leap day): every process's clock moved
# with libfaketime (tests/on_dates.sh says how, and which drills keep the real day).
FAKETIME_LIB := /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
$(FAKETIME_LIB):
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q faketime

test-dates: $(STAMP) $(CHROMIUM) $(SLAPD) $(FAKETIME_LIB)
	bash tests/on_dates.sh $(DATES)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/all.py

clean:
	rm -rf .rectiflow
