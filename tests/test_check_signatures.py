"""`tinygrad-rnn check` on a function whose arguments differ from the stub's: one message,
before any case runs, that shows the student's signature and the call the checker makes."""

import inspect
import re
from pathlib import Path

from helpers import run_cli

from tinygrad_rnn.classroom import signatures
from tinygrad_rnn.classroom.exercises import EXERCISES

ROOT = Path(__file__).resolve().parent.parent


def check(tmp_path, capsys, exercise: str, source: str) -> tuple[int, str]:
    path = tmp_path / "mine.py"
    path.write_text(source, encoding="utf-8")
    status, out, err = run_cli(["check", exercise, str(path)], capsys)
    assert err == ""
    return status, " ".join(out.split())  # the report wraps long lines


def test_too_few_arguments_names_both_signatures_instead_of_a_slicing_hint(tmp_path, capsys):
    source = "def lstm_cell(x, h_prev, c_prev, W, b):\n    return x, x\n"
    status, out = check(tmp_path, capsys, "6", source)
    assert status == 1
    assert "lstm_cell(x, h_prev, c_prev, W, b) cannot take what the checker passes" in out
    assert "lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh)" in out
    assert "7 arguments by position (too many positional arguments)" in out
    assert "Keep the arguments of the stub (06_lstm_cell.py)" in out
    assert "case 1" not in out and "slice the gate blocks" not in out


def test_renamed_keyword_arguments_and_a_missing_mask(tmp_path, capsys):
    source = "def bptt(U, W, V, b, c, inputs, targets):\n    return {}\n"
    _, out = check(tmp_path, capsys, "5", source)
    assert "bptt(U, W, V, b, c, inputs, targets) cannot take" in out
    assert "xs" in out and "by keyword" in out and "case 1" not in out
    source = "def attention(query, keys, values):\n    return query, keys\n"
    _, out = check(tmp_path, capsys, "9", source)
    assert "attention(query, keys, values, mask=...)" in out
    assert "unexpected keyword argument 'mask'" in out


def test_signatures_that_fit_are_not_reported(tmp_path, capsys):
    for source in (
        "def lstm_cell(*arrays):\n    raise NotImplementedError\n",
        "def lstm_cell(a, b, c, d, e, f, g, extra=None):\n    raise NotImplementedError\n",
    ):
        _, out = check(tmp_path, capsys, "6", source)
        assert "cannot take" not in out and "not implemented yet" in out


def test_every_stub_and_solution_fits_the_calls_the_checker_makes():
    for exercise in EXERCISES:
        for folder in ("", "solutions"):
            text = (ROOT / "examples" / "exercises" / folder / exercise.filename).read_text()
            for function in exercise.functions:
                assert function in signatures.CALLS, function
                match = re.search(rf"^def {function}\((.*?)\):", text, re.M | re.S)
                namespace: dict = {}
                exec(f"def {function}({match.group(1)}): pass", namespace)
                described = [
                    [p.name, p.kind.name, p.default is not inspect.Parameter.empty]
                    for p in inspect.signature(namespace[function]).parameters.values()
                ]
                problem = signatures.signature_problem(
                    (function,), {function: described}, exercise.filename
                )
                assert problem == "", problem


def test_a_description_that_is_not_one_is_not_checked():
    for described in (None, "x", [["x", "NO_SUCH_KIND", False]], [["x"]]):
        assert signatures.as_signature(described) is None
    assert signatures.signature_problem(("lstm_cell",), {"lstm_cell": "junk"}, "stub") == ""
