# Omahallinta: `make run` serves the demo on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export FLASK_APP := wsgi.py
export PORTAL_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test bench translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# The browser audit's second engine (IBM's accessibility checker), pinned in tests/browser/package-lock.json.
AUDIT_ENGINE := tests/browser/node_modules/.package-lock.json
$(AUDIT_ENGINE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $@

translations: | $(BIN)/python
	$(BIN)/pybabel compile -d translations

# Migrate, load the demo once, then the outbox worker and gunicorn; Ctrl-C (or a TERM) stops both.
# The trap stops the two by their process ids: `kill 0` would signal the shell itself too, which
# ran the trap again until the shell crashed. One gunicorn process (with threads), so the in-memory
# rate limits are one count: the README's limits hold as written. More processes need
# RATELIMIT_STORAGE_URI on Redis.
run: $(VENV)/.runtime translations
	APP_CONFIG=development $(BIN)/flask db upgrade
	APP_CONFIG=development $(BIN)/flask demo --if-empty
	@trap 'kill $$worker $$server 2>/dev/null; wait; exit 0' INT TERM; \
	APP_CONFIG=development $(BIN)/flask worker & worker=$$!; \
	APP_CONFIG=development $(BIN)/gunicorn --config deploy/gunicorn.conf.py --bind 127.0.0.1:$(PORT) --workers 1 --threads 4 wsgi:app & server=$$!; \
	wait

# One pytest worker per core (pytest-xdist), tests dealt out one by one but tests/ops/ kept on one
# worker (its conftest says why); each worker has a database of its own (tests/conftest.py).
TEST_WORKERS ?= auto
test: $(VENV)/.dev translations $(AUDIT_ENGINE)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The benchmarks print their figures (README, "Benchmarks"). They need Debian's chromium and
# wrk; the scale run needs Postgres on 127.0.0.1 and, for a million customers, a quarter hour
# to generate them (BENCH_SCALE="--customers 1000,1000000 --reuse" keeps what an earlier run made).
BENCH_SCALE ?= --customers 1000,1000000
bench: $(VENV)/.dev translations
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.server
	$(BIN)/python -m bench.writers
	$(BIN)/python -m bench.scale $(BENCH_SCALE)

clean:
	rm -rf $(VENV) instance/omahallinta.db* instance/mail tests/browser/node_modules
