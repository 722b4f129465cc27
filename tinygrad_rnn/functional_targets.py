"""What the losses check in their targets and class weights, before computing anything.

Class-index losses (nll_loss, cross_entropy) need integer targets in [0, C) of the
scores' shape without the class axis (`class_targets`) and, optionally, one finite
non-negative weight per class (`class_weights`); binary losses need targets in [0, 1]
(`check_binary_targets`) and weights that broadcast (`elementwise_weight`). Every error
names the loss the user called.

Read next: functional_losses.py (the losses themselves).
"""

from __future__ import annotations

import numpy as np

from .checks import describe, is_int
from .errors import ArgumentError, DTypeError, ShapeError, TensorIndexError
from .functional_checks import float_tensor
from .tensor import Tensor

# Binary targets must lie in [0, 1] up to this slack, so that rounding (1 - p computed in
# floating point) and gradcheck's nudges of a target at 0 or 1 pass, while labels such as
# -1/+1 or 1/2 are caught.
TARGET_SLACK = 1e-4


def class_targets(target, scores: Tensor, ignore_index: int, name: str) -> np.ndarray:
    """The targets as an int array, checked against scores of shape (C,) or (N, C, d1, ...).

    Returns the targets with the expected shape: () for scores (C,), else (N, d1, ...).
    """
    array = _target_array(target, name)
    if array.dtype.kind not in "iu":
        raise DTypeError(
            f"{name}: target must hold class indices (integers), got dtype {array.dtype} "
            f"(shape {array.shape}). Convert it with target.long() or "
            f"np.asarray(target, dtype=int); for probabilities use another loss"
            f""
        )
    if scores.ndim == 0:
        raise ShapeError(
            f"{name}: input must have a class axis, shape (C,) or (N, C, ...), got a scalar"
        )
    classes = scores.shape[0] if scores.ndim == 1 else scores.shape[1]
    if classes == 0:
        raise ShapeError(
            f"{name}: input of shape {scores.shape} has no classes (C = 0 along the class "
            f"axis {0 if scores.ndim == 1 else 1})"
        )
    expected = () if scores.ndim == 1 else scores.shape[:1] + scores.shape[2:]
    if array.shape != expected:
        hint = ""
        if scores.ndim == 3 and array.shape == scores.shape[:2]:
            hint = (
                ". For a sequence model with scores (B, T, C), flatten both: "
                "input.reshape(B * T, C) and target.reshape(B * T), or move the class "
                "axis: input.permute(0, 2, 1)"
            )
        elif array.size == int(np.prod(expected)):
            hint = f". The number of targets is right: reshape them, target.reshape{expected}"
        raise ShapeError(
            f"{name}: input of shape {scores.shape} (class axis {0 if scores.ndim == 1 else 1}"
            f", C = {scores.shape[0 if scores.ndim == 1 else 1]}) needs a target of shape "
            f"{expected}, got {array.shape}{hint}"
        )
    counted = array != ignore_index
    bad = counted & ((array < 0) | (array >= classes))
    if bad.any():
        shown = np.unique(array[bad])[:5].tolist()
        raise TensorIndexError(
            f"{name}: target values must be class indices in [0, {classes}) (C = {classes} "
            f"from input shape {scores.shape}) or ignore_index={ignore_index}; got "
            f"{shown}"
        )
    return array


def _target_array(target, name: str) -> np.ndarray:
    """The class targets as a numpy array (from a Tensor, array, list or int).

    An empty list arrives as float64 ([] has no dtype): it becomes an empty int array,
    so an empty batch reaches the shape and reduction checks.
    """
    if isinstance(target, Tensor):
        array = target.data
    else:
        try:
            array = np.asarray(target)
        except ValueError:  # a ragged list such as [[0, 1], [2]]
            raise ShapeError(
                f"{name}: target must be a rectangular array of class indices, got rows of "
                f"different lengths"
            ) from None
    if array.size == 0 and array.dtype.kind == "f":
        return array.astype(np.int64)
    return array


def check_ignore_index(ignore_index, name: str) -> None:
    """ignore_index is an int class value (PyTorch's default -100), not 1.0 or "pad"."""
    if not is_int(ignore_index):
        raise ArgumentError(
            f"{name}: ignore_index must be an int such as -100 or the <pad> index, got "
            f"{describe(ignore_index)}"
        )


def class_weights(weight, scores: Tensor, name: str) -> np.ndarray | None:
    """The per-class weights as a constant float array of shape (C,), or None.

    Each weight must be a finite number >= 0: a negative weight rewards a wrong answer,
    and weights that cancel make the "mean" divide by 0.
    """
    if weight is None:
        return None
    array = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    classes = scores.shape[0] if scores.ndim == 1 else scores.shape[1]
    if array.dtype.kind not in "fiu":
        raise DTypeError(
            f"{name}: weight must hold numbers (one per class), got dtype {array.dtype}"
        )
    if array.shape != (classes,):
        raise ShapeError(
            f"{name}: weight must hold one number per class, shape ({classes},) for input "
            f"of shape {scores.shape}; got {array.dtype} of shape {array.shape}"
            f""
        )
    _check_weight_values(array, name, "weight")
    return array.astype(scores.dtype)


def _check_weight_values(array: np.ndarray, name: str, what: str) -> None:
    """Loss weights must be finite and >= 0 (ArgumentError naming the function)."""
    if not np.all(np.isfinite(array)):
        raise ArgumentError(
            f"{name}: {what} must be finite, got {int(np.sum(~np.isfinite(array)))} "
            f"NaN/inf value(s)"
        )
    if np.any(array < 0):
        raise ArgumentError(
            f"{name}: {what} must be >= 0, got {float(np.min(array)):.4g}; a negative weight "
            f"rewards the model for a wrong answer"
        )


def check_binary_targets(target: Tensor, name: str) -> None:
    """Binary targets are probabilities of the positive class: numbers in [0, 1]
    (up to TARGET_SLACK)."""
    values = target.data
    outside = (values < -TARGET_SLACK) | (values > 1 + TARGET_SLACK) | np.isnan(values)
    if outside.any():
        raise ArgumentError(
            f"{name}: target values must be between 0 and 1 (the probability of the "
            f"positive class), got values from {np.nanmin(values):.4g} to "
            f"{np.nanmax(values):.4g}{' and NaN' if np.isnan(values).any() else ''}; map "
            f"labels such as -1/+1 or 1/2 to 0/1 first"
        )


def elementwise_weight(weight, input: Tensor, name: str, what: str) -> Tensor:
    """A weight (or pos_weight) for element-wise losses: a float tensor of numbers >= 0
    whose shape broadcasts to the input's shape without making it bigger.

    (A weight of shape (N, 1) on losses of shape (N,) would broadcast the loss to (N, N)
    and silently change "sum" - and, with unequal weights, "mean" too.)
    """
    weight = float_tensor(weight, name, what)
    try:
        combined = np.broadcast_shapes(weight.shape, input.shape)
    except ValueError:
        combined = None
    if combined != input.shape:
        examples = f"{input.shape}" if input.ndim <= 1 else f"{input.shape} or {input.shape[-1:]}"
        raise ShapeError(
            f"{name}: {what} of shape {weight.shape} must broadcast to the input's shape "
            f"{input.shape} without changing it (e.g. shape {examples})"
        )
    _check_weight_values(weight.data, name, what)
    return weight
