"""PyTorch programs run unchanged: four programs written as PyTorch users write them
(tests/pytorch_programs/), with only their imports pointing at tinygrad_rnn, give the
numbers PyTorch gives from the same initial weights (float64).

The reference numbers were recorded from PyTorch itself by
`python tests/pytorch_programs/record_reference.py` (needs torch); these tests need no
torch. With torch installed, the last test also checks the record is current.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "pytorch_programs"))
import harness  # noqa: E402


def reference(name: str):
    results = json.loads(harness.REFERENCE_RESULTS.read_text(encoding="utf-8"))[name]
    with np.load(harness.REFERENCE_WEIGHTS) as saved:
        prefix = f"{name}/"
        weights = {key[len(prefix) :]: saved[key] for key in saved.files if key.startswith(prefix)}
    return weights, results


def assert_same_numbers(ours, theirs, where=""):
    """Floats to 1e-9 relative (float64 on both sides, sums in another order); ints,
    strings and list lengths exactly."""
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), where
        for key in theirs:
            assert_same_numbers(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        assert len(ours) == len(theirs), where
        for k, (a, b) in enumerate(zip(ours, theirs)):
            assert_same_numbers(a, b, f"{where}[{k}]")
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12), where
    else:
        assert ours == theirs, where


@pytest.mark.parametrize("name", harness.PROGRAMS)
def test_program_gives_pytorchs_numbers(name):
    weights, expected = reference(name)
    program = harness.load(name, "tinygrad_rnn")
    numbers, _ = program.main(harness.weights_argument(program, name, weights))
    assert_same_numbers(numbers, expected, name)


@pytest.mark.parametrize("name", harness.PROGRAMS)
def test_only_the_imports_differ(name):
    ours = harness.source(name).splitlines()
    theirs = harness.torch_source(harness.source(name)).splitlines()
    changed = [(a, b) for a, b in zip(ours, theirs) if a != b]
    assert len(ours) == len(theirs) and changed
    for a, b in changed:
        assert a.split()[0] in ("import", "from") and "tinygrad_rnn" in a and "torch" in b


@pytest.mark.parametrize("name", harness.PROGRAMS)
def test_the_record_matches_pytorch_today(name):
    pytest.importorskip("torch")
    weights, expected = reference(name)
    program = harness.load(name, "torch")
    numbers, _ = program.main(harness.weights_argument(program, name, weights))
    assert_same_numbers(numbers, expected, name)


def test_the_readme_picture_command_draws_the_programs_graph(tmp_path):
    """`python docs/make_pytorch_picture.py` (the README's command) draws one training
    step of the names classifier: an SVG whose boxes include the program's parameters."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "docs"))
    import make_pytorch_picture

    written = make_pytorch_picture.main(["-o", str(tmp_path / "names.svg")])
    svg = written.read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "i2h.weight" in svg and "nll_loss" in svg
