# Strata: `make demo` runs the main job on the embedded default; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# uv installs the locked versions; it is itself installed from PyPI when missing.
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)

.PHONY: demo test drills lint lock browser web dagster clean

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): pyproject.toml $(LOCK) | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	# bytecode compiled once here: every process (each Dagster run, the CLI, the API)
	# otherwise compiles what it imports, ~2 s per start, on hosts that set
	# PYTHONDONTWRITEBYTECODE (uv installs no .pyc by default)
	VIRTUAL_ENV=$(VENV) $(UV) pip sync --quiet --compile-bytecode $(LOCK)
	VIRTUAL_ENV=$(VENV) $(UV) pip install --quiet --no-deps -e .
	touch $(STAMP)

# Re-resolve the pinned versions after changing dependencies in pyproject.toml.
lock: | $(UV)
	$(UV) pip compile --quiet pyproject.toml --extra dev --python-version 3.11 -o $(LOCK)

demo: $(STAMP)
	$(BIN)/strata demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# The dashboard (serving/web): npm ci from the lock, then lint, type check and build into
# serving/static (committed, so `make demo` needs no node); skipped where npm is missing.
WEB := serving/web
$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web:
	@if command -v npm >/dev/null; then \
	  $(MAKE) --no-print-directory $(WEB)/node_modules/.installed && cd $(WEB) && npm run --silent check && \
	  { git diff --quiet -- ../static 2>/dev/null || echo "warning: serving/static differs from the commit: commit the new build"; }; \
	else echo "warning: npm missing: the dashboard's lint, type check and build are skipped (serving/static is the committed build)"; fi

# Debian's Chromium and ChromeDriver for the tracker's browser test (never a downloaded browser).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } || \
	  echo "warning: chromium/chromedriver missing and not installable here: the browser test will skip"

test: $(STAMP) lint browser web
	$(BIN)/pytest -q -n 2 --durations=25  # two workers: the two cores CI has; the slowest tests listed

# Reliability drills at full size (make test runs their shortened forms): each prints one
# row; the table (date, machine) is printed at the end for docs/reliability.md.
drills: $(STAMP)
	rm -f .strata/drills/rows.jsonl
	STRATA_DRILLS=full $(BIN)/pytest -q -n 2 -p no:cacheprovider tests/drills \
	  tests/ingest_gateway/test_fuzz.py tests/serving/test_query_api_schema.py
	$(BIN)/python -m tests.drills.report

dagster: $(STAMP)
	mkdir -p .strata/dagster && cp orchestration/dagster.yaml .strata/dagster/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.strata/dagster $(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf .strata
