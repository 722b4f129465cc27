"""The functions at package level: tg.tensor, tg.zeros, tg.randn, tg.cat, tg.stack,
tg.where, tg.maximum, tg.gather, tg.addmm, tg.tanh ...

Each makes a leaf (`zeros`, `randn`) or calls `apply` with one primitive (`cat` is one
Concat node, `addmm` one Addmm node), exactly as the Tensor methods do. Also here: the
(values, indices) pairs that `x.max(dim)`, `x.min(dim)` and `x.topk(k)` return.

Every constructor takes PyTorch's keywords: dtype=, requires_grad=, device= ("cpu"; see
devices.py), and randn also size= and generator= (a tg.Generator).

Read next: tensor_factories.py (tg.arange, tg.full, tg.rand ...: PyTorch's other
constructors), then functional.py (softmax, cross-entropy ... composed from these
operators).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from . import ops
from .defaults import as_dtype, as_generator, default_rng, get_default_dtype
from .devices import check_device
from .errors import ArgumentError, DTypeError, ShapeError
from .tensor import Tensor, _constant, _lift, _raw, apply
from .tensor_args import check_single_axis

# What x.max(dim), x.min(dim) and x.topk(k) return, as PyTorch's torch.return_types:
# a pair you can unpack (`values, indices = x.max(1)`) or read by name (`.indices`).
MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])
TopK = namedtuple("topk", ["values", "indices"])


def _values_and_indices(x: Tensor, kind: str, axis: int, keepdims: bool):
    """`x.max(dim)` / `x.min(dim)`: the pair (values, indices) along one axis.

    The indices come from numpy's argmax (the first one where values tie); the values are
    then picked out of x at those indices, so the gradient goes to exactly those elements.
    """
    check_single_axis(kind, axis, x.shape)
    if x.ndim == 0:
        x = x.reshape(1)
    if x.shape[axis] == 0:
        raise ShapeError(
            f"{kind}: axis {axis} of shape {x.shape} is empty, so it has no {kind}imum"
        )
    pick = np.argmax if kind == "max" else np.argmin
    indices = pick(x._data, axis=axis, keepdims=True)  # (..., 1, ...)
    values = _take_along(x, indices, axis)
    if not keepdims:
        values = values.squeeze(axis)
        indices = np.squeeze(indices, axis=axis)
    result = MaxResult if kind == "max" else MinResult
    return result(values, _constant(indices))


def _take_along(x: Tensor, indices: np.ndarray, axis: int) -> Tensor:
    """x's elements at `indices` along `axis` (numpy's take_along_axis) as one getitem
    node: every other axis is indexed by its own positions 0..n-1."""
    return apply(ops.GetItem, x, index=along_axis_index(indices, axis % x.ndim, x.shape))


def along_axis_index(indices: np.ndarray, axis: int, shape: tuple) -> tuple:
    """The numpy index that takes `indices` along `axis` and, along every other axis i,
    the positions 0..shape[i]-1 (broadcast against each other): x[index][j, k] =
    x[j, indices[j, k]] for axis 1. take_along_axis passes x's shape, torch.gather the
    index's (it may be shorter than x along the other axes)."""
    index = []
    for i, size in enumerate(shape):
        if i == axis:
            index.append(indices)
        else:
            positions_shape = [1] * len(shape)
            positions_shape[i] = size
            index.append(np.arange(size).reshape(positions_shape))
    return tuple(index)


# --------------------------------------------------------------------------------------
# Constructors and functions at package level (tg.tensor, tg.zeros, tg.cat, tg.tanh ...)
# --------------------------------------------------------------------------------------
def tensor(
    data, requires_grad: bool = False, dtype=None, label: str | None = None, *, device=None
) -> Tensor:
    """`tg.tensor([[1.0, 2.0]], requires_grad=True)` - a new leaf (the data is copied)."""
    check_device(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, label=label, dtype=dtype)


