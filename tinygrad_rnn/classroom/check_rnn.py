"""Exercises 4 and 5, the vanilla RNN of the lessons: one step with U, W, V, b, c (checked
against nn.ElmanRNN run for one step) and BPTT by hand (checked against bptt.bptt, which
the test suite checks against autodiff).

Read next: check_cells.py (exercises 6-8).
"""

from __future__ import annotations

import numpy as np

from .. import bptt as reference_bptt
from ..nn.lessons import ElmanRNN
from .compare import CaseFailure, as_array, compare, kind_of
from .composite import Composite, check_composite, check_composite_gradcheck
from .runner import Case

# --------------------------------------------------------------------------------------
# Exercise 4: one RNN step
# --------------------------------------------------------------------------------------
RNN_HINTS = {
    "h_t": "h_t = tanh(U x_t + W h_{t-1} + b); with one example per row: "
    "(x @ U.T + h_prev @ W.T + b).tanh()",
    "o_t": "o_t = V h_t + c (the scores, no softmax); with rows: h @ V.T + c",
}


def rnn_reference(tensors: dict):
    """The engine's nn.ElmanRNN with these parameters, run for one step from h_prev."""
    U = tensors["U"]
    model = ElmanRNN(U.shape[1], U.shape[0], tensors["V"].shape[0])
    model.load_state_dict({name: tensors[name].data for name in "UWVbc"})
    x = tensors["x"]
    scores, states = model(x.reshape(1, *x.shape), tensors["h_prev"])  # (1, B, K), (1, B, H)
    grads_from = {"x": x, "h_prev": tensors["h_prev"]}
    for name in "UWVbc":
        grads_from[name] = getattr(model, name)
    return (states[0], scores[0]), grads_from


def rnn_mistakes(arrays: dict) -> dict:
    """What common wrong answers give for h_t and o_t."""
    x, h_prev = arrays["x"], arrays["h_prev"]
    U, W, V, b, c = (arrays[name] for name in "UWVbc")
    h = np.tanh(x @ U.T + h_prev @ W.T + b)
    o = h @ V.T + c
    e = np.exp(o - o.max(axis=1, keepdims=True))
    return {
        "h_t": [
            (np.tanh(x @ U.T + h_prev @ W.T), "you leave out the bias b"),
            (x @ U.T + h_prev @ W.T + b, "you leave out the tanh"),
        ],
        "o_t": [
            (e / e.sum(axis=1, keepdims=True), "you apply softmax: o_t are the scores"),
            (h @ V.T, "you leave out the bias c"),
        ],
    }


RNN_STEP = Composite(
    function="rnn_step",
    outputs=("h_t", "o_t"),
    reference=rnn_reference,
    hints=RNN_HINTS,
    mistakes=rnn_mistakes,
)


def rnn_arrays(B: int, D: int, H: int, K: int, seed: int) -> dict:
    """Random inputs in the order of the stub's arguments: x, h_prev, U, W, V, b, c."""
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((B, D)),
        "h_prev": np.tanh(rng.standard_normal((B, H))),
        "U": rng.standard_normal((H, D)) * 0.7,
        "W": rng.standard_normal((H, H)) * 0.7,
        "V": rng.standard_normal((K, H)) * 0.7,
        "b": rng.standard_normal(H) * 0.5,
        "c": rng.standard_normal(K) * 0.5,
    }


def check_rnn_step(module, B, D, H, K, seed) -> None:
    check_composite(module, RNN_STEP, rnn_arrays(B, D, H, K, seed), seed=seed)


def check_rnn_step_gradcheck(module, B, D, H, K, seed) -> None:
    check_composite_gradcheck(module, RNN_STEP, rnn_arrays(B, D, H, K, seed))


RNN_SHAPE_HINT = (
    "shapes: x (B, D), h_prev (B, H), U (H, D), W (H, H), V (K, H): x @ U.T is (B, H), "
    "h_prev @ W.T is (B, H), h @ V.T is (B, K)"
)


def rnn_step_cases() -> list[Case]:
    shapes = [(2, 3, 4, 2), (1, 1, 1, 1), (3, 2, 5, 4), (4, 5, 3, 3)]
    cases = [
        Case(
            f"B={B}, D={D}, H={H}, K={K}: h_t, o_t and 7 gradients",
            check_rnn_step,
            dict(B=B, D=D, H=H, K=K, seed=seed),
            hint=RNN_SHAPE_HINT,
        )
        for seed, (B, D, H, K) in enumerate(shapes)
    ]
    cases.append(
        Case(
            "gradcheck (finite differences) of rnn_step, B=2, D=2, H=2, K=2",
            check_rnn_step_gradcheck,
            dict(B=2, D=2, H=2, K=2, seed=9),
            hint=RNN_SHAPE_HINT,
        )
    )
    return cases


