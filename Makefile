# Everyday targets; the README's Quickstart uses bin/demo and bin/test directly.
.PHONY: demo test test-real lint typecheck translations format migrate migration check ci worker bench bench-quick lock

demo:            ## serve the demo store on the embedded defaults
	bin/demo

test:            ## the suite on the embedded defaults
	bin/test

test-real:       ## the suite on local PostgreSQL and Redis
	TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ecomapp_test \
	TEST_REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python -m pytest

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

typecheck:       ## mypy over ecomapp/ and app.py (configured in pyproject.toml)
	.venv/bin/mypy

translations:    ## extract marked strings, update translations/*/messages.po, compile .mo
	.venv/bin/pybabel extract -F babel.cfg -k _l -k N_ -k NavItem --no-location --omit-header \
		-o translations/messages.pot .
	.venv/bin/pybabel update -i translations/messages.pot -d translations
	.venv/bin/pybabel compile -d translations

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

migrate:         ## apply migrations to DATABASE_URL (or the SQLite default)
	.venv/bin/flask --app app db upgrade

migration:       ## generate a migration: make migration m="what changed"
	.venv/bin/flask --app app db upgrade && .venv/bin/flask --app app db migrate -m "$(m)"

check:           ## models and migrations agree
	.venv/bin/flask --app app db check

worker:          ## a worker with the ticker (needs REDIS_URL)
	.venv/bin/python -m ecomapp.jobs.worker

BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/ecomapp_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/12

bench:           ## every benchmark at the issue's sizes (PostgreSQL + Redis): figures and goals
	.venv/bin/python -m bench.run_all --database-url $(BENCH_DATABASE_URL) --redis-url $(BENCH_REDIS_URL)

bench-quick:     ## the same at laptop sizes
	.venv/bin/python -m bench.run_all --quick --database-url $(BENCH_DATABASE_URL) --redis-url $(BENCH_REDIS_URL)

lock:            ## pin requirements.txt (what Heroku installs) from pyproject.toml; add LOCK_ARGS=--upgrade to update
	CUSTOM_COMPILE_COMMAND="make lock" .venv/bin/pip-compile --quiet --strip-extras \
		--no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS) \
		--output-file requirements.txt pyproject.toml

ci:
	bash .ci/run
