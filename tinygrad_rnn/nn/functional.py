"""tinygrad_rnn.nn.functional: PyTorch's `torch.nn.functional` path, so that

    import torch.nn.functional as F      ->      import tinygrad_rnn.nn.functional as F

is the only line a PyTorch program changes. Everything `tinygrad_rnn.functional` has
(softmax, log_softmax, dropout, the losses, attention, conv2d and the pools, gelu,
layer_norm, scaled_dot_product_attention) is re-exported from there - that module stays
where it is and importable - and this file adds the few functions PyTorch programs also
call through `F`:

    one_hot(tensor, num_classes=-1)      class indices (...) -> int64 (..., C)
    pad(input, pad, mode="constant", value=0)   constant padding of the last dims
    embedding(input, weight, padding_idx=None)  rows of `weight`: weight[input]
    linear(input, weight, bias=None)     input Wᵀ + b
    tanh, sigmoid, relu                  the primitives, as functions

Each is composed from Tensor operations (gather, cat, matmul ...), so none has a backward
of its own: `pad` is a `cat` of constant blocks around the input, and its gradient is the
input's slice of the gradient, which `cat`'s backward already computes.

Read next: ../functional.py (the functions this module re-exports).
"""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError, DTypeError, TensorIndexError
from ..functional import (  # noqa: F401  (re-exported: F.softmax, F.cross_entropy ...)
    MASKED_SCORE,
    attend,
    attention,
    avg_pool2d,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    conv2d,
    cross_entropy,
    dropout,
    fold,
    gelu,
    layer_norm,
    log_softmax,
    masked_softmax,
    max_pool2d,
    mse_loss,
    nll_loss,
    scaled_dot_product_attention,
    softmax,
    unfold,
)
from ..tensor import Tensor, addmm, cat, gather, relu, sigmoid, tanh, where  # noqa: F401

__all__ = [
    "attend",
    "attention",
    "avg_pool2d",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "dropout",
    "embedding",
    "fold",
    "gelu",
    "layer_norm",
    "linear",
    "log_softmax",
    "masked_softmax",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "scaled_dot_product_attention",
    "sigmoid",
    "softmax",
    "tanh",
    "unfold",
]


def _integer_array(tensor, name: str) -> np.ndarray:
    """The class indices of `tensor` (a Tensor, array or list) as an integer array."""
    raw = tensor.data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if raw.dtype.kind not in "iu":
        raise DTypeError(
            f"F.{name}: expects integer class indices (a LongTensor), got dtype {raw.dtype}; "
            f"convert with x.long()"
        )
    return raw


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """out[..., k] = 1 if tensor[...] == k else 0, an int64 Tensor of shape (..., C).

    C = num_classes, or max(tensor) + 1 when num_classes is -1 (PyTorch's rule). An index
    below 0 or at least C is an error. The result is a constant (integers have no
    gradient); write `F.one_hot(y, C).float()` or `.double()` to use it in arithmetic.
    """
    indices = _integer_array(tensor, "one_hot")
    if not isinstance(num_classes, (int, np.integer)) or isinstance(num_classes, bool):
        raise ArgumentError(f"F.one_hot: num_classes must be an int, got {num_classes!r}")
    if num_classes == -1:
        if indices.size == 0:
            raise ArgumentError("F.one_hot: cannot infer num_classes of an empty tensor")
        num_classes = int(indices.max()) + 1
    if num_classes < 0:
        raise ArgumentError(f"F.one_hot: num_classes must be -1 or >= 0, got {num_classes}")
    if indices.size and (indices.min() < 0 or indices.max() >= num_classes):
        raise TensorIndexError(
            f"F.one_hot: class values must lie in 0..{num_classes - 1}, got values from "
            f"{indices.min()} to {indices.max()}"
        )
    classes = np.arange(num_classes)  # (C,)
    out = (indices[..., np.newaxis] == classes).astype(np.int64)  # (..., C)
    return Tensor(out)