# --------------------------------------------------------------------------------------
# Exercise 5: BPTT by hand
# --------------------------------------------------------------------------------------
BPTT_ORDER = ("c", "V", "h", "b", "W", "U")  # the order the backward pass finds them
BPTT_HINTS = {
    "c": "∂J/∂c = Σ_t ∂J/∂o_t, with ∂J/∂o_t = ŷ_t - y_t (y_t one-hot)",
    "V": "∂J/∂V = Σ_t ∂J/∂o_t h_tᵀ: np.outer(dJ_do[t], h[t]), summed over t",
    "h": "∂J/∂h_T = Vᵀ ∂J/∂o_T, then for t = T-1 ... 1: ∂J/∂h_t = Wᵀ diag(1 - h_{t+1}²) "
    "∂J/∂h_{t+1} + Vᵀ ∂J/∂o_t, i.e. W.T @ ((1 - h[t+1]**2) * dJ_dh[t+1]) + V.T @ dJ_do[t]",
    "b": "∂J/∂b = Σ_t diag(1 - h_t²) ∂J/∂h_t: the gradient through the tanh of step t",
    "W": "∂J/∂W = Σ_t diag(1 - h_t²) ∂J/∂h_t h_{t-1}ᵀ: the outer product with the PREVIOUS "
    "state h_{t-1} (h[0] = 0)",
    "U": "∂J/∂U = Σ_t diag(1 - h_t²) ∂J/∂h_t x_tᵀ: np.outer(dJ_da, xs[t - 1])",
}


def where_in_h(index: tuple) -> str:
    """Row t-1 of the (T, H) array is ∂J/∂h_t: say which t and which unit."""
    if len(index) != 2:
        return f"[{', '.join(map(str, index))}]"
    return f" at t = {int(index[0]) + 1}, unit {int(index[1])} (row {int(index[0])})"


def bptt_arrays(T: int, D: int, H: int, K: int, seed: int, scale: float) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "U": rng.standard_normal((H, D)) * scale,
        "W": rng.standard_normal((H, H)) * scale,
        "V": rng.standard_normal((K, H)) * scale,
        "b": rng.standard_normal(H) * 0.3,
        "c": rng.standard_normal(K) * 0.3,
        "xs": rng.standard_normal((T, D)),
        "targets": rng.integers(0, K, size=T),
    }


def copies(arrays: dict) -> dict:
    return {name: np.array(array) for name, array in arrays.items()}


def check_bptt(module, T, D, H, K, seed, scale=0.6) -> None:
    arrays = bptt_arrays(T, D, H, K, seed, scale)
    expected = reference_bptt.bptt(**copies(arrays))
    wanted = expected.gradients()
    wanted["h"] = expected.dh
    got = module.bptt(**copies(arrays))
    if not isinstance(got, dict):
        raise CaseFailure(
            f"bptt returned a {kind_of(got)}, not a dict",
            'return {"U": dU, "W": dW, "V": dV, "b": db, "c": dc, "h": dh}',
        )
    missing = [name for name in BPTT_ORDER if name not in got]
    if missing:
        raise CaseFailure(
            f"the returned dict has no entry {', '.join(repr(m) for m in missing)}",
            'return {"U": dU, "W": dW, "V": dV, "b": db, "c": dc, "h": dh}, with "h" a '
            "(T, H) array whose row t-1 is ∂J/∂h_t",
        )
    failures = []
    for name in BPTT_ORDER:
        where = where_in_h if name == "h" else None
        try:
            compare_gradient(f"∂J/∂{name}", wanted[name], got[name], BPTT_HINTS[name], where)
        except CaseFailure as failure:
            failures.append((name, failure))
    raise_first(failures, "∂J/∂")


def compare_gradient(name, expected, got, hint, where=None) -> None:
    if where is None:
        compare(name, expected, as_array(got, name), hint=hint)
    else:
        compare(name, expected, as_array(got, name), hint=hint, where=where)


def raise_first(failures: list, prefix: str) -> None:
    """Raise the first failure, naming the other quantities that differ too."""
    if not failures:
        return
    name, first = failures[0]
    others = [prefix + other for other, _ in failures[1:]]
    what = first.what
    if others:
        what += f"\nalso different: {', '.join(others)} (fix {prefix}{name} first, they may follow)"
    raise CaseFailure(what, first.hint)


BPTT_SHAPE_HINT = (
    "vectors are 1-D arrays here: W.T @ v for Wᵀ v, d * v for diag(d) v, np.outer(u, v) for u vᵀ"
)


def bptt_cases() -> list[Case]:
    settings = [
        (3, 2, 3, 2, 0.6),
        (1, 2, 2, 3, 0.6),
        (5, 3, 4, 3, 0.6),
        (8, 2, 3, 4, 1.2),
    ]
    return [
        Case(
            f"T={T}, D={D}, H={H}, K={K}" + (", large weights" if scale > 1 else ""),
            check_bptt,
            dict(T=T, D=D, H=H, K=K, seed=seed, scale=scale),
            hint=BPTT_SHAPE_HINT,
        )
        for seed, (T, D, H, K, scale) in enumerate(settings)
    ]
