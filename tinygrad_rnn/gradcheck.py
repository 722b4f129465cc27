"""Finite-difference gradient checking: is the engine's backward right?

    W = tg.randn(4, 3, requires_grad=True, label="W")
    x = tg.randn(2, 4)
    tg.gradcheck(lambda W: (x @ W).tanh(), [W])        # True, or raises with a report

For every element x_i of every input that requires grad, the numeric derivative is the
central difference

    dL/dx_i ≈ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)

and must match the analytic one from `backward()` within `atol + rtol * |numeric|`.
When `fn` returns a non-scalar (or several tensors), L is a fixed random weighting of its
outputs, L = Σ r ⊙ out, so every output element takes part in the check.

Read next: nothing - this is a leaf of the package. tests/test_ops.py uses it on every op.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from .checks import is_int
from .errors import ArgumentError, DTypeError, GradcheckError
from .graph import Node, no_grad
from .scalar import Value
from .tensor import Tensor, _constant


def gradcheck(
    fn: Callable,
    inputs: Sequence[Node],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Compare `backward()` with central differences for every input that requires grad.

    fn      called as fn(*inputs); returns a Tensor/Value, or a tuple/list of them
    inputs  Tensors (float64) or Values, or a single one; those with requires_grad are
            checked
    eps     the finite-difference step (> 0); atol, rtol the tolerances (>= 0)
    Returns True, or raises `GradcheckError` naming the input, the worst element, and
    the analytic and numeric values there. Arguments of the wrong kind (a numpy array
    as an input, eps=0 ...) raise ArgumentError.
    """
    inputs = _check_arguments(fn, inputs, eps, atol, rtol, seed)
    checked = [x for x in inputs if x.requires_grad]
    if not checked:
        raise GradcheckError("gradcheck: no input has requires_grad=True, nothing to check")
    for x in checked:
        if isinstance(x, Tensor) and x.data.dtype != np.float64:
            raise DTypeError(
                f"gradcheck: input {_name(x, inputs)} is {x.data.dtype}; finite differences "
                "need float64 (create it with dtype=np.float64)"
            )
    weights = _output_weights(fn, inputs, seed)
    analytic = _analytic_gradients(fn, inputs, checked, weights)
    for x, grad in zip(checked, analytic):
        numeric = _numeric_gradient(fn, inputs, x, weights, eps)
        _compare(x, inputs, grad, numeric, atol, rtol)
    return True


def _check_arguments(fn, inputs, eps, atol, rtol, seed) -> list[Node]:
    """The inputs as a list of nodes, after checking every argument of `gradcheck`."""
    if not callable(fn):
        raise ArgumentError(
            f"gradcheck: fn must be a function called as fn(*inputs), got "
            f"{type(fn).__name__} {fn!r}"
        )
    if isinstance(inputs, Node):
        inputs = [inputs]  # one input, as torch.autograd.gradcheck allows
    if not isinstance(inputs, Iterable) or isinstance(inputs, (str, bytes, np.ndarray)):
        raise ArgumentError(
            f"gradcheck: inputs must be a list of Tensors or Values, got {type(inputs).__name__}"
        )
    inputs = list(inputs)
    for index, x in enumerate(inputs):
        if not isinstance(x, Node):
            raise ArgumentError(
                f"gradcheck: input #{index} has type {type(x).__name__}, not Tensor or Value; "
                f"wrap it: tg.tensor(x, requires_grad=True)"
            )
    _check_positive_number(eps, "eps", allow_zero=False)
    _check_positive_number(atol, "atol", allow_zero=True)
    _check_positive_number(rtol, "rtol", allow_zero=True)
    if not is_int(seed) or seed < 0:
        raise ArgumentError(f"gradcheck: seed must be an int >= 0, got {seed!r}")
    return inputs


def _check_positive_number(value, name: str, allow_zero: bool) -> None:
    """A finite real number > 0 (or >= 0 with allow_zero), else ArgumentError."""
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if is_number and np.isfinite(value) and (value > 0 or (allow_zero and value == 0)):
        return
    bound = ">= 0" if allow_zero else "> 0"
    raise ArgumentError(
        f"gradcheck: {name} must be a finite number {bound}, got {value!r} ({type(value).__name__})"
    )


def _flatten_outputs(out) -> list[Node]:
    """A list of the output nodes, whether fn returned one node or nested tuples of them."""
    found, stack = [], [out]
    while stack:
        item = stack.pop()
        if isinstance(item, (tuple, list)):
            stack.extend(reversed(item))
        elif isinstance(item, Node):
            found.append(item)
    return found


