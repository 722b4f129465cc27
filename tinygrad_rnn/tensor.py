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

import numpy as np

from . import ops
from .errors import AnomalyError, BackwardError, DTypeError, ShapeError, TensorIndexError
from .graph import Node, context, format_source, records_graph, user_source

_default_dtype = np.dtype(np.float64)
_rng = np.random.default_rng()


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
    _rng = np.random.default_rng(seed)


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
        data = data.data
    if dtype is not None:
        array = np.array(data, dtype=dtype)
    else:
        array = np.array(data)
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
    __array_ufunc__ = None  # `np_array + tensor` calls Tensor.__radd__ instead of numpy

    def __init__(self, data, requires_grad: bool = False, label: str | None = None, dtype=None):
        array = _to_array(data, dtype)
        if requires_grad and array.dtype.kind != "f":
            raise DTypeError(
                f"Tensor: only floating-point tensors can require grad, got {array.dtype} "
                f"(label={label!r}). Write the numbers as floats (1.0) or pass dtype=np.float64."
            )
        self._setup(array, None, (), None, bool(requires_grad), label)

    # --- what it looks like ------------------------------------------------------------
    def __repr__(self) -> str:
        parts = []
        if self.label:
            parts.append(f"label={self.label!r}")
        parts.append(f"shape={self.shape}")
        if self.data.dtype != _default_dtype:
            parts.append(f"dtype={self.data.dtype}")
        if self.op:
            parts.append(f"op={self.op!r}")
        elif self.requires_grad:
            parts.append("requires_grad=True")
        if self.time_step is not None:
            parts.append(f"t={self.time_step}")
        parts.append("grad=None" if self.grad is None else f"grad={np.shape(self.grad)}")
        if self.data.size <= 12:
            values = np.array2string(self.data, precision=4, separator=", ", prefix="Tensor(")
            return f"Tensor({values}, {', '.join(parts)})"
        return f"Tensor({', '.join(parts)})"

    # --- array facts (PyTorch and numpy spellings) -------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def dim(self) -> int:
        return self.data.ndim

    def size(self, dim: int | None = None):
        """The shape (PyTorch's `x.size()`), or one axis' length with `dim`."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The numpy array itself (not a copy)."""
        return self.data

    def item(self) -> float:
        """The single number in a one-element tensor, as a Python number."""
        if self.data.size != 1:
            raise ShapeError(f"item: tensor of shape {self.shape} has {self.data.size} elements")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A new leaf with the same data and no history (gradients stop here)."""
        out = Tensor.__new__(Tensor)
        out._setup(self.data, None, (), None, False, self.label)
        return out

    def float(self) -> Tensor:
        """The data as the default float dtype, as a new constant leaf (no gradient)."""
        return Tensor(self.data.astype(_default_dtype))

    def long(self) -> Tensor:
        """The data as int64, as a new constant leaf (no gradient)."""
        return Tensor(self.data.astype(np.int64))

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:
            raise TypeError(
                f"numpy was handed {self.describe()}, which requires grad: numpy functions "
                "would silently cut it out of the graph. Use the Tensor method (x.tanh(), "
                "tg.exp(x) ...) or, if you only want the numbers, x.numpy() / x.detach()."
            )
        return self.data if dtype is None else self.data.astype(dtype)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .any() / .all() on x.numpy()"
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def _seed_gradient(self, grad) -> np.ndarray:
        if grad is None:
            if self.data.size != 1:
                raise _backward_needs_scalar(self)
            return np.ones_like(self.data)
        grad = grad.data if isinstance(grad, Tensor) else np.asarray(grad, dtype=self.dtype)
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

    def __pow__(self, exponent) -> Tensor:
        if isinstance(exponent, numbers.Real):
            return apply(ops.Pow, self, k=exponent)
        # a ** b with a tensor exponent = exp(b * ln a), built from primitives
        return (_lift(exponent, self) * self.log()).exp()

    def __rpow__(self, base) -> Tensor:
        return (self * _lift(base, self).log()).exp()

    def __matmul__(self, other) -> Tensor:
        return apply(ops.MatMul, self, _lift(other, self))

    def __rmatmul__(self, other) -> Tensor:
        return apply(ops.MatMul, _lift(other, self), self)

    # --- comparisons: boolean tensors without gradient (masks for tg.where) ----------
    def __lt__(self, other) -> Tensor:
        return _constant(self.data < _raw(other))

    def __le__(self, other) -> Tensor:
        return _constant(self.data <= _raw(other))

    def __gt__(self, other) -> Tensor:
        return _constant(self.data > _raw(other))

    def __ge__(self, other) -> Tensor:
        return _constant(self.data >= _raw(other))

    def __eq__(self, other) -> Tensor:  # type: ignore[override]
        return _constant(self.data == _raw(other))

    def __ne__(self, other) -> Tensor:  # type: ignore[override]
        return _constant(self.data != _raw(other))

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

    def max(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        """Largest values over `axis` (values only; see `argmax`). Ties share the gradient."""
        axis, keepdims = _reduction_args(axis, keepdims, dim, keepdim)
        return apply(ops.Max, self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims: bool = False, *, dim=None, keepdim=None) -> Tensor:
        """Index of the largest value over `axis`, as an int64 tensor (no gradient)."""
        axis, keepdims = _reduction_args(axis, keepdims, dim, keepdim)
        return _constant(np.argmax(self.data, axis=axis, keepdims=keepdims))

    # --- shape ops -----------------------------------------------------------------------
    def reshape(self, *shape) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return apply(ops.Reshape, self, shape=shape)

    view = reshape

    def flatten(self) -> Tensor:
        return self.reshape(-1)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert an axis of size 1 at `dim` (a reshape)."""
        _check_axis("unsqueeze", dim, self.ndim + 1, self.shape)  # the result's axes
        return self.reshape(np.expand_dims(self.data, dim).shape)

    def squeeze(self, dim: int | None = None) -> Tensor:
        """Remove axes of size 1 (only `dim` if given) (a reshape). As in PyTorch, an
        axis `dim` whose length is not 1 is left as it is."""
        if dim is not None:
            _check_axis("squeeze", dim, self.ndim, self.shape)
            if self.shape[dim] != 1:
                return self.reshape(self.shape)
        return self.reshape(np.squeeze(self.data, axis=dim).shape)

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
                f"x.transpose(d0, d1) or x.permute(...) — at {format_source(user_source())}"
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
        data = ctx.forward(*[parent.data for parent in parents], **params)
    except (ValueError, IndexError, TypeError) as error:
        raise _op_error(op_class, parents, params, error) from None
    if type(data) is not np.ndarray:  # numpy returns scalars for 0-d results
        data = np.asarray(data)
    out = Tensor.__new__(Tensor)
    if records_graph(parents):
        out._setup(data, op_class.name, parents, ctx, True, None)
    else:
        out._setup(data, None, (), None, False, None)
    if context.anomaly and not np.all(np.isfinite(data)):
        raise _anomaly_error(op_class, parents, out)
    return out


