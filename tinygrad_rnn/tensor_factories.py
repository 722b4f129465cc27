"""PyTorch's other ways to make a new tensor: tg.arange, tg.linspace, tg.full, tg.eye,
tg.empty, tg.rand, tg.randint, tg.randperm, tg.from_numpy, tg.as_tensor, tg.LongTensor ...

Each makes a leaf (no graph behind it) and takes PyTorch's keywords:

    dtype=          tg.float32, tg.long ... (numpy dtypes; see dtypes.py)
    device=         "cpu" or tg.device("cpu"); any other device is an error (devices.py)
    requires_grad=  True makes a parameter-like leaf (floating-point only)
    generator=      a tg.Generator (rand, randn, randint, randperm); without it the
                    generator that tg.manual_seed seeds is used

The same seed gives the same numbers in this engine, not the numbers PyTorch draws.

Read next: tensor_pytorch_functions.py (tg.mm, tg.max, tg.split ... on tensors).
"""

from __future__ import annotations

import numpy as np

from .defaults import as_dtype, get_default_dtype
from .devices import check_device
from .errors import ArgumentError, DTypeError
from .tensor import Tensor
from .tensor_functions import _shape_args, float_dtype, new_leaf, randn, random_source


# --------------------------------------------------------------------------------------
# Ranges, constants, the identity
# --------------------------------------------------------------------------------------
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """start, start + step, ... up to (not including) end; `arange(5)` is 0..4.
    Integers give int64 (as in PyTorch); a float anywhere gives the default float dtype."""
    if end is None:
        start, end = 0, start
    numbers = np.array([start, end, step])
    if dtype is None:
        dtype = np.int64 if numbers.dtype.kind in "iu" else get_default_dtype()
    array = np.arange(start, end, step, dtype=as_dtype(dtype, "arange"))
    return new_leaf(array, requires_grad, device, "arange")


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """`steps` evenly spaced numbers from start to end, both included."""
    array = np.linspace(start, end, steps, dtype=float_dtype(dtype, "linspace"))
    return new_leaf(array, requires_grad, device, "linspace")


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of `size` filled with `fill_value`. Without dtype: int64 for an int,
    bool for a bool, the default float dtype for a float (as in PyTorch)."""
    array = np.full(
        _shape_args((size,), "full"), fill_value, dtype=dtype_of_value(fill_value, dtype)
    )
    return new_leaf(array, requires_grad, device, "full")


def full_like(x, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of x's shape filled with `fill_value`, in x's dtype unless dtype= says."""
    if dtype is None:
        dtype = x.dtype if isinstance(x, Tensor) else np.asarray(x).dtype
    dtype = as_dtype(dtype, "full_like")
    array = np.full(np.shape(x), fill_value, dtype=dtype)
    return new_leaf(array, requires_grad, device, "full_like")


def dtype_of_value(value, dtype) -> np.dtype:
    if dtype is not None:
        return as_dtype(dtype, "full")
    kind = np.asarray(value).dtype.kind
    if kind == "b":
        return np.dtype(np.bool_)
    return np.dtype(np.int64) if kind in "iu" else get_default_dtype()


