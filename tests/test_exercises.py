"""The exercises and their checker: every stub says "not implemented yet", every solution
passes, and deliberately wrong answers (mutants of the solutions) are caught with a
message that names what differs."""

from pathlib import Path

import numpy as np
import pytest

from tinygrad_rnn.classroom import EXERCISES, CaseFailure, check_file, compare, find_exercise

ROOT = Path(__file__).resolve().parent.parent
STUBS = ROOT / "examples" / "exercises"
SOLUTIONS = STUBS / "solutions"

# (exercise, text in the solution, replacement, words the report must contain)
MUTANTS = [
    (
        1,
        "grad_out * (1 - out * out)",
        "grad_out * (out * out - 1)",
        ["∂L/∂x", "differs", "sign error", "1 - out²"],
    ),
    (
        1,
        "grad_out * (1 - out * out)",
        "grad_out * (1 - np.tanh(out) ** 2)",
        ["you apply tanh to `out` again"],
    ),
    (
        1,
        "return 1 / (1 + np.exp(-x))",
        "return np.exp(x) / (1 + np.exp(x))",
        ["σ(x)[4] differs: expected 1, got nan", "overflowed"],
    ),
    (
        1,
        "return grad_out * out * (1 - out)",
        "return out * (1 - out)",
        ["you forget grad_out"],
    ),
    (
        2,
        "    if stretched:\n        summed = summed.sum(axis=stretched, keepdims=True)\n",
        "",
        ["case 3: grad (3, 4) -> shape (3, 1)", "cannot reshape", "sum over axis 1 (4 -> 1)"],
    ),
    (
        2,
        "    if stretched:\n        summed = summed.sum(axis=stretched, keepdims=True)\n"
        "    return summed.reshape(shape)",
        "    return summed",
        ["shape (3, 4), expected (3, 1)", "sum over axis 1 (4 -> 1) where the input has size 1"],
    ),
    (
        3,
        "        if parents_done:\n            order.append(node)  # post-order: after all of its "
        "parents\n            continue\n        if node in visited:\n            continue\n"
        "        visited.add(node)\n",
        "        if parents_done:\n            continue\n        if node in visited:\n"
        "            continue\n        visited.add(node)\n        order.append(node)\n",
        ["'y' (mul, node 3) comes before its parent 'x' (add, node 2)", "post-order"],
    ),
    (
        3,
        "            if parent.requires_grad and parent not in visited:",
        "            if parent not in visited:",
        ["'data' (constant, node 1) should not be in the list", "requires_grad"],
    ),
    (
        3,
        "        if node in visited:\n            continue\n        visited.add(node)\n",
        "",
        ["'a' (leaf, node 0) appears twice", "visited"],
    ),
    (
        4,
        "a = x @ U.T + h_prev @ W.T + b ",
        "a = x @ U.T + h_prev @ W.T ",
        ["h_t[", "differs", "you leave out the bias b"],
    ),
    (
        4,
        "o = h @ V.T + c ",
        "o = (h @ V.T + c).detach() ",
        ["∂L/∂x[", "the graph was cut"],
    ),
    (
        5,
        "dW += np.outer(dJ_da, h[t - 1])",
        "dW += np.outer(dJ_da, h[t])",
        ["∂J/∂W[", "h_{t-1}"],
    ),
    (
        5,
        "dJ_do[t] = y_hat[t] - y ",
        "dJ_do[t] = y - y_hat[t] ",
        ["∂J/∂c[", "sign error", "also different: ∂J/∂V"],
    ),
    (
        5,
        "dJ_dh[t] = W.T @ ((1 - h[t + 1] ** 2) * dJ_dh[t + 1]) + V.T @ dJ_do[t]",
        "dJ_dh[t] = W.T @ ((1 - h[t + 1] ** 2) * dJ_dh[t + 1])",
        ["∂J/∂h at t = ", "Vᵀ ∂J/∂o_t"],
    ),
    (
        6,
        "c = f * c_prev + i * g",
        "c = f * c_prev - i * g",
        ["c_t[", "you subtract i ⊙ g", "also different: h_t"],
    ),
    (
        6,
        "    i = a[:, 0 * H : 1 * H].sigmoid()  # (B, H) input gate\n"
        "    f = a[:, 1 * H : 2 * H].sigmoid()",
        "    f = a[:, 0 * H : 1 * H].sigmoid()  # (B, H) input gate\n"
        "    i = a[:, 1 * H : 2 * H].sigmoid()",
        ["c_t[", "f, i, g, o; PyTorch's order is i, f, g, o"],
    ),
    (6, "h = o * c.tanh()", "h = o * c", ["h_t[", "you leave out the tanh"]),
    (
        7,
        "da_f = dc_t * c_prev * f * (1 - f)",
        "da_f = -dc_t * c_prev * f * (1 - f)",
        ["∂L/∂a_f[", "sign error", "forget gate"],
    ),
    (
        7,
        "dc_t = dc + dh * o * (1 - tanh_c**2)",
        "dc_t = dc",
        ["∂L/∂a_f[", "c_t also feeds h_t"],
    ),
    (
        8,
        "return (1 - z) * n + z * h_prev",
        "return z * n + (1 - z) * h_prev",
        ["h_t[", "z_t and 1 - z_t are swapped"],
    ),
    (
        8,
        "n = (x_proj[:, 2 * H : 3 * H] + r * h_proj[:, 2 * H : 3 * H]).tanh()",
        "n = (x_proj[:, 2 * H : 3 * H] + r * (h_prev @ weight_hh[2 * H :].T) + bias_hh[2 * H :])"
        ".tanh()",
        ["h_t[", "b_hn is added outside the reset gate"],
    ),
    (
        9,
        "        scores = tg.where(mask, scores, -1e9)",
        "        pass",
        ["case 5", "weights[", "the mask is ignored"],
    ),
    (
        9,
        "m = scores.amax(axis=1, keepdims=True).detach()",
        "m = 0",
        ["case 4", "nan", "overflowed"],
    ),
    (
        10,
        "    if scale < 1:\n        for p in with_grad:\n            p.grad = p.grad * scale",
        "    for p in with_grad:\n        own = float(np.linalg.norm(p.grad))\n"
        "        if own > max_norm:\n            p.grad = p.grad * (max_norm / (own + 1e-6))",
        ["p0.grad[", "you clip each parameter by its own norm"],
    ),
    (
        10,
        "    return total",
        "    return min(total, max_norm)",
        ["returned total norm 1, expected", "the norm after clipping"],
    ),
]


