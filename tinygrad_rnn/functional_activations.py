"""softmax, log_softmax and dropout, composed from Tensor operations (no backward here).

    softmax(x)_i     = e^{x_i - m} / Σ_j e^{x_j - m}       m = max_j x_j, detached
    log_softmax(x)_i = (x_i - m) - log Σ_j e^{x_j - m}
    dropout(x)       = x ⊙ mask / (1 - p),   mask_i ~ Bernoulli(1 - p)

`softmax_along` and `log_softmax_along` are the same after the argument checks; the
losses and the masked softmax of attention call them.

Read next: functional_targets.py and functional_losses.py.
"""

from __future__ import annotations

import numpy as np

from .checks import check_flag, describe, is_int
from .errors import ArgumentError, ShapeError
from .functional_checks import check_axis, float_tensor, is_real, pick_axis
from .tensor import Tensor, default_rng


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
    return softmax_along(x, axis, "softmax")


def softmax_along(x: Tensor, axis: int, name: str) -> Tensor:
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
    return log_softmax_along(x, axis, "log_softmax")


def log_softmax_along(x: Tensor, axis: int, name: str) -> Tensor:
    """`log_softmax` after the checks of x and axis; errors name `name`."""
    m = _row_max(x, axis, name)  # (..., 1, ...) constant shift
    shifted = x - m  # every entry <= 0
    log_sum = shifted.exp().sum(axis=axis, keepdims=True).log()  # log Σ e^{x - m} >= 0
    return (shifted - log_sum).named("log_softmax")


def _input_and_axis(x, axis, dim, name: str) -> tuple[Tensor, int]:
    """x as a floating-point Tensor, and the axis to normalise over (`axis`, or its alias
    `dim`) as a non-negative int; errors name `name`."""
    x = float_tensor(x, name)
    axis = check_axis(x, pick_axis(axis, dim, name), name)
    return x, axis


def _row_max(x: Tensor, axis: int, name: str) -> Tensor:
    """m = max of x along `axis`, detached: the shift that keeps e^{x - m} from overflowing.

    Subtracting a constant does not change a softmax, so m needs no gradient. An empty
    axis, an all -inf row or a +inf entry is an error naming `name`.
    """
    _check_axis_not_empty(x, axis, name)
    m = x.amax(axis=axis, keepdims=True).detach()  # (..., 1, ...)
    check_row_max(m.data, x, axis, name)
    return m


def _check_axis_not_empty(x: Tensor, axis: int, name: str) -> None:
    """A softmax over an axis of length 0 has nothing to normalise."""
    if x.shape[axis] == 0:
        raise ShapeError(
            f"{name}: axis {axis} of the input of shape {x.shape} has length 0, so there "
            f"is nothing to take a softmax over"
        )


def check_row_max(maxima: np.ndarray, x: Tensor, axis: int, name: str) -> None:
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
    if not is_real(p):
        raise ArgumentError(
            f"dropout: p (the probability of zeroing an element) must be a number between 0 "
            f"and 1, got {describe(p)}"
        )
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"dropout: probability has to be between 0 and 1, but got {p!r}")
    check_flag(training, "training", "dropout", error=ArgumentError)
    x = float_tensor(x, "dropout")
    if not training or p == 0:
        return x
    if p == 1:
        scaled_mask = np.zeros(x.shape, dtype=x.dtype)
    else:
        keep = _generator(rng).random(x.shape) >= p  # True with probability 1 - p
        scaled_mask = keep.astype(x.dtype) / float(1.0 - p)  # 0 or 1/(1-p), x's dtype
    return x * Tensor(scaled_mask, label="dropout_mask")
