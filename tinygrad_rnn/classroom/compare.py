"""Comparing a student's answer with the reference, and saying precisely what differs.

    compare("∂J/∂W", expected, got, hint="∂J/∂W = Σ_t ...")    # None, or raises CaseFailure

A failure names the quantity, the first element that is off the most (its index),
the expected and the received number there, how many elements differ, and - where it
can tell - what kind of mistake it looks like: the negative (a sign error), a constant
factor, all zeros, NaN, a transposed or reshaped array, or one of the known mistakes a
case lists ("you applied tanh to out again").

Read next: report.py (how the results of all cases are printed).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .wire import Opaque


class CaseFailure(Exception):
    """A case did not pass: `what` says what differed, `hint` how to fix it."""

    def __init__(self, what: str, hint: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint


def number(x) -> str:
    """A number for a message: 6 significant digits, nan/inf spelled out."""
    x = float(x)
    return "0" if x == 0 else f"{x:.6g}"


def index_text(index: tuple) -> str:
    """'[1, 0]' for an element of a matrix, '' for a 0-d array."""
    if not index:
        return ""
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def kind_of(value) -> str:
    """The type of a student's value in words: 'ndarray', 'generator', 'MyTensor' (a
    placeholder (wire.Opaque) stands for an object that stayed in the worker)."""
    if isinstance(value, Opaque):
        return f"{value.type_name} {value.note}" if value.note else value.type_name
    return type(value).__name__


def as_array(value, name: str) -> np.ndarray:
    """The student's value as a numpy array (a Tensor gives its data)."""
    if value is None:
        raise CaseFailure(
            f"{name}: got None",
            "did your function `return` its result? (A function without `return` gives None.)",
        )
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, Opaque):
        if value.note:
            raise CaseFailure(f"{name}: got a {kind_of(value)}")
        if value.array is None:
            raise CaseFailure(f"{name}: got a {kind_of(value)} that is not an array of numbers")
        value = value.array
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise CaseFailure(f"{name}: got a {kind_of(value)}, not an array ({error})") from None
    if array.dtype.kind not in "fiub":
        raise CaseFailure(f"{name}: got a {kind_of(value)} that is not an array of numbers")
    return array


def as_number(value, name: str) -> float:
    """The student's value as one float (a number, a 0-d array or a one-element Tensor)."""
    array = as_array(value, name)
    if array.size != 1:
        raise CaseFailure(
            f"{name}: got an array of shape {array.shape}, not a number",
            "return one number (float(...) of a 0-d array)",
        )
    return float(array.reshape(()))


def require_tensor(value, name: str) -> Tensor:
    """The student's result must be a Tensor (so the graph recorded how it was made)."""
    if isinstance(value, Tensor):
        return value
    kind = "None" if value is None else f"a {kind_of(value)}"
    raise CaseFailure(
        f"{name}: got {kind}, not a Tensor",
        "compute with Tensor operations (x @ W.T, a + b, .tanh(), .sigmoid()) and return "
        "the resulting Tensor; numbers computed with numpy or .data are outside the graph "
        "and get no gradient.",
    )


def compare(
    name: str,
    expected,
    got,
    *,
    hint: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    check_dtype: bool = False,
    mistakes: list[tuple[np.ndarray, str]] | None = None,
    where=index_text,
) -> None:
    """Raise CaseFailure unless `got` equals `expected` within atol + rtol·|expected|.

    mistakes  (array, explanation) pairs: what a known wrong answer gives; if `got`
              matches one, its explanation becomes the hint
    where     turns an index tuple into words (e.g. "∂J/∂h_2[0]"); default "[1, 0]"
    """
    expected = np.asarray(expected)
    got = as_array(got, name)
    if got.shape != expected.shape:
        raise CaseFailure(shape_message(name, expected, got), hint)
    if check_dtype and got.dtype != expected.dtype:
        raise CaseFailure(
            f"{name}: dtype {got.dtype}, expected {expected.dtype}",
            "keep the input's dtype: numpy keeps float32 as long as you do not convert "
            "(np.float64(...), np.array(..., dtype=float), or a float64 array of constants)",
        )
    bad = ~np.isclose(got, expected, rtol=rtol, atol=atol)
    if not bad.any():
        return
    worst = worst_index(expected, got, bad, rtol, atol)
    what = (
        f"{name}{where(worst)} differs: expected {number(expected[worst])}, "
        f"got {number(got[worst])} ({int(bad.sum())} of {bad.size} elements differ)"
    )
    kind = diagnose(expected, got, rtol, atol)
    if kind:
        what += f" - {kind}"
    known = known_mistake(got, mistakes or [], rtol, atol)
    raise CaseFailure(what, known or hint)


def worst_index(expected: np.ndarray, got: np.ndarray, bad: np.ndarray, rtol, atol) -> tuple:
    """The index of the element furthest outside the tolerance (NaN counts as furthest)."""
    with np.errstate(invalid="ignore", over="ignore"):
        excess = np.abs(got.astype(np.float64) - expected) - (atol + rtol * np.abs(expected))
    excess = np.where(bad, np.nan_to_num(excess, nan=np.inf), -np.inf)
    return np.unravel_index(int(np.argmax(excess)), expected.shape)


def diagnose(expected: np.ndarray, got: np.ndarray, rtol: float, atol: float) -> str:
    """A few words on how `got` relates to `expected`, or '' if no simple relation."""
    got = got.astype(np.float64)
    expected = expected.astype(np.float64)
    if np.isnan(got).any() and not np.isnan(expected).any():
        return "got nan (not a number): something overflowed (e^1000 = inf) or was 0/0 or inf/inf"
    if not np.isfinite(got).all():
        return "got inf where the expected values are finite"
    significant = np.abs(expected) > 10 * atol
    if not significant.any():
        return ""
    if np.allclose(got, -expected, rtol=rtol, atol=atol):
        return "exactly the negative of the expected values: a sign error"
    if np.all(np.abs(got) <= atol):
        return "all zeros: nothing arrived there"
    ratios = got[significant] / expected[significant]
    if np.allclose(ratios, ratios[0], rtol=1e-6) and np.allclose(got, ratios[0] * expected):
        return f"every element is {number(ratios[0])} times the expected value (a constant factor)"
    return ""


def known_mistake(got: np.ndarray, mistakes: list, rtol: float, atol: float) -> str:
    """The explanation of the first known mistake that gives `got`, or ''."""
    for wrong, explanation in mistakes:
        wrong = np.asarray(wrong)
        if wrong.shape == got.shape and np.allclose(got, wrong, rtol=rtol, atol=atol):
            return "this is what you get when " + explanation
    return ""


def shape_message(name: str, expected: np.ndarray, got: np.ndarray) -> str:
    """'h: shape (3,), expected (3, 1)' plus what the numbers say, when they say something."""
    text = f"{name}: shape {got.shape}, expected {expected.shape}"
    if got.size == expected.size and got.size > 0:
        if np.allclose(got.reshape(expected.shape), expected):
            return text + " - the numbers are right, only the shape is not (reshape it)"
        if got.ndim == 2 and got.T.shape == expected.shape and np.allclose(got.T, expected):
            return text + " - it is the transpose of the expected array"
    return text
