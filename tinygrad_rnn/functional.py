"""Composite functions: softmax, losses, dropout and attention, built only from primitives.

    import tinygrad_rnn.functional as F
    logits = model(x)                          # (N, C)
    loss = F.cross_entropy(logits, targets)    # targets: N class indices in [0, C)
    loss.backward()

Nothing in this file has a backward of its own. Every function is a few Tensor operations
(`exp`, `log`, `max`, `sum`, indexing, `where` ...), so the graph shows *how* a loss is
computed and the engine derives its gradient. Names, argument order, defaults and
reductions follow PyTorch's `torch.nn.functional`; the few deviations are listed in the
docstrings ("Differs from PyTorch").

Read next: optim.py (what to do with the gradients), then nn/ (the layers).
"""

from __future__ import annotations

import numbers

import numpy as np

from .checks import check_flag, check_int, describe, is_int
from .errors import ArgumentError, DTypeError, ShapeError, TensorIndexError
from .graph import context, scope
from .roles import mark
from .tensor import Tensor, default_rng, where

REDUCTIONS = ("mean", "sum", "none")

# PyTorch's binary_cross_entropy clamps log(p) and log(1 - p) at -100 so that a
# probability of exactly 0 or 1 gives a large finite loss instead of inf.
LOG_CLAMP = -100.0

# Binary targets must lie in [0, 1] up to this slack, so that rounding (1 - p computed in
# floating point) and gradcheck's nudges of a target at 0 or 1 pass, while labels such as
# -1/+1 or 1/2 are caught.
TARGET_SLACK = 1e-4


# --------------------------------------------------------------------------------------
# Small helpers: checking what the user passed
# --------------------------------------------------------------------------------------
def _float_tensor(x, name: str, what: str = "input") -> Tensor:
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


