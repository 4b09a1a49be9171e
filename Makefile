# digitpad: `make run` serves the app, `make test` runs every test.
# Both set up what is missing first: the npm runtime for the page, and a Python
# virtual environment for training and tests.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DATA ?= $(if $(MNIST_DIR),$(MNIST_DIR),$(wildcard ../shared/data/mnist))
# Pen digits: PENDIGITS=FILE, else train/datasets.py finds ../shared/data/pendigits
# or downloads them from UCI once into $DIGITPAD_DATA or ~/.cache/digitpad.
PENDIGITS ?=

.PHONY: all setup vendor build run test test-unit test-browser train train-quick \
        evaluate calibrate bench clean

all: build

# --- set-up -------------------------------------------------------------------

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

setup: node_modules/.package-lock.json $(VENV)/.installed

vendor: node_modules/.package-lock.json
	node scripts/vendor.mjs

# --- the app ------------------------------------------------------------------

build: vendor
	node scripts/snapshot.mjs
	$(PYTHON) scripts/build.py

run: build
	$(PYTHON) scripts/serve.py --port $(PORT) --dir dist

# --- tests --------------------------------------------------------------------

test: setup build
	bash scripts/ensure_chromium.sh
	bash scripts/ensure_engines.sh
	bash scripts/ensure_compress.sh
	$(PY) -m pytest

test-unit: $(VENV)/.installed
	bash scripts/ensure_compress.sh
	$(PY) -m pytest -m "not browser and not slow"

test-browser: setup build
	bash scripts/ensure_chromium.sh
	bash scripts/ensure_engines.sh
	$(PY) -m pytest -m browser

bench: setup build
	bash scripts/ensure_chromium.sh
	$(PY) -m tests.bench
	$(PY) -m tests.bench_personal

# --- the model ----------------------------------------------------------------

# Without MNIST_DIR or ../shared/data/mnist, Keras downloads MNIST.
DATA_ARGS = $(if $(DATA),--data "$(DATA)") $(PEN_ARGS)
PEN_ARGS = $(if $(PENDIGITS),--pendigits "$(PENDIGITS)")

train: $(VENV)/.installed
	$(PY) -m train $(DATA_ARGS) --out model
	$(PY) -m train.calibrate --model model $(PEN_ARGS)

train-quick: $(VENV)/.installed
	$(PY) -m train --quick $(DATA_ARGS) --out build/quick-model

evaluate: $(VENV)/.installed
	$(PY) -m train.evaluate $(DATA_ARGS) --model model

calibrate: $(VENV)/.installed
	$(PY) -m train.calibrate --model model $(PEN_ARGS)

clean:
	rm -rf dist build vendor .pytest_cache
