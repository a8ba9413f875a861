# Every target sets itself up: a fresh clone needs only Python 3.11 and make.
#   make run [PORT=8000] [HOST=127.0.0.1]   the product with SQLite, local storage and demo data
#   make test | lint | bench | fuzz          the development targets (they add the dev tools)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
HOST ?= 127.0.0.1
PORT ?= 8000
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

export DATAOPS_STORE ?= sqlite:///var/dataops.db
export DATAOPS_BLOBS ?= local-dev:///var/blobs

.PHONY: run test lint bench fuzz clean build-PortalFunction build-EngineFunction build-SchedulerFunction

$(BIN)/python:
	@echo "make: creating the virtual environment $(VENV)/"
	$(PYTHON) -m venv $(VENV)

# What serving needs, and nothing else (`pip install .` installs the same).
$(RUNTIME): pyproject.toml | $(BIN)/python
	@echo "make: installing DataOps and its runtime dependencies into $(VENV)/ (first run only, about a minute)"
	$(PIP) install -e .
	@touch $@
	@echo "make: installed; the command is $(BIN)/dataops"

# The tools of `make test`, `lint`, `bench` and `fuzz`.
$(DEV): pyproject.toml $(RUNTIME)
	@echo "make: installing the development tools (pytest, schemathesis, moto, ruff, mypy) into $(VENV)/"
	$(PIP) install -e '.[dev]'
	@touch $@

run: $(RUNTIME)
	$(BIN)/dataops setup-local
	$(BIN)/dataops serve --host $(HOST) --port $(PORT)

test: $(DEV)
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: $(DEV)
	$(BIN)/ruff check src tests bench examples fuzz
	$(BIN)/ruff format --check src tests bench examples fuzz
	$(BIN)/mypy
	$(BIN)/cfn-lint infra/template.yaml

bench: $(DEV)
	$(BIN)/python -m bench $(BENCH_ARGS)

fuzz: $(DEV)
	$(BIN)/python -m pytest fuzz $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var build *.egg-info

# `sam build` (infra/template.yaml, BuildMethod: makefile) calls these with ARTIFACTS_DIR: the
# package and its `aws` extra as wheels for Lambda's Python 3.11 on arm64, whatever the build
# machine is.
LAMBDA_PLATFORM := --platform manylinux2014_aarch64 --implementation cp --python-version 3.11 --only-binary=:all:
build-PortalFunction build-EngineFunction build-SchedulerFunction:
	rm -rf build/lambda-wheel
	$(PYTHON) -m pip wheel --quiet --no-deps --wheel-dir build/lambda-wheel .
	$(PYTHON) -m pip install --quiet --target "$(ARTIFACTS_DIR)" $(LAMBDA_PLATFORM) \
		"$$(ls build/lambda-wheel/dataops-*.whl)[aws]"