def _output_weights(fn, inputs, seed) -> list:
    """Fixed random weights r, one per output element (1.0 for a single scalar output)."""
    with no_grad():
        returned = fn(*inputs)
    outputs = _flatten_outputs(returned)
    if not outputs:
        raise GradcheckError(
            f"gradcheck: fn returned no Tensor or Value (it returned a "
            f"{_type_name(returned)}); return the Tensor itself, not x.numpy() or x.item()"
        )
    rng = np.random.default_rng(seed)
    weights = []
    for out in outputs:
        if isinstance(out, Value) or np.size(out.data) == 1:
            weights.append(1.0)
        else:
            weights.append(rng.standard_normal(out.shape))
    return weights


def _objective(fn, inputs, weights) -> Node:
    """L = Σ_k Σ r_k ⊙ out_k, as a graph node."""
    total = None
    for out, r in zip(_flatten_outputs(fn(*inputs)), weights):
        if isinstance(out, Tensor):
            term = out.sum() if np.ndim(r) == 0 else (out * _constant(r)).sum()
        else:
            term = out
        total = term if total is None else total + term
    return total


def _analytic_gradients(fn, inputs, checked, weights) -> list:
    saved = [x.grad for x in checked]
    for x in checked:
        x.grad = None
    try:
        loss = _objective(fn, inputs, weights)
        if not loss.requires_grad:
            raise GradcheckError("gradcheck: the output does not depend on any checked input")
        loss.backward()
        return [_zero_if_none(x) for x in checked]
    finally:
        for x, grad in zip(checked, saved):
            x.grad = grad


def _zero_if_none(x: Node):
    if x.grad is not None:
        return np.array(x.grad, dtype=np.float64)
    return np.zeros(np.shape(x.data))


def _evaluate(fn, inputs, weights) -> float:
    with no_grad():
        return float(np.asarray(_objective(fn, inputs, weights).data))


def _numeric_gradient(fn, inputs, x: Node, weights, eps: float) -> np.ndarray:
    """Central differences, one element of x at a time."""
    if isinstance(x, Value):
        original = x.data
        x.data = original + eps
        plus = _evaluate(fn, inputs, weights)
        x.data = original - eps
        minus = _evaluate(fn, inputs, weights)
        x.data = original
        return np.array((plus - minus) / (2 * eps))
    if not (x.data.flags.c_contiguous and x.data.flags.writeable):
        x.data = np.array(x.data)  # an own, contiguous copy we may poke
    numeric = np.zeros(x.shape)
    flat = x.data.reshape(-1)  # a view: writing to it changes x.data
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = _evaluate(fn, inputs, weights)
        flat[i] = original - eps
        minus = _evaluate(fn, inputs, weights)
        flat[i] = original
        numeric.reshape(-1)[i] = (plus - minus) / (2 * eps)
    return numeric


def _compare(x, inputs, analytic, numeric, atol, rtol) -> None:
    analytic = np.asarray(analytic, dtype=np.float64)
    diff = np.abs(analytic - numeric)
    allowed = atol + rtol * np.abs(numeric)
    bad = ~(diff <= allowed)  # also catches NaN
    if not bad.any():
        return
    excess = np.where(bad, np.nan_to_num(diff - allowed, nan=np.inf), -np.inf)
    worst = np.unravel_index(int(np.argmax(excess)), np.shape(numeric))
    name = _name(x, inputs)
    short = x.label or "input"
    where = f"{short}[{', '.join(map(str, worst))}]" if worst else short
    raise GradcheckError(
        f"gradcheck failed for input {name} (shape {np.shape(numeric)}):\n"
        f"  worst element {where}: analytic {analytic[worst]:.10g}, "
        f"numeric {numeric[worst]:.10g}, |diff| {diff[worst]:.3g} "
        f"(allowed {allowed[worst]:.3g})\n"
        f"  {int(bad.sum())} of {bad.size} elements differ beyond atol + rtol * |numeric|"
    )


def _name(x: Node, inputs: list) -> str:
    index = next(i for i, item in enumerate(inputs) if item is x)
    return f"#{index} '{x.label}'" if x.label else f"#{index}"


def _type_name(value) -> str:
    """'ndarray' for every numpy array (x.numpy() is a TensorArray, arrays.py)."""
    return "ndarray" if isinstance(value, np.ndarray) else type(value).__name__