def _shape_args(shape, op_name: str = "zeros") -> tuple[int, ...]:
    """`(2, 3)` from `f(2, 3)` or `f((2, 3))`; every size a non-negative int."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for size in shape:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
            raise ShapeError(
                f"{op_name}: sizes must be non-negative ints, got {size!r} in shape {tuple(shape)}"
            )
    return tuple(int(size) for size in shape)


def new_leaf(array: np.ndarray, requires_grad: bool, device, op_name: str, label=None) -> Tensor:
    """A leaf holding `array` (its dtype kept), after checking the device is the CPU."""
    check_device(device, op_name)
    return Tensor(array, requires_grad=requires_grad, label=label, dtype=array.dtype)


def float_dtype(dtype, op_name: str) -> np.dtype:
    """`dtype` as a numpy dtype, or the default float dtype when it is None."""
    return get_default_dtype() if dtype is None else as_dtype(dtype, op_name)


def random_source(generator, op_name: str, rng=None) -> np.random.Generator:
    """The numpy generator to draw from: a tg.Generator's `.rng` (PyTorch's generator=),
    an `rng=` seed or numpy Generator, or else the one tg.manual_seed seeds."""
    if generator is not None:
        if not hasattr(generator, "rng"):
            raise ArgumentError(
                f"{op_name}: generator must be a tg.Generator, got {type(generator).__name__}"
            )
        return generator.rng
    return default_rng() if rng is None else as_generator(rng, op_name)


def zeros(*shape, requires_grad=False, dtype=None, label=None, device=None) -> Tensor:
    """A tensor of zeros: `tg.zeros(2, 3)` or `tg.zeros((2, 3))`."""
    array = np.zeros(_shape_args(shape, "zeros"), dtype=float_dtype(dtype, "zeros"))
    return new_leaf(array, requires_grad, device, "zeros", label)


def ones(*shape, requires_grad=False, dtype=None, label=None, device=None) -> Tensor:
    """A tensor of ones: `tg.ones(2, 3)` or `tg.ones((2, 3))`."""
    array = np.ones(_shape_args(shape, "ones"), dtype=float_dtype(dtype, "ones"))
    return new_leaf(array, requires_grad, device, "ones", label)


def zeros_like(x, requires_grad=False, *, dtype=None, device=None) -> Tensor:
    """Zeros of x's shape, in x's dtype unless dtype= says otherwise."""
    dtype = np.asarray(_raw(x)).dtype if dtype is None else as_dtype(dtype, "zeros_like")
    return new_leaf(np.zeros(np.shape(_raw(x)), dtype), requires_grad, device, "zeros_like")


def ones_like(x, requires_grad=False, *, dtype=None, device=None) -> Tensor:
    """Ones of x's shape, in x's dtype unless dtype= says otherwise."""
    dtype = np.asarray(_raw(x)).dtype if dtype is None else as_dtype(dtype, "ones_like")
    return new_leaf(np.ones(np.shape(_raw(x)), dtype), requires_grad, device, "ones_like")


def randn(
    *shape,
    requires_grad=False,
    rng=None,
    dtype=None,
    label=None,
    size=None,
    generator=None,
    device=None,
) -> Tensor:
    """Standard normal samples: `tg.randn(3, 4)`, `tg.randn((3, 4))`, `tg.randn(size=(3, 4))`.

    The numbers come from `generator` (a tg.Generator, PyTorch's keyword) or `rng` (a
    seed or a `np.random.Generator`); without either, from the generator that
    `tg.manual_seed` sets.
    """
    source = random_source(generator, "randn", rng)
    size = _shape_args(shape if size is None else (size,), "randn")
    array = source.standard_normal(size).astype(float_dtype(dtype, "randn"))
    return new_leaf(array, requires_grad, device, "randn", label)


def cat(tensors, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (`torch.cat`); `dim` is an alias of `axis`."""
    return _join(ops.Concat, "concat", tensors, axis if dim is None else dim)


concat = cat


