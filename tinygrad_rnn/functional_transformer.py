"""The Transformer's functions, composed from Tensor operations: gelu, layer_norm and
scaled dot-product attention (PyTorch's names, arguments and mask conventions).

    gelu(x)                  = x Φ(x) = ½ x (1 + erf(x/√2))
    gelu(x, "tanh")          ≈ ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))
    layer_norm(x)            = (x - μ) / √(σ² + ε) · weight + bias   over the last axes
    attention(Q, K, V)       = softmax(Q Kᵀ / √E + mask) V                   (..., L, E_v)

Nothing here has a backward of its own. erf is not a primitive: `erf` below takes its
values from special.erf_array (vectorised numpy, accurate to float64) and carries its
slope 2/√π e^{-z²} on a term that is zero in value (see its docstring), so gelu's
gradient is exact.

Masks of scaled_dot_product_attention are PyTorch's: a bool mask says True = take part
(keep), a float mask is added to the scores (-inf = leave out). Left-out keys get weight
0.0 exactly (F.masked_softmax's rule). nn.MultiheadAttention (nn/multihead.py) turns its
own masks, where True = NOT allowed, into the `keep` and `bias` of `attention_weights`.

Read next: nn/normalization.py (LayerNorm) and nn/multihead.py (MultiheadAttention).
"""

from __future__ import annotations

import math

import numpy as np

from .checks import describe, is_int
from .errors import ArgumentError, DTypeError, ShapeError
from .functional_activations import dropout
from .functional_attention import _attention_scope, _masked_softmax
from .functional_checks import float_tensor, is_real
from .graph import scope
from .roles import mark
from .special import erf_array
from .tensor import Tensor

GELU_APPROXIMATIONS = ("none", "tanh")


# --------------------------------------------------------------------------------------
# GELU
# --------------------------------------------------------------------------------------
def erf(z: Tensor) -> Tensor:
    """erf(z) = 2/√π ∫₀^z e^{-s²} ds, element-wise, with its exact gradient 2/√π e^{-z²}.

    erf is no primitive, and no finite sum of primitives is exactly erf. So the value
    comes from `special.erf_array` (a constant E, within a few ulp of `math.erf`, for the
    whole array at once), and the slope rides on a term that is zero:

        erf(z) = E + (z - z̄) · 2/√π e^{-z̄²}          z̄ = z.detach(), so z - z̄ = 0

    The value is E exactly; the gradient through (z - z̄) is 2/√π e^{-z²}, erf's derivative.
    """
    z_bar = z.detach().data
    value = erf_array(z_bar).astype(z.dtype)  # E, a constant (computed in float64)
    slope = (2.0 / math.sqrt(math.pi)) * np.exp(-z_bar * z_bar)  # d erf / dz, a constant
    return ((z - z.detach()) * slope + value).named("erf")


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """GELU(x) = x Φ(x), Φ the standard normal's CDF (Hendrycks & Gimpel, 2016):

    approximate="none"   ½ x (1 + erf(x / √2))                         (PyTorch's default)
    approximate="tanh"   ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))       (GPT-2, BERT)
    """
    x = float_tensor(input, "gelu")
    if approximate not in GELU_APPROXIMATIONS:
        raise ArgumentError(
            f"gelu: approximate must be 'none' or 'tanh', got {describe(approximate)}"
        )
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
        return (0.5 * x * (1.0 + inner.tanh())).named("gelu")
    return (0.5 * x * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))).named("gelu")


# --------------------------------------------------------------------------------------
# Layer normalisation
# --------------------------------------------------------------------------------------
def normalized_axes(x: Tensor, normalized_shape, name: str) -> tuple[int, ...]:
    """The last len(normalized_shape) axes of x, which must be normalized_shape long."""
    if is_int(normalized_shape):
        normalized_shape = (normalized_shape,)
    shape = tuple(int(size) for size in normalized_shape)
    if not shape or len(shape) > x.ndim or x.shape[x.ndim - len(shape) :] != shape:
        raise ShapeError(
            f"{name}: normalized_shape {shape} must be the input's last axes, got an input "
            f"of shape {x.shape}"
        )
    return tuple(range(x.ndim - len(shape), x.ndim))


def layer_norm(
    input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5
) -> Tensor:
    """Normalise over the last axes, then scale and shift (Ba, Kiros & Hinton, 2016):

        μ  = mean(x)              σ² = mean((x - μ)²)        over the normalized axes
        y  = (x - μ) / √(σ² + ε) · weight + bias

    σ² is the biased variance (divided by n, as PyTorch). The nodes are made inside
    tg.scope("layer_norm"), so viz draws one box at detail "cells".
    """
    return layer_norm_named("layer_norm", input, normalized_shape, weight, bias, eps)


def layer_norm_named(name: str, input, normalized_shape, weight, bias, eps) -> Tensor:
    """`layer_norm`, with errors naming `name` (the function or the nn.LayerNorm)."""
    x = float_tensor(input, name)
    if not is_real(eps) or not eps >= 0:
        raise ArgumentError(f"{name}: eps must be a number >= 0, got {describe(eps)}")
    axes = normalized_axes(x, normalized_shape, name)
    with scope("layer_norm"):
        mu = x.mean(axis=axes, keepdims=True)  # μ (..., 1)
        centred = x - mu  # x - μ
        variance = (centred * centred).mean(axis=axes, keepdims=True)  # σ²
        y = centred * (variance + eps) ** -0.5  # (x - μ) / √(σ² + ε)
        if weight is not None:
            y = y * weight
        if bias is not None:
            y = y + bias
        return y.named("layer_norm")


