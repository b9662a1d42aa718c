# The two set-up commands: `make run` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVICES := identity catalog orders payments analytics
# Everything with a database of its own to migrate: the services and the console (its sessions).
MIGRATED := $(SERVICES) console
PACKAGES := libs/contracts libs/chassis $(addprefix services/,$(SERVICES)) gateway console
STAMP := $(VENV)/.installed
PYPROJECTS := $(addsuffix /pyproject.toml,$(PACKAGES))
export MARKETPLACE_VAR_DIR ?= $(CURDIR)/var
# Two web processes per service keep a laptop comfortable; production sets its own.
export WEB_CONCURRENCY ?= 2
PYTEST_ARGS ?=

.PHONY: install run run-prod migrate test bench bench-identity bench-gateway bench-storefront bench-reservations bench-orders bench-payments bench-analytics bench-load asyncapi clean

$(STAMP): $(PYPROJECTS) requirements/constraints.txt requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -r requirements/dev.txt \
		--config-settings editable_mode=compat $(addprefix -e ,$(PACKAGES))
	touch $(STAMP)

install: $(STAMP)

migrate: install
	@for service in $(MIGRATED); do echo "migrating $$service"; $(BIN)/$$service db upgrade || exit 1; done

run: export IDENTITY_LOG_MAIL ?= true
run: export GATEWAY_CONSOLE_URL ?= http://127.0.0.1:8006
run: migrate
	$(BIN)/identity seed-demo --if-empty --output $(MARKETPLACE_VAR_DIR)/demo-credentials.json
	@# A file written before the console existed lacks its client: write the clients again.
	@grep -qs '^CONSOLE_CLIENT_ID=' $(MARKETPLACE_VAR_DIR)/service-clients.env || rm -f $(MARKETPLACE_VAR_DIR)/service-clients.env
	$(BIN)/identity service-clients --if-missing --output $(MARKETPLACE_VAR_DIR)/service-clients.env
	@$(BIN)/python scripts/check_ports.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile -e .env,$(MARKETPLACE_VAR_DIR)/service-clients.env \
		2>&1 || test $$? -eq 130

# docker-compose.yml's processes on this machine's PostgreSQL (a database per service), RabbitMQ and
# Redis, with the compose file's variable names (deploy/run-prod.env, then .env): the databases are
# created if missing (the console's too), each one's migrations run once, then deploy/Procfile.prod starts.
PROD_ENV := set -a; . deploy/run-prod.env; if [ -f .env ]; then . ./.env; fi; set +a
run-prod: install
	@$(PROD_ENV); for service in $(MIGRATED); do \
		psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'marketplace_$$service'" \
			| grep -q 1 || createdb -h 127.0.0.1 -U postgres marketplace_$$service || exit 1; \
		echo "migrating $$service"; $(BIN)/$$service db upgrade || exit 1; done
	@grep -qs '^CONSOLE_CLIENT_ID=' $(MARKETPLACE_VAR_DIR)/prod-service-clients.env || rm -f $(MARKETPLACE_VAR_DIR)/prod-service-clients.env
	@$(PROD_ENV); $(BIN)/identity service-clients --if-missing --output $(MARKETPLACE_VAR_DIR)/prod-service-clients.env
	@$(BIN)/python scripts/check_ports.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f deploy/Procfile.prod \
		-e deploy/run-prod.env,.env,$(MARKETPLACE_VAR_DIR)/prod-service-clients.env 2>&1 || test $$? -eq 130

# Tests run in parallel worker processes (pytest-xdist), one per CPU and at most four, each with
# its own databases and broker namespaces; a test file stays on one worker, in order, so its
# module-scoped fixtures are built once. PYTEST_WORKERS=0 runs everything in this process.
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadfile $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/run_chassis_overhead.py

bench-identity: install
	$(BIN)/python bench/run_identity_tokens.py

bench-gateway: install
	$(BIN)/python bench/run_gateway_overhead.py

bench-storefront: install
	$(BIN)/python bench/run_catalog_storefront.py

bench-reservations: install
	$(BIN)/python bench/run_catalog_reservations.py

bench-orders: install
	$(BIN)/python bench/run_orders_placement.py

bench-payments: install
	$(BIN)/python bench/run_payments.py

bench-analytics: install
	$(BIN)/python bench/run_analytics.py

# The whole marketplace through the gateway on PostgreSQL + RabbitMQ; BENCH_LOAD_ARGS=--duration 10 for a check.
BENCH_LOAD_ARGS ?=
bench-load: install
	$(BIN)/python bench/load/run_load.py $(BENCH_LOAD_ARGS)

asyncapi: install
	$(BIN)/python -m contracts.asyncapi docs/asyncapi.yaml

clean:
	rm -rf var .pytest_cache
