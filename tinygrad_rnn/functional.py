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

from .errors import DTypeError, ShapeError, TensorIndexError
from .graph import context, current_time_step, format_source, scope, user_source
from .tensor import Tensor, default_rng, where

REDUCTIONS = ("mean", "sum", "none")

# PyTorch's binary_cross_entropy clamps log(p) and log(1 - p) at -100 so that a
# probability of exactly 0 or 1 gives a large finite loss instead of inf.
LOG_CLAMP = -100.0


# --------------------------------------------------------------------------------------
# Small helpers: checking what the user passed
# --------------------------------------------------------------------------------------
def _where_called() -> str:
    """' — at file.py:LINE' of the user's code, for error messages."""
    return f" — at {format_source(user_source())}"


def _float_tensor(x, name: str, what: str = "input") -> Tensor:
    """`x` as a floating-point Tensor (numpy arrays and numbers are wrapped as constants)."""
    if not isinstance(x, Tensor):
        x = Tensor(x)
    if x.dtype.kind != "f":
        raise DTypeError(
            f"{name}: {what} must be a floating-point tensor, got {x.dtype} "
            f"(shape {x.shape}); convert it with x.float(){_where_called()}"
        )
    return x


def _check_axis(x: Tensor, axis: int, name: str) -> int:
    """`axis` as a non-negative int, or a ShapeError naming the function."""
    if not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < x.ndim:
        raise ShapeError(
            f"{name}: axis {axis!r} is out of range for an input of shape {x.shape} "
            f"(valid: {-x.ndim} .. {x.ndim - 1}){_where_called()}"
        )
    return int(axis) % x.ndim


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}{_where_called()}"
        )