def _is_real(value) -> bool:
    """A Python or numpy int or float, but not a bool or a string. Any numbers.Real passes,
    a Fraction too (checks.is_number would refuse one)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _pick_axis(axis, dim, name: str):
    """`dim` (PyTorch's spelling) if given, else `axis`; both given and different: error."""
    if dim is None:
        return axis
    if axis != -1 and axis != dim:  # -1 is the default: only dim was really given
        raise ArgumentError(
            f"{name}: got axis={axis!r} and dim={dim!r}; they are the same argument, give only one"
        )
    return dim


def _check_axis(x: Tensor, axis: int, name: str) -> int:
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


def _check_reduction(reduction: str, name: str) -> None:
    """reduction is "mean", "sum" or "none"; a typo or None is an ArgumentError."""
    if isinstance(reduction, str) and reduction in REDUCTIONS:
        return
    hint = ""
    if isinstance(reduction, str) and reduction.lower() in ("avg", "average", "elementwise_mean"):
        hint = "; for the average write reduction='mean'"
    elif reduction is None:
        hint = "; for one loss per element write reduction='none' (a string)"
    raise ArgumentError(
        f"{name}: reduction must be one of 'mean', 'sum' or 'none', got {reduction!r}{hint}"
    )


def _check_same_shape(input: Tensor, target: Tensor, name: str) -> None:
    if input.shape != target.shape:
        raise ShapeError(
            f"{name}: input of shape {input.shape} and target of shape {target.shape} must "
            f"have the same shape (reshape one of them, e.g. target.reshape{input.shape})"
            f""
        )


def _reduce(losses: Tensor, reduction: str, name: str) -> Tensor:
    """Apply `reduction` to element-wise losses: their mean, their sum, or themselves.

    The mean of no losses (an empty batch) is 0/0: an error rather than a silent nan
    that would turn every weight into nan at the next optimizer step.
    """
    if reduction == "mean":
        if losses.data.size == 0:
            raise ShapeError(
                f"{name}: the input is empty (shape {losses.shape}), and the mean of no "
                f"losses is 0/0 (PyTorch returns nan); skip empty batches, or use "
                f"reduction='sum' (0 for an empty batch)"
            )
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


# --------------------------------------------------------------------------------------
# softmax and log-softmax
# --------------------------------------------------------------------------------------
def softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """softmax(x)_i = e^{x_i} / Σ_j e^{x_j} along `axis`; same shape as x.

    `dim` is accepted as an alias of `axis` (PyTorch's spelling: F.softmax(x, dim=-1)).

    Computed as e^{x_i - m} / Σ_j e^{x_j - m} with m = max_j x_j, which is the same
    number but never overflows. m is *detached* (a constant): softmax does not change
    when a constant is subtracted, so m needs no gradient. The output node is labelled
    "softmax".

    Differs from PyTorch: a row that is all -inf (e.g. masked by hand with -inf), a +inf
    entry, or an axis of length 0 raises an error instead of giving nan; to mask, use
    `masked_softmax`.
    """
    x, axis = _input_and_axis(x, axis, dim, "softmax")
    return _softmax(x, axis, "softmax")


def _softmax(x: Tensor, axis: int, name: str) -> Tensor:
    """`softmax` after the checks of x and axis; errors name `name`."""
    m = _row_max(x, axis, name)  # (..., 1, ...) constant shift
    e = (x - m).exp()  # e^{x - m}, every entry in (0, 1]
    return (e / e.sum(axis=axis, keepdims=True)).named("softmax")


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """log softmax(x)_i = x_i - log Σ_j e^{x_j} along `axis` (alias `dim`); same shape as x.

    Written as (x_i - m) - log Σ_j e^{x_j - m} with the detached m = max_j x_j: the sum
    is at least 1 (the max term is e^0), so the log never sees 0 and the result is finite
    for logits like ±1e4, where log(softmax(x)) would give -inf. Its gradient is
    one_hot - softmax(x). The output node is labelled "log_softmax". Errors as `softmax`.
    """
    x, axis = _input_and_axis(x, axis, dim, "log_softmax")
    return _log_softmax(x, axis, "log_softmax")


def _log_softmax(x: Tensor, axis: int, name: str) -> Tensor:
    """`log_softmax` after the checks of x and axis; errors name `name`."""
    m = _row_max(x, axis, name)  # (..., 1, ...) constant shift
    shifted = x - m  # every entry <= 0
    log_sum = shifted.exp().sum(axis=axis, keepdims=True).log()  # log Σ e^{x - m} >= 0
    return (shifted - log_sum).named("log_softmax")


def _input_and_axis(x, axis, dim, name: str) -> tuple[Tensor, int]:
    """x as a floating-point Tensor, and the axis to normalise over (`axis`, or its alias
    `dim`) as a non-negative int; errors name `name`."""
    x = _float_tensor(x, name)
    axis = _check_axis(x, _pick_axis(axis, dim, name), name)
    return x, axis


def _row_max(x: Tensor, axis: int, name: str) -> Tensor:
    """m = max of x along `axis`, detached: the shift that keeps e^{x - m} from overflowing.

    Subtracting a constant does not change a softmax, so m needs no gradient. An empty
    axis, an all -inf row or a +inf entry is an error naming `name`.
    """
    _check_axis_not_empty(x, axis, name)
    m = x.amax(axis=axis, keepdims=True).detach()  # (..., 1, ...)
    _check_row_max(m.data, x, axis, name)
    return m


def _check_axis_not_empty(x: Tensor, axis: int, name: str) -> None:
    """A softmax over an axis of length 0 has nothing to normalise."""
    if x.shape[axis] == 0:
        raise ShapeError(
            f"{name}: axis {axis} of the input of shape {x.shape} has length 0, so there "
            f"is nothing to take a softmax over"
        )


def _check_row_max(maxima: np.ndarray, x: Tensor, axis: int, name: str) -> None:
    """The row maxima must be finite: an all -inf row or a +inf entry gives 0/0 = nan.

    A NaN in the input is left alone: it comes out as NaN, and tg.detect_anomaly()
    finds where it was made.
    """
    infinite = np.isinf(maxima)
    if not infinite.any():
        return
    all_minus_inf = int(np.sum(infinite & (maxima < 0)))
    if all_minus_inf:
        raise ArgumentError(
            f"{name}: {all_minus_inf} slice(s) along axis {axis} of the input of shape "
            f"{x.shape} hold only -inf (a fully masked row?), and a softmax over no finite "
            f"score is 0/0; keep at least one finite score per row, or use "
            f"F.masked_softmax(scores, mask) / F.attention(..., mask=mask)"
        )
    raise ArgumentError(
        f"{name}: the input of shape {x.shape} holds +inf, and e^inf / e^inf is nan; the "
        f"scores overflowed before this call (tg.detect_anomaly() shows where)"
        f""
    )


# --------------------------------------------------------------------------------------
# Class-index losses: nll_loss and cross_entropy
# --------------------------------------------------------------------------------------
def _class_targets(target, scores: Tensor, ignore_index: int, name: str) -> np.ndarray:
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


def _check_ignore_index(ignore_index, name: str) -> None:
    """ignore_index is an int class value (PyTorch's default -100), not 1.0 or "pad"."""
    if not is_int(ignore_index):
        raise ArgumentError(
            f"{name}: ignore_index must be an int such as -100 or the <pad> index, got "
            f"{describe(ignore_index)}"
        )


def _class_weights(weight, scores: Tensor, name: str) -> np.ndarray | None:
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


def _target_losses(scores: Tensor, target: np.ndarray, ignore_index: int, weight) -> Tensor:
    """loss[n, d...] = -w[y] · scores[n, y, d...] with y = target[n, d...] (w = 1 without
    weights), and 0 where target == ignore_index.

    One integer-array index: (row numbers, targets, positions along d1, d2 ...). The
    ignored positions pick class 0 (any valid class) and are then replaced by 0 with
    `where`, so they get no gradient.
    """
    ignored = target == ignore_index
    safe_target = np.where(ignored, 0, target)
    if scores.ndim == 1:
        picked = scores[safe_target]  # () for scores (C,)
    else:
        positions = np.indices(target.shape)  # (1 + len(d), N, d1, ...)
        index = (positions[0], safe_target, *positions[1:])
        picked = scores[index]  # (N, d1, ...) = target.shape
    losses = -picked
    if weight is not None:
        losses = losses * Tensor(weight[safe_target])  # w[y] at every position, constant
    return _zero_where_ignored(losses, ignored)


def _zero_where_ignored(losses: Tensor, ignored: np.ndarray) -> Tensor:
    if ignored.any():
        return where(~ignored, losses, 0.0)
    return losses


def _reduce_class_losses(
    losses: Tensor, target: np.ndarray, ignore_index, weight, reduction, name: str
) -> Tensor:
    """`mean` divides by the number of counted targets, or by the sum of their weights
    w[y_n] when `weight` is given (PyTorch's rule).

    When nothing is counted (an empty batch, every target ignored, or every counted
    target's class weighted 0) that is 0/0: PyTorch returns nan, which the next optimizer
    step would copy into every weight. Here it is an ArgumentError that says why.
    """
    if reduction != "mean":
        return _reduce(losses, reduction, name)
    counted = target != ignore_index
    if weight is None:
        denominator = float(np.sum(counted))
    else:
        denominator = float(np.sum(weight[target[counted]]))
    if denominator == 0:
        why = _why_nothing_counted(target, counted, ignore_index)
        raise ArgumentError(
            f"{name}: reduction='mean' has nothing to average: {why} "
            f"- the mean would be 0/0 (PyTorch returns nan). Skip this batch, or use "
            f"reduction='sum' (0 here)"
        )
    return losses.sum() / denominator


def _why_nothing_counted(target: np.ndarray, counted: np.ndarray, ignore_index) -> str:
    """Why a class loss has no target to average over, in words."""
    if target.size == 0:
        return f"the batch is empty (target shape {target.shape})"
    if not counted.any():
        return f"all {target.size} targets equal ignore_index={ignore_index}"
    return "the class weights of all counted targets are 0"


def nll_loss(
    input: Tensor,
    target,
    weight=None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices: loss_n = -w[y_n] · input[n, y_n].

    input   log-probabilities (e.g. from `log_softmax`), shape (C,), (N, C) or (N, C, d1, ...)
    target  int class indices y, shape (), (N,) or (N, d1, ...); a numpy array, list or
            int Tensor. Entries equal to `ignore_index` contribute 0 and are not counted.
    weight  optional (C,) weight per class (a constant, as in PyTorch), each >= 0;
            default all 1
    reduction  "mean" (Σ_n loss_n / Σ_n w[y_n] over the counted targets - with no weight
            that is the plain mean over them), "sum", or "none" (shape of target, 0 at
            ignored positions).

    `ignore_index` and `reduction` are keyword-only, so a call written for PyTorch with
    its deprecated positional arguments cannot silently mean something else here.

    Differs from PyTorch: when "mean" has nothing to average - an empty batch, every
    target equal to ignore_index, or only classes of weight 0 - PyTorch returns nan (0/0),
    which the next optimizer step copies into every parameter; here it is an
    ArgumentError saying which of the three happened ("sum" gives 0 there). Input that
    looks like probabilities (softmax output instead of log_softmax) is an ArgumentError.
    """
    input = _float_tensor(input, "nll_loss")
    _check_reduction(reduction, "nll_loss")
    _check_ignore_index(ignore_index, "nll_loss")
    target = _class_targets(target, input, ignore_index, "nll_loss")
    weight = _class_weights(weight, input, "nll_loss")
    _check_not_probabilities(input)
    losses = _target_losses(input, target, ignore_index, weight)
    reduced = _reduce_class_losses(losses, target, ignore_index, weight, reduction, "nll_loss")
    return reduced.named("nll_loss")


def _check_not_probabilities(input: Tensor) -> None:
    """nll_loss needs log-probabilities; softmax output (rows of numbers in [0, 1] that
    sum to 1, not all 0 or 1) gives a negative "loss" that trains nothing useful.

    No log-probability row can look like this (log-probabilities are <= 0 and a row of
    zeros sums to 0), so the check never refuses a correct input.
    """
    if input.ndim == 0 or input.data.size == 0:
        return
    values = input.data
    class_axis = 0 if input.ndim == 1 else 1
    if values.min() < 0 or values.max() > 1:
        return
    if not np.allclose(values.sum(axis=class_axis), 1.0, rtol=0.0, atol=1e-6):
        return
    if np.all((values == 0) | (values == 1)):
        return  # one-hot rows: not what softmax gives; leave them alone
    raise ArgumentError(
        f"nll_loss: the input of shape {input.shape} looks like probabilities (every row is "
        f"in [0, 1] and sums to 1), but nll_loss needs log-probabilities; use "
        f"F.log_softmax instead of F.softmax, or F.cross_entropy on the raw scores"
        f""
    )


def cross_entropy(
    input: Tensor,
    target,
    weight=None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy of logits and class indices:

        loss_n = -log softmax(input_n)[y_n] = -input_n[y_n] + log Σ_j e^{input_n[j]}

    = nll_loss(log_softmax(input, axis=class axis), target). Shapes as PyTorch:
    input (C,) with a scalar target, (N, C) with target (N,), or (N, C, d1, ...) with
    target (N, d1, ...) - the class axis is axis 1. Targets are int class indices (numpy
    array, list or int Tensor); `weight`, `ignore_index` and `reduction` as in `nll_loss`.

    label_smoothing ε mixes the one-hot target with the uniform distribution, as PyTorch:
        loss_n = (1 - ε) · w[y_n] · (-log ŷ_n[y_n]) + (ε / C) · Σ_c w_c · (-log ŷ_n[c])
    and "mean" divides by the same Σ_n w[y_n].

    Differs from PyTorch: no probability (float) targets - they raise DTypeError; "mean"
    with nothing to average is an error, not nan (see `nll_loss`).
    """
    input = _float_tensor(input, "cross_entropy", "input (the logits)")
    _check_reduction(reduction, "cross_entropy")
    _check_ignore_index(ignore_index, "cross_entropy")
    if not _is_real(label_smoothing) or not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(
            f"cross_entropy: label_smoothing must be a number between 0 and 1, got "
            f"{describe(label_smoothing)}"
        )
    target = _class_targets(target, input, ignore_index, "cross_entropy")
    weight = _class_weights(weight, input, "cross_entropy")
    class_axis = 0 if input.ndim == 1 else 1
    log_probs = _log_softmax(input, class_axis, "cross_entropy")
    losses = _target_losses(log_probs, target, ignore_index, weight)
    if label_smoothing > 0:
        smooth = _smoothing_losses(log_probs, class_axis, weight)
        smooth = _zero_where_ignored(smooth, target == ignore_index)
        classes = input.shape[class_axis]
        losses = (1.0 - label_smoothing) * losses + (label_smoothing / classes) * smooth
    reduced = _reduce_class_losses(losses, target, ignore_index, weight, reduction, "cross_entropy")
    return reduced.named("cross_entropy")


def _smoothing_losses(log_probs: Tensor, class_axis: int, weight) -> Tensor:
    """Σ_c w_c · (-log ŷ[c]) at every position: the loss against a uniform target."""
    if weight is not None:
        shape = [1] * log_probs.ndim
        shape[class_axis] = weight.shape[0]
        log_probs = log_probs * Tensor(weight.reshape(shape))  # w along the class axis
    return -log_probs.sum(axis=class_axis)


# --------------------------------------------------------------------------------------
# Regression and binary losses
# --------------------------------------------------------------------------------------
def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean squared error: loss = (input - target)² element-wise, then reduced.

    Differs from PyTorch: input and target must have the same shape. PyTorch broadcasts
    them with only a warning, which silently turns (N, 1) and (N,) into an (N, N) loss.
    The "mean" of an empty input is an error, not nan.
    """
    input = _float_tensor(input, "mse_loss")
    target = _float_tensor(target, "mse_loss", "target")
    _check_reduction(reduction, "mse_loss")
    _check_same_shape(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss").named("mse_loss")


def _clamped_log(x: Tensor) -> Tensor:
    """max(log x, -100) for x in [0, 1], without ever computing log 0.

    Where x < e^-100 the result is the constant -100 (gradient 0); there the log is
    taken of 1 instead of x, so neither the value nor the backward sees a division by 0.
    """
    too_small = x.data < np.exp(LOG_CLAMP)
    safe_x = where(too_small, 1.0, x)
    return where(too_small, LOG_CLAMP, safe_x.log())


def binary_cross_entropy(input: Tensor, target, weight=None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities p = input and targets y in [0, 1]:

        loss = -w · (y log p + (1 - y) log(1 - p))        (w = weight, default 1)

    As in PyTorch, log p and log(1 - p) are clamped at -100, so p = 0 or 1 gives a
    finite loss (at most 100) instead of inf. input and target must lie in [0, 1]
    (ArgumentError otherwise, a ValueError); input and target have the same shape, and
    weight (>= 0) broadcasts to it without making it bigger.

    Differs from PyTorch: where the clamp is active (p < e^-100 or 1 - p < e^-100) the
    gradient through that log is 0; PyTorch returns a huge finite value there. Targets
    outside [0, 1] (labels such as -1/+1 or 1/2) are an error; PyTorch computes a
    meaningless number from them.
    Prefer `binary_cross_entropy_with_logits` on raw scores: it is exact and stable.
    """
    name = "binary_cross_entropy"
    input = _float_tensor(input, name)
    target = _float_tensor(target, name, "target")
    _check_reduction(reduction, name)
    _check_same_shape(input, target, name)
    probabilities = input.data
    outside = (probabilities < 0) | (probabilities > 1) | np.isnan(probabilities)
    if outside.any():
        raise ArgumentError(
            f"binary_cross_entropy: all elements of input should be between 0 and 1 "
            f"(probabilities), got values from {np.nanmin(probabilities):.4g} to "
            f"{np.nanmax(probabilities):.4g}; apply sigmoid first or use "
            f"binary_cross_entropy_with_logits"
        )
    _check_binary_targets(target, name)
    log_p = _clamped_log(input)  # log p, >= -100
    log_one_minus_p = _clamped_log(1.0 - input)  # log(1 - p), >= -100
    losses = -(target * log_p + (1.0 - target) * log_one_minus_p)
    if weight is not None:
        losses = losses * _elementwise_weight(weight, input, name, "weight")
    return _reduce(losses, reduction, name).named(name)


def _check_binary_targets(target: Tensor, name: str) -> None:
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


def _elementwise_weight(weight, input: Tensor, name: str, what: str) -> Tensor:
    """A weight (or pos_weight) for element-wise losses: a float tensor of numbers >= 0
    whose shape broadcasts to the input's shape without making it bigger.

    (A weight of shape (N, 1) on losses of shape (N,) would broadcast the loss to (N, N)
    and silently change "sum" - and, with unequal weights, "mean" too.)
    """
    weight = _float_tensor(weight, name, what)
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


def binary_cross_entropy_with_logits(
    input: Tensor, target, weight=None, reduction: str = "mean", pos_weight=None
) -> Tensor:
    """Binary cross-entropy of raw scores x = input (p = sigmoid(x)) and targets y:

        loss = -w · (y log σ(x) + (1 - y) log(1 - σ(x)))
             =  w · (max(x, 0) - x·y + log(1 + e^{-|x|}))        (the stable form used)

    e^{-|x|} <= 1, so nothing overflows for any x, and the loss is exact where
    log(sigmoid(x)) would round to log 0. With `pos_weight` (a per-class factor for the
    positive term, broadcast along the last axis as in PyTorch):

        loss = w · ((1 - y)·x + (1 + (pos_weight - 1)·y) · softplus(-x)),
        softplus(-x) = -log σ(x) = max(-x, 0) + log(1 + e^{-|x|})

    |x| and max(x, 0) are written with `where(x >= 0, ...)`, the same branch for both,
    so at x = 0 the gradient is σ(0) - y = 0.5 - y, as it must be.

    Targets must lie in [0, 1]; weight and pos_weight (>= 0) must broadcast to the
    input's shape without making it bigger (see `binary_cross_entropy`).
    """
    name = "binary_cross_entropy_with_logits"
    x = _float_tensor(input, name)
    y = _float_tensor(target, name, "target")
    _check_reduction(reduction, name)
    _check_same_shape(x, y, name)
    _check_binary_targets(y, name)
    if pos_weight is not None:
        pos_weight = _elementwise_weight(pos_weight, x, name, "pos_weight")
    if weight is not None:
        weight = _elementwise_weight(weight, x, name, "weight")
    nonnegative = x.data >= 0
    max_x_0 = where(nonnegative, x, 0.0)  # max(x, 0)
    minus_abs_x = where(nonnegative, -x, x)  # -|x|
    log_term = (1.0 + minus_abs_x.exp()).log()  # log(1 + e^{-|x|}), in [0, log 2]
    if pos_weight is None:
        losses = max_x_0 - x * y + log_term
    else:
        softplus_minus_x = max_x_0 - x + log_term  # max(-x, 0) + log(1 + e^{-|x|})
        log_weight = 1.0 + (pos_weight - 1.0) * y
        losses = (1.0 - y) * x + log_weight * softplus_minus_x
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction, name).named(name)


# --------------------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------------------
def _generator(rng) -> np.random.Generator:
    """A numpy Generator from `rng`: a Generator, a seed (int >= 0), or None (the
    library's default, set by tg.manual_seed)."""
    if rng is None:
        return default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (np.random.RandomState, np.random.BitGenerator, np.random.SeedSequence)):
        return np.random.default_rng(rng)  # numpy's other sources of randomness
    if not is_int(rng) or rng < 0:
        raise ArgumentError(
            f"dropout: rng must be a np.random.Generator, an int seed >= 0 or None, got "
            f"{describe(rng)}"
        )
    return np.random.default_rng(int(rng))


