# Each target creates .venv with the machine's python3 if it is missing, installs the
# project into it (again only when pyproject.toml changed), and runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format fuzz bench lessons clean notebooks pictures

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# what the demo needs (matplotlib draws its gradient-flow plot)
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[plot]"
	touch $@

# plus pytest, hypothesis and ruff
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test,lint,plot]"
	touch $@ $(VENV)/.installed-run

demo: $(VENV)/.installed-run
	$(BIN)/tinygrad-rnn demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest

# speed and memory against the hand-written numpy baselines and micrograd (~12 minutes);
# results and how to read them: benchmarks/README.md
$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[bench,plot]"
	touch $@ $(VENV)/.installed-run

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.bench_lstm --record
	$(BIN)/python -m benchmarks.bench_lstm --clock cpu --blas-threads 1 --record
	$(BIN)/python -m benchmarks.bench_lstm --steps 40 --clock cpu --blas-threads 1 --malloc glibc --record
	$(BIN)/python -m benchmarks.bench_gru_rnn --record
	$(BIN)/python -m benchmarks.bench_gru_rnn --clock cpu --blas-threads 1 --record
	$(BIN)/python -m benchmarks.bench_scalar --clock cpu --steps 10 200 2000 10000 --record
	$(BIN)/python -m benchmarks.bench_cnn --record
	$(BIN)/python -m benchmarks.bench_cnn --clock cpu --blas-threads 1 --record
	$(BIN)/python -m benchmarks.bench_memory --record
	$(BIN)/python -m benchmarks.replay_floor --record
	$(BIN)/python -m benchmarks.replay_floor --clock cpu --blas-threads 1 --record
	$(BIN)/python -m benchmarks.bench_lstm --steps 40 --profile --blas-threads 1
	$(BIN)/python -m benchmarks.report

# every lesson with its defaults over seeds 0, 1, 2 (~15 minutes on 2 cores): writes
# docs/results.md, docs/results.json and the figures of README.md's lessons table
lessons: $(VENV)/.installed-run
	$(BIN)/python docs/make_results.py

# every graph picture in docs/images (the README's, the demo's, lesson 1's), with theme
# slides, from the commands the README shows under each; `--check` prints how each fits a slide
pictures: $(VENV)/.installed-run
	$(BIN)/python docs/make_pictures.py

# the random-graph gradient fuzzers with 2000 examples each instead of the suite's few dozen
fuzz: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/test_fuzz_*.py

# every lesson as a Jupyter notebook, made from examples/NN_*.py into notebooks/ (not
# committed: make them again after changing a lesson); open them with `jupyter lab`
notebooks: $(VENV)/.installed-test
	$(BIN)/python -m tinygrad_rnn.notebooks --out notebooks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
