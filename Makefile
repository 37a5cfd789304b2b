# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app learnapp
PORT ?= 5000
CATALOGS := $(wildcard learnapp/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run serve test test-fast install translations extract-messages clean

install: $(STAMP) translations

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

translations: $(STAMP) $(COMPILED)

learnapp/translations/%/LC_MESSAGES/messages.mo: learnapp/translations/%/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile --statistics -d learnapp/translations -l $* 2>&1 | grep -v '^compiling'

run: install
	$(FLASK) db-upgrade
	$(FLASK) import-courses --skip-web-published
	$(FLASK) demo --skip-if-real
	@echo ""
	@echo "learnapp is at http://127.0.0.1:$(PORT)  (Ctrl+C stops it)"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production: gunicorn with gunicorn.conf.py on the database and Redis the environment
# names (LEARNAPP_DATABASE_URL, LEARNAPP_RATELIMIT_STORAGE_URL, LEARNAPP_CACHE_URL); see
# docs/deploy.md.
serve: install
	@test -n "$$LEARNAPP_DATABASE_URL" || echo "note: LEARNAPP_DATABASE_URL is not set: SQLite under instance/, one process"
	@test -n "$$LEARNAPP_RATELIMIT_STORAGE_URL" || echo "note: LEARNAPP_RATELIMIT_STORAGE_URL is not set: sign-in throttle per process"
	@test -n "$$LEARNAPP_CACHE_URL" || echo "note: LEARNAPP_CACHE_URL is not set: each request loads its person from the database"
	$(FLASK) db-upgrade
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install
	@bash scripts/test-all

# The inner loop: SQLite only, no browser or concurrency tests. pytest's --lf and --ff
# work too, e.g. `.venv/bin/python -m pytest --lf`.
test-fast: install
	@bash scripts/test-all --fast

# Refresh the catalogs after adding or changing strings; then translate the new entries.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -k _l -k lazy_gettext --no-location --sort-output -F learnapp/babel.cfg -o learnapp/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i learnapp/translations/messages.pot -d learnapp/translations

clean:
	rm -rf $(VENV) instance