def dropout(x: Tensor, p: float = 0.5, training: bool = True, rng=None) -> Tensor:
    """Inverted dropout: out = x ⊙ mask / (1 - p), mask_i ~ Bernoulli(1 - p).

    Each element is zeroed with probability p and the survivors are scaled by
    1 / (1 - p), so the expected value of out is x and nothing changes at test time.
    The scaled mask is a constant leaf labelled "dropout_mask" (the second parent of the
    result): the gradient is grad_out ⊙ mask / (1 - p), the same mask as the forward.

    rng       a numpy Generator or a seed; default: the generator `tg.manual_seed` sets
    training  True or False; False (evaluation) or p = 0 returns x itself; p = 1 returns
              zeros. (A string such as "False" is refused: it would count as True.)
    """
    if not _is_real(p):
        raise ArgumentError(
            f"dropout: p (the probability of zeroing an element) must be a number between 0 "
            f"and 1, got {describe(p)}"
        )
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"dropout: probability has to be between 0 and 1, but got {p!r}")
    check_flag(training, "training", "dropout", error=ArgumentError)
    x = _float_tensor(x, "dropout")
    if not training or p == 0:
        return x
    if p == 1:
        scaled_mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        keep = _generator(rng).random(x.shape) >= p  # True with probability 1 - p
        scaled_mask = keep.astype(x.dtype) / float(1.0 - p)  # 0 or 1/(1-p), x's dtype
    return x * Tensor(scaled_mask, label="dropout_mask")