def _pad_pairs(pad, ndim: int) -> list[tuple[int, int]]:
    """PyTorch's `pad` tuple as (before, after) per axis, for the last len(pad)/2 axes:
    (left, right) pads the last axis, (left, right, top, bottom) also the one before ..."""
    if not isinstance(pad, (tuple, list)) or len(pad) % 2:
        raise ArgumentError(f"F.pad: pad must be a tuple of even length, got {pad!r}")
    if len(pad) // 2 > ndim:
        raise ArgumentError(
            f"F.pad: pad {tuple(pad)} pads {len(pad) // 2} axes, but the input has {ndim}"
        )
    for amount in pad:
        if not isinstance(amount, (int, np.integer)) or isinstance(amount, bool):
            raise ArgumentError(f"F.pad: pad must hold ints, got {pad!r}")
    return [(int(pad[k]), int(pad[k + 1])) for k in range(0, len(pad), 2)]


def _crop(x: Tensor, axis: int, before: int, after: int) -> Tensor:
    """A negative pad removes that many entries (PyTorch's rule): x[.., -before : n + after]."""
    start = -before if before < 0 else 0
    stop = x.shape[axis] + after if after < 0 else x.shape[axis]
    if stop < start:
        raise ArgumentError(f"F.pad: negative padding removes more than axis {axis} holds")
    index = [slice(None)] * x.ndim
    index[axis] = slice(start, stop)
    return x[tuple(index)]


def _constant_block(x: Tensor, axis: int, size: int, value) -> Tensor:
    """A constant Tensor of x's shape and dtype, except `size` entries along `axis`."""
    shape = list(x.shape)
    shape[axis] = size
    return Tensor(np.full(shape, value, dtype=x.dtype))


def pad(input: Tensor, pad, mode: str = "constant", value=0) -> Tensor:
    """Pad the last axes with the constant `value` (PyTorch's `F.pad`, mode "constant").

    pad = (left, right) pads the last axis; (left, right, top, bottom) the last two, and
    so on, from the last axis backwards. Negative amounts crop. Built as
    cat([value block, input, value block]) along each axis, so the gradient is the
    input's slice of the output's gradient.
    """
    if mode != "constant":
        raise ArgumentError(f"F.pad: only mode='constant' is supported here, got mode={mode!r}")
    x = input if isinstance(input, Tensor) else Tensor(input)
    value = 0 if value is None else value
    for k, (before, after) in enumerate(_pad_pairs(pad, x.ndim)):
        axis = x.ndim - 1 - k
        x = _crop(x, axis, min(before, 0), min(after, 0))
        parts = [x]
        if before > 0:
            parts.insert(0, _constant_block(x, axis, before, value))
        if after > 0:
            parts.append(_constant_block(x, axis, after, value))
        if len(parts) > 1:
            x = cat(parts, axis=axis)
    return x


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """out[...] = weight[input[...]]: rows of `weight` (N, D) for indices (...) -> (..., D).

    padding_idx: rows looked up at that index get no gradient (PyTorch's rule); their
    values are those of the weight (nn.Embedding starts that row at zero).
    """
    indices = _integer_array(input, "embedding")
    num_embeddings = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= num_embeddings):
        raise TensorIndexError(
            f"F.embedding: indices must lie in 0..{num_embeddings - 1}, got values from "
            f"{indices.min()} to {indices.max()}"
        )
    out = gather(weight, indices)  # (..., D)
    if padding_idx is None:
        return out
    is_padding = (indices == padding_idx % num_embeddings)[..., np.newaxis]  # (..., 1)
    return where(is_padding, out.detach(), out)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b: x (..., in), weight (out, in), bias (out,) -> (..., out).
    With a bias it is one addmm node, as nn.Linear."""
    if bias is None:
        return input @ weight.T  # (..., in) @ (in, out) -> (..., out)
    return addmm(bias, input, weight.T)