def _anomaly_error(op_class, parents, out: Tensor) -> AnomalyError:
    """The op that produced NaN/inf, its time step and line; and, if one of its inputs
    already held NaN/inf (a bad input, not this op's fault), that input."""
    shapes = ", ".join(str(p.shape) for p in parents)
    step = f" (t={out.time_step})" if out.time_step is not None else ""
    message = (
        f"{op_class.name}{step} produced NaN/inf (from inputs of shapes {shapes}) at {out.source}"
    )
    for position, parent in enumerate(parents):
        if parent.data.dtype.kind == "f" and not np.all(np.isfinite(parent.data)):
            message += f"; its input #{position} already held NaN/inf: {parent.describe()}"
            break
    return AnomalyError(message)


def _op_error(op_class, parents, params, error) -> Exception:
    shapes = [parent.shape for parent in parents]
    reason = op_class.explain(shapes, params) or str(error)
    message = f"{op_class.name}: {reason} — at {format_source(user_source())}"
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
        if other.data.dtype.kind in "iub" and like.data.dtype.kind == "f":
            return _constant(other.data.astype(like.data.dtype))
        return other
    array = np.asarray(other)
    if array.dtype.kind not in "fiub":
        raise DTypeError(
            f"cannot combine a Tensor with {type(other).__name__} ({other!r}); use numbers, "
            f"numeric arrays or Tensors — at {format_source(user_source())}"
        )
    if like.data.dtype.kind == "f" and array.dtype != like.data.dtype:
        array = array.astype(like.data.dtype)
    return _constant(array)


def _raw(other):
    return other.data if isinstance(other, Tensor) else other


def _require_float(x: Tensor, op_name: str) -> Tensor:
    if x.data.dtype.kind != "f":
        raise DTypeError(
            f"{op_name}: needs a floating-point tensor, got {x.dtype} "
            f"(shape {x.shape}) - convert it with x.float() — at {format_source(user_source())}"
        )
    return x


