# The two commands a newcomer needs are `make run` and `make test`; the rest are helpers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo web worker beat lint check prod-check messages vendor bench browsers clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) .env

# A local, untracked settings file for development: DEBUG on and a random secret key.
.env:
	@printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(40))')" > .env
	@echo "wrote .env (DEBUG=true, random SECRET_KEY)"

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

## make run: install, migrate, load demo data, then web + Celery worker + beat (Ctrl-C stops all)
run: demo
	@$(PY) manage.py demo_banner --url http://$(HOST):$(PORT)/
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/honcho -f Procfile.dev start

web: install
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO --concurrency=2

beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO

## make test: the whole suite (unit, view, Celery and browser tests)
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

## make prod-check: the production settings pass Django's deploy checks and gunicorn's (reads
## the environment, e.g. `set -a; . /etc/complaint-desk/complaint-desk.env; set +a` first)
prod-check:
	DEBUG=false $(PY) manage.py check --deploy --fail-level WARNING
	DEBUG=false $(VENV)/bin/gunicorn --check-config -c config/gunicorn.conf.py
	@command -v systemd-analyze >/dev/null && systemd-analyze verify deploy/systemd/*.service deploy/systemd/*.target 2>/dev/null || true

## Extract and compile the translation catalogue (needs gettext's msgfmt)
messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=staticfiles
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv --ignore=node_modules

## Refresh static/vendor from the npm registry (versions in package.json / package-lock.json)
vendor:
	npm ci --no-audit --no-fund
	mkdir -p static/vendor
	cp node_modules/bootstrap/dist/css/bootstrap.min.css static/vendor/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js static/vendor/
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/
	cp node_modules/chart.js/dist/chart.umd.min.js static/vendor/chart.umd.min.js

## make bench: 1,000,000 complaints on PostgreSQL (its own database bench_*, created and dropped;
## about 25 minutes); QUICK=1: 100,000 on SQLite (about 7 minutes).  Both rewrite bench/REPORT.md.
BENCH_DATABASE_URL ?= postgres://root@127.0.0.1:5432/bench_complaints
bench: install
	@if [ "$(QUICK)" = "1" ]; then \
		$(PY) bench/run.py --complaints 100000 $(BENCH_ARGS); \
	else \
		$(PY) bench/run.py --complaints 1000000 --database-url $(BENCH_DATABASE_URL) $(BENCH_ARGS); \
	fi

## Debian's chromium for the browser tests (the tests skip with a reason when it is missing)
browsers:
	dpkg -s chromium fonts-noto-cjk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk)

clean:
	rm -rf $(VENV) var staticfiles
