# reportgen: `make site-assets` builds the page, `make test` runs the test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=
PYTEST_ARGS ?=
NPM_CI := npm ci --no-audit --no-fund --loglevel=error

.PHONY: site-assets test test-fast lint bench preview clean node-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

tests/mdx/node_modules/.installed: tests/mdx/package-lock.json
	cd tests/mdx && $(NPM_CI)
	touch $@

tests/e2e/site/node_modules/.installed: tests/e2e/site/package-lock.json
	cd tests/e2e/site && $(NPM_CI)
	touch $@

node-deps: tests/mdx/node_modules/.installed tests/e2e/site/node_modules/.installed

## Build site-assets/ (page + images) from the embedded dataset. Extra options: ARGS="--epochs 8"
site-assets: $(STAMP)
	$(BIN)/reportgen site-assets $(ARGS)

## Run the whole test suite (units, MDX compile, integration, Docusaurus + Chromium e2e)
test: $(STAMP) node-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Unit tests only (no training, node, wheel or browser): the edit loop, about 5 minutes
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not integration and not e2e" $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check reportgen tests

## Speed and memory figures as one JSON object (ratios against reference runs)
bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench.py

## Build the e2e Docusaurus site with the current site-assets/ and screenshot the page
preview: $(STAMP) node-deps
	$(BIN)/python -m tests.e2e.preview

## Remove generated files only (git status is clean afterwards)
clean:
	rm -rf site-assets/docs site-assets/static site-assets/src site-assets/.reportgen-manifest*.json \
	       site-assets/preview.png site-assets/preview-dark.png data/export data/export-* \
	       data/cache data/models logs \
	       tests/e2e/site/build tests/e2e/site/.docusaurus \
	       tests/e2e/site/docs/image-classification tests/e2e/site/.reportgen-manifest*.json \
	       tests/e2e/site/static/assets tests/e2e/site/src tests/artifacts \
	       tests/e2e/site/versioned_docs tests/e2e/site/versioned_sidebars \
	       tests/e2e/site/versions.json tests/e2e/site/i18n