def empty(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """PyTorch leaves an empty tensor's values unset; here they are zeros."""
    array = np.zeros(_shape_args(size, "empty"), dtype=float_dtype(dtype, "empty"))
    return new_leaf(array, requires_grad, device, "empty")


def empty_like(x, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros of x's shape and dtype (see `empty`)."""
    return full_like(x, 0, dtype=dtype, device=device, requires_grad=requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The n x m identity matrix (n x n without m)."""
    array = np.eye(n, m, dtype=float_dtype(dtype, "eye"))
    return new_leaf(array, requires_grad, device, "eye")


# --------------------------------------------------------------------------------------
# Random tensors
# --------------------------------------------------------------------------------------
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform samples from [0, 1)."""
    source = random_source(generator, "rand")
    array = source.random(_shape_args(size, "rand")).astype(float_dtype(dtype, "rand"))
    return new_leaf(array, requires_grad, device, "rand")


def rand_like(x, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return rand(
        x.shape,
        dtype=x.dtype if dtype is None else dtype,
        device=device,
        requires_grad=requires_grad,
    )


def randn_like(x, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype = x.dtype if dtype is None else dtype
    return randn(x.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Random integers in [low, high): `randint(high, size)`, `randint(low, high, size)`
    (size a tuple, as in PyTorch). int64 unless dtype= says otherwise."""
    if size is None and args and isinstance(args[-1], (tuple, list)):
        *args, size = args
    if size is None or len(args) not in (1, 2):
        raise ArgumentError(
            "randint: call it as randint(high, size) or randint(low, high, size), size a tuple"
        )
    low, high = (0, args[0]) if len(args) == 1 else args
    source = random_source(generator, "randint")
    dtype = np.int64 if dtype is None else as_dtype(dtype, "randint")
    array = source.integers(low, high, size=_shape_args((size,), "randint")).astype(dtype)
    return new_leaf(array, requires_grad, device, "randint")


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The numbers 0 .. n-1 in a random order (int64)."""
    source = random_source(generator, "randperm")
    dtype = np.int64 if dtype is None else as_dtype(dtype, "randperm")
    array = source.permutation(n).astype(dtype)
    return new_leaf(array, requires_grad, device, "randperm")


def normal(
    mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """Normal samples: `normal(0.0, 0.01, size=(3, 4))`, or element-wise with tensors
    `normal(means, stds)` (the result has their broadcast shape)."""
    mean, std = np.asarray(_numbers(mean)), np.asarray(_numbers(std))
    shape = np.broadcast_shapes(mean.shape, std.shape) if size is None else size
    source = random_source(generator, "normal")
    array = source.normal(mean, std, size=_shape_args((shape,), "normal"))
    return new_leaf(array.astype(float_dtype(dtype, "normal")), requires_grad, device, "normal")


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None):
    """Indices drawn with probability proportional to `input`'s weights (a row of
    non-negative numbers, or one row per sample in 2-D): how a char-RNN picks its next
    character. int64, shape (num_samples,) or (rows, num_samples)."""
    weights = np.asarray(_numbers(input), dtype=np.float64)
    if weights.ndim not in (1, 2) or (weights < 0).any() or not np.isfinite(weights).all():
        raise ArgumentError(
            "multinomial: expects a 1-D or 2-D tensor of non-negative, finite weights, got "
            f"shape {weights.shape}"
        )
    source = random_source(generator, "multinomial")
    rows = weights.reshape(-1, weights.shape[-1])  # (rows, n)
    picks = [
        source.choice(len(row), size=num_samples, replace=replacement, p=row / row.sum())
        for row in rows
    ]
    array = np.array(picks, dtype=np.int64).reshape(weights.shape[:-1] + (num_samples,))
    return new_leaf(array, False, None, "multinomial")


def _numbers(value):
    return value._data if isinstance(value, Tensor) else value


# --------------------------------------------------------------------------------------
# From numpy and other data
# --------------------------------------------------------------------------------------
def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor of the array's numbers and dtype. PyTorch shares the memory; here it is
    a copy (the graph makes arrays it saved read-only, which would surprise your array)."""
    if not isinstance(array, np.ndarray):
        raise DTypeError(f"from_numpy: expects a numpy array, got {type(array).__name__}")
    return Tensor(array, dtype=array.dtype)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` as a tensor: a Tensor of the right dtype is returned as it is, anything
    else is copied into a new tensor (as tg.tensor)."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or as_dtype(dtype, "as_tensor") == data.dtype):
        return data
    if isinstance(data, np.ndarray) and dtype is None:
        dtype = data.dtype
    return Tensor(data, dtype=dtype)


class TensorType:
    """PyTorch's `torch.LongTensor`, `torch.FloatTensor` ...: make a tensor of one dtype
    from data (`tg.LongTensor([1, 2])`) or from sizes (`tg.FloatTensor(2, 3)`, zeros:
    PyTorch leaves them unset). `x.type(tg.LongTensor)` reads `.dtype`."""

    def __init__(self, name: str, dtype) -> None:
        self.name = name
        self.dtype = np.dtype(dtype)

    def __call__(self, *args) -> Tensor:
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            return Tensor(args[0], dtype=self.dtype)  # from data: a list, array, Tensor
        return Tensor(np.zeros(_shape_args(args, self.name), dtype=self.dtype))

    def __repr__(self) -> str:
        return f"tg.{self.name}"


FloatTensor = TensorType("FloatTensor", np.float32)
DoubleTensor = TensorType("DoubleTensor", np.float64)
LongTensor = TensorType("LongTensor", np.int64)
IntTensor = TensorType("IntTensor", np.int32)
BoolTensor = TensorType("BoolTensor", np.bool_)
ByteTensor = TensorType("ByteTensor", np.uint8)
