"""Exercises 6-8, the gated cells: the LSTM cell from primitives (against nn.LSTMCell), the
LSTM step's backward by hand (against autodiff through nn/cells.py's lstm_step), and the
GRU cell (against nn.GRUCell).

Read next: check_attention.py (exercises 9 and 10).
"""

from __future__ import annotations

import numpy as np

from ..nn.cells import GRUCell, LSTMCell, lstm_step
from ..tensor import Tensor
from .check_rnn import raise_first
from .compare import CaseFailure, as_array, compare, kind_of
from .composite import Composite, check_composite, check_composite_gradcheck
from .runner import Case


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


def blocks(a: np.ndarray, count: int) -> list[np.ndarray]:
    """The gate blocks of a (B, count*H) array: [a[:, 0:H], a[:, H:2H], ...]."""
    return np.split(a, count, axis=1)


# --------------------------------------------------------------------------------------
# Exercise 6: the LSTM cell from primitives
# --------------------------------------------------------------------------------------
LSTM_HINTS = {
    "h_t": "h_t = o_t ⊙ tanh(c_t), with o_t = σ(a_o), a_o = a[:, 3H:4H] (gate rows i, f, g, o)",
    "c_t": "c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t, with a = x W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh "
    "and the gate blocks in the order i, f, g, o: i = σ(a[:, 0:H]), f = σ(a[:, H:2H]), "
    "g = tanh(a[:, 2H:3H])",
}
LSTM_NAMES = ("x", "h_prev", "c_prev", "weight_ih", "weight_hh", "bias_ih", "bias_hh")


def lstm_reference(tensors: dict):
    """nn.LSTMCell with these weights."""
    D = tensors["x"].shape[1]
    H = tensors["h_prev"].shape[1]
    cell = LSTMCell(D, H)
    weights = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    cell.load_state_dict({name: tensors[name].data for name in weights})
    h, c = cell(tensors["x"], (tensors["h_prev"], tensors["c_prev"]))
    grads_from = {name: tensors[name] for name in ("x", "h_prev", "c_prev")}
    for name in weights:
        grads_from[name] = getattr(cell, name)
    return (h, c), grads_from


def lstm_gates(arrays: dict, order: str = "ifgo") -> dict:
    """The four gates computed in numpy, reading the blocks in `order`."""
    a = arrays["x"] @ arrays["weight_ih"].T + arrays["bias_ih"]
    a = a + arrays["h_prev"] @ arrays["weight_hh"].T + arrays["bias_hh"]
    parts = dict(zip(order, blocks(a, 4)))
    return {
        "i": sigmoid(parts["i"]),
        "f": sigmoid(parts["f"]),
        "g": np.tanh(parts["g"]),
        "o": sigmoid(parts["o"]),
    }


def lstm_mistakes(arrays: dict) -> dict:
    c_prev = arrays["c_prev"]
    right = lstm_gates(arrays)
    swapped = lstm_gates(arrays, order="figo")
    tf_order = lstm_gates(arrays, order="igfo")
    c = right["f"] * c_prev + right["i"] * right["g"]
    return {
        "c_t": [
            (
                swapped["f"] * c_prev + swapped["i"] * swapped["g"],
                "you read the blocks as f, i, g, o; PyTorch's order is i, f, g, o",
            ),
            (
                tf_order["f"] * c_prev + tf_order["i"] * tf_order["g"],
                "you read the blocks as i, g, f, o (TensorFlow's order); here it is i, f, g, o",
            ),
            (right["f"] * right["g"] + right["i"] * c_prev, "f multiplies g and i the old c"),
            (right["f"] * c_prev - right["i"] * right["g"], "you subtract i ⊙ g"),
        ],
        "h_t": [
            (right["o"] * c, "you leave out the tanh: h_t = o_t ⊙ tanh(c_t)"),
            (right["o"] * np.tanh(c_prev), "you use the old cell state c_{t-1}"),
        ],
    }


LSTM_CELL = Composite(
    function="lstm_cell",
    outputs=("h_t", "c_t"),
    reference=lstm_reference,
    hints=LSTM_HINTS,
    mistakes=lstm_mistakes,
    compare_first=("c_t",),
)


