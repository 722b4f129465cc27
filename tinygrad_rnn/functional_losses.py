"""The losses, composed from Tensor operations: nll_loss, cross_entropy, mse_loss,
binary_cross_entropy and binary_cross_entropy_with_logits.

    nll_loss:       loss_n = -w[y_n] · scores[n, y_n]
    cross_entropy:  nll_loss(log_softmax(input), target)
    mse_loss:       (input - target)²
    binary_cross_entropy (p, y): -(y log p + (1 - y) log(1 - p)), log clamped at -100

Each returns the mean over the batch, the sum, or one loss per element (`reduction`),
as PyTorch's `torch.nn.functional` does. The targets' checks are functional_targets.py.

Read next: functional_attention.py (masked softmax and attention).
"""

from __future__ import annotations

import numpy as np

from .checks import describe
from .errors import ArgumentError, ShapeError
from .functional_activations import log_softmax_along
from .functional_checks import float_tensor, is_real
from .functional_targets import (
    check_binary_targets,
    check_ignore_index,
    class_targets,
    class_weights,
    elementwise_weight,
)
from .tensor import Tensor, where

REDUCTIONS = ("mean", "sum", "none")

# PyTorch's binary_cross_entropy clamps log(p) and log(1 - p) at -100 so that a
# probability of exactly 0 or 1 gives a large finite loss instead of inf.
LOG_CLAMP = -100.0


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
# Class-index losses: nll_loss and cross_entropy
# --------------------------------------------------------------------------------------
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
    input = float_tensor(input, "nll_loss")
    _check_reduction(reduction, "nll_loss")
    check_ignore_index(ignore_index, "nll_loss")
    target = class_targets(target, input, ignore_index, "nll_loss")
    weight = class_weights(weight, input, "nll_loss")
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
    input = float_tensor(input, "cross_entropy", "input (the logits)")
    _check_reduction(reduction, "cross_entropy")
    check_ignore_index(ignore_index, "cross_entropy")
    if not is_real(label_smoothing) or not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(
            f"cross_entropy: label_smoothing must be a number between 0 and 1, got "
            f"{describe(label_smoothing)}"
        )
    target = class_targets(target, input, ignore_index, "cross_entropy")
    weight = class_weights(weight, input, "cross_entropy")
    class_axis = 0 if input.ndim == 1 else 1
    log_probs = log_softmax_along(input, class_axis, "cross_entropy")
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
    input = float_tensor(input, "mse_loss")
    target = float_tensor(target, "mse_loss", "target")
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
    input = float_tensor(input, name)
    target = float_tensor(target, name, "target")
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
    check_binary_targets(target, name)
    log_p = _clamped_log(input)  # log p, >= -100
    log_one_minus_p = _clamped_log(1.0 - input)  # log(1 - p), >= -100
    losses = -(target * log_p + (1.0 - target) * log_one_minus_p)
    if weight is not None:
        losses = losses * elementwise_weight(weight, input, name, "weight")
    return _reduce(losses, reduction, name).named(name)


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
    x = float_tensor(input, name)
    y = float_tensor(target, name, "target")
    _check_reduction(reduction, name)
    _check_same_shape(x, y, name)
    check_binary_targets(y, name)
    if pos_weight is not None:
        pos_weight = elementwise_weight(pos_weight, x, name, "pos_weight")
    if weight is not None:
        weight = elementwise_weight(weight, x, name, "weight")
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