# --------------------------------------------------------------------------------------
# Attention: scores -> weights (a masked softmax) -> context (a weighted sum)
# --------------------------------------------------------------------------------------
# What a masked score becomes before the softmax. Any number far below every real score
# works; where() puts it in as a constant, so no gradient reaches the masked scores, and
# the weights are then set to exactly 0 there (see `masked_softmax`).
MASKED_SCORE = -1e9


def _attention_scope() -> str | None:
    """ "attention" - unless the innermost scope already is "attention" (an nn.Attention
    registered as `self.attention`), so the scope reads (..., "attention"), not twice."""
    if context.scope and context.scope[-1] == "attention":
        return None
    return "attention"


def _check_mask(mask, scores: Tensor, name: str, axis: int = -1) -> np.ndarray | None:
    """The mask as a bool array of the scores' shape (B, T), or None; errors name `name`.

    Every slice along `axis` (the axis the softmax runs over) needs a True entry.
    """
    if mask is None:
        return None
    array = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if array.dtype != np.bool_:
        raise DTypeError(
            f"{name}: mask must be a boolean array (True = attend to this step), got dtype "
            f"{array.dtype}; convert 0/1 values with mask.astype(bool), or build it from "
            f"lengths with tinygrad_rnn.data.lengths_to_mask(lengths, T)"
        )
    if array.shape != scores.shape:
        raise ShapeError(
            f"{name}: mask of shape {array.shape} must match the scores' shape {scores.shape} "
            f"(batch, time steps)"
        )
    empty = ~array.any(axis=axis)
    if empty.any():
        if empty.ndim == 1:
            rows = np.flatnonzero(empty)[:5].tolist()
        else:
            rows = [tuple(index) for index in np.argwhere(empty)[:5].tolist()]
        along = "" if axis in (-1, array.ndim - 1) else f" (along axis {axis})"
        raise ArgumentError(
            f"{name}: mask rows {rows} are all False{along} - a softmax over no step is "
            f"undefined (0/0). Every sequence needs at least one unmasked step: check that "
            f"no length is 0"
        )
    return array


