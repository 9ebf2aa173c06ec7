# Two commands matter: `make run` and `make test`. Both start from nothing but Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck contracts unit bench soak screenshots clean dist

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/pos

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

contracts: $(STAMP)
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint contracts typecheck
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# The storefront sync's full soak: 500 changes and 200 orders with 30 % faults, 50 kill -9s.
soak: $(STAMP)
	POS_SYNC_SOAK=full $(BIN)/python -m pytest tests/integration/test_sync_soak.py -q

# Needs pdftoppm (Debian: poppler-utils) to turn the receipt and report PDFs into PNGs.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ui.screenshots docs/screenshots
	$(BIN)/python -m benchmarks.receipt_sample docs/screenshots/receipt.pdf
	pdftoppm -png -r 110 -singlefile docs/screenshots/receipt.pdf docs/screenshots/receipt
	$(BIN)/python -m benchmarks.report_samples docs/screenshots
	$(BIN)/python -m benchmarks.labels_sample docs/screenshots
	pdftoppm -png -r 60 -singlefile docs/screenshots/labels-3x8.pdf docs/screenshots/labels-3x8
	pdftoppm -png -r 60 -singlefile docs/screenshots/labels-2x7.pdf docs/screenshots/labels-2x7
	pdftoppm -png -r 200 -singlefile docs/screenshots/labels-62x29.pdf docs/screenshots/labels-62x29

# The wheel (resources/ inside, as package data) and the sdist, into dist/, built by pip
# and setuptools alone (no `build` package needed).
dist: $(STAMP)
	rm -rf dist build
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .
	$(BIN)/python -c "from setuptools.build_meta import build_sdist; print('dist/' + build_sdist('dist'))"
	ls -l dist

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache dist build