def lstm_arrays(B: int, D: int, H: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((B, D)),
        "h_prev": np.tanh(rng.standard_normal((B, H))),
        "c_prev": rng.standard_normal((B, H)),
        "weight_ih": rng.standard_normal((4 * H, D)) * 0.7,
        "weight_hh": rng.standard_normal((4 * H, H)) * 0.7,
        "bias_ih": rng.standard_normal(4 * H) * 0.5,
        "bias_hh": rng.standard_normal(4 * H) * 0.5,
    }


def check_lstm_cell(module, B, D, H, seed) -> None:
    check_composite(module, LSTM_CELL, lstm_arrays(B, D, H, seed), seed=seed)


def check_lstm_cell_gradcheck(module, B, D, H, seed) -> None:
    check_composite_gradcheck(module, LSTM_CELL, lstm_arrays(B, D, H, seed))


CELL_SHAPE_HINT = (
    "a = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh is (B, G*H); "
    "slice the gate blocks along axis 1: a[:, k*H:(k+1)*H]"
)


def cell_cases(name: str, check, gradcheck, outputs: str) -> list[Case]:
    """Random cases of one cell exercise at four sizes, then a finite-difference check."""
    shapes = [(2, 3, 4), (1, 1, 1), (3, 2, 5), (4, 4, 2)]
    cases = [
        Case(
            f"B={B}, D={D}, H={H}: {outputs}",
            check,
            dict(B=B, D=D, H=H, seed=seed),
            hint=CELL_SHAPE_HINT,
        )
        for seed, (B, D, H) in enumerate(shapes)
    ]
    cases.append(
        Case(
            f"gradcheck (finite differences) of {name}, B=2, D=2, H=2",
            gradcheck,
            dict(B=2, D=2, H=2, seed=9),
            hint=CELL_SHAPE_HINT,
        )
    )
    return cases


def lstm_cell_cases() -> list[Case]:
    return cell_cases(
        "lstm_cell", check_lstm_cell, check_lstm_cell_gradcheck, "h_t, c_t and 7 gradients"
    )


# --------------------------------------------------------------------------------------
# Exercise 7: the LSTM step's backward, by hand
# --------------------------------------------------------------------------------------
DC_TOTAL = "∂L/∂c_t = dc + dh ⊙ o ⊙ (1 - tanh²(c_t)) (the total: c_t also feeds h_t)"
LSTM_BACKWARD = {  # key -> (what it is, the formula)
    "a_o": ("∂L/∂a_o", "a_o is the output gate before σ: ∂L/∂a_o = dh ⊙ tanh(c_t) ⊙ o (1 - o)"),
    "a_f": (
        "∂L/∂a_f",
        f"a_f is the forget gate before σ: ∂L/∂a_f = ∂L/∂c_t ⊙ c_{{t-1}} ⊙ f (1 - f), "
        f"where {DC_TOTAL}",
    ),
    "a_i": (
        "∂L/∂a_i",
        f"a_i is the input gate before σ: ∂L/∂a_i = ∂L/∂c_t ⊙ g ⊙ i (1 - i), where {DC_TOTAL}",
    ),
    "a_g": (
        "∂L/∂a_g",
        f"a_g is the candidate before tanh: ∂L/∂a_g = ∂L/∂c_t ⊙ i ⊙ (1 - g²), where {DC_TOTAL}",
    ),
    "c_prev": ("∂L/∂c_{t-1}", f"∂L/∂c_{{t-1}} = ∂L/∂c_t ⊙ f, where {DC_TOTAL}"),
    "h_prev": (
        "∂L/∂h_{t-1}",
        "∂L/∂h_{t-1} = da @ weight_hh with da = [∂L/∂a_i, ∂L/∂a_f, ∂L/∂a_g, ∂L/∂a_o] "
        "side by side, (B, 4H) @ (4H, H)",
    ),
    "x": ("∂L/∂x", "∂L/∂x = da @ weight_ih, (B, 4H) @ (4H, D)"),
    "weight_ih": ("∂L/∂W_ih", "∂L/∂W_ih = daᵀ x: da.T @ x, (4H, B) @ (B, D)"),
    "weight_hh": ("∂L/∂W_hh", "∂L/∂W_hh = daᵀ h_{t-1}: da.T @ h_prev, (4H, B) @ (B, H)"),
    "bias": ("∂L/∂b", "∂L/∂b = Σ over the batch of da: da.sum(axis=0), shape (4H,)"),
}


