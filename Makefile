# Strata: `make demo` runs the main job on the embedded default; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint browser dagster clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/strata demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Debian's Chromium and ChromeDriver for the tracker's browser test (never a downloaded browser).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } || \
	  echo "warning: chromium/chromedriver missing and not installable here: the browser test will skip"

test: $(STAMP) lint browser
	$(BIN)/pytest -q

dagster: $(STAMP)
	mkdir -p .strata/dagster && cp orchestration/dagster.yaml .strata/dagster/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.strata/dagster $(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf .strata