def _check_axis(op_name: str, axis: int, ndim: int, shape: tuple) -> None:
    """Raise a ShapeError naming the op when `axis` is not one of `ndim` axes."""
    if -ndim <= axis < ndim:
        return
    raise ShapeError(
        f"{op_name}: axis {axis} is out of range for shape {shape} (valid: {-ndim} .. "
        f"{ndim - 1}) — at {format_source(user_source())}"
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
    """Tensors and lists inside an index become numpy arrays; boolean masks become the
    integer positions they select (so backward can scatter with np.add.at)."""
    if ops.is_basic_index(index):  # ints, slices, None, ...: used as they are
        return index
    items = index if isinstance(index, tuple) else (index,)
    normalized = []
    for item in items:
        if isinstance(item, Tensor):
            item = item.data
        elif isinstance(item, list):
            item = np.asarray(item)
        if isinstance(item, np.ndarray) and item.dtype == bool:
            normalized.extend(np.nonzero(item))
            continue
        if isinstance(item, np.ndarray) and item.dtype.kind not in "iu":
            raise TensorIndexError(
                f"getitem: index arrays must hold integers or booleans, got {item.dtype} "
                f"— at {format_source(user_source())}"
            )
        normalized.append(item)
    return tuple(normalized) if isinstance(index, tuple) or len(normalized) > 1 else normalized[0]


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


def _shape_args(shape) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def zeros(*shape, requires_grad: bool = False, dtype=None, label: str | None = None) -> Tensor:
    """A tensor of zeros: `tg.zeros(2, 3)` or `tg.zeros((2, 3))`."""
    array = np.zeros(_shape_args(shape), dtype=dtype or _default_dtype)
    return Tensor(array, requires_grad=requires_grad, label=label)


def ones(*shape, requires_grad: bool = False, dtype=None, label: str | None = None) -> Tensor:
    """A tensor of ones: `tg.ones(2, 3)` or `tg.ones((2, 3))`."""
    array = np.ones(_shape_args(shape), dtype=dtype or _default_dtype)
    return Tensor(array, requires_grad=requires_grad, label=label)


def zeros_like(x: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(x.data), requires_grad=requires_grad)


def ones_like(x: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(x.data), requires_grad=requires_grad)


def randn(
    *shape, requires_grad: bool = False, rng=None, dtype=None, label: str | None = None
) -> Tensor:
    """Standard normal samples: `tg.randn(3, 4, rng=0)`.

    `rng` is a seed or a `np.random.Generator`; without it the generator that
    `tg.manual_seed` sets is used.
    """
    generator = rng if isinstance(rng, np.random.Generator) else None
    if generator is None:
        generator = _rng if rng is None else np.random.default_rng(rng)
    array = generator.standard_normal(_shape_args(shape)).astype(dtype or _default_dtype)
    return Tensor(array, requires_grad=requires_grad, label=label)


def cat(tensors, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (`torch.cat`); `dim` is an alias of `axis`."""
    tensors = list(tensors)
    if not tensors:
        raise ShapeError(
            f"concat: got an empty list of tensors — at {format_source(user_source())}"
        )
    axis = axis if dim is None else dim
    first = tensors[0] if isinstance(tensors[0], Tensor) else Tensor(tensors[0])
    return apply(ops.Concat, *[_lift(x, first) for x in tensors], axis=axis)


concat = cat


def stack(tensors, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis (`torch.stack`)."""
    tensors = list(tensors)
    if not tensors:
        raise ShapeError(f"stack: got an empty list of tensors — at {format_source(user_source())}")
    axis = axis if dim is None else dim
    first = tensors[0] if isinstance(tensors[0], Tensor) else Tensor(tensors[0])
    return apply(ops.Stack, *[_lift(x, first) for x in tensors], axis=axis)


def where(cond, a, b) -> Tensor:
    """Element-wise `a if cond else b`; `cond` is a boolean array or tensor (no gradient)."""
    cond = np.asarray(_raw(cond), dtype=bool)
    if not isinstance(a, Tensor):
        a = _lift(a, b) if isinstance(b, Tensor) else Tensor(a)
    return apply(ops.Where, a, _lift(b, a), cond=cond)


def gather(weight: Tensor, indices) -> Tensor:
    """Rows of `weight` picked by integer `indices`: out[...] = weight[indices[...]].

    The embedding lookup: weight (N, D), indices (B, T) -> (B, T, D).
    """
    indices = np.asarray(_raw(indices))
    if indices.dtype.kind not in "iu":
        raise DTypeError(
            f"gather: indices must be integers, got {indices.dtype} "
            f"— at {format_source(user_source())}"
        )
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