def _check_same_shape(input: Tensor, target: Tensor, name: str) -> None:
    if input.shape != target.shape:
        raise ShapeError(
            f"{name}: input of shape {input.shape} and target of shape {target.shape} must "
            f"have the same shape (reshape one of them, e.g. target.reshape{input.shape})"
            f"{_where_called()}"
        )


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    """Apply `reduction` to element-wise losses: their mean, their sum, or themselves."""
    if reduction == "mean":
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
    """
    x = _float_tensor(x, "softmax")
    axis = _check_axis(x, axis if dim is None else dim, "softmax")
    m = x.max(axis=axis, keepdims=True).detach()  # (..., 1, ...) constant shift
    e = (x - m).exp()  # e^{x - m}, every entry in (0, 1]
    return (e / e.sum(axis=axis, keepdims=True)).named("softmax")


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """log softmax(x)_i = x_i - log Σ_j e^{x_j} along `axis` (alias `dim`); same shape as x.

    Written as (x_i - m) - log Σ_j e^{x_j - m} with the detached m = max_j x_j: the sum
    is at least 1 (the max term is e^0), so the log never sees 0 and the result is finite
    for logits like ±1e4, where log(softmax(x)) would give -inf. Its gradient is
    one_hot - softmax(x). The output node is labelled "log_softmax".
    """
    x = _float_tensor(x, "log_softmax")
    axis = _check_axis(x, axis if dim is None else dim, "log_softmax")
    m = x.max(axis=axis, keepdims=True).detach()  # (..., 1, ...) constant shift
    shifted = x - m  # every entry <= 0
    log_sum = shifted.exp().sum(axis=axis, keepdims=True).log()  # log Σ e^{x - m} >= 0
    return (shifted - log_sum).named("log_softmax")


# --------------------------------------------------------------------------------------
# Class-index losses: nll_loss and cross_entropy
# --------------------------------------------------------------------------------------
def _class_targets(target, scores: Tensor, ignore_index: int, name: str) -> np.ndarray:
    """The targets as an int array, checked against scores of shape (C,) or (N, C, d1, ...).

    Returns the targets with the expected shape: () for scores (C,), else (N, d1, ...).
    """
    array = target.data if isinstance(target, Tensor) else np.asarray(target)
    if array.dtype.kind not in "iu":
        raise DTypeError(
            f"{name}: target must hold class indices (integers), got dtype {array.dtype} "
            f"(shape {array.shape}). Convert it with target.long() or "
            f"np.asarray(target, dtype=int); for probabilities use another loss"
            f"{_where_called()}"
        )
    if scores.ndim == 0:
        raise ShapeError(
            f"{name}: input must have a class axis, shape (C,) or (N, C, ...), got a "
            f"scalar{_where_called()}"
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
        raise ShapeError(
            f"{name}: input of shape {scores.shape} (class axis {0 if scores.ndim == 1 else 1}"
            f", C = {scores.shape[0 if scores.ndim == 1 else 1]}) needs a target of shape "
            f"{expected}, got {array.shape}{hint}{_where_called()}"
        )
    classes = scores.shape[0] if scores.ndim == 1 else scores.shape[1]
    counted = array != ignore_index
    bad = counted & ((array < 0) | (array >= classes))
    if bad.any():
        shown = np.unique(array[bad])[:5].tolist()
        raise TensorIndexError(
            f"{name}: target values must be class indices in [0, {classes}) (C = {classes} "
            f"from input shape {scores.shape}) or ignore_index={ignore_index}; got "
            f"{shown}{_where_called()}"
        )
    return array


def _class_weights(weight, scores: Tensor, name: str) -> np.ndarray | None:
    """The per-class weights as a constant float array of shape (C,), or None."""
    if weight is None:
        return None
    array = weight.data if isinstance(weight, Tensor) else np.asarray(weight)
    classes = scores.shape[0] if scores.ndim == 1 else scores.shape[1]
    if array.dtype.kind not in "fiu" or array.shape != (classes,):
        raise ShapeError(
            f"{name}: weight must hold one number per class, shape ({classes},) for input "
            f"of shape {scores.shape}; got {array.dtype} of shape {array.shape}"
            f"{_where_called()}"
        )
    return array.astype(scores.dtype)


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


def _reduce_class_losses(losses: Tensor, target: np.ndarray, ignore_index, weight, reduction):
    """`mean` divides by the number of counted targets, or by the sum of their weights
    w[y_n] when `weight` is given (PyTorch's rule); nan when nothing is counted."""
    if reduction != "mean":
        return _reduce(losses, reduction)
    counted = target != ignore_index
    if weight is None:
        denominator = float(np.sum(counted))
    else:
        denominator = float(np.sum(weight[target[counted]]))
    if denominator == 0:  # every target ignored: 0/0, PyTorch returns nan
        return losses.sum() * float("nan")
    return losses.sum() / denominator


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
    weight  optional (C,) weight per class (a constant, as in PyTorch); default all 1
    reduction  "mean" (Σ_n loss_n / Σ_n w[y_n] over the counted targets - with no weight
            that is the plain mean over them; nan if none is counted), "sum", or "none"
            (shape of target, 0 at ignored positions).

    `ignore_index` and `reduction` are keyword-only, so a call written for PyTorch with
    its deprecated positional arguments cannot silently mean something else here.
    """
    input = _float_tensor(input, "nll_loss")
    _check_reduction(reduction, "nll_loss")
    target = _class_targets(target, input, ignore_index, "nll_loss")
    weight = _class_weights(weight, input, "nll_loss")
    losses = _target_losses(input, target, ignore_index, weight)
    reduced = _reduce_class_losses(losses, target, ignore_index, weight, reduction)
    return reduced.named("nll_loss")


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

    Differs from PyTorch: no probability (float) targets - they raise DTypeError.
    """
    input = _float_tensor(input, "cross_entropy", "input (the logits)")
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"cross_entropy: label_smoothing must be between 0 and 1, got {label_smoothing}"
            f"{_where_called()}"
        )
    target = _class_targets(target, input, ignore_index, "cross_entropy")
    weight = _class_weights(weight, input, "cross_entropy")
    class_axis = 0 if input.ndim == 1 else 1
    log_probs = log_softmax(input, axis=class_axis)
    losses = _target_losses(log_probs, target, ignore_index, weight)
    if label_smoothing > 0:
        smooth = _smoothing_losses(log_probs, class_axis, weight)
        smooth = _zero_where_ignored(smooth, target == ignore_index)
        classes = input.shape[class_axis]
        losses = (1.0 - label_smoothing) * losses + (label_smoothing / classes) * smooth
    reduced = _reduce_class_losses(losses, target, ignore_index, weight, reduction)
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
    """
    input = _float_tensor(input, "mse_loss")
    target = _float_tensor(target, "mse_loss", "target")
    _check_reduction(reduction, "mse_loss")
    _check_same_shape(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction).named("mse_loss")


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
    finite loss (at most 100) instead of inf. input must lie in [0, 1] (ValueError
    otherwise); input, target (and weight, if given) have the same shape.

    Differs from PyTorch: where the clamp is active (p < e^-100 or 1 - p < e^-100) the
    gradient through that log is 0; PyTorch returns a huge finite value there.
    Prefer `binary_cross_entropy_with_logits` on raw scores: it is exact and stable.
    """
    input = _float_tensor(input, "binary_cross_entropy")
    target = _float_tensor(target, "binary_cross_entropy", "target")
    _check_reduction(reduction, "binary_cross_entropy")
    _check_same_shape(input, target, "binary_cross_entropy")
    outside = (input.data < 0) | (input.data > 1) | np.isnan(input.data)
    if outside.any():
        raise ValueError(
            f"binary_cross_entropy: all elements of input should be between 0 and 1 "
            f"(probabilities), got values from {np.nanmin(input.data):.4g} to "
            f"{np.nanmax(input.data):.4g}; apply sigmoid first or use "
            f"binary_cross_entropy_with_logits{_where_called()}"
        )
    log_p = _clamped_log(input)  # log p, >= -100
    log_one_minus_p = _clamped_log(1.0 - input)  # log(1 - p), >= -100
    losses = -(target * log_p + (1.0 - target) * log_one_minus_p)
    if weight is not None:
        weight = _float_tensor(weight, "binary_cross_entropy", "weight")
        losses = losses * weight
    return _reduce(losses, reduction).named("binary_cross_entropy")


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
    """
    x = _float_tensor(input, "binary_cross_entropy_with_logits")
    y = _float_tensor(target, "binary_cross_entropy_with_logits", "target")
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    _check_same_shape(x, y, "binary_cross_entropy_with_logits")
    nonnegative = x.data >= 0
    max_x_0 = where(nonnegative, x, 0.0)  # max(x, 0)
    minus_abs_x = where(nonnegative, -x, x)  # -|x|
    log_term = (1.0 + minus_abs_x.exp()).log()  # log(1 + e^{-|x|}), in [0, log 2]
    if pos_weight is None:
        losses = max_x_0 - x * y + log_term
    else:
        pos_weight = _float_tensor(pos_weight, "binary_cross_entropy_with_logits", "pos_weight")
        softplus_minus_x = max_x_0 - x + log_term  # max(-x, 0) + log(1 + e^{-|x|})
        log_weight = 1.0 + (pos_weight - 1.0) * y
        losses = (1.0 - y) * x + log_weight * softplus_minus_x
    if weight is not None:
        weight = _float_tensor(weight, "binary_cross_entropy_with_logits", "weight")
        losses = losses * weight
    return _reduce(losses, reduction).named("binary_cross_entropy_with_logits")


# --------------------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------------------
def _generator(rng) -> np.random.Generator:
    """A numpy Generator from `rng`: a Generator, a seed, or None (the library's default)."""
    if rng is None:
        return default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def dropout(x: Tensor, p: float = 0.5, training: bool = True, rng=None) -> Tensor:
    """Inverted dropout: out = x ⊙ mask / (1 - p), mask_i ~ Bernoulli(1 - p).

    Each element is zeroed with probability p and the survivors are scaled by
    1 / (1 - p), so the expected value of out is x and nothing changes at test time.
    The scaled mask is a constant leaf labelled "dropout_mask" (the second parent of the
    result): the gradient is grad_out ⊙ mask / (1 - p), the same mask as the forward.

    rng       a numpy Generator or a seed; default: the generator `tg.manual_seed` sets
    training  False (evaluation) or p = 0 returns x itself; p = 1 returns zeros.
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(
            f"dropout: probability has to be between 0 and 1, but got {p!r}{_where_called()}"
        )
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


def step_label(name: str, t: int | None = None) -> str:
    """ "alpha_3" inside `tg.scope(t=3)` (the decoder's step 3), plain "alpha" outside."""
    if t is None:
        t = current_time_step()
    return f"{name}_{t}" if t is not None else name


def _attention_scope() -> str | None:
    """ "attention" - unless the innermost scope already is "attention" (an nn.Attention
    registered as `self.attention`), so the scope reads (..., "attention"), not twice."""
    if context.scope and context.scope[-1] == "attention":
        return None
    return "attention"


def _check_mask(mask, scores: Tensor, name: str) -> np.ndarray | None:
    """The mask as a bool array of the scores' shape (B, T), or None; errors name `name`."""
    if mask is None:
        return None
    array = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if array.dtype != np.bool_:
        raise DTypeError(
            f"{name}: mask must be a boolean array (True = attend to this step), got dtype "
            f"{array.dtype}; convert 0/1 values with mask.astype(bool), or build it from "
            f"lengths with tinygrad_rnn.data.lengths_to_mask(lengths, T){_where_called()}"
        )
    if array.shape != scores.shape:
        raise ShapeError(
            f"{name}: mask of shape {array.shape} must match the scores' shape {scores.shape} "
            f"(batch, time steps){_where_called()}"
        )
    empty = ~array.any(axis=-1)
    if empty.any():
        rows = np.flatnonzero(empty)[:5].tolist()
        raise ValueError(
            f"{name}: mask rows {rows} are all False - a softmax over no step is undefined "
            f"(0/0). Every sequence needs at least one unmasked step: check that no length "
            f"is 0{_where_called()}"
        )
    return array


def masked_softmax(scores: Tensor, mask=None, axis: int = -1) -> Tensor:
    """softmax along `axis` over the unmasked entries only; masked entries get exactly 0.

        α_i = e^{s_i} / Σ_{j unmasked} e^{s_j}    where mask_i is True,    α_i = 0 elsewhere

    scores (B, T), mask (B, T) bool (True = keep) or None (plain softmax). As in `softmax`,
    the detached max m is subtracted first. The masked scores are first replaced by the
    constant MASKED_SCORE (so they cannot win the max, and get no gradient), and after
    the exp the masked entries are replaced by 0 - so the weight is 0.0 exactly, not
    just tiny. A row that is entirely masked raises ValueError (it would be 0/0 = NaN).
    """
    scores = _float_tensor(scores, "masked_softmax", "scores")
    axis = _check_axis(scores, axis, "masked_softmax")
    keep = _check_mask(mask, scores, "masked_softmax")
    return _masked_softmax(scores, keep, axis)


def _masked_softmax(scores: Tensor, keep: np.ndarray | None, axis: int) -> Tensor:
    """`masked_softmax` after the checks; keep is a bool array of the scores' shape."""
    if keep is None:
        return softmax(scores, axis=axis)
    filled = where(keep, scores, MASKED_SCORE)  # (B, T) masked steps can never be the max
    m = filled.max(axis=axis, keepdims=True).detach()  # (B, 1) constant shift
    e = where(keep, (filled - m).exp(), 0.0)  # (B, T) e^{s - m}, exactly 0 where masked
    return (e / e.sum(axis=axis, keepdims=True)).named("softmax")


def _check_attention_inputs(query: Tensor, keys: Tensor, values: Tensor, name: str) -> None:
    """query (B, H), keys (B, T, H), values (B, T, H_v); ShapeError naming `name` otherwise."""
    if query.ndim != 2 or keys.ndim != 3 or values.ndim != 3:
        raise ShapeError(
            f"{name}: expected query (B, H), keys (B, T, H) and values (B, T, H_v), got "
            f"{query.shape}, {keys.shape} and {values.shape}. For one sequence add a batch "
            f"axis: query.reshape(1, H), keys.reshape(1, T, H){_where_called()}"
        )
    B, H = query.shape
    if keys.shape[0] != B or keys.shape[2] != H:
        raise ShapeError(
            f"{name}: query {query.shape} (B, H) and keys {keys.shape} (B, T, H) must agree "
            f"on B and H; dot-product scores s·h_i need equal sizes (for different sizes use "
            f"nn.Attention(kind='general' or 'additive', key_size=...)){_where_called()}"
        )
    if values.shape[:2] != keys.shape[:2]:
        raise ShapeError(
            f"{name}: values {values.shape} must have the keys' batch and time axes "
            f"{keys.shape[:2]} (one value per key){_where_called()}"
        )
    if keys.shape[1] == 0:
        raise ShapeError(
            f"{name}: got keys with no time steps, shape {keys.shape}{_where_called()}"
        )


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
            f"{scores.shape} and {values.shape}{_where_called()}"
        )
    keep = _check_mask(mask, scores, name)
    B, T = scores.shape
    alpha = _masked_softmax(scores, keep, axis=1).named(step_label("alpha"))  # (B, T)
    weighted = alpha.reshape(B, 1, T) @ values  # (B, 1, T) @ (B, T, H_v) -> (B, 1, H_v)
    context_vector = weighted.reshape(B, values.shape[2]).named(step_label("context"))
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
           over the unmasked steps. A row with no True raises ValueError.
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
        scores = scores.reshape(B, T).named(step_label("score"))  # e_i = s · h_i
        return _attend(scores, values, mask, "attention")
