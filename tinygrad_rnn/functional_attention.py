"""Attention, composed from Tensor operations: scores -> weights -> context.

    e_i = s · h_i                  score of step i                   (B, T)
    α   = softmax(e)               over the unmasked steps           (B, T)
    a   = Σ_i α_i v_i              context vector                    (B, H_v)

`masked_softmax` gives masked steps a weight of exactly 0; `attend` is the second half
(scores to context) that nn.Attention's general and additive scores share; `attention`
uses dot-product scores.

Read next: optim/ (what to do with the gradients), then nn/ (the layers).
"""

from __future__ import annotations

import numpy as np

from .errors import ArgumentError, DTypeError, ShapeError
from .functional_activations import check_row_max, softmax_along
from .functional_checks import check_axis, float_tensor
from .graph import context, scope
from .roles import mark
from .tensor import Tensor, where

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
    scores = float_tensor(scores, "masked_softmax", "scores")
    axis = check_axis(scores, axis, "masked_softmax")
    keep = _check_mask(mask, scores, "masked_softmax", axis)
    return _masked_softmax(scores, keep, axis, "masked_softmax")


def _masked_softmax(scores: Tensor, keep: np.ndarray | None, axis: int, name: str) -> Tensor:
    """`masked_softmax` after the checks; keep is a bool array of the scores' shape."""
    if keep is None:
        return softmax_along(scores, axis, name)
    filled = where(keep, scores, MASKED_SCORE)  # (B, T) masked steps can never be the max
    m = filled.amax(axis=axis, keepdims=True).detach()  # (B, 1) constant shift
    if not np.all(m.data > MASKED_SCORE) or not np.all(np.isfinite(m.data)):
        # a row's max is not a finite unmasked score: look at the unmasked ones (slower)
        unmasked_max = np.max(np.where(keep, scores.data, -np.inf), axis=axis)
        check_row_max(unmasked_max, scores, axis, name)  # unmasked scores all -inf, or +inf
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
    scores = float_tensor(scores, name, "scores")
    values = float_tensor(values, name, "values")
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
    query = float_tensor(query, "attention", "query")
    keys = float_tensor(keys, "attention", "keys")
    values = float_tensor(values, "attention", "values")
    _check_attention_inputs(query, keys, values, "attention")
    B, T, H = keys.shape
    with scope(_attention_scope()):
        scores = keys @ query.reshape(B, H, 1)  # (B, T, H) @ (B, H, 1) -> (B, T, 1)
        scores = mark(scores.reshape(B, T), "step", "score")  # e_i = s · h_i
        return _attend(scores, values, mask, "attention")
