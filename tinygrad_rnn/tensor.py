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

Read next: functional.py (softmax, cross-entropy ... composed from these operators).
"""

from __future__ import annotations

import numbers
import operator
from collections import namedtuple

import numpy as np

from . import numpy_protocol, ops
from .errors import (
    AnomalyError,
    ArgumentError,
    BackwardError,
    DTypeError,
    ShapeError,
    TensorIndexError,
)
from .graph import Node, check_finite_gradient, context, records_graph

_default_dtype = np.dtype(np.float64)
_rng = np.random.default_rng()

# What x.max(dim), x.min(dim) and x.topk(k) return, as PyTorch's torch.return_types:
# a pair you can unpack (`values, indices = x.max(1)`) or read by name (`.indices`).
MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])
TopK = namedtuple("topk", ["values", "indices"])


def set_default_dtype(dtype) -> None:
    """Floating-point dtype of new tensors made from Python numbers, lists and
    constructors (`tg.zeros`, `tg.randn`, parameters): np.float64 (default) or np.float32."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise DTypeError(f"set_default_dtype: use np.float32 or np.float64, not {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype set by `set_default_dtype` (float64 unless changed)."""
    return _default_dtype


def manual_seed(seed: int) -> None:
    """Seed the generator behind `tg.randn`, parameter initialisation and dropout."""
    global _rng
    _rng = _generator(seed, "manual_seed")


def _generator(seed, op_name: str) -> np.random.Generator:
    """A numpy Generator from an int seed (or the Generator itself)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(
            f"{op_name}: the seed must be a non-negative int or a np.random.Generator, got "
            f"{seed!r:.40}"
        )
    return np.random.default_rng(seed)


def default_rng() -> np.random.Generator:
    """The generator `manual_seed` sets (used when no `rng=` is given)."""
    return _rng


# --------------------------------------------------------------------------------------
# Turning user data into arrays
# --------------------------------------------------------------------------------------
def _to_array(data, dtype=None) -> np.ndarray:
    """A fresh numpy array from a number, list, array or Tensor.

    Python floats and lists of floats get the default dtype; numpy arrays and numpy
    scalars keep their float dtype; ints and bools stay ints and bools (targets, indices, masks).
    """
    if isinstance(data, Tensor):
        data = data._data
    try:
        array = np.array(data, dtype=None if dtype is None else _as_dtype(dtype, "Tensor"))
    except ValueError as error:  # rows of different lengths, or strings that are no numbers
        raise DTypeError(
            f"Tensor: cannot make an array of numbers from {type(data).__name__} "
            f"{data!r:.60} ({error})"
        ) from None
    if dtype is None:
        if array.dtype.kind == "f" and not isinstance(data, (np.ndarray, np.generic)):
            array = array.astype(_default_dtype, copy=False)
        elif array.dtype == np.float16:
            array = array.astype(_default_dtype)
    if array.dtype.kind not in "fiub":
        raise DTypeError(
            f"Tensor: cannot hold data of dtype {array.dtype} "
            f"(from {type(data).__name__}); use numbers, lists of numbers or numeric arrays"
        )
    return array


class Tensor(Node):
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
        array = _to_array(data, dtype)
        if requires_grad and array.dtype.kind != "f":
            raise DTypeError(
                f"Tensor: only floating-point tensors can require grad, got {array.dtype} "
                f"(label={label!r}). Write the numbers as floats (1.0) or pass dtype=np.float64."
            )
        self._setup(array, None, (), None, bool(requires_grad), label)

    # --- the array ---------------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The numpy array (PyTorch's `x.data`): read it, or change it in place
        (`W.data -= lr * W.grad` in an optimizer step).

        Ops keep the arrays their backward needs (a matmul keeps both inputs), and the
        graph marks those arrays read-only. If you ask for such an array, you get a
        writable copy, which becomes this tensor's data from then on: a change you make
        to it cannot alter what an existing graph saved, so its gradient stays right.
        """
        array = self._data
        if not array.flags.writeable:
            array = self._data = array.copy()
        return array

    @data.setter
    def data(self, value) -> None:
        """Replace the array (any graph built before keeps the old one)."""
        array = value if value is self._data else _to_array(value)  # `x.data -= ...`: same array
        if self.requires_grad and array.dtype.kind != "f":
            raise DTypeError(
                f"Tensor.data: {self.describe()} requires grad, so its data must be "
                f"floating-point, got {array.dtype}"
            )
        self._data = array

    # --- what it looks like ------------------------------------------------------------
    def __repr__(self) -> str:
        parts = []
        if self.label:
            parts.append(f"label={self.label!r}")
        parts.append(f"shape={self.shape}")
        if self._data.dtype != _default_dtype:
            parts.append(f"dtype={self._data.dtype}")
        if self.op:
            parts.append(f"op={self.op!r}")
        elif self.requires_grad:
            parts.append("requires_grad=True")
        if self.time_step is not None:
            parts.append(f"t={self.time_step}")
        parts.append("grad=None" if self.grad is None else f"grad={np.shape(self.grad)}")
        if self._data.size <= 12:
            values = np.array2string(self._data, precision=4, separator=", ", prefix="Tensor(")
            return f"Tensor({values}, {', '.join(parts)})"
        return f"Tensor({', '.join(parts)})"

    # --- array facts (PyTorch and numpy spellings) -------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def size(self, dim: int | None = None):
        """The shape (PyTorch's `x.size()`), or one axis' length with `dim`."""
        return self._data.shape if dim is None else self._data.shape[dim]

    def numel(self) -> int:
        return self._data.size

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError(
                f"len() of a 0-d tensor (a single number: {self._data.item()!r}); use x.item()"
            )
        return len(self._data)

    def __iter__(self):
        """Iterate over the first axis (`for row in x`); a 0-d tensor cannot be iterated,
        as in PyTorch, so `sum(x)` and `list(x)` fail instead of giving 0 and []."""
        if self._data.ndim == 0:
            raise TypeError(
                f"iteration over a 0-d tensor (a single number: {self._data.item()!r}); "
                "use x.item(), or x.reshape(1) for a one-element vector"
            )
        for index in range(len(self._data)):
            yield self[index]

    def numpy(self) -> np.ndarray:
        """The numpy array (as `x.data`: a writable copy if a graph saved it)."""
        return self.data

    def item(self) -> float:
        """The single number in a one-element tensor, as a Python number."""
        if self._data.size != 1:
            raise ShapeError(f"item: tensor of shape {self.shape} has {self._data.size} elements")
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def detach(self) -> Tensor:
        """A new leaf with the same data and no history (gradients stop here)."""
        out = Tensor.__new__(Tensor)
        out._setup(self._data, None, (), None, False, self.label)
        return out

    def to(self, *args, **kwargs) -> Tensor:
        """`x.to(np.float32)`, `x.to("float64")`, `x.to(other_tensor)` (its dtype), as in
        PyTorch; a device ("cpu") or `copy=False` changes nothing (there is only the CPU).
        A cast between float dtypes is an op (`cast`) with a gradient."""
        dtype = _to_target(self, args, kwargs)
        return self if dtype is None else self.type(dtype)

    def type(self, dtype=None):
        """The data in `dtype` (`x.type(np.float32)`); with no argument, the dtype's name."""
        if dtype is None:
            return self.dtype.name
        dtype = _as_dtype(dtype, "type")
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
        raise DTypeError(
            "half: float16 is not supported (numpy computes it slowly and gradient checks "
            "need float64); use x.float() for float32"
        )

    # --- pickle and copy: a leaf is saved with its data, grad and label -----------------
    def __reduce_ex__(self, protocol):
        if self.op is not None and self.requires_grad:
            raise BackwardError(
                f"pickle/copy: {self.describe()} is part of a graph, which cannot be saved; "
                "pickle x.detach() for its numbers, or the leaves (parameters) it came from"
            )
        return (_rebuild_leaf, (type(self), self._data, self.requires_grad, self.label, self.grad))

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise TypeError(
                f"numpy was handed {self.describe()}, which requires grad: numpy functions "
                "would silently cut it out of the graph. Use the Tensor method (x.tanh(), "
                "tg.exp(x) ...) or, if you only want the numbers, x.numpy() / x.detach()."
            )
        return self.data if dtype is None else self._data.astype(dtype)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .any() / .all() on x.numpy()"
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    # --- the op protocol: what the backward loop asks a node (graph.py) ----------------
    @property
    def op_class(self):
        """The primitive that made this tensor (`ops.Tanh` ...): its docstring holds the
        derivative. None for a leaf, or once a lean backward freed the node."""
        ctx = self._ctx
        return None if ctx is None else type(ctx)

    def _vjp(self, grad_out: np.ndarray) -> tuple:
        """`ctx.backward(grad_out)`: the op object kept what its backward needs."""
        return self._ctx.backward(grad_out)

    def _checked_gradient(self, grad, child: Node):
        """The gradient an op sends must have this tensor's shape (and be finite in anomaly
        mode). Returned in this tensor's dtype: a float32 tensor gets a float32 gradient
        even when it met a float64 one (numpy computed their op in float64)."""
        data = self._data
        if grad.shape != data.shape:
            raise ShapeError(
                f"{child.op} backward: sent a gradient of shape {grad.shape} to an input of "
                f"shape {data.shape} - in {child.describe()}"
            )
        if grad.dtype != data.dtype:
            grad = grad.astype(data.dtype)  # (an IndexedGrad has astype too)
        if context.anomaly:
            check_finite_gradient(child, self, grad)
        return grad

    def _seed_gradient(self, grad) -> np.ndarray:
        if grad is None:
            if self._data.size != 1:
                raise _backward_needs_scalar(self)
            return np.ones_like(self._data)
        given = grad
        grad = grad._data if isinstance(grad, Tensor) else np.asarray(grad)
        if grad.dtype.kind not in "fiub":
            raise DTypeError(
                f"backward: the gradient must be an array of numbers of shape {self.shape}, "
                f"got {type(given).__name__} {given!r:.40} (for {self.describe()})"
                f""
            )
        grad = grad.astype(self.dtype)  # a copy in the tensor's dtype
        if grad.shape != self.shape:
            raise ShapeError(
                f"backward: the gradient has shape {grad.shape} but {self.describe()} has "
                f"shape {self.shape}; they must match"
            )
        return grad

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
        return apply(ops.Exp, _require_float(self, "exp"))

    def log(self) -> Tensor:
        return apply(ops.Log, _require_float(self, "log"))

    def tanh(self) -> Tensor:
        return apply(ops.Tanh, _require_float(self, "tanh"))

    def sigmoid(self) -> Tensor:
        return apply(ops.Sigmoid, _require_float(self, "sigmoid"))

    def relu(self) -> Tensor:
        return apply(ops.Relu, _require_float(self, "relu"))

    def sqrt(self) -> Tensor:
        return self**0.5

    # --- reductions (numpy's axis/keepdims; PyTorch's dim/keepdim also accepted) ---------
    def sum(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        axis, keepdims = _reduction_args(axis, keepdims, dim, keepdim)
        return apply(ops.Sum, self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        axis, keepdims = _reduction_args(axis, keepdims, dim, keepdim)
        return apply(ops.Mean, self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        """As in PyTorch: `x.max()` is the largest value (a 0-d tensor; tied maxima share
        the gradient); `x.max(dim)` is the pair `(values, indices)` along axis dim
        (`values, indices = x.max(1)`; the gradient goes to the element each index
        names); `x.max(other_tensor)` is the element-wise maximum.
        For several axes at once use `x.amax(axes)`."""
        if isinstance(axis, Tensor):
            return maximum(self, axis)
        axis, keepdims = _reduction_args(axis, keepdims, dim, keepdim)
        if axis is None:
            return apply(ops.Max, self, axis=None, keepdims=keepdims)
        return _values_and_indices(self, "max", axis, keepdims)

    def min(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None):
        """As `max`, for the smallest value: `x.min()`, `values, indices = x.min(dim)`."""
        if isinstance(axis, Tensor):
            return minimum(self, axis)
        axis, keepdims = _reduction_args(axis, keepdims, dim, keepdim)
        if axis is None:
            return -apply(ops.Max, -self, axis=None, keepdims=keepdims)
        return _values_and_indices(self, "min", axis, keepdims)

    def amax(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        """Largest values over one or several axes, values only (PyTorch's `amax`);
        tied maxima share the gradient evenly."""
        axis, keepdims = _reduction_args(axis, keepdims, dim, keepdim)
        return apply(ops.Max, self, axis=axis, keepdims=keepdims)

    def amin(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        """Smallest values over one or several axes: -amax(-x)."""
        axis, keepdims = _reduction_args(axis, keepdims, dim, keepdim)
        return -apply(ops.Max, -self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        """Index of the largest value over `axis` (of the flattened tensor without one),
        as an int64 tensor (no gradient)."""
        axis, keepdims = _reduction_args(axis, keepdims, dim, keepdim)
        _check_single_axis("argmax", axis, self.shape)
        return _constant(np.argmax(self._data, axis=axis, keepdims=keepdims))

    def argmin(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        """Index of the smallest value over `axis`, as an int64 tensor (no gradient)."""
        axis, keepdims = _reduction_args(axis, keepdims, dim, keepdim)
        _check_single_axis("argmin", axis, self.shape)
        return _constant(np.argmin(self._data, axis=axis, keepdims=keepdims))

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
        """The k largest (`largest=False`: smallest) values along `dim` and their indices,
        a pair `(values, indices)` as in PyTorch; values are picked from x, so the
        gradient goes to the elements picked."""
        _check_single_axis("topk", dim, self.shape)
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

    def flatten(self) -> Tensor:
        return self.reshape(-1)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert an axis of size 1 at `dim` (a reshape)."""
        _check_axis("unsqueeze", dim, self.ndim + 1, self.shape)  # the result's axes
        return self.reshape(np.expand_dims(self._data, dim).shape)

    def squeeze(self, dim: int | None = None) -> Tensor:
        """Remove axes of size 1 (only `dim` if given) (a reshape). As in PyTorch, an
        axis `dim` whose length is not 1 is left as it is."""
        if dim is not None:
            _check_axis("squeeze", dim, self.ndim, self.shape)
            if self.shape[dim] != 1:
                return self.reshape(self.shape)
        return self.reshape(np.squeeze(self._data, axis=dim).shape)

    def permute(self, *axes) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return apply(ops.Transpose, self, axes=tuple(axes))

    def transpose(self, dim0: int = 0, dim1: int = 1) -> Tensor:
        """Swap two axes (PyTorch's `transpose(dim0, dim1)`)."""
        _check_axis("transpose", dim0, self.ndim, self.shape)
        _check_axis("transpose", dim1, self.ndim, self.shape)
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return apply(ops.Transpose, self, axes=tuple(axes))

    def t(self) -> Tensor:
        """The 2-D transpose (PyTorch's `W.t()`); 0-D and 1-D tensors come back as they are.
        (A node's time step is `node.time_step`.)"""
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
        return apply(ops.GetItem, self, index=_normalize_index(index))


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
        raise _op_error(op_class, parents, params, error) from None
    if type(data) is not np.ndarray:  # numpy returns scalars for 0-d results
        data = np.asarray(data)
    out = Tensor.__new__(Tensor)
    if records_graph(parents):
        out._setup(data, op_class.name, parents, ctx, True, None)
        _keep_for_backward(parents, data)
    else:
        out._setup(data, None, (), None, False, None)
    if context.anomaly and not np.all(np.isfinite(data)):
        raise _anomaly_error(op_class, parents, out)
    return out


def _keep_for_backward(parents: tuple, out: np.ndarray) -> None:
    """Mark the inputs' and the output's arrays read-only: the op may have kept them for
    its backward (a matmul keeps a and b, tanh its output), so nothing may write into
    them before backward runs. `Tensor.data` hands out a writable copy instead, so
    `W.data -= lr * W.grad` still works and the graph keeps the values it computed with.
    """
    for parent in parents:
        parent._data.setflags(write=False)  # (half the cost of `.flags.writeable = False`)
    out.setflags(write=False)


def _anomaly_error(op_class, parents, out: Tensor) -> AnomalyError:
    """The op that produced NaN/inf, its time step and line; and, if one of its inputs
    already held NaN/inf (a bad input, not this op's fault), that input."""
    shapes = ", ".join(str(p.shape) for p in parents)
    step = f" (t={out.time_step})" if out.time_step is not None else ""
    message = (
        f"{op_class.name}{step} produced NaN/inf (from inputs of shapes {shapes}) at {out.source}"
    )
    for position, parent in enumerate(parents):
        if parent._data.dtype.kind == "f" and not np.all(np.isfinite(parent._data)):
            message += f"; its input #{position} already held NaN/inf: {parent.describe()}"
            break
    return AnomalyError(message)


def _op_error(op_class, parents, params, error) -> Exception:
    shapes = [parent.shape for parent in parents]
    reason = op_class.explain(shapes, params) or str(error)
    if isinstance(error, IndexError) and reason != str(error):
        reason += f" ({error})"  # numpy's own words say which axis
    if isinstance(error, TypeError):  # numpy refused the dtypes, not the shapes
        dtypes = ", ".join(str(parent.dtype) for parent in parents)
        reason = f"{error} (inputs of dtypes {dtypes}; convert with x.float())"
    message = f"{op_class.name}: {reason}"
    if isinstance(error, TypeError):
        return DTypeError(message)
    if isinstance(error, IndexError) and not isinstance(error, np.exceptions.AxisError):
        return TensorIndexError(message)
    return ShapeError(message)


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


def _require_float(x: Tensor, op_name: str) -> Tensor:
    if x._data.dtype.kind != "f":
        raise DTypeError(
            f"{op_name}: needs a floating-point tensor, got {x.dtype} "
            f"(shape {x.shape}) - convert it with x.float()"
        )
    return x


def _check_axis(op_name: str, axis: int, ndim: int, shape: tuple) -> None:
    """Raise a ShapeError naming the op when `axis` is not one of `ndim` axes."""
    if -ndim <= axis < ndim:
        return
    raise ShapeError(
        f"{op_name}: axis {axis} is out of range for shape {shape} (valid: {-ndim} .. {ndim - 1})"
    )


def _reduction_args(axis, keepdims, dim, keepdim):
    """Accept PyTorch's `dim`/`keepdim` as aliases of numpy's `axis`/`keepdims`."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    return axis, bool(keepdims)


def _normalize_index(index):
    """The index with Tensors and lists made numpy arrays, each array a copy (so changing
    your array after the forward pass cannot move the gradient). Boolean masks stay masks:
    numpy checks their shape against the tensor's, and backward scatters through them."""
    if ops.is_basic_index(index):  # ints, slices, None, ...: used as they are
        return index
    items = index if isinstance(index, tuple) else (index,)
    normalized = [_index_item(item) for item in items]
    return tuple(normalized) if isinstance(index, tuple) else normalized[0]


def _index_item(item):
    """One entry of an index: an int, slice, None, Ellipsis, or an integer/boolean array."""
    if item is None or item is Ellipsis or isinstance(item, (int, np.integer, slice)):
        return item
    if isinstance(item, Tensor):
        item = item._data
    array = np.array(item) if isinstance(item, (np.ndarray, list, tuple, np.bool_)) else None
    if array is None or array.dtype.kind not in "iub":
        kind = type(item).__name__ if array is None else f"array of {array.dtype}"
        raise TensorIndexError(
            f"getitem: an index must be an int, a slice, None, ... or an array of integers "
            f"or booleans, got {kind} ({item!r:.60})"
        )
    return array


def _check_single_axis(op_name: str, axis, shape: tuple) -> None:
    """`axis` must be None or one int naming an axis of `shape`."""
    if axis is None:
        return
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ShapeError(
            f"{op_name}: dim must be one int, got {axis!r}; for several axes at once use amax/amin"
        )
    _check_axis(op_name, axis, max(len(shape), 1), shape)


def _values_and_indices(x: Tensor, kind: str, axis: int, keepdims: bool):
    """`x.max(dim)` / `x.min(dim)`: the pair (values, indices) along one axis.

    The indices come from numpy's argmax (the first one where values tie); the values are
    then picked out of x at those indices, so the gradient goes to exactly those elements.
    """
    _check_single_axis(kind, axis, x.shape)
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
    axis = axis % x.ndim
    index = []
    for i, size in enumerate(x.shape):
        if i == axis:
            index.append(indices)
        else:
            positions_shape = [1] * x.ndim
            positions_shape[i] = size
            index.append(np.arange(size).reshape(positions_shape))
    return apply(ops.GetItem, x, index=tuple(index))


def _as_dtype(dtype, op_name: str) -> np.dtype:
    """A numpy dtype from np.float32, "float32", a Tensor's dtype ...; a clear error if not."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise DTypeError(
            f"{op_name}: {dtype!r} is not a dtype (use np.float32, np.float64, np.int64, "
            f'"float32" ...)'
        ) from None


def _to_target(x: Tensor, args: tuple, kwargs: dict):
    """The dtype `x.to(...)` asks for, or None if it asks for nothing that changes x."""
    wanted = list(args) + [kwargs.pop(key) for key in ("dtype", "device") if key in kwargs]
    kwargs.pop("copy", None)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise _argument_error(f"to: unexpected keyword(s) {sorted(kwargs)}")
    dtype = None
    for target in wanted:
        if isinstance(target, Tensor):
            dtype = target.dtype
        elif isinstance(target, str) and target.split(":")[0] in ("cpu", "cuda", "mps"):
            if target != "cpu":
                raise _argument_error(
                    f"to: tinygrad_rnn runs on the CPU only, got device {target!r}"
                )
        elif target is not None:
            dtype = _as_dtype(target, "to")
    return dtype


def _argument_error(message: str) -> Exception:
    """An ArgumentError whose message ends with the user's line."""
    return ArgumentError(message)


def _rebuild_leaf(cls, data, requires_grad, label, grad):
    """What unpickling (and copy.deepcopy) calls: a new leaf of `cls` with the same data,
    requires_grad, label and grad."""
    out = cls.__new__(cls)
    out._setup(np.array(data), None, (), None, requires_grad, label)
    out.grad = None if grad is None else np.array(grad)
    return out


def _backward_needs_scalar(node: Tensor) -> Exception:
    return BackwardError(
        f"backward: {node.describe()} has shape {node.shape}, but backward() without a "
        "gradient needs a single number (a loss). Reduce it first (y.sum().backward(), "
        "y.mean().backward()) or pass dL/dy of the same shape: y.backward(grad)."
    )


# --------------------------------------------------------------------------------------
# Constructors and functions at package level (tg.tensor, tg.zeros, tg.cat, tg.tanh ...)
# --------------------------------------------------------------------------------------
def tensor(data, requires_grad: bool = False, dtype=None, label: str | None = None) -> Tensor:
    """`tg.tensor([[1.0, 2.0]], requires_grad=True)` - a new leaf (the data is copied)."""
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


def zeros(*shape, requires_grad: bool = False, dtype=None, label: str | None = None) -> Tensor:
    """A tensor of zeros: `tg.zeros(2, 3)` or `tg.zeros((2, 3))`."""
    array = np.zeros(_shape_args(shape, "zeros"), dtype=_as_dtype(dtype or _default_dtype, "zeros"))
    return Tensor(array, requires_grad=requires_grad, label=label)


def ones(*shape, requires_grad: bool = False, dtype=None, label: str | None = None) -> Tensor:
    """A tensor of ones: `tg.ones(2, 3)` or `tg.ones((2, 3))`."""
    array = np.ones(_shape_args(shape, "ones"), dtype=_as_dtype(dtype or _default_dtype, "ones"))
    return Tensor(array, requires_grad=requires_grad, label=label)


def zeros_like(x: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(x._data), requires_grad=requires_grad)


def ones_like(x: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(x._data), requires_grad=requires_grad)


def randn(
    *shape, requires_grad: bool = False, rng=None, dtype=None, label: str | None = None
) -> Tensor:
    """Standard normal samples: `tg.randn(3, 4, rng=0)`.

    `rng` is a seed or a `np.random.Generator`; without it the generator that
    `tg.manual_seed` sets is used.
    """
    generator = _rng if rng is None else _generator(rng, "randn")
    size = _shape_args(shape, "randn")
    array = generator.standard_normal(size).astype(dtype or _default_dtype)
    return Tensor(array, requires_grad=requires_grad, label=label)


def cat(tensors, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (`torch.cat`); `dim` is an alias of `axis`."""
    tensors = _tensor_list(tensors, "concat")
    if not tensors:
        raise ShapeError("concat: got an empty list of tensors")
    axis = axis if dim is None else dim
    first = tensors[0] if isinstance(tensors[0], Tensor) else Tensor(tensors[0])
    return apply(ops.Concat, *[_lift(x, first) for x in tensors], axis=axis)


concat = cat


def stack(tensors, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis (`torch.stack`)."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise ShapeError("stack: got an empty list of tensors")
    axis = axis if dim is None else dim
    first = tensors[0] if isinstance(tensors[0], Tensor) else Tensor(tensors[0])
    return apply(ops.Stack, *[_lift(x, first) for x in tensors], axis=axis)


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


def gather(weight: Tensor, indices) -> Tensor:
    """Rows of `weight` picked by integer `indices`: out[...] = weight[indices[...]].

    The embedding lookup: weight (N, D), indices (B, T) -> (B, T, D).
    """
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