def mutant_file(tmp_path: Path, number: int, old: str, new: str) -> Path:
    exercise = find_exercise(number)
    source = (SOLUTIONS / exercise.filename).read_text()
    assert old in source, f"the mutant no longer applies to solution {exercise.filename}"
    path = tmp_path / exercise.filename
    path.write_text(source.replace(old, new))
    return path


def test_there_are_at_least_eight_exercises_in_teaching_order():
    assert len(EXERCISES) >= 8
    assert [e.number for e in EXERCISES] == list(range(1, len(EXERCISES) + 1))
    names = {e.name for e in EXERCISES}
    assert {"backward", "unbroadcast", "topological_sort", "rnn_step", "bptt"} <= names
    assert {"lstm_cell", "gru_cell", "attention", "clip_grad_norm"} <= names


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.filename)
def test_the_stub_is_not_implemented_yet(exercise):
    stub = STUBS / exercise.filename
    text = stub.read_text()
    assert text.startswith('"""Exercise') and "raise NotImplementedError" in text
    report = check_file(exercise, stub, command=f"tinygrad-rnn check {exercise.number}")
    assert report.not_implemented and not report.passed
    output = report.format()
    assert "not implemented yet" in output and f"tinygrad-rnn check {exercise.number}" in output
    assert "FAIL" not in output and "ERROR" not in output


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.filename)
def test_the_solution_passes(exercise):
    report = check_file(exercise, SOLUTIONS / exercise.filename)
    assert report.passed, report.format()
    assert len(report.results) >= 4
    assert f"All {len(report.results)} cases passed" in report.format()


def test_every_exercise_has_a_mutant():
    assert {number for number, *_ in MUTANTS} == {e.number for e in EXERCISES}


@pytest.mark.parametrize(
    "number, old, new, words", MUTANTS, ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTANTS)]
)
def test_a_wrong_answer_is_caught_with_a_message_naming_the_difference(
    tmp_path, number, old, new, words
):
    path = mutant_file(tmp_path, number, old, new)
    report = check_file(find_exercise(number), path)
    assert not report.passed
    output = report.format()
    assert "FAIL" in output or "ERROR" in output
    flat = " ".join(output.split())  # the report wraps long lines
    missing = [word for word in words if " ".join(word.split()) not in flat]
    assert not missing, f"{missing} not in:\n{output}"


def test_a_half_done_exercise_reports_what_is_left(tmp_path):
    source = (SOLUTIONS / "01_backward.py").read_text()
    source = source.replace(
        "    return grad_out * out * (1 - out)", "    raise NotImplementedError"
    )
    path = tmp_path / "01_backward.py"
    path.write_text(source)
    report = check_file(find_exercise(1), path)
    statuses = [result.status for result in report.results]
    assert "pass" in statuses and "todo" in statuses and not report.not_implemented
    output = report.format()
    assert "sigmoid_backward is not implemented yet" in flat(report)
    assert "not implemented yet." in output.splitlines()[-1]


def flat(report) -> str:
    """The report's text with its line wrapping undone."""
    return " ".join(report.format().split())


