"""The checks every composite function shares: its input as a float Tensor, its axis.

`float_tensor(x, name)` wraps numpy arrays and numbers as constants and refuses ints;
`check_axis` and `pick_axis` read numpy's `axis` or PyTorch's `dim`. Every error names
the function the user called (`name`).

Read next: functional_activations.py (softmax, log_softmax, dropout).
"""

from __future__ import annotations

import numbers

import numpy as np

from .checks import check_int, describe
from .errors import ArgumentError, DTypeError, ShapeError
from .tensor import Tensor


def float_tensor(x, name: str, what: str = "input") -> Tensor:
    """`x` as a floating-point Tensor (numpy arrays and numbers are wrapped as constants)."""
    if not isinstance(x, Tensor):
        x = _wrap(x, name, what)
    if x.dtype.kind != "f":
        raise DTypeError(
            f"{name}: {what} must be a floating-point tensor, got {x.dtype} "
            f"(shape {x.shape}); convert it with x.float()"
        )
    return x


def _wrap(value, name: str, what: str) -> Tensor:
    """A constant Tensor from a number, list or numpy array; errors name `name` and `what`."""
    try:
        return Tensor(value)
    except (DTypeError, ValueError, TypeError):  # None, a str, a ragged list ...
        raise DTypeError(
            f"{name}: {what} must be a Tensor, a numpy array or a list of numbers, got "
            f"{describe(value)}"
        ) from None


def is_real(value) -> bool:
    """A Python or numpy int or float, but not a bool or a string. Any numbers.Real passes,
    a Fraction too (checks.is_number would refuse one)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def pick_axis(axis, dim, name: str):
    """`dim` (PyTorch's spelling) if given, else `axis`; both given and different: error."""
    if dim is None:
        return axis
    if axis != -1 and axis != dim:  # -1 is the default: only dim was really given
        raise ArgumentError(
            f"{name}: got axis={axis!r} and dim={dim!r}; they are the same argument, give only one"
        )
    return dim


def check_axis(x: Tensor, axis: int, name: str) -> int:
    """`axis` as a non-negative int, or an error naming the function.

    ArgumentError for an axis that is not an int (1.0, "1", None); ShapeError for a
    scalar input (no axis at all) or an axis out of range.
    """
    check_int(axis, "axis (dim)", name, error=ArgumentError)
    if x.ndim == 0:
        raise ShapeError(
            f"{name}: the input is a scalar (shape ()), it has no axis to normalise over; "
            f"give it one, e.g. x.reshape(1)"
        )
    if not -x.ndim <= axis < x.ndim:
        raise ShapeError(
            f"{name}: axis {axis!r} is out of range for an input of shape {x.shape} "
            f"(valid: {-x.ndim} .. {x.ndim - 1})"
        )
    return int(axis) % x.ndim
