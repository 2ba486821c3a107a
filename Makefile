# balances: two commands do everything on a fresh clone (Python 3.11 and make).
#   make reports   install into .venv, then build the per-period reports from the committed data
#   make test      install into .venv (with test extras), then run the whole test suite
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
# Raw upstream files (only needed to rebuild data/processed); CI has them beside the clone.
export BALANCES_RAW_DIR ?= $(abspath ../shared/data/raw)
# Python caches compiled modules (and pytest its rewritten test modules) in __pycache__: some
# sandboxes set PYTHONDONTWRITEBYTECODE, which makes every run recompile ~300 files (8-17 s).
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help
.PHONY: help install reports test test-fast browser-deps data check lint bench lab clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --compile-bytecode --quiet -e '.[test,browser,dask]'
	# rfc3987-syntax (a jsonschema extra) adds 1.5-3 s to every papermill/nbconvert import; nothing here needs it
	-$(BIN)/uv pip uninstall --python $(BIN)/python --quiet rfc3987-syntax
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

install: $(BIN)/.installed  ## create .venv and install balances with its test extras

reports: install  ## main job: execute every period's notebooks and write reports/index.html
	$(BIN)/balances data check
	$(BIN)/balances report --out reports

browser-deps:  ## Debian's chromium for the real-browser test (installed with apt when missing and root)
	@command -v chromium > /dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && apt-get install -y -qq chromium > /dev/null) || echo "chromium not installed: the browser test will be skipped"; }

test: install browser-deps  ## run the full test suite (slow and browser tests included)
	$(BIN)/python -m pytest

test-fast: install  ## tests without the slow and browser ones
	$(BIN)/python -m pytest -m "not slow and not browser" --hypothesis-profile=fast -n auto

data: install  ## rebuild data/processed from the raw files in BALANCES_RAW_DIR
	$(BIN)/balances data build

check: install  ## verify processed tables and raw files against their hashes
	$(BIN)/balances data check

lint: install  ## ruff check, format check, mypy on the modules held clean (pyproject [tool.mypy])
	$(BIN)/ruff check balances tests bench
	$(BIN)/ruff format --check balances tests bench
	$(BIN)/mypy

bench: install  ## run the benchmark scripts (they print their figures)
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Where `make link` puts the command (any directory on PATH).
BINDIR ?= $(HOME)/.local/bin
.PHONY: link

link: install  ## put `balances` on PATH without activating .venv: a link in BINDIR (default ~/.local/bin)
	mkdir -p $(BINDIR)
	ln -sf $(abspath $(BIN))/balances $(BINDIR)/balances
	@echo "$(BINDIR)/balances -> $(abspath $(BIN))/balances"; case ":$$PATH:" in *":$(BINDIR):"*) ;; *) echo "add $(BINDIR) to PATH";; esac

.PHONY: docs

docs: install  ## build the API reference (Sphinx, warnings as errors) into build/docs
	$(BIN)/python -m sphinx -b html -W --keep-going docs build/docs
	@echo "open build/docs/index.html"

lab: install  ## start JupyterLab on the notebooks
	$(BIN)/balances lab

clean:  ## remove the virtualenv and generated reports
	rm -rf $(VENV) reports/*.html reports/*/ reports/manifest.json
