# Two commands do all set-up: `make run` and `make test` (see README.md).
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/bcfplans
export DJANGO_SETTINGS_MODULE := bcfplans.settings
# Test processes (pytest-xdist): one per CPU; `make test WORKERS=0` runs in one process.
WORKERS ?= auto

.PHONY: run test test-postgres lint install assets browsers bench clean

$(BIN)/activate:
	@PY=$$(scripts/find-python) && echo "Using $$PY" && $$PY -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# GOV.UK Frontend and axe-core from npm (pinned in package-lock.json), compiled into
# static/build with a system font; never committed.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/app.css: node_modules/.installed assets/app.scss assets/app.mjs scripts/build-assets.mjs
	npm run build --silent

assets: static/build/app.css

install: $(VENV)/.installed static/build/app.css

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@# One task worker beside the development server (exports, large PDFs); both stop together.
	trap 'kill 0' EXIT; $(BIN)/python manage.py db_worker --interval 1 & \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# ruff over everything; mypy (with django-stubs) over the typed seams listed in
# pyproject.toml: every rules, actions and selectors module.
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint browsers
	$(BIN)/python -m pytest -n $(WORKERS)

# The same suite against PostgreSQL (DATABASE_URL); pytest-django creates test_<name>.
# The browser journeys run once, in `make test`: they test pages, not the database.
test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -n $(WORKERS) --ignore=tests/browser

# Debian packages: chromium for the browser tests (Playwright never downloads a
# browser), Pango and HarfBuzz-subset for WeasyPrint, poppler-utils for reading PDFs
# in tests, and fonts. Needs root; `make test` and .ci/run call it.
SYSTEM_PACKAGES := chromium fonts-liberation libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 poppler-utils
browsers:
	@dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		$(SYSTEM_PACKAGES); } || \
		echo "warning: could not install $(SYSTEM_PACKAGES); some tests will be skipped" >&2

# Benchmarks (never part of the suite): bench/results/ gets the figures and the machine.
bench: install
	@command -v wrk >/dev/null 2>&1 || apt-get install -y -qq wrk
	$(BIN)/python bench/run.py
	DATABASE_URL=$(PG_URL)_bench $(BIN)/python bench/run.py
	PG_URL=$(PG_URL)_bench $(BIN)/python bench/throughput.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache node_modules static/build test-artifacts
