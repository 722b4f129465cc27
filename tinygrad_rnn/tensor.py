"""Tensor: a numpy array that is a node of the computation graph.

    x = tg.Tensor(np.random.randn(3, 4), requires_grad=True, label="x")
    W = tg.randn(4, 2, requires_grad=True, label="W")
    y = (x @ W).tanh().sum()
    y.backward()
    x.grad                      # numpy array, shape (3, 4)

Every operator (`+`, `@`, `x.tanh()`, `x[2:5]` ...) calls `apply(SomeOp, ...)`, which runs
the op's forward on the numpy arrays and records a new node whose parents are the inputs.
Names and signatures follow PyTorch; the default dtype is float64 so that gradient checks
are exact (`tg.set_default_dtype(np.float32)` for speed).

The Tensor in these files, each with one job:

    tensor_base.py       TensorBase: the array side (data, shape, dtype, item, repr) and
                         the op protocol (`_vjp`, `_checked_gradient`, `_seed_gradient`)
    tensor.py            this file: Tensor = TensorBase + everything that makes a node
                         (operators, functions, reductions, shape ops), and `apply`
    tensor_args.py       the methods' argument checks and error messages
    tensor_functions.py  tg.tensor, tg.zeros, tg.randn, tg.cat, tg.where, tg.addmm ...
    tensor_pytorch.py    PyTorch's other spellings (view, size, numel, split ...)
    tensor_inplace.py    in-place changes: x[i] = v, x.add_(y), x += y, x.zero_() ...
    defaults.py          the default dtype and random generator (tg.manual_seed)

Read next: tensor_base.py, tensor_functions.py, then functional.py (softmax,
cross-entropy ... composed from these operators).
"""

from __future__ import annotations

import numbers
import operator

import numpy as np

from . import numpy_protocol, ops
from .defaults import (  # noqa: F401 (re-exported: tg.manual_seed, tg.set_default_dtype ...)
    as_dtype,
    default_rng,
    get_default_dtype,
    manual_seed,
    set_default_dtype,
)
from .errors import BackwardError, DTypeError, ShapeError
from .graph import Node, context, records_graph
from .tensor_args import (
    anomaly_error,
    check_axis,
    check_single_axis,
    normalize_index,
    op_error,
    reduction_args,
    require_float,
    to_target,
)
from .tensor_base import TensorBase, to_array
from .tensor_inplace import InplaceMethods
from .tensor_pytorch import PyTorchMethods


