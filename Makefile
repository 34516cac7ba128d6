# Two commands do all set-up: `make run` and `make test` (see README.md).
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/bcfplans
export DJANGO_SETTINGS_MODULE := bcfplans.settings

.PHONY: run test test-postgres lint install clean

$(BIN)/activate:
	@PY=$$(scripts/find-python) && echo "Using $$PY" && $$PY -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

# The same suite against PostgreSQL (DATABASE_URL); pytest-django creates test_<name>.
test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