def lstm_backward_inputs(B: int, D: int, H: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((B, D)),
        "h_prev": np.tanh(rng.standard_normal((B, H))),
        "c_prev": rng.standard_normal((B, H)),
        "weight_ih": rng.standard_normal((4 * H, D)) * 0.7,
        "weight_hh": rng.standard_normal((4 * H, H)) * 0.7,
        "bias": rng.standard_normal(4 * H) * 0.5,
        "dh": rng.standard_normal((B, H)),
        "dc": rng.standard_normal((B, H)),
    }


def lstm_backward_reference(arrays: dict) -> dict:
    """Autodiff through the engine's lstm_step: L = Σ dh ⊙ h_t + Σ dc ⊙ c_t."""
    names = ("x", "h_prev", "c_prev", "weight_ih", "weight_hh", "bias")
    leaves = {name: Tensor(arrays[name].copy(), requires_grad=True, label=name) for name in names}
    a = leaves["x"] @ leaves["weight_ih"].T + leaves["bias"]  # (B, 4H): gates = a + h W_hhᵀ
    h, c = lstm_step(a, leaves["h_prev"], leaves["c_prev"], leaves["weight_hh"].T)
    loss = (h * Tensor(arrays["dh"])).sum() + (c * Tensor(arrays["dc"])).sum()
    loss.backward()
    expected = {name: leaves[name].grad for name in names}
    for key, block in zip(("a_i", "a_f", "a_g", "a_o"), blocks(a.grad, 4)):
        expected[key] = block  # ∂L/∂gates = ∂L/∂a (the add passes it through)
    return expected


def student_cache(module, arrays: dict) -> dict:
    """The cache the stub's lstm_forward builds (the student may have changed the file:
    build it with the module's own lstm_forward when there is one)."""
    inputs = {name: arrays[name].copy() for name in LSTM_FORWARD_ARGS}
    forward = getattr(module, "lstm_forward", None)
    if forward is None:
        raise CaseFailure("the file has no lstm_forward: keep the one the stub gives you")
    returned = forward(*inputs.values())
    if not isinstance(returned, (tuple, list)) or len(returned) != 3:
        raise CaseFailure(
            f"lstm_forward returned {kind_words(returned)}, not (h, c, cache)",
            "keep the lstm_forward the stub gives you: it returns h, c, cache",
        )
    return returned[2]


def kind_words(value) -> str:
    """'a tuple of 2 values', 'a dict', 'None'."""
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} values"
    return f"a {kind_of(value)}"


LSTM_FORWARD_ARGS = ("x", "h_prev", "c_prev", "weight_ih", "weight_hh", "bias")


def check_lstm_backward(module, B, D, H, seed) -> None:
    arrays = lstm_backward_inputs(B, D, H, seed)
    expected = lstm_backward_reference(arrays)
    cache = student_cache(module, arrays)
    got = module.lstm_cell_backward(arrays["dh"].copy(), arrays["dc"].copy(), cache)
    if not isinstance(got, dict):
        raise CaseFailure(
            f"lstm_cell_backward returned a {kind_of(got)}, not a dict",
            "return a dict with the keys " + ", ".join(LSTM_BACKWARD),
        )
    missing = [key for key in LSTM_BACKWARD if key not in got]
    if missing:
        raise CaseFailure(
            f"the returned dict has no entry {', '.join(repr(key) for key in missing)}",
            "return a dict with the keys " + ", ".join(LSTM_BACKWARD),
        )
    failures = []
    for key, (name, formula) in LSTM_BACKWARD.items():
        try:
            compare(name, expected[key], as_array(got[key], name), hint=formula)
        except CaseFailure as failure:
            failures.append((key, failure))
    raise_first(failures, "")