def test_a_crash_names_the_line_of_the_students_file(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(
        "def lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):\n"
        "    a = x @ weight_ih + bias_ih\n"  # forgot the transpose
        "    return a, a\n"
    )
    report = check_file(find_exercise("lstm_cell"), path)
    output = flat(report)
    assert "ERROR" in output and "ShapeError" in output and "mine.py:2 in lstm_cell" in output
    assert "a[:, k*H:(k+1)*H]" in output  # the case's hint about the shapes


def test_a_syntax_error_or_a_missing_function_is_explained(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def unbroadcast(grad, shape)\n    return grad\n")
    report = check_file(find_exercise(2), broken)
    assert not report.passed and "syntax error at line 1" in flat(report)
    other = tmp_path / "other.py"
    other.write_text("def unbroadcst(grad, shape):\n    return grad\n")
    report = check_file(find_exercise(2), other)
    assert "defines no function unbroadcast" in flat(report)


def test_a_recursive_topological_sort_fails_on_the_long_chain(tmp_path):
    path = tmp_path / "recursive.py"
    path.write_text(
        "def topological_order(root):\n"
        "    order, seen = [], set()\n"
        "    def visit(node):\n"
        "        if node in seen:\n"
        "            return\n"
        "        seen.add(node)\n"
        "        for parent in node.parents:\n"
        "            if parent.requires_grad:\n"
        "                visit(parent)\n"
        "        order.append(node)\n"
        "    visit(root)\n"
        "    return order\n"
    )
    report = check_file(find_exercise(3), path)
    statuses = [result.status for result in report.results]
    assert statuses[:-1] == ["pass"] * (len(statuses) - 1) and statuses[-1] == "error"
    assert "RecursionError" in flat(report) and "explicit stack" in flat(report)


def test_a_float32_answer_computed_in_float64_is_caught(tmp_path):
    path = tmp_path / "f64.py"
    path.write_text(
        "import numpy as np\n"
        "def tanh_backward(out, grad_out):\n"
        "    return np.asarray(grad_out * (1 - out * out), dtype=np.float64)\n"
        "def sigmoid_forward(x):\n    return 1 / (1 + np.exp(-x))\n"
        "def sigmoid_backward(out, grad_out):\n    return grad_out * out * (1 - out)\n"
    )
    report = check_file(find_exercise(1), path)
    assert "dtype float64, expected float32" in flat(report)
    assert [r.status for r in report.results].count("fail") == 1


@pytest.mark.parametrize(
    "key, number",
    [("6", 6), ("06", 6), ("lstm_cell", 6), ("lstm-cell", 6), ("06_lstm_cell.py", 6),
     ("path/to/05_bptt.py", 5), ("11", None), ("lstm", None)],
)  # fmt: skip
def test_find_exercise(key, number):
    found = find_exercise(key)
    assert (found.number if found else None) == number


def test_compare_names_the_worst_element_and_the_kind_of_mistake():
    expected = np.array([[1.0, -2.0], [3.0, 0.5]])
    with pytest.raises(CaseFailure) as caught:
        compare("∂J/∂W", expected, 2 * expected)
    assert "∂J/∂W[1, 0] differs: expected 3, got 6 (4 of 4 elements differ)" in caught.value.what
    assert "2 times the expected value" in caught.value.what
    with pytest.raises(CaseFailure) as caught:
        compare("g", expected, expected.T)
    assert "transpose" not in caught.value.what  # same shape: just values
    six = np.arange(6.0).reshape(2, 3)
    with pytest.raises(CaseFailure) as caught:
        compare("g", six, six.T)
    assert "shape (3, 2), expected (2, 3)" in caught.value.what and "transpose" in caught.value.what
    with pytest.raises(CaseFailure) as caught:
        compare("g", six, six.reshape(6))
    assert "only the shape is not" in caught.value.what
    with pytest.raises(CaseFailure) as caught:
        compare("g", expected, np.zeros((2, 2)))
    assert "all zeros" in caught.value.what
    compare("g", expected, expected + 1e-12)  # within tolerance: no error


def test_an_iterable_order_is_accepted_and_a_made_up_node_is_named(tmp_path):
    source = (SOLUTIONS / "03_topological_sort.py").read_text()
    path = tmp_path / "03_topological_sort.py"
    path.write_text(source.replace("    return order\n", "    return (node for node in order)\n"))
    assert check_file(find_exercise(3), path).passed  # a generator, as before
    path.write_text(
        "import numpy as np\nimport tinygrad_rnn as tg\n\n"
        "def topological_order(root):\n"
        "    return [tg.Tensor(np.zeros(1), requires_grad=True), root]\n"
    )
    report = check_file(find_exercise(3), path)
    assert "element 0 is a Tensor your code made, not a node of the graph you were given" in flat(
        report
    )


def test_answers_of_the_wrong_kind_are_explained(tmp_path):
    source = (SOLUTIONS / "07_lstm_backward.py").read_text()
    path = tmp_path / "07_lstm_backward.py"
    path.write_text(source.replace("    return h, c, cache\n", "    return h, c\n"))
    report = check_file(find_exercise(7), path)
    assert "lstm_forward returned a tuple of 2 values, not (h, c, cache)" in flat(report)
    source = (SOLUTIONS / "10_clip_grad_norm.py").read_text()
    path = tmp_path / "10_clip_grad_norm.py"
    path.write_text(source.replace("    return total\n", "    return [total, total]\n"))
    report = check_file(find_exercise(10), path)
    assert "the total norm clip_grad_norm returned: got an array of shape (2,), not a number" in (
        flat(report)
    )