class Tensor(InplaceMethods, PyTorchMethods, TensorBase):
    """A node holding a numpy array. See the module docstring for an example.

    Leaves you create do not require grad unless you say so (`requires_grad=True`),
    as in PyTorch; only floating-point tensors can require grad.
    """

    __slots__ = ()

    # numpy's functions and ufuncs on a Tensor (np.sum(x), np.tanh(x), array + x) call
    # the Tensor op of the same meaning: see numpy_protocol.py.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return numpy_protocol.call_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return numpy_protocol.call_function(func, args, kwargs)

    def __init__(self, data, requires_grad: bool = False, label: str | None = None, dtype=None):
        array = to_array(data, dtype)
        if requires_grad and array.dtype.kind != "f":
            raise DTypeError(
                f"Tensor: only floating-point tensors can require grad, got {array.dtype} "
                f"(label={label!r}). Write the numbers as floats (1.0) or pass dtype=np.float64."
            )
        self._setup(array, None, (), None, bool(requires_grad), label)

    def detach(self) -> Tensor:
        """A new leaf with the same data and no history (gradients stop here)."""
        out = Tensor.__new__(Tensor)
        out._setup(self._data, None, (), None, False, self.label)
        out._data_view = self._data_view  # the same array: `x.detach().data is x.data`
        return out

    def to(self, *args, **kwargs) -> Tensor:
        """`x.to(np.float32)`, `x.to("float64")`, `x.to(other_tensor)` (its dtype), as in
        PyTorch; a device ("cpu") or `copy=False` changes nothing (there is only the CPU).
        A cast between float dtypes is an op (`cast`) with a gradient."""
        dtype = to_target(self, args, kwargs)
        return self if dtype is None else self.type(dtype)

    def type(self, dtype=None):
        """The data in `dtype` (`x.type(np.float32)`); with no argument, the dtype's name."""
        if dtype is None:
            return self.dtype.name
        dtype = as_dtype(dtype, "type")
        if dtype == self.dtype:
            return self
        if dtype.kind == "f" and self.dtype.kind == "f":
            return apply(ops.Cast, self, dtype=dtype)
        if dtype.kind == "f" and self.dtype.kind == "c":
            raise DTypeError(f"type: cannot cast complex data to {dtype}")
        return _constant(self._data.astype(dtype))  # ints, bools: no gradient

    def float(self) -> Tensor:
        """The data as float32 (PyTorch's `x.float()`), with a gradient back to x."""
        return self.type(np.float32)

    def double(self) -> Tensor:
        """The data as float64 (PyTorch's `x.double()`), with a gradient back to x."""
        return self.type(np.float64)

    def long(self) -> Tensor:
        """The data as int64 (class indices), a constant: no gradient flows through."""
        return self.type(np.int64)

    def int(self) -> Tensor:
        """The data as int32, a constant: no gradient flows through."""
        return self.type(np.int32)

    def bool(self) -> Tensor:
        """The data as booleans (nonzero is True), a constant: no gradient flows through."""
        return self.type(np.bool_)

    def half(self) -> Tensor:
        raise DTypeError("half: float16 is not supported (slow in numpy); use x.float()")

    # --- pickle and copy: a leaf is saved with its data, grad and label -----------------
    def __reduce_ex__(self, protocol):
        if self.op is not None and self.requires_grad:
            raise BackwardError(
                f"pickle/copy: {self.describe()} is part of a graph, which cannot be saved; "
                "pickle x.detach() for its numbers, or the leaves (parameters) it came from"
            )
        return (_rebuild_leaf, (type(self), self._data, self.requires_grad, self.label, self.grad))

    # --- arithmetic ---------------------------------------------------------------------
    def __add__(self, other) -> Tensor:
        return apply(ops.Add, self, _lift(other, self))

    def __radd__(self, other) -> Tensor:
        return apply(ops.Add, _lift(other, self), self)

    def __sub__(self, other) -> Tensor:
        return apply(ops.Sub, self, _lift(other, self))

    def __rsub__(self, other) -> Tensor:
        return apply(ops.Sub, _lift(other, self), self)

    def __mul__(self, other) -> Tensor:
        return apply(ops.Mul, self, _lift(other, self))

    def __rmul__(self, other) -> Tensor:
        return apply(ops.Mul, _lift(other, self), self)

    def __truediv__(self, other) -> Tensor:
        return apply(ops.Div, self, _lift(other, self))

    def __rtruediv__(self, other) -> Tensor:
        return apply(ops.Div, _lift(other, self), self)

    def __neg__(self) -> Tensor:
        return apply(ops.Neg, self)

    def __pos__(self) -> Tensor:
        return self

    def abs(self) -> Tensor:
        """|x| = x * sign(x), sign a constant: d/dx = sign(x) (0 at 0, as in PyTorch)."""
        return self * _constant(np.sign(self._data))

    __abs__ = abs

    def __pow__(self, exponent) -> Tensor:
        if isinstance(exponent, numbers.Real):
            return apply(ops.Pow, self, k=exponent)
        return apply(ops.Power, self, _lift(exponent, self))  # a tensor or array exponent

    def __rpow__(self, base) -> Tensor:
        return apply(ops.Power, _lift(base, self), self)

    def __matmul__(self, other) -> Tensor:
        return apply(ops.MatMul, self, _lift(other, self))

    def __rmatmul__(self, other) -> Tensor:
        return apply(ops.MatMul, _lift(other, self), self)

    # --- comparisons: boolean tensors without gradient (masks for tg.where) ----------
    def __lt__(self, other) -> Tensor:
        return _compared("<", self, other, operator.lt)

    def __le__(self, other) -> Tensor:
        return _compared("<=", self, other, operator.le)

    def __gt__(self, other) -> Tensor:
        return _compared(">", self, other, operator.gt)

    def __ge__(self, other) -> Tensor:
        return _compared(">=", self, other, operator.ge)

    def __eq__(self, other) -> Tensor:  # type: ignore[override]
        return _compared("==", self, other, operator.eq)

    def __ne__(self, other) -> Tensor:  # type: ignore[override]
        return _compared("!=", self, other, operator.ne)

    __hash__ = Node.__hash__  # nodes are dict keys by identity in the backward pass

    # --- element-wise functions ----------------------------------------------------------
    def exp(self) -> Tensor:
        return apply(ops.Exp, require_float(self, "exp"))

    def log(self) -> Tensor:
        return apply(ops.Log, require_float(self, "log"))

    def tanh(self) -> Tensor:
        return apply(ops.Tanh, require_float(self, "tanh"))

    def sigmoid(self) -> Tensor:
        return apply(ops.Sigmoid, require_float(self, "sigmoid"))

    def relu(self) -> Tensor:
        return apply(ops.Relu, require_float(self, "relu"))

    def sqrt(self) -> Tensor:
        return self**0.5

    # --- reductions (numpy's axis/keepdims; PyTorch's dim/keepdim also accepted) ---------
    def sum(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim)
        return apply(ops.Sum, self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim)
        return apply(ops.Mean, self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        """As in PyTorch: `x.max()` is the largest value (a 0-d tensor; tied maxima share
        the gradient); `x.max(dim)` is the pair `(values, indices)` along axis dim
        (`values, indices = x.max(1)`; the gradient goes to the element each index
        names); `x.max(other_tensor)` is the element-wise maximum.
        For several axes at once use `x.amax(axes)`."""
        if isinstance(axis, Tensor):
            return maximum(self, axis)
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim)
        if axis is None:
            return apply(ops.Max, self, axis=None, keepdims=keepdims)
        return _values_and_indices(self, "max", axis, keepdims)

    def min(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        """As `max`, for the smallest value: `x.min()`, `values, indices = x.min(dim)`."""
        if isinstance(axis, Tensor):
            return minimum(self, axis)
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim)
        if axis is None:
            return -apply(ops.Max, -self, axis=None, keepdims=keepdims)
        return _values_and_indices(self, "min", axis, keepdims)

    def amax(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        """Largest values over one or several axes, values only (PyTorch's `amax`);
        tied maxima share the gradient evenly."""
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim)
        return apply(ops.Max, self, axis=axis, keepdims=keepdims)

    def amin(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        """Smallest values over one or several axes: -amax(-x)."""
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim)
        return -apply(ops.Max, -self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        """Index of the largest value over `axis` (of the flattened tensor without one),
        as an int64 tensor (no gradient)."""
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim)
        check_single_axis("argmax", axis, self.shape)
        return _constant(np.argmax(self._data, axis=axis, keepdims=keepdims))

    def argmin(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        """Index of the smallest value over `axis`, as an int64 tensor (no gradient)."""
        axis, keepdims = reduction_args(axis, keepdims, dim, keepdim)
        check_single_axis("argmin", axis, self.shape)
        return _constant(np.argmin(self._data, axis=axis, keepdims=keepdims))

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
        """The k largest (`largest=False`: smallest) values along `dim` and their indices,
        a pair `(values, indices)` as in PyTorch; values are picked from x, so the
        gradient goes to the elements picked."""
        check_single_axis("topk", dim, self.shape)
        length = self.shape[dim] if self.ndim else 1
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= length:
            raise ShapeError(
                f"topk: k must be an int from 0 to {length} (the length of axis {dim} of "
                f"shape {self.shape}), got {k!r}"
            )
        keys = -self._data if largest else self._data
        order = np.argsort(keys, axis=dim, kind="stable")
        indices = np.take(order, np.arange(k), axis=dim)  # sorted by value
        return TopK(_take_along(self, indices, dim), _constant(indices))

    # --- shape ops -----------------------------------------------------------------------
    def reshape(self, *shape) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        for size in shape:
            if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < -1:
                raise ShapeError(
                    f"reshape: sizes must be ints (one of them may be -1), got {size!r} in {shape}"
                )
        return apply(ops.Reshape, self, shape=shape)

    view = reshape

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert an axis of size 1 at `dim` (a reshape)."""
        check_axis("unsqueeze", dim, self.ndim + 1, self.shape)  # the result's axes
        return self.reshape(np.expand_dims(self._data, dim).shape)

    def squeeze(self, dim: int | None = None) -> Tensor:
        """Remove axes of size 1 (only `dim` if given) (a reshape). As in PyTorch, an
        axis `dim` whose length is not 1 is left as it is."""
        if dim is not None:
            check_axis("squeeze", dim, self.ndim, self.shape)
            if self.shape[dim] != 1:
                return self.reshape(self.shape)
        return self.reshape(np.squeeze(self._data, axis=dim).shape)

    def permute(self, *axes) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return apply(ops.Transpose, self, axes=tuple(axes))

    def transpose(self, dim0: int = 0, dim1: int = 1) -> Tensor:
        """Swap two axes (PyTorch's `transpose(dim0, dim1)`)."""
        check_axis("transpose", dim0, self.ndim, self.shape)
        check_axis("transpose", dim1, self.ndim, self.shape)
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return apply(ops.Transpose, self, axes=tuple(axes))

    def t(self) -> Tensor:
        """The 2-D transpose (PyTorch's `W.t()`); 0-D and 1-D come back as they are."""
        if self.ndim > 2:
            raise ShapeError(
                f"t: expects a tensor of at most 2 dimensions, got shape {self.shape}; use "
                f"x.transpose(d0, d1) or x.permute(...)"
            )
        return self.T

    @property
    def T(self) -> Tensor:
        """All axes reversed (the matrix transpose for 2-D)."""
        return apply(ops.Transpose, self, axes=tuple(range(self.ndim - 1, -1, -1)))

    def __getitem__(self, index) -> Tensor:
        return apply(ops.GetItem, self, index=normalize_index(index))


# --------------------------------------------------------------------------------------
# Recording an op as a node
# --------------------------------------------------------------------------------------
def apply(op_class: type[ops.Op], *parents: Tensor, **params) -> Tensor:
    """Run `op_class` forward on the parents' arrays and return the result as a node.

    Inside `no_grad()`, or when no parent requires grad, the result is a constant leaf.
    If numpy rejects the inputs, the error names the op, the shapes and your line.
    """
    ctx = op_class()
    try:
        data = ctx.forward(*[parent._data for parent in parents], **params)
    except (ValueError, IndexError, TypeError) as error:
        raise op_error(op_class, parents, params, error) from None
    if type(data) is not np.ndarray:  # numpy returns scalars for 0-d results
        data = np.asarray(data)
    out = Tensor.__new__(Tensor)
    if records_graph(parents):
        out._setup(data, op_class.name, parents, ctx, True, None)
        _keep_for_backward(parents, out)
    else:
        out._setup(data, None, (), None, False, None)
    if context.anomaly and not np.all(np.isfinite(data)):
        raise anomaly_error(op_class, parents, out)
    return out


def _keep_for_backward(parents: tuple, out: Tensor) -> None:
    """Mark the inputs' and the output's arrays read-only: the op may have kept them for
    its backward (a matmul keeps a and b, tanh its output). `Tensor.data` hands out a
    writable copy instead, so the graph keeps the values it computed with. Each input
    remembers that a node holds it (`_used_by`: tensor_inplace.py)."""
    use = (out.op, out._source_code, out._source_offset)
    for parent in parents:
        parent._data.setflags(write=False)  # (half the cost of `.flags.writeable = False`)
        view = parent._data_view  # the `x.data` you may hold: read-only as well
        if view is not None:
            view.setflags(write=False)
        parent._used_by = use
    out._data.setflags(write=False)


def _constant(array) -> Tensor:
    """A leaf that requires no grad, holding `array` as it is (no copy)."""
    out = Tensor.__new__(Tensor)
    out._setup(np.asarray(array), None, (), None, False, None)
    return out


def _lift(other, like: Tensor) -> Tensor:
    """Make the other operand of a binary op a Tensor.

    Numbers and arrays become constants of `like`'s float dtype (so float32 stays
    float32); an integer or boolean tensor meeting a float one is converted to that dtype.
    """
    if isinstance(other, Tensor):
        if other._data.dtype.kind in "iub" and like._data.dtype.kind == "f":
            return _constant(other._data.astype(like._data.dtype))
        return other
    array = np.array(other)  # a copy: changing your array later changes no graph
    if array.dtype.kind not in "fiub":
        raise DTypeError(
            f"cannot combine a Tensor with {type(other).__name__} ({other!r:.60}); use numbers, "
            f"numeric arrays or Tensors"
        )
    if like._data.dtype.kind == "f" and array.dtype != like._data.dtype:
        array = array.astype(like._data.dtype)
    return _constant(array)


def _raw(other):
    return other._data if isinstance(other, Tensor) else other


def _compared(op_name: str, x: Tensor, other, compare) -> Tensor:
    """A boolean constant tensor: `compare(x's array, other)` (x < 2, x == y ...)."""
    other = _raw(other)
    if np.asarray(other).dtype.kind not in "fiub":
        raise DTypeError(
            f"{op_name}: cannot compare a Tensor with {type(other).__name__} ({other!r:.40}); "
            f"use numbers, numeric arrays or Tensors"
        )
    try:
        return _constant(compare(x._data, other))
    except ValueError as error:
        raise ShapeError(f"{op_name}: {error}") from None


def _rebuild_leaf(cls, data, requires_grad, label, grad):
    """What unpickling (and copy.deepcopy) calls: a new leaf of `cls` with the same data,
    requires_grad, label and grad."""
    out = cls.__new__(cls)
    out._setup(np.array(data), None, (), None, requires_grad, label)
    out.grad = None if grad is None else np.array(grad)
    return out


# --------------------------------------------------------------------------------------
# The package-level functions (tg.zeros, tg.cat, tg.where ...) are in tensor_functions.py,
# which builds on Tensor and `apply` above. It is imported last, once both exist, so that
# `from tinygrad_rnn.tensor import zeros` keeps working and `x.max(y)` finds `maximum`.
# --------------------------------------------------------------------------------------
from .tensor_functions import (  # noqa: E402, F401
    MaxResult,
    MinResult,
    TopK,
    _take_along,
    _values_and_indices,
    addmm,
    cat,
    concat,
    exp,
    gather,
    log,
    matmul,
    maximum,
    minimum,
    ones,
    ones_like,
    randn,
    relu,
    sigmoid,
    stack,
    tanh,
    tensor,
    where,
    zeros,
    zeros_like,
)