def masked_softmax(scores: Tensor, mask=None, axis: int = -1) -> Tensor:
    """softmax along `axis` over the unmasked entries only; masked entries get exactly 0.

        α_i = e^{s_i} / Σ_{j unmasked} e^{s_j}    where mask_i is True,    α_i = 0 elsewhere

    scores (B, T), mask (B, T) bool (True = keep) or None (plain softmax). As in `softmax`,
    the detached max m is subtracted first. The masked scores are first replaced by the
    constant MASKED_SCORE (so they cannot win the max, and get no gradient), and after
    the exp the masked entries are replaced by 0 - so the weight is 0.0 exactly, not
    just tiny. A row that is entirely masked (along `axis`) raises ArgumentError, a
    ValueError (it would be 0/0 = NaN).
    """
    scores = _float_tensor(scores, "masked_softmax", "scores")
    axis = _check_axis(scores, axis, "masked_softmax")
    keep = _check_mask(mask, scores, "masked_softmax", axis)
    return _masked_softmax(scores, keep, axis, "masked_softmax")


def _masked_softmax(scores: Tensor, keep: np.ndarray | None, axis: int, name: str) -> Tensor:
    """`masked_softmax` after the checks; keep is a bool array of the scores' shape."""
    if keep is None:
        return _softmax(scores, axis, name)
    filled = where(keep, scores, MASKED_SCORE)  # (B, T) masked steps can never be the max
    m = filled.amax(axis=axis, keepdims=True).detach()  # (B, 1) constant shift
    unmasked_max = np.max(np.where(keep, scores.data, -np.inf), axis=axis)
    _check_row_max(unmasked_max, scores, axis, name)  # unmasked scores all -inf, or +inf
    e = where(keep, (filled - m).exp(), 0.0)  # (B, T) e^{s - m}, exactly 0 where masked
    return (e / e.sum(axis=axis, keepdims=True)).named("softmax")


