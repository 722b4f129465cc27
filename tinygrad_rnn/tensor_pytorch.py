"""PyTorch's other spellings of what a Tensor already does: `x.view`, `x.size(dim)`,
`x.numel()`, `x.split` ... each a thin wrapper over the operators in tensor.py, so a
PyTorch program runs unchanged and its graph still shows only the primitives.

`Tensor` (tensor.py) inherits these methods from `PyTorchMethods`. A method tensor.py
defines itself (`to`, `type`, `float`, `long`, `view`, `flatten`, `max`, `topk` ...) wins
over one of the same name here.

None of these has a backward of its own. What each becomes in the graph:

    x.view_as(y), x.reshape_as(y)      reshape
    x.expand(2, 3), x.expand_as(y)     x + zeros(2, 3): add's backward sums back
    x.repeat(2, 1)                     one getitem with repeated indices
    x.split(2), x.chunk(3), x.unbind() a getitem (slice) per piece
    x.clone()                          x * 1.0 (a new array; gradient 1 back to x)
    x.masked_fill(mask, v)             where(mask, v, x)
    x.clamp(lo, hi)                    where(x < lo, lo, x), then where(x > hi, hi, ...)
    x.norm(), x.std(), x.var()         sums, squares and powers
    x.gather(dim, index)               one getitem with integer arrays

Where we do not match PyTorch (on purpose, or not yet):
- `x.norm()` at x = 0 has gradient nan (sqrt'(0)); PyTorch gives 0 there.
- `x.prod()` is a chain of multiplications (one node per factor), fine for short axes.
- `x.cuda()`, `x.to("cuda")` are errors: the engine runs on numpy, on the CPU.
- `x.size()` is a `Size` (a tuple); `x.shape` stays a plain tuple.
- `x.flatten()` (tensor.py) takes no start_dim/end_dim; `tg.flatten(x, 1)` does.
- `x.type()` with no argument names the numpy dtype ("float64"), not "torch.DoubleTensor".
- The default dtype is float64 (PyTorch's: float32), so that gradient checks are exact;
  `tg.tensor([1, 2])` is int64 as in PyTorch, `tg.Tensor([1, 2])` keeps ints too.
- Random numbers: the same seed repeats them here, but they are not PyTorch's numbers.
- `tg.from_numpy(a)` copies a (PyTorch shares its memory).
- numpy functions on tensors: see numpy_protocol.py (those with an op keep the graph).

Read next: tensor_functions.py (tg.zeros, tg.cat ...).
"""

from __future__ import annotations

import math

import numpy as np

from .defaults import as_dtype
from .devices import DeviceMethods
from .errors import ArgumentError, DTypeError, ShapeError
from .tensor_args import check_axis, reduction_args


class Size(tuple):
    """PyTorch's `torch.Size`: a shape that is a tuple (`x.size()[0]`, `h, w = x.size()`),
    with `numel()` the number of elements."""

    def numel(self) -> int:
        return math.prod(self)

    def __repr__(self) -> str:
        return f"Size({list(self)})"


