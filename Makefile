# warta: `make demo` and `make test` work on a fresh machine with Python 3.11 and pip.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SHARED := ../shared
SAMPLE := $(SHARED)/samples/000_fa0db1606fa02f66.txt

.PHONY: install demo test bench lint browser-deps train-ner clean

# The package's sources: the modules mypyc compiles (setup.py) are compiled again when any
# of them changes (a compiled module relies on the types of those it calls).
SOURCES := $(shell find src -name '*.py')
# Where Python's headers are (mypyc's C includes Python.h).
HEADERS = $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')

# The virtualenv, with the package (editable), every extra the tests use, and the dev tools.
# Made again when it has no pip (a venv made without ensurepip is left half made). Debian's
# own Python makes venvs only with its python3-venv package: installed with apt if missing,
# as are a C compiler and Python's headers for the compiled modules (without them warta
# is installed as plain Python, and tests/test_compiled.py fails).
$(STAMP): pyproject.toml setup.py $(SOURCES)
	@$(BIN)/python -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV); \
	  $(PYTHON) -m venv $(VENV) || { command -v apt-get >/dev/null && rm -rf $(VENV) \
	    && apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null \
	    && $(PYTHON) -m venv $(VENV); }; }
	@{ command -v cc >/dev/null && test -f "$(HEADERS)/Python.h"; } || { command -v apt-get \
	  >/dev/null && apt-get update -qq && apt-get install -y -qq gcc python3-dev >/dev/null; } || true
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[bench,ray]' --group dev
	touch $(STAMP)

install: $(STAMP)

# Clean the bundled example captures (and the sample capture, when ../shared is there),
# store them in an embedded SQLite file, and show what came out.
demo: install
	$(BIN)/warta clean examples/captures/pasar-ikan.txt $(wildcard $(SAMPLE)) --format text
	rm -f demo.db
	$(BIN)/warta build examples/captures $(wildcard $(SAMPLE)) --db demo.db
	$(BIN)/warta search Putin --db demo.db --limit 3 || $(BIN)/warta stats --db demo.db
	@echo "Browse it: $(BIN)/warta serve --db demo.db  (then open http://127.0.0.1:8000)"

# Debian's chromium for the browser tests (never a browser download of Playwright's own).
browser-deps:
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: install browser-deps
	$(BIN)/pytest

# Every benchmark, each printing its ratio against a baseline measured in the same run.
# All of them run; the ones below their target are listed at the end (and fail the target).
bench: install
	@below=""; for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || below="$$below $$f"; done; \
	if [ -n "$$below" ]; then echo "below target or failed:$$below"; exit 1; fi

lint: install
	$(BIN)/ruff check src tests bench scripts setup.py
	$(BIN)/ruff format --check src tests bench scripts setup.py
	$(BIN)/mypy

train-ner: install
	$(BIN)/python scripts/train_ner.py

clean:
	rm -rf $(VENV) demo.db test-artifacts .pytest_cache .mypy_cache .ruff_cache build
	find src -name '*.so' -delete