# --------------------------------------------------------------------------------------
# Scaled dot-product attention
# --------------------------------------------------------------------------------------
def check_qkv(query: Tensor, key: Tensor, value: Tensor, name: str) -> None:
    """query (..., L, E), key (..., S, E), value (..., S, E_v); ShapeError otherwise."""
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ShapeError(
            f"{name}: expected query (..., L, E), key (..., S, E) and value (..., S, E_v), "
            f"got {query.shape}, {key.shape} and {value.shape}"
        )
    if query.shape[-1] != key.shape[-1]:
        raise ShapeError(
            f"{name}: query {query.shape} and key {key.shape} must have the same last axis E "
            f"(the scores are dot products q·k)"
        )
    if key.shape[-2] != value.shape[-2] or key.shape[-2] == 0:
        raise ShapeError(
            f"{name}: key {key.shape} and value {value.shape} must have the same number S >= 1 "
            f"of positions (axis -2): one value per key"
        )
    try:
        np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ShapeError(
            f"{name}: the batch axes of query {query.shape}, key {key.shape} and value "
            f"{value.shape} (all but the last two) do not broadcast"
        ) from None


def mask_parts(attn_mask, scores_shape: tuple, name: str):
    """(keep, bias) from PyTorch's attn_mask of F.scaled_dot_product_attention:
    a bool mask is `keep` (True = take part), a float mask is `bias` (added to the
    scores); both must broadcast to the scores' shape (..., L, S)."""
    if attn_mask is None:
        return None, None
    array = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
    if array.dtype.kind not in "bf":
        raise DTypeError(
            f"{name}: attn_mask must be bool (True = attend) or float (added to the scores), "
            f"got dtype {array.dtype}"
        )
    try:
        fits = np.broadcast_shapes(array.shape, scores_shape) == scores_shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"{name}: attn_mask of shape {array.shape} does not broadcast to the scores' "
            f"shape {scores_shape} (..., L, S)"
        )
    if array.dtype == np.bool_:
        return array, None
    return None, array


def causal_keep(L: int, S: int) -> np.ndarray:
    """(L, S) bool: query i may look at keys 0..i (top-left aligned, as PyTorch)."""
    return np.tril(np.ones((L, S), dtype=bool))


def check_rows(keep, scores_shape: tuple, name: str) -> np.ndarray | None:
    """keep broadcast to the scores' shape; ArgumentError if a query keeps no key."""
    if keep is None:
        return None
    keep = np.broadcast_to(keep, scores_shape)
    empty = ~keep.any(axis=-1)
    if empty.any():
        where = [tuple(index) for index in np.argwhere(empty)[:5].tolist()]
        raise ArgumentError(
            f"{name}: the mask leaves no key for the queries at {where} (index (..., query)); "
            f"a softmax over no key is undefined (PyTorch gives nan). Every query needs at "
            f"least one key it may attend to"
        )
    return keep


def attention_weights(query: Tensor, key: Tensor, keep, bias, scale: float, name: str) -> Tensor:
    """α = softmax(Q Kᵀ · scale + bias) over the kept keys (α = 0 exactly elsewhere).

    query (..., L, E), key (..., S, E); keep bool and bias float arrays that broadcast
    to (..., L, S), or None. Returns α (..., L, S), labelled "alpha".
    """
    scores = query @ key.transpose(-2, -1)  # (..., L, E) @ (..., E, S) -> (..., L, S)
    scores = mark(scores * scale, "step", "score")  # q·k / √E
    if bias is not None:
        scores = scores + Tensor(np.asarray(bias, dtype=scores.dtype))
    keep = check_rows(keep, scores.shape, name)
    return mark(_masked_softmax(scores, keep, scores.ndim - 1, name), "step", "alpha")


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p: float = 0.0, is_causal: bool = False,
    scale: float | None = None,
) -> Tensor:  # fmt: skip
    """softmax(Q Kᵀ · scale + mask) V, PyTorch's `F.scaled_dot_product_attention`.

        query (..., L, E), key (..., S, E), value (..., S, E_v)  ->  (..., L, E_v)
        scale       default 1/√E: keeps the scores' variance near 1, whatever E
        attn_mask   bool (True = take part) or float (added), broadcast to (..., L, S)
        is_causal   query i sees keys 0..i only (top-left aligned); not with attn_mask
        dropout_p   dropout on the weights α (always applied when > 0, as PyTorch)

    The nodes are made inside tg.scope("attention"); the weights are labelled "alpha".
    A query whose keys are all masked raises ArgumentError (PyTorch returns nan).
    """
    name = "scaled_dot_product_attention"
    query = float_tensor(query, name, "query")
    key = float_tensor(key, name, "key")
    value = float_tensor(value, name, "value")
    check_qkv(query, key, value, name)
    L, S = query.shape[-2], key.shape[-2]
    scores_shape = np.broadcast_shapes(query.shape[:-2], key.shape[:-2]) + (L, S)
    keep, bias = mask_parts(attn_mask, scores_shape, name)
    if is_causal:
        if attn_mask is not None:
            raise ArgumentError(f"{name}: give attn_mask or is_causal=True, not both")
        keep = causal_keep(L, S)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    with scope(_attention_scope()):
        alpha = attention_weights(query, key, keep, bias, scale, name)
        if dropout_p > 0:
            alpha = dropout(alpha, dropout_p, training=True)
        return (alpha @ value).named("context")  # (..., L, S) @ (..., S, E_v)
