"""Checking a function the student composes from Tensor operations (exercises 4, 6, 8, 9).

The same numbers go through the student's function and through the engine's own layer
(nn.ElmanRNN, nn.LSTMCell, nn.GRUCell, F.attention). Then:

1. every output must be a Tensor, with the reference's values;
2. both graphs are backpropagated from the same random weighting of the outputs,
   L = Σ_k Σ r_k ⊙ out_k, and every input and parameter must receive the reference's
   gradient (a value that is right but a gradient that is missing or wrong means a
   `.data`, `.numpy()` or `.detach()` cut the graph);
3. separately, `tg.gradcheck` compares the student's graph with finite differences.

    spec = Composite(function="lstm_cell", outputs=("h_t", "c_t"), reference=lstm_reference,
                     hints={"h_t": "...", "c_t": "..."})
    check_composite(module, spec, arrays)       # arrays: name -> numpy array, in call order

Read next: check_cells.py (the LSTM and GRU exercises use this).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import GradcheckError
from ..gradcheck import gradcheck
from ..tensor import Tensor, _constant
from .compare import CaseFailure, compare, require_tensor

GRADIENT_HINT = (
    "your outputs are right, so the forward is right; a wrong or missing gradient means "
    "the graph was cut: no .data, .numpy(), .detach() (except a constant shift) or numpy "
    "functions on the way from the inputs to the outputs"
)

OVERFLOW_HINT = (
    "a nan or inf gradient: somewhere on the way an intermediate value overflowed (e^x for "
    "a large x is inf, and inf * 0 or inf / inf is nan); shift before exp by a detached "
    "maximum so that every exponent is <= 0"
)


@dataclass
class Composite:
    """What to call and what to compare.

    function   name of the student's function
    outputs    names of what it returns, in order ("h_t", "c_t")
    reference  reference(tensors, **options) -> (outputs tuple, {name: leaf Tensor whose
               .grad is the reference gradient of that input})
    hints      output name -> the formula to show when that output differs
    mistakes   mistakes(arrays, **options) -> {output name: [(array, explanation)]}
    compare_first  output names in the order to compare them: what the others are
               computed from first (c_t before h_t), so the message names the root cause
    """

    function: str
    outputs: tuple
    reference: object
    hints: dict
    mistakes: object = None
    compare_first: tuple = ()


def leaves(arrays: dict) -> dict:
    """A fresh float64 leaf Tensor that requires grad for every array, labelled by name."""
    return {
        name: Tensor(np.array(array, dtype=np.float64), requires_grad=True, label=name)
        for name, array in arrays.items()
    }


def as_outputs(result, spec: Composite) -> tuple:
    """The student's return value as a tuple of Tensors, one per expected output."""
    count = len(spec.outputs)
    if count == 1:
        results = (result,)
    elif isinstance(result, (tuple, list)) and len(result) == count:
        results = tuple(result)
    else:
        got = f"{len(result)} values" if isinstance(result, (tuple, list)) else "one value"
        raise CaseFailure(
            f"{spec.function} returned {got}, expected {count}: ({', '.join(spec.outputs)})",
            "return them as a tuple, in that order: return " + ", ".join(spec.outputs),
        )
    return tuple(require_tensor(value, name) for value, name in zip(results, spec.outputs))


def call_student(module, spec: Composite, tensors: dict, options: dict):
    """The student's function on the tensors (positionally, in order) and the options."""
    function = getattr(module, spec.function)
    return function(*tensors.values(), **options)


def weighting(outputs: tuple, seed: int) -> list[np.ndarray]:
    """Fixed random weights r_k, one array per output."""
    rng = np.random.default_rng(seed + 500)
    return [rng.standard_normal(out.shape) for out in outputs]


def weighted_sum(outputs: tuple, weights: list) -> Tensor:
    """L = Σ_k Σ r_k ⊙ out_k, as a node."""
    total = None
    for out, r in zip(outputs, weights):
        term = (out * _constant(r)).sum()
        total = term if total is None else total + term
    return total


def compare_outputs(spec: Composite, outputs: tuple, expected: tuple, arrays, options) -> None:
    """Compare every output's values; report the first in `compare_first` order that
    differs, naming the others that differ too."""
    known = spec.mistakes(arrays, **options) if spec.mistakes else {}
    got = dict(zip(spec.outputs, outputs))
    wanted = dict(zip(spec.outputs, expected))
    order = list(spec.compare_first) + [n for n in spec.outputs if n not in spec.compare_first]
    failures = []
    for name in order:
        try:
            compare(
                name,
                wanted[name].data,
                got[name].data,
                hint=spec.hints.get(name, ""),
                mistakes=known.get(name),
            )
        except CaseFailure as failure:
            failures.append((name, failure))
    if failures:
        name, first = failures[0]
        others = [other for other, _ in failures[1:]]
        what = first.what
        if others:
            what += f"\nalso different: {', '.join(others)} (fix {name} first, they may follow)"
        raise CaseFailure(what, first.hint)


def check_composite(module, spec: Composite, arrays: dict, seed: int = 0, **options) -> None:
    """Values, then gradients of every input, against the reference (see module doc)."""
    student_inputs = leaves(arrays)
    outputs = as_outputs(call_student(module, spec, student_inputs, options), spec)
    expected, reference_inputs = spec.reference(leaves(arrays), **options)
    compare_outputs(spec, outputs, expected, arrays, options)
    weights = weighting(expected, seed)
    loss = weighted_sum(outputs, weights)
    if not loss.requires_grad:
        raise CaseFailure(
            "no gradient reaches any input: the outputs are not in the graph", GRADIENT_HINT
        )
    loss.backward()
    weighted_sum(expected, weights).backward()
    for name, tensor in student_inputs.items():
        reference_grad = reference_inputs[name].grad
        if tensor.grad is None:
            raise CaseFailure(f"no gradient reached {name} (its .grad is None)", GRADIENT_HINT)
        hint = GRADIENT_HINT if np.all(np.isfinite(tensor.grad)) else OVERFLOW_HINT
        compare(f"∂L/∂{name}", reference_grad, tensor.grad, hint=hint)


def call_for_gradcheck(module, spec: Composite, names: tuple, options: dict, *tensors):
    """fn(*inputs) for tg.gradcheck: the student's function on the inputs."""
    return call_student(module, spec, dict(zip(names, tensors)), options)


def check_composite_gradcheck(module, spec: Composite, arrays: dict, **options) -> None:
    """Finite differences of the student's function (all inputs, float64)."""
    tensors = leaves(arrays)
    function = functools.partial(call_for_gradcheck, module, spec, tuple(tensors), options)
    try:
        gradcheck(function, list(tensors.values()))
    except GradcheckError as error:
        raise CaseFailure(f"gradcheck: {error}", GRADIENT_HINT) from None
