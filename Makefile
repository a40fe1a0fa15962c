# Careportal. `make run` starts the portal on the embedded default with both demo tenants;
# `make test` runs every test (unit, CLI, store and HTTP suites on SQLite and PostgreSQL,
# browser). See README.md.

CARGO ?= cargo
# Keep the (large) target folder out of the clone when the caller says where.
export CARGO_TARGET_DIR ?= $(CURDIR)/target
BIN := $(CARGO_TARGET_DIR)/debug/careportal
BROWSER_DIR := tests/browser
# The tests' Python (moto, aiosmtpd): a virtualenv outside the clone, made by tests/setup.sh.
export TEST_VENV ?= /var/tmp/careportal-venv
export TEST_PYTHON ?= $(TEST_VENV)/bin/python
# kubernetes-validate and checkov, for infra/ (tests/setup.sh).
export INFRA_VENV ?= /var/tmp/careportal-infra-venv

.PHONY: run build test test-deps test-unit test-infra test-sqlite test-postgres test-halves e2e lint fmt clean bench drill

## Start the portal on SQLite in ./data with the demo tenants (loaded when the data folder is empty).
run: build
	$(BIN) demo --if-empty
	$(BIN) serve

build:
	$(CARGO) build --workspace --bins

## Every test. The PostgreSQL half needs the server at 127.0.0.1:5432 (TEST_POSTGRES_URL to change).
# Every cargo call here is workspace-wide, so all of them share one feature set and one build.
test: test-deps
	$(CARGO) test --workspace --no-run
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-infra
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres
	$(MAKE) --no-print-directory e2e

## What the tests need (Debian packages, PostgreSQL running, the Python and npm packages);
## quick when all is there. tests/setup.sh says what and why.
test-deps:
	@bash tests/setup.sh all

## Unit tests of every crate, the CLI tests of the binary, and the suites' tests that are
## not one story on two databases.
test-unit:
	$(CARGO) test --workspace --lib --bins --test cli --test oathtool --test documents
	$(CARGO) test --workspace $(BOTH_BACKENDS) -- --skip sqlite:: --skip postgres::

# The suites whose every story runs as sqlite::name and postgres::name.
BOTH_BACKENDS := --test store --test http --test logs --test sync --test worker --test delivery --test drill

## The store conformance and HTTP suites on SQLite.
test-sqlite: test-halves
	@echo "== store and HTTP suites on SQLite"
	$(CARGO) test --workspace $(BOTH_BACKENDS) -- sqlite::

## The store conformance and HTTP suites on PostgreSQL.
test-postgres: test-halves
	@echo "== store and HTTP suites on PostgreSQL"
	$(CARGO) test --workspace $(BOTH_BACKENDS) -- postgres::

## A filter that matches nothing passes in cargo, so a story written outside
## on_both_backends! would run in neither half: the halves must be the same size, and
## what is in neither (no database, or PostgreSQL by nature) runs in test-unit.
test-halves:
	@list() { $(CARGO) test --workspace $(BOTH_BACKENDS) -q -- --list $$1 2>/dev/null | grep -c ': test$$'; }; \
	all=$$(list ""); sqlite=$$(list sqlite::); postgres=$$(list postgres::); \
	echo "== $$all tests: $$sqlite on SQLite, $$postgres on PostgreSQL, $$((all - sqlite - postgres)) in neither (test-unit)"; \
	if [ "$$sqlite" != "$$postgres" ]; then \
	  echo "every story must run on both databases (on_both_backends!): the halves differ"; exit 1; fi

## The deployment files (infra/): valid Kubernetes of the pinned version, checkov's hardening
## rules (offline), and tests/infra/check.py, which loads each container's configuration
## with the real binary and checks ports, Services and the AWS policies.
test-infra: build test-deps
	@echo "== infra: kubernetes-validate, checkov, the configuration through the binary"
	$(INFRA_VENV)/bin/kubernetes-validate --strict --quiet infra/k8s/*.yaml
	BC_SKIP_MAPPING=TRUE $(INFRA_VENV)/bin/checkov -d infra --quiet --compact --skip-download
	$(INFRA_VENV)/bin/python tests/infra/check.py $(BIN)

## Browser tests: Debian's chromium, playwright-core and axe-core.
e2e: build test-deps
	CAREPORTAL_BIN=$(BIN) npm --prefix $(BROWSER_DIR) test

## Login throughput against Argon2 alone, and page latency during a login burst (release build).
bench:
	$(CARGO) bench --workspace --bench pages --bench login --bench ingest --bench audit

## The abuse drill at full size on both databases (tests/drill): a portal on 127.0.0.1 attacked
## across tenants and clients, by password and code guessing, SMS pumping and form fuzzing;
## prints one table and fails when a figure is off. `make test` runs its short form.
drill: build
	CAREPORTAL_DRILL=full $(CARGO) test --workspace --test drill

lint:
	@bash tests/setup.sh rust
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

clean:
	rm -rf data