def _check_attention_inputs(query: Tensor, keys: Tensor, values: Tensor, name: str) -> None:
    """query (B, H), keys (B, T, H), values (B, T, H_v); ShapeError naming `name` otherwise."""
    if query.ndim != 2 or keys.ndim != 3 or values.ndim != 3:
        raise ShapeError(
            f"{name}: expected query (B, H), keys (B, T, H) and values (B, T, H_v), got "
            f"{query.shape}, {keys.shape} and {values.shape}. For one sequence add a batch "
            f"axis: query.reshape(1, H), keys.reshape(1, T, H)"
        )
    B, H = query.shape
    if keys.shape[0] != B or keys.shape[2] != H:
        raise ShapeError(
            f"{name}: query {query.shape} (B, H) and keys {keys.shape} (B, T, H) must agree "
            f"on B and H; dot-product scores s·h_i need equal sizes (for different sizes use "
            f"nn.Attention(kind='general' or 'additive', key_size=...))"
        )
    if values.shape[:2] != keys.shape[:2]:
        raise ShapeError(
            f"{name}: values {values.shape} must have the keys' batch and time axes "
            f"{keys.shape[:2]} (one value per key)"
        )
    if keys.shape[1] == 0:
        raise ShapeError(f"{name}: got keys with no time steps, shape {keys.shape}")


