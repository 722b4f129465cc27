"""TensorBase: what a Tensor is before you compute with it - a node holding a numpy array.

    x.data, x.grad, x.shape, x.dtype, x.ndim, len(x), x.item(), x.tolist(), np.asarray(x)
    x.is_leaf, x.grad_fn, x.requires_grad_(), x.retain_grad()

`x.data` and `x.grad` are numpy arrays, of a small subclass (`TensorArray`, arrays.py)
that also answers PyTorch's in-place methods, so `p.data.add_(p.grad, alpha=-lr)`,
`p.grad.zero_()` and `p.grad.data.norm()` run as written for PyTorch. Why not Tensors:
the lessons read gradients as numpy arrays, print them and pass them to numpy; why not
plain arrays: PyTorch programs call those methods on them. `x.data` is a view of the
tensor's own array (made once and kept, so `x.data is x.data`); a leaf's gradient is
stored as a TensorArray when the backward pass sets it, so reading `p.grad` costs nothing.

and the three answers every node gives the backward loop (graph.py, the op protocol):
`_seed_gradient` (dL/dL: an array of ones), `_vjp(grad_out)` (the op object's
`backward(grad_out)`) and `_checked_gradient(grad, child)` (the gradient an op sends
must have this tensor's shape; it is given this tensor's dtype).

`Tensor` (tensor.py) adds everything that makes new nodes: operators, functions,
reductions, shape ops. You never make a TensorBase yourself.

Read next: tensor_functions.py (tg.zeros, tg.cat, tg.where ...), then functional.py.
"""

from __future__ import annotations

import numpy as np

from .arrays import TensorArray, as_tensor_array
from .defaults import as_dtype, get_default_dtype
from .errors import BackwardError, DTypeError, ShapeError
from .graph import Node, check_finite_gradient, context


def to_array(data, dtype=None) -> np.ndarray:
    """A fresh numpy array from a number, list, array or Tensor.

    Python floats and lists of floats get the default dtype; numpy arrays and numpy
    scalars keep their float dtype; ints and bools stay ints and bools (targets, indices, masks).
    """
    if isinstance(data, TensorBase):
        data = data._data
    try:
        array = np.array(data, dtype=None if dtype is None else as_dtype(dtype, "Tensor"))
    except ValueError as error:  # rows of different lengths, or strings that are no numbers
        raise DTypeError(
            f"Tensor: cannot make an array of numbers from {type(data).__name__} "
            f"{data!r:.60} ({error})"
        ) from None
    if dtype is None:
        if array.dtype.kind == "f" and not isinstance(data, (np.ndarray, np.generic)):
            array = array.astype(get_default_dtype(), copy=False)
        elif array.dtype == np.float16:
            array = array.astype(get_default_dtype())
    if array.dtype.kind not in "fiub":
        raise DTypeError(
            f"Tensor: cannot hold data of dtype {array.dtype} "
            f"(from {type(data).__name__}); use numbers, lists of numbers or numeric arrays"
        )
    return array


class TensorBase(Node):
    """A node whose value is a numpy array: its array facts, conversions to numpy and to
    Python numbers, and its part of the op protocol. See tensor.py for `Tensor`."""

    __slots__ = ("_grad",)  # (Node's `grad` slot is unused: the property below replaces it)

    # --- the array ---------------------------------------------------------------------
    @property
    def data(self) -> TensorArray:
        """The numpy array (PyTorch's `x.data`): read it, or change it in place
        (`W.data -= lr * W.grad`, `W.data.add_(W.grad, alpha=-lr)` in an optimizer step).

        Ops keep the arrays their backward needs (a matmul keeps both inputs), and the
        graph marks those arrays read-only. If you ask for such an array, you get a
        writable copy, which becomes this tensor's data from then on: a change you make
        to it cannot alter what an existing graph saved, so its gradient stays right.
        (What you get is a TensorArray view of the tensor's array: arrays.py.)
        """
        array = self._data
        if not array.flags.writeable:
            array = self._data = array.copy()
        view = self._data_view
        if view is None or view.base is not array:  # first asked, or the array was replaced
            view = self._data_view = array.view(TensorArray)
        return view

    @data.setter
    def data(self, value) -> None:
        """Replace the array (any graph built before keeps the old one)."""
        if value is self._data_view or value is self._data:  # `x.data -= ...`: same array
            return
        array = to_array(value)
        if self.requires_grad and array.dtype.kind != "f":
            raise DTypeError(
                f"Tensor.data: {self.describe()} requires grad, so its data must be "
                f"floating-point, got {array.dtype}"
            )
        self._data = array

    # --- the gradient --------------------------------------------------------------------
    @property
    def grad(self) -> TensorArray | None:
        """dL/d(this tensor) after backward (None before): a numpy array of this shape
        (a TensorArray, so `p.grad.zero_()` works as in PyTorch). The backward pass stores
        plain arrays (it sets every node's gradient, most are never read); the first read
        makes the TensorArray view and keeps it."""
        grad = self._grad
        if grad is not None and type(grad) is not TensorArray:
            grad = self._grad = as_tensor_array(grad)  # a view of the array, not a copy
        return grad

    @grad.setter
    def grad(self, value) -> None:
        self._grad = value

    # --- autograd facts (PyTorch's names) ---------------------------------------------
    @property
    def grad_fn(self):
        """The op object that made this tensor (`if x.grad_fn is not None`: x came from an
        op), None for a leaf; its class is the primitive (`type(x.grad_fn) is ops.Tanh`).
        After a lean backward freed it, the op's name."""
        if self.op is None:
            return None
        return self._ctx if self._ctx is not None else self.op

    def requires_grad_(self, requires_grad: bool = True):
        """Start (or stop) recording operations on this leaf; returns the tensor itself."""
        if self.op is not None and not requires_grad:
            raise BackwardError(
                f"requires_grad_: {self.describe()} was computed by an op; only a leaf's "
                "flag can be changed (use x.detach() for a tensor without history)"
            )
        if requires_grad and self._data.dtype.kind != "f":
            raise DTypeError(
                f"requires_grad_: only floating-point tensors can require grad, got "
                f"{self._data.dtype} ({self.describe()}); convert it with x.float()"
            )
        self.requires_grad = bool(requires_grad) or self.op is not None
        return self

    def retain_grad(self) -> None:
        """Nothing to do: every node keeps its gradient here (PyTorch keeps only leaves')."""

    # --- what it looks like ------------------------------------------------------------
    def __repr__(self) -> str:
        parts = []
        if self.label:
            parts.append(f"label={self.label!r}")
        parts.append(f"shape={self.shape}")
        if self._data.dtype != get_default_dtype():
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
        """`ctx.backward(grad_out)`: the op object kept what its backward needs. First
        `ctx.needs_input_grad` (PyTorch's name) says which inputs want a gradient, so
        the op skips the others' (a constant, a mask, a detached max)."""
        ctx = self._ctx
        ctx.needs_input_grad = tuple([parent.requires_grad for parent in self.parents])
        return ctx.backward(grad_out)

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
        grad = grad._data if isinstance(grad, TensorBase) else np.asarray(grad)
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


def _backward_needs_scalar(node: TensorBase) -> Exception:
    return BackwardError(
        f"backward: {node.describe()} has shape {node.shape}, but backward() without a "
        "gradient needs a single number (a loss). Reduce it first (y.sum().backward(), "
        "y.mean().backward()) or pass dL/dy of the same shape: y.backward(grad)."
    )
