"""PyTorch's package-level spellings of Tensor methods: `tg.mm(a, b)`, `tg.max(x, 1)`,
`tg.split(x, 2)`, `tg.flatten(x, 1)`, `tg.softmax(x, dim=1)` ...

Each calls the Tensor method of the same name (tensor.py, tensor_pytorch.py), so
`tg.sum(x, dim=1)` and `x.sum(dim=1)` make the same node. Python numbers and numpy
arrays are made tensors first (`tg.sqrt(np.ones(3))`).

The overloads follow PyTorch: `tg.max(x)` is the largest value, `tg.max(x, 1)` the pair
(values, indices) along axis 1, `tg.max(a, b)` the element-wise maximum.

This file names functions `sum`, `max`, `min`, `abs`, `all`, `any` as PyTorch does, so
inside it Python's own functions of those names are not used.

Read next: tensor_einsum.py (tg.einsum from transposes, reshapes and matmuls).
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ShapeError
from .tensor import Tensor
from .tensor_args import check_axis


def as_input(x) -> Tensor:
    """A Tensor as it is; a number, list or numpy array as a new constant tensor."""
    return x if isinstance(x, Tensor) else Tensor(x)


def is_tensor(x) -> bool:
    return isinstance(x, Tensor)


def is_floating_point(x) -> bool:
    return as_input(x).dtype.kind == "f"


def numel(x) -> int:
    return as_input(x).numel()


# --- products ---------------------------------------------------------------------------
def mm(a, b) -> Tensor:
    return as_input(a).mm(b)


def bmm(a, b) -> Tensor:
    return as_input(a).bmm(b)


def dot(a, b) -> Tensor:
    return as_input(a).dot(b)


# --- element-wise ---------------------------------------------------------------------------
def sqrt(x) -> Tensor:
    return as_input(x).sqrt()


def abs(x) -> Tensor:  # noqa: A001 (torch.abs)
    return as_input(x).abs()


def pow(x, exponent) -> Tensor:  # noqa: A001 (torch.pow)
    return as_input(x) ** exponent


def square(x) -> Tensor:
    return as_input(x).square()


def neg(x) -> Tensor:
    return -as_input(x)


def clamp(x, min=None, max=None) -> Tensor:  # noqa: A002 (torch.clamp's keywords)
    return as_input(x).clamp(min, max)


clip = clamp


def masked_fill(x, mask, value) -> Tensor:
    return as_input(x).masked_fill(mask, value)


def tril(x, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two axes (the rest zero): x * mask, so the gradient
    is 1 on the triangle and 0 off it. `tg.tril(tg.ones(T, T))` is a causal mask."""
    x = as_input(x)
    keep = np.tri(x.shape[-2], x.shape[-1], diagonal, dtype=bool)
    return x * keep if x.dtype.kind == "f" else Tensor(np.where(keep, x.numpy(), 0))


def triu(x, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two axes (the rest zero), as `tril`."""
    x = as_input(x)
    keep = ~np.tri(x.shape[-2], x.shape[-1], diagonal - 1, dtype=bool)
    return x * keep if x.dtype.kind == "f" else Tensor(np.where(keep, x.numpy(), 0))


# --- reductions -------------------------------------------------------------------------------
def sum(x, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 (torch.sum)
    return as_input(x).sum(dim=dim, keepdim=keepdim)


def mean(x, dim=None, keepdim: bool = False) -> Tensor:
    return as_input(x).mean(dim=dim, keepdim=keepdim)


def max(x, *args, **kwargs):  # noqa: A001 (torch.max)
    """`tg.max(x)`, `tg.max(x, dim)` -> (values, indices), `tg.max(a, b)` element-wise."""
    return as_input(x).max(*args, **kwargs)


def min(x, *args, **kwargs):  # noqa: A001 (torch.min)
    """`tg.min(x)`, `tg.min(x, dim)` -> (values, indices), `tg.min(a, b)` element-wise."""
    return as_input(x).min(*args, **kwargs)


def amax(x, dim=None, keepdim: bool = False) -> Tensor:
    return as_input(x).amax(dim=dim, keepdim=keepdim)


def amin(x, dim=None, keepdim: bool = False) -> Tensor:
    return as_input(x).amin(dim=dim, keepdim=keepdim)


def argmax(x, dim=None, keepdim: bool = False) -> Tensor:
    return as_input(x).argmax(dim=dim, keepdim=keepdim)


def argmin(x, dim=None, keepdim: bool = False) -> Tensor:
    return as_input(x).argmin(dim=dim, keepdim=keepdim)


def topk(x, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    return as_input(x).topk(k, dim, largest, sorted)


def norm(x, p="fro", dim=None, keepdim: bool = False) -> Tensor:
    return as_input(x).norm(p, dim, keepdim)


def var(x, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    return as_input(x).var(dim, unbiased, keepdim, correction=correction)


def std(x, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    return as_input(x).std(dim, unbiased, keepdim, correction=correction)


def prod(x, dim=None, keepdim: bool = False) -> Tensor:
    return as_input(x).prod(dim, keepdim)


def all(x, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 (torch.all)
    return as_input(x).all(dim, keepdim)


def any(x, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 (torch.any)
    return as_input(x).any(dim, keepdim)


def softmax(x, dim: int, dtype=None) -> Tensor:
    return as_input(x).softmax(dim, dtype)


def log_softmax(x, dim: int, dtype=None) -> Tensor:
    return as_input(x).log_softmax(dim, dtype)


# --- comparisons ---------------------------------------------------------------------------
def allclose(a, b, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True if |a - b| <= atol + rtol * |b| everywhere (numpy's allclose on the values)."""
    return bool(np.allclose(_values(a), _values(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(a, b) -> bool:
    """True if a and b have the same shape and the same values."""
    return as_input(a).equal(b)


def _values(x) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


# --- shapes ---------------------------------------------------------------------------------
def reshape(x, shape) -> Tensor:
    return as_input(x).reshape(shape)


def squeeze(x, dim: int | None = None) -> Tensor:
    return as_input(x).squeeze(dim)


def unsqueeze(x, dim: int) -> Tensor:
    return as_input(x).unsqueeze(dim)


def transpose(x, dim0: int, dim1: int) -> Tensor:
    return as_input(x).transpose(dim0, dim1)


def permute(x, dims) -> Tensor:
    return as_input(x).permute(dims)


def t(x) -> Tensor:
    return as_input(x).t()


def flatten(x, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Axes start_dim .. end_dim (both included) joined into one: a reshape.
    `tg.flatten(x, 1)` keeps the batch axis: (B, T, H) -> (B, T*H)."""
    x = as_input(x)
    if x.ndim == 0:
        return x.reshape(1)
    check_axis("flatten", start_dim, x.ndim, x.shape)
    check_axis("flatten", end_dim, x.ndim, x.shape)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    if start > end:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    joined = math.prod(x.shape[start : end + 1])
    return x.reshape(x.shape[:start] + (joined,) + x.shape[end + 1 :])  # (..., joined, ...)


def split(x, split_size_or_sections, dim: int = 0) -> tuple:
    return as_input(x).split(split_size_or_sections, dim)


def chunk(x, chunks: int, dim: int = 0) -> tuple:
    return as_input(x).chunk(chunks, dim)


def unbind(x, dim: int = 0) -> tuple:
    return as_input(x).unbind(dim)


def narrow(x, dim: int, start: int, length: int) -> Tensor:
    return as_input(x).narrow(dim, start, length)


def index_select(x, dim: int, index) -> Tensor:
    return as_input(x).index_select(dim, index)