class PyTorchMethods(DeviceMethods):
    """Methods a PyTorch user expects on a tensor, written with Tensor's own operators.
    (`x.device`, `x.cpu()`, `x.cuda()` come from devices.DeviceMethods.)"""

    __slots__ = ()

    # --- sizes ----------------------------------------------------------------------------
    def size(self, dim: int | None = None):
        """The shape as a `Size` (PyTorch's `x.size()`), or one axis' length: `x.size(0)`."""
        if dim is None:
            return Size(self.shape)
        check_axis("size", dim, self.ndim, self.shape)
        return self.shape[dim]

    def ndimension(self) -> int:
        return self.ndim

    def nelement(self) -> int:
        return self.numel()

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def type_as(self, other):
        """The data in `other`'s dtype (`x.type(other.dtype)`)."""
        return self.type(other.dtype)

    # --- shapes (each a reshape, getitem or broadcast add) ---------------------------------
    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def contiguous(self, memory_format=None):
        """numpy arrays need no copy to be read in order: returns x itself."""
        return self

    def is_contiguous(self, memory_format=None) -> bool:
        return True

    def expand(self, *sizes):
        """x broadcast to `sizes` (-1 keeps an axis): `x + zeros(sizes)`, so add's backward
        (unbroadcast) sums the gradient back to x's shape."""
        sizes = _sizes(sizes)
        if len(sizes) < self.ndim:
            raise ShapeError(f"expand: {sizes} has fewer axes than shape {self.shape}")
        offset = len(sizes) - self.ndim
        target = tuple(
            self.shape[i - offset] if size == -1 and i >= offset else size
            for i, size in enumerate(sizes)
        )
        if _broadcast_shape(self.shape, target) != target or -1 in target:
            raise ShapeError(f"expand: shape {self.shape} cannot be expanded to {sizes}")
        return self + np.zeros(target, dtype=self.dtype)

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *repeats):
        """x tiled `repeats` times along each axis (numpy's tile): one getitem whose
        index repeats the positions 0..n-1, so the copies' gradients add up."""
        repeats = _sizes(repeats)
        if len(repeats) < self.ndim:
            raise ShapeError(
                f"repeat: give at least one count per axis of shape {self.shape}, got {repeats}"
            )
        x = self.reshape((1,) * (len(repeats) - self.ndim) + self.shape)
        positions = [np.arange(n * r) % n for n, r in zip(x.shape, repeats)]
        return x[np.ix_(*positions)]

    def split(self, split_size_or_sections, dim: int = 0) -> tuple:
        """Pieces along `dim`: of `split_size` each (the last may be shorter), or of the
        lengths in a list (which must add up to the axis' length). Each piece is a slice."""
        check_axis("split", dim, self.ndim, self.shape)
        length = self.shape[dim]
        if isinstance(split_size_or_sections, (list, tuple)):
            sections = [int(size) for size in split_size_or_sections]
            if sum(sections) != length or min(sections, default=0) < 0:
                raise ShapeError(
                    f"split: sections {sections} must add up to {length}, the length of axis "
                    f"{dim} of shape {self.shape}"
                )
        else:
            size = int(split_size_or_sections)
            if size <= 0:
                raise ShapeError(f"split: split_size must be a positive int, got {size}")
            sections = [min(size, length - start) for start in range(0, length, size)]
        return _pieces(self, sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """`chunks` pieces of equal length ceil(n / chunks) along `dim` (the last may be
        shorter, and there may be fewer pieces, as in PyTorch)."""
        if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks <= 0:
            raise ShapeError(f"chunk: chunks must be a positive int, got {chunks!r}")
        check_axis("chunk", dim, self.ndim, self.shape)
        return self.split(max(1, -(-self.shape[dim] // chunks)), dim)

    def unbind(self, dim: int = 0) -> tuple:
        """The slices x[..., i, ...] along `dim`, one per position (that axis removed)."""
        check_axis("unbind", dim, self.ndim, self.shape)
        before = (slice(None),) * (dim % self.ndim)
        return tuple(self[before + (i,)] for i in range(self.shape[dim]))

    def narrow(self, dim: int, start: int, length: int):
        """x[..., start:start + length, ...] along `dim`."""
        check_axis("narrow", dim, self.ndim, self.shape)
        before = (slice(None),) * (dim % self.ndim)
        return self[before + (slice(start, start + length),)]

    def index_select(self, dim: int, index):
        """The positions `index` (1-D integers) along `dim`."""
        check_axis("index_select", dim, self.ndim, self.shape)
        before = (slice(None),) * (dim % self.ndim)
        return self[before + (_integer_array(index, "index_select"),)]

    def gather(self, dim: int, index):
        """PyTorch's gather: out[i][j] = x[i][index[i][j]] for dim=1 (any rank alike);
        `index` has x's number of axes. One getitem with integer arrays."""
        index = _integer_array(index, "gather")
        check_axis("gather", dim, self.ndim, self.shape)
        if index.ndim != self.ndim:
            raise ShapeError(
                f"gather: index has {index.ndim} axes but the input has {self.ndim} "
                f"(shape {self.shape})"
            )
        from .tensor_functions import along_axis_index

        return self[along_axis_index(index, dim % self.ndim, index.shape)]

    # --- arithmetic -------------------------------------------------------------------------
    def add(self, other, *, alpha=1):
        """x + alpha * other."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, *, alpha=1):
        """x - alpha * other."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def neg(self):
        return -self

    def pow(self, exponent):
        return self**exponent

    def square(self):
        return self * self

    def dot(self, other):
        """The inner product of two 1-D tensors: (x * y).sum()."""
        if self.ndim != 1 or np.ndim(other) != 1:
            raise ShapeError(
                f"dot: expects two 1-D tensors, got shapes {self.shape} and {np.shape(other)}"
            )
        return (self * other).sum()

    def mm(self, other):
        """The matrix product of two 2-D tensors (x @ y)."""
        _check_ranks("mm", 2, self, other)
        return self @ other

    def bmm(self, other):
        """Batched matrix product: (B, n, m) @ (B, m, p) -> (B, n, p)."""
        _check_ranks("bmm", 3, self, other)
        return self @ other

    def matmul(self, other):
        return self @ other

    def clone(self, *, memory_format=None):
        """A copy. In the graph it is x * 1.0, so the gradient flows back to x; an
        integer or boolean tensor is simply copied."""
        if self.dtype.kind != "f":
            return _constant_copy(self._data)
        return self * 1.0

    def masked_fill(self, mask, value):
        """`value` where `mask` is True, x elsewhere: where(mask, value, x). The mask is
        boolean and broadcasts to x's shape."""
        mask_array = np.asarray(_numbers(mask))
        if mask_array.dtype != np.bool_:
            raise DTypeError(
                f"masked_fill: the mask must be boolean (x > 0, ids == pad ...), got dtype "
                f"{mask_array.dtype}"
            )
        if _broadcast_shape(mask_array.shape, self.shape) != self.shape:
            raise ShapeError(
                f"masked_fill: mask of shape {mask_array.shape} does not broadcast to {self.shape}"
            )
        from .tensor_functions import where

        return where(mask_array, value, self)

    def clamp(self, min=None, max=None):  # noqa: A002 (PyTorch's keywords)
        """Values below `min` become min, above `max` become max; the gradient is 1 where
        min <= x <= max and 0 where a bound was used (as in PyTorch)."""
        if min is None and max is None:
            raise ArgumentError("clamp: give min, max or both")
        from .tensor_functions import where

        out = self
        if min is not None:
            out = where(out._data < np.asarray(_numbers(min)), min, out)
        if max is not None:
            out = where(out._data > np.asarray(_numbers(max)), max, out)
        return out

    clip = clamp

    # --- reductions ---------------------------------------------------------------------------
    def norm(self, p="fro", dim=None, keepdim: bool = False):
        """The p-norm over `dim` (all elements by default): p=2 or "fro" sqrt(sum x²),
        p=1 sum |x|, p=inf max |x|, else (sum |x|^p)^(1/p)."""
        if p in (2, "fro", None):
            return (self * self).sum(dim=dim, keepdim=keepdim) ** 0.5
        if p == 1:
            return self.abs().sum(dim=dim, keepdim=keepdim)
        if p == math.inf:
            return self.abs().amax(dim=dim, keepdim=keepdim)
        if isinstance(p, (int, float)) and p > 0:
            return (self.abs() ** p).sum(dim=dim, keepdim=keepdim) ** (1 / p)
        raise ArgumentError(f"norm: p must be a positive number, inf or 'fro', got {p!r}")

    def var(self, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
        """sum((x - mean)²) / (n - correction) over `dim`; correction is 1 (unbiased,
        PyTorch's default) unless `unbiased=False` or `correction=0`."""
        axis, keepdim = reduction_args(dim, keepdim, None, None)
        if correction is None:
            correction = 1 if unbiased else 0
        count = _count(self.shape, axis)
        centred = self - self.mean(axis=axis, keepdims=True)
        return (centred * centred).sum(axis=axis, keepdims=keepdim) / (count - correction)

    def std(self, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
        """The square root of `var` (unbiased by default, as in PyTorch)."""
        return self.var(dim, unbiased, keepdim, correction=correction) ** 0.5

    def prod(self, dim=None, keepdim: bool = False):
        """The product over `dim` (all elements by default): a chain x_0 * x_1 * ... of
        multiplications, one node per factor, so zeros get their right gradient."""
        x = self.reshape(-1) if dim is None else self
        axis = 0 if dim is None else dim % self.ndim
        factors = x.unbind(axis)
        if not factors:
            raise ShapeError(f"prod: axis {axis} of shape {self.shape} is empty")
        out = factors[0]
        for factor in factors[1:]:
            out = out * factor
        if keepdim:
            out = out.reshape(_kept_shape(self.shape, dim))
        return out

    def all(self, dim=None, keepdim: bool = False):
        """True where every element (along `dim`) is nonzero: a boolean constant."""
        return _constant_copy(np.all(self._data, axis=dim, keepdims=keepdim))

    def any(self, dim=None, keepdim: bool = False):
        """True where some element (along `dim`) is nonzero: a boolean constant."""
        return _constant_copy(np.any(self._data, axis=dim, keepdims=keepdim))

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        """Axes start_dim .. end_dim joined into one (a reshape); `x.flatten()` is 1-D."""
        from .tensor_pytorch_functions import flatten

        return flatten(self, start_dim, end_dim)

    def softmax(self, dim: int, dtype=None):
        """exp(x) / sum exp(x) along `dim` (functional.softmax: composed, no backward)."""
        from .functional_activations import softmax

        x = self if dtype is None else self.type(dtype)
        return softmax(x, dim=dim)

    def log_softmax(self, dim: int, dtype=None):
        """x - logsumexp(x) along `dim` (functional.log_softmax)."""
        from .functional_activations import log_softmax

        x = self if dtype is None else self.type(dtype)
        return log_softmax(x, dim=dim)

    # --- comparisons (boolean constants, as the operators give) -------------------------------
    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def equal(self, other) -> bool:
        """True if `other` has the same shape and the same values (a Python bool)."""
        return self.shape == np.shape(other) and bool(np.all(self._data == _numbers(other)))

    # --- new tensors like this one (its dtype unless dtype= says otherwise) -------------------
    def new_zeros(self, *size, **keywords):
        """Zeros of `size` in x's dtype; keywords dtype=, device=, requires_grad=."""
        return self.new_full(_sizes(size), 0, **keywords)

    def new_ones(self, *size, **keywords):
        return self.new_full(_sizes(size), 1, **keywords)

    def new_empty(self, *size, **keywords):
        """Zeros (PyTorch leaves them unset; zeros are one valid choice)."""
        return self.new_full(_sizes(size), 0, **keywords)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        from .tensor_functions import new_leaf

        dtype = self.dtype if dtype is None else as_dtype(dtype, "new_full")
        array = np.full(_sizes((size,)), fill_value, dtype=dtype)
        return new_leaf(array, requires_grad, device, "new_full")

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        from .tensor_functions import new_leaf

        dtype = self.dtype if dtype is None else as_dtype(dtype, "new_tensor")
        return new_leaf(np.array(_numbers(data), dtype=dtype), requires_grad, device, "new_tensor")

    # --- Python's protocols ---------------------------------------------------------------------
    def __index__(self) -> int:
        """A one-element integer tensor used as an int: `names[t]`, `range(t)`, `a[t:]`."""
        if self.dtype.kind not in "iu" or self.numel() != 1:
            raise TypeError(
                f"only a one-element integer tensor can be used as an index, got shape "
                f"{self.shape} of dtype {self.dtype}"
            )
        return int(self._data.reshape(()))


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------
def _sizes(sizes: tuple) -> tuple:
    """`(2, 3)` from `f(2, 3)`, `f((2, 3))` or `f(x.size())`; each an int."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise ShapeError(f"sizes must be ints, got {size!r} in {sizes}")
    return tuple(int(size) for size in sizes)


def _broadcast_shape(a: tuple, b: tuple) -> tuple | None:
    """The shape numpy broadcasts a and b to, or None if they do not broadcast."""
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        return None


def _pieces(x, sections: list, dim: int) -> tuple:
    """x cut along `dim` into consecutive pieces of the lengths in `sections`."""
    before = (slice(None),) * (dim % x.ndim)
    pieces = []
    start = 0
    for length in sections:
        pieces.append(x[before + (slice(start, start + length),)])
        start += length
    return tuple(pieces)


def _check_ranks(op_name: str, rank: int, a, b) -> None:
    if a.ndim != rank or np.ndim(b) != rank:
        raise ShapeError(
            f"{op_name}: expects two {rank}-D tensors, got shapes {a.shape} and {np.shape(b)}"
        )


def _numbers(value):
    """The array of a Tensor, or the value itself (a number or array)."""
    return value._data if isinstance(value, PyTorchMethods) else value


def _integer_array(index, op_name: str) -> np.ndarray:
    array = np.array(_numbers(index))
    if array.dtype.kind not in "iu":
        raise DTypeError(f"{op_name}: the index must hold integers, got dtype {array.dtype}")
    return array


def _count(shape: tuple, axis) -> int:
    """How many elements a reduction over `axis` (None: all) takes together."""
    if axis is None:
        return math.prod(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    return math.prod(shape[a] for a in axes)


def _kept_shape(shape: tuple, dim) -> tuple:
    """The shape of a reduction over `dim` with keepdim=True (1 where reduced)."""
    if dim is None:
        return (1,) * len(shape)
    return tuple(1 if i == dim % len(shape) else size for i, size in enumerate(shape))


def _constant_copy(array):
    """A leaf that needs no gradient, holding a copy of `array`."""
    from .tensor import _constant

    return _constant(np.array(array))
