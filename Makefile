# CSE Portal — the whole setup is `make run` (serve with demo data) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format check-deploy lock bench load clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c "import sys; assert sys.version_info[:2] == (3, 11), sys.version" 2>/dev/null || { echo "Python 3.11 is needed: set PYTHON=/path/to/python3.11"; exit 1; }
	@echo "== [1/3] virtual environment in $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "== [2/3] upgrading pip"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "== [3/3] installing the locked dependencies (about a minute on a fresh machine)"
	$(BIN)/python -m pip install --progress-bar off -r requirements.lock
	touch $(STAMP)
	@echo "== installed"


# Migrate, load the standard and the demo organisations, then serve on $(HOST):$(PORT)
# with a Celery worker beside the web server. Ctrl-C stops both.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_demo
	HOST=$(HOST) PORT=$(PORT) scripts/run.sh

test: install
	scripts/test.sh $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The production settings pass Django's deployment checks.
check-deploy: install
	DJANGO_ENV=production SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  ALLOWED_HOSTS=cse.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

# Re-resolve requirements.lock from pyproject.toml (exact versions).
lock: install
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
	  -o requirements.lock pyproject.toml

bench: install
	$(BIN)/python bench/run_all.py

# The real app (gunicorn, Celery, Redis) under many users at once, then every write checked:
# docs/performance.md, "Load". Needs a PostgreSQL server (LOAD_DATABASE_URL or DATABASE_URL,
# where it makes and drops a database <name>_load) and redis-server.
LOAD_ARGS ?= --seconds 30 --users 16
load: install
	$(BIN)/python bench/load/run.py $(LOAD_ARGS)

# Caches and build output only: var/ holds the development database, uploaded evidence and
# queued tasks, which no cleaning target may delete.
clean:
	rm -rf staticfiles .pytest_cache .ruff_cache
	find . -path ./.venv -prune -o -path ./var -prune -o -type d -name __pycache__ -exec rm -rf {} +