def attend(scores: Tensor, values: Tensor, mask=None) -> tuple[Tensor, Tensor]:
    """The second half of every attention: scores -> weights -> context.

        α = softmax(e)  over the unmasked steps (masked: α_i = 0 exactly)       (B, T)
        a = Σ_i α_i v_i                                                           (B, H_v)

    scores e (B, T), values v (B, T, H_v), mask (B, T) bool or None.
    Returns (context a, weights α), labelled "context" and "alpha" (with the time step:
    "context_3", "alpha_3" inside tg.scope(t=3)). nn.Attention computes its own scores
    (general, additive) and calls this; `attention` below uses dot-product scores.
    """
    with scope(_attention_scope()):
        return _attend(scores, values, mask, "attend")


def _attend(scores: Tensor, values: Tensor, mask, name: str) -> tuple[Tensor, Tensor]:
    """`attend`, with errors naming `name` (the function or layer the user called)."""
    scores = _float_tensor(scores, name, "scores")
    values = _float_tensor(values, name, "values")
    if scores.ndim != 2 or values.ndim != 3 or values.shape[:2] != scores.shape:
        raise ShapeError(
            f"{name}: scores (B, T) and values (B, T, H_v) must agree on B and T, got "
            f"{scores.shape} and {values.shape}"
        )
    keep = _check_mask(mask, scores, name)
    B, T = scores.shape
    alpha = mark(_masked_softmax(scores, keep, 1, name), "step", "alpha")  # (B, T)
    weighted = alpha.reshape(B, 1, T) @ values  # (B, 1, T) @ (B, T, H_v) -> (B, 1, H_v)
    context_vector = mark(weighted.reshape(B, values.shape[2]), "step", "context")
    return context_vector, alpha