def stack(tensors, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis (`torch.stack`)."""
    return _join(ops.Stack, "stack", tensors, axis if dim is None else dim)


def _join(op_class, name: str, tensors, axis: int) -> Tensor:
    """One Concat or Stack node of a non-empty list of tensors (numbers and arrays are
    lifted to the first tensor's dtype)."""
    tensors = _tensor_list(tensors, name)
    if not tensors:
        raise ShapeError(f"{name}: got an empty list of tensors")
    first = tensors[0] if isinstance(tensors[0], Tensor) else Tensor(tensors[0])
    return apply(op_class, *[_lift(x, first) for x in tensors], axis=axis)


def _tensor_list(tensors, op_name: str) -> list:
    """The tensors given to cat/stack as a list: a list or tuple, not one tensor or None."""
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise ArgumentError(
            f"{op_name}: expects a list or tuple of tensors, got {type(tensors).__name__}"
        )
    return list(tensors)


def where(cond, a, b) -> Tensor:
    """Element-wise `a if cond else b`; `cond` is a boolean array or tensor (no gradient)."""
    cond = _as_mask(cond, "where")
    if not isinstance(a, Tensor):
        a = _lift(a, b) if isinstance(b, Tensor) else Tensor(a)
    return apply(ops.Where, a, _lift(b, a), cond=cond)


def _as_mask(cond, op_name: str) -> np.ndarray:
    """A copy of `cond` as a boolean array; anything but booleans (None, floats, ints) is
    refused, as in PyTorch: thresholding 0.3 to True silently is never what was meant."""
    array = np.array(_raw(cond))  # a copy: changing your array later changes no graph
    if array.dtype != bool:
        raise DTypeError(
            f"{op_name}: the condition must be boolean (a mask such as x > 0), got "
            f"{type(cond).__name__} of dtype {array.dtype}"
        )
    return array


def maximum(a, b) -> Tensor:
    """Element-wise maximum of two tensors (`torch.maximum`); where they are equal the
    gradient goes to a."""
    a, b = _pair(a, b)
    return where(a._data >= b._data, a, b)


def minimum(a, b) -> Tensor:
    """Element-wise minimum of two tensors (`torch.minimum`); where they are equal the
    gradient goes to a."""
    a, b = _pair(a, b)
    return where(a._data <= b._data, a, b)


def _pair(a, b) -> tuple[Tensor, Tensor]:
    """Two operands as Tensors of one float dtype (numbers and arrays lifted)."""
    if not isinstance(a, Tensor):
        a = _lift(a, b) if isinstance(b, Tensor) else Tensor(a)
    return a, _lift(b, a)


def gather(weight: Tensor, indices=None, index=None, *, dim=None) -> Tensor:
    """Rows of `weight` picked by integer `indices`: out[...] = weight[indices[...]].

    The embedding lookup: weight (N, D), indices (B, T) -> (B, T, D).

    Called with three arguments it is PyTorch's `torch.gather(input, dim, index)` instead:
    out[i][j] = input[i][index[i][j]] for dim=1 (see `Tensor.gather`).
    """
    if index is not None:
        return weight.gather(indices if dim is None else dim, index)
    indices = np.array(_raw(indices))  # a copy: changing your array later changes no graph
    if indices.dtype.kind not in "iu":
        raise DTypeError(f"gather: indices must be integers, got {indices.dtype}")
    return apply(ops.Gather, weight, indices=indices)


def exp(x: Tensor) -> Tensor:
    return x.exp()


def log(x: Tensor) -> Tensor:
    return x.log()


def tanh(x: Tensor) -> Tensor:
    return x.tanh()


def sigmoid(x: Tensor) -> Tensor:
    return x.sigmoid()


def relu(x: Tensor) -> Tensor:
    return x.relu()


def matmul(a: Tensor, b: Tensor) -> Tensor:
    return a @ b


def addmm(c, a, b) -> Tensor:
    """c + a @ b as one node (PyTorch's `torch.addmm(input, mat1, mat2)`).

    The same numbers as `c + a @ b`, but the graph keeps one array instead of two (the
    product and the sum): what recurrent layers use for x W_ihᵀ + b and for each
    step's x_t W_ihᵀ + b + h_{t-1} W_hhᵀ. c broadcasts against a @ b, like `+`.
    """
    if not isinstance(a, Tensor):
        a = _lift(a, b) if isinstance(b, Tensor) else Tensor(a)
    return apply(ops.Addmm, _lift(c, a), a, _lift(b, a))