def lstm_backward_cases() -> list[Case]:
    shapes = [(2, 3, 4), (1, 1, 1), (3, 2, 2), (2, 5, 3)]
    return [
        Case(
            f"B={B}, D={D}, H={H}: the 10 gradients",
            check_lstm_backward,
            dict(B=B, D=D, H=H, seed=seed),
            hint="every gradient has the shape of its quantity: a_i ... c_prev (B, H), "
            "x (B, D), weight_ih (4H, D), weight_hh (4H, H), bias (4H,)",
        )
        for seed, (B, D, H) in enumerate(shapes)
    ]


# --------------------------------------------------------------------------------------
# Exercise 8: the GRU cell from primitives
# --------------------------------------------------------------------------------------
GRU_HINT = (
    "r_t = σ(x_r + h_r), z_t = σ(x_z + h_z), n_t = tanh(x_n + r_t ⊙ h_n), "
    "h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}; x_proj = x @ weight_ih.T + bias_ih and "
    "h_proj = h_prev @ weight_hh.T + bias_hh, blocks in the order r, z, n"
)


def gru_reference(tensors: dict):
    """nn.GRUCell with these weights."""
    D = tensors["x"].shape[1]
    H = tensors["h_prev"].shape[1]
    cell = GRUCell(D, H)
    weights = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    cell.load_state_dict({name: tensors[name].data for name in weights})
    h = cell(tensors["x"], tensors["h_prev"])
    grads_from = {name: tensors[name] for name in ("x", "h_prev")}
    for name in weights:
        grads_from[name] = getattr(cell, name)
    return (h,), grads_from


def gru_mistakes(arrays: dict) -> dict:
    x_r, x_z, x_n = blocks(arrays["x"] @ arrays["weight_ih"].T + arrays["bias_ih"], 3)
    h_prev = arrays["h_prev"]
    h_r, h_z, h_n = blocks(h_prev @ arrays["weight_hh"].T, 3)
    b_r, b_z, b_n = np.split(arrays["bias_hh"], 3)
    r = sigmoid(x_r + h_r + b_r)
    z = sigmoid(x_z + h_z + b_z)
    n = np.tanh(x_n + r * (h_n + b_n))
    n_bias_outside = np.tanh(x_n + r * h_n + b_n)
    return {
        "h_t": [
            (
                z * n + (1 - z) * h_prev,
                "z_t and 1 - z_t are swapped: PyTorch's GRU keeps the old state where z_t = 1, "
                "h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}",
            ),
            (
                (1 - z) * n_bias_outside + z * h_prev,
                "b_hn is added outside the reset gate: r_t multiplies (h W_hnᵀ + b_hn), "
                "bias included",
            ),
        ]
    }


GRU_CELL = Composite(
    function="gru_cell",
    outputs=("h_t",),
    reference=gru_reference,
    hints={"h_t": GRU_HINT},
    mistakes=gru_mistakes,
)


def gru_arrays(B: int, D: int, H: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((B, D)),
        "h_prev": np.tanh(rng.standard_normal((B, H))),
        "weight_ih": rng.standard_normal((3 * H, D)) * 0.7,
        "weight_hh": rng.standard_normal((3 * H, H)) * 0.7,
        "bias_ih": rng.standard_normal(3 * H) * 0.5,
        "bias_hh": rng.standard_normal(3 * H) * 0.5,
    }


def check_gru_cell(module, B, D, H, seed) -> None:
    check_composite(module, GRU_CELL, gru_arrays(B, D, H, seed), seed=seed)


def check_gru_cell_gradcheck(module, B, D, H, seed) -> None:
    check_composite_gradcheck(module, GRU_CELL, gru_arrays(B, D, H, seed))


def gru_cell_cases() -> list[Case]:
    return cell_cases("gru_cell", check_gru_cell, check_gru_cell_gradcheck, "h_t and 6 gradients")