def attention(query: Tensor, keys: Tensor, values: Tensor, mask=None) -> tuple[Tensor, Tensor]:
    """Dot-product attention, as the lessons write it: the decoder state s asks every
    encoder state h_i how well it matches, and takes the matches' weighted average.

        e_i = s · h_i                     score of step i                  (B, T)
        α   = softmax(e)                  attention weights, Σ_i α_i = 1   (B, T)
        a   = Σ_i α_i v_i                 context vector                   (B, H_v)

    query  s   (B, H)      e.g. the decoder's hidden state at this step
    keys   h_i (B, T, H)   e.g. the encoder's outputs
    values v_i (B, T, H_v) usually the keys again (attention(s, h, h))
    mask   (B, T) bool, True = attend to this step, or None. Masked steps (padding after
           a short source) get weight 0.0 exactly and no gradient; the weights sum to 1
           over the unmasked steps. A row with no True raises ArgumentError (a ValueError).
    Returns (context (B, H_v), weights (B, T)).

    Every node is made inside `tg.scope("attention")` and labelled "score", "alpha",
    "context" - with the time step when called inside `tg.scope(t=...)` ("score_3",
    "alpha_3", "context_3"), so the decoder's step-3 attention is one group in viz.
    """
    query = _float_tensor(query, "attention", "query")
    keys = _float_tensor(keys, "attention", "keys")
    values = _float_tensor(values, "attention", "values")
    _check_attention_inputs(query, keys, values, "attention")
    B, T, H = keys.shape
    with scope(_attention_scope()):
        scores = keys @ query.reshape(B, H, 1)  # (B, T, H) @ (B, H, 1) -> (B, T, 1)
        scores = mark(scores.reshape(B, T), "step", "score")  # e_i = s · h_i
        return _attend(scores, values, mask, "attention")
