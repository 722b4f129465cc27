# Each target creates .venv with the machine's python3 if it is missing, installs the
# project into it (again only when pyproject.toml changed), and runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format fuzz clean

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
	$(BIN)/python examples/hello_rnn.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest

# the random-graph gradient fuzzers with 2000 examples each instead of the suite's few dozen
fuzz: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/test_fuzz_*.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
