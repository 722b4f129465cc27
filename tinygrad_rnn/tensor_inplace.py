"""In-place changes of a Tensor, as PyTorch spells them:

    x[0, i] = 1          h[:, t, :] = h_t       x[mask] = 0       x[idx] = values
    x.add_(y, alpha=2)   x.sub_(y)   x.mul_(y)   x.div_(y)   x += y   x -= y   x *= y   x /= y
    x.zero_()   x.fill_(v)   x.copy_(y)   x.clamp_(lo, hi)   x.normal_(0, 0.1)   x.uniform_(-a, a)
    x.detach_()   x.unsqueeze_(0)

Every one of them decides the same way what "in place" means:

1. **No graph is recorded** (inside `tg.no_grad()`, or neither x nor the value requires
   grad): the numbers in x's array change, so a view sees them (`t[0][i] = 1` changes t)
   and `with tg.no_grad(): W -= lr * W.grad` updates the parameter itself. If a graph
   saved x's array (it is read-only, see `tensor._keep_for_backward`), x gets a changed
   copy and the graph keeps the values it computed with, as `Tensor.data` does. If x's
   array is a *view* into another tensor's saved array, a copy would never reach that
   tensor: an InplaceError says so.
2. **A graph is recorded**: x is *rebased*, as PyTorch does. The Tensor object x becomes a
   new node, the op applied to x's old value (for `x[i] = v`: `IndexPut` with parents
   (old x, v), ops_shape.py); the old node moves to a fresh Tensor object, which stays
   in the graph. The gradient then flows through the write, so

       outputs = tg.zeros(T, B, H)
       for t in range(T):
           h = cell(x[t], h)
           outputs[t] = h

   gives the right gradients. A node holds its parents, not its children, so this is
   right only if no recorded op has used x yet (`x._used_by`, set by `apply`); otherwise,
   and for a leaf that requires grad (a parameter, outside `no_grad`: PyTorch's "a leaf
   Variable that requires grad is being used in an in-place operation"), and for a view
   of another tensor, an InplaceError says what to write instead.

Where this engine is stricter than PyTorch: PyTorch lets you change x in place after an
op used it if that op's backward does not need x's value (`y = x + 1; x += 1`); here any
earlier use is refused, since the using node would send its gradient to the new x.

Read next: arrays.py (the same method names on `x.data` and `x.grad`), ops_shape.py
(`IndexPut`).
"""

from __future__ import annotations

import operator

import numpy as np

from . import ops
from .arrays import _alpha_first, numbers_of
from .errors import ArgumentError, DTypeError, InplaceError, ShapeError, TensorIndexError
from .generator import numpy_generator
from .graph import Node, context
from .sources import format_source, line_number
from .tensor_args import normalize_index
from .tensor_base import TensorBase

# Every field of a tensor node, moved to a fresh Tensor when x is rebased. (Node's own
# `grad` slot is left out: TensorBase's `grad` property keeps the gradient in `_grad`.)
NODE_FIELDS = tuple(name for name in Node.__slots__ + TensorBase.__slots__ if name != "grad")


class InplaceMethods:
    """PyTorch's in-place methods and operators on a Tensor (see the module docstring)."""

    __slots__ = ()

    # --- writing into positions: x[index] = value ----------------------------------------
    def __setitem__(self, index, value) -> None:
        """x[index] = value: a number, array or Tensor, broadcast as numpy does."""
        index = normalize_index(index)
        if _records(self, value):
            _rebase(self, "setitem", _index_put, _operand(value, self), index)
            return
        array = _writable_array(self, "setitem")
        try:
            array[index] = numbers_of(value)
        except (ValueError, IndexError, TypeError) as error:
            raise _write_error(self, index, value, error) from None

    def fill_(self, value):
        """Every element `value` (a number, or a 0-d Tensor)."""
        self[...] = value
        return self

    def zero_(self):
        """Every element 0."""
        self[...] = 0
        return self

    def copy_(self, source, non_blocking: bool = False):
        """The numbers of `source` (broadcast to x's shape) written into x; with a graph
        recorded, the gradient of x flows to `source`."""
        self[...] = source
        return self

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None):
        """Fresh numbers from N(mean, std²) (init code, under `tg.no_grad()`)."""
        rng = numpy_generator(generator, "normal_")
        self[...] = rng.normal(mean, std, size=self.shape)
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None):
        """Fresh numbers from U(a, b) (init code, under `tg.no_grad()`)."""
        rng = numpy_generator(generator, "uniform_")
        self[...] = rng.uniform(a, b, size=self.shape)
        return self

    # --- arithmetic in place ---------------------------------------------------------------
    def add_(self, other, alpha=1):
        """x += alpha * other (also PyTorch's old order `add_(alpha, other)`)."""
        other, alpha = _alpha_first(other, alpha)
        return _update(self, "add_", np.add, operator.add, _scaled(other, alpha))

    def sub_(self, other, alpha=1):
        """x -= alpha * other."""
        other, alpha = _alpha_first(other, alpha)
        return _update(self, "sub_", np.subtract, operator.sub, _scaled(other, alpha))

    def mul_(self, other):
        """x *= other."""
        return _update(self, "mul_", np.multiply, operator.mul, other)

    def div_(self, other):
        """x /= other."""
        return _update(self, "div_", np.divide, operator.truediv, other)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def clamp_(self, min=None, max=None):  # noqa: A002 (PyTorch's keywords)
        """Every element limited to [min, max] (see `clamp` for the gradient)."""
        if min is None and max is None:
            raise ArgumentError("clamp_: give min, max or both")
        if _records(self, None):
            return _rebase(self, "clamp_", _clamped, min, max)
        array = _writable_array(self, "clamp_")
        np.clip(array, numbers_of(min), numbers_of(max), out=array)
        return self

    # --- the node itself ---------------------------------------------------------------
    def detach_(self):
        """Make x a leaf that requires no grad (truncated BPTT: `h.detach_()` after
        backward). Refused while a recorded op that used x still waits for its backward:
        that op would stop sending gradients through x."""
        if self._used_by is not None and self.requires_grad and not self._passed:
            raise _used_error(self, "detach_", "h = h.detach() (a new tensor)")
        self.op = None
        self.parents = ()
        self._ctx = None
        self.requires_grad = False
        return self

    def unsqueeze_(self, dim: int):
        """Insert an axis of size 1 at `dim`, changing x's shape."""
        if _records(self, None):
            return _rebase(self, "unsqueeze_", _unsqueezed, dim, keep_shape=False)
        if self.op is not None and self.requires_grad:
            raise InplaceError(
                f"unsqueeze_: {self.describe()} is a node of a graph; changing its shape "
                "would not fit the gradient backward sends it. Write x = x.unsqueeze(dim)."
            )
        self._data = self._data.reshape(self.unsqueeze(dim).shape)
        return self


# --------------------------------------------------------------------------------------
# Which kind of change: a graph recorded or not
# --------------------------------------------------------------------------------------
def _records(x: TensorBase, value) -> bool:
    """True if the change is recorded in the graph: gradients are enabled and x or the
    value requires grad (as `records_graph` decides for an op's result)."""
    if not context.grad_enabled:
        return False
    return x.requires_grad or (isinstance(value, TensorBase) and value.requires_grad)


def _operand(value, like: TensorBase):
    """The value as a Tensor (numbers and arrays in x's float dtype, as operators do)."""
    from .tensor import _lift  # tensor.py imports this file before it defines _lift

    return _lift(value, like)


def _scaled(other, alpha):
    """alpha * other: a Tensor times alpha stays in the graph; numbers stay numbers."""
    if alpha == 1:
        return other
    if isinstance(other, TensorBase):
        return other * alpha
    return np.multiply(numbers_of(other), alpha)


def _update(x: TensorBase, method: str, ufunc, binary, other):
    """x = binary(x, other) in place: `ufunc(array, other, out=array)` without a graph,
    the rebased node `binary(old x, other)` with one."""
    if _records(x, other):
        return _rebase(x, method, binary, _operand(other, x))
    array = _writable_array(x, method)
    try:
        ufunc(array, numbers_of(other), out=array)
    except TypeError as error:  # an int tensor cannot take a float result in place
        raise DTypeError(f"{method}: {error} (x is {x.dtype}; use x = x.float() first)") from None
    except ValueError as error:  # the result's shape is not x's
        raise ShapeError(
            f"{method}: the result must keep x's shape {x.shape}, got an operand of shape "
            f"{np.shape(numbers_of(other))} ({error})"
        ) from None
    return x


# --------------------------------------------------------------------------------------
# No graph: write into the array
# --------------------------------------------------------------------------------------
def _writable_array(x: TensorBase, method: str) -> np.ndarray:
    """x's array, ready to be written into: x's own array, or a copy of it (which becomes
    x's array) if a graph saved it. A view into another tensor's saved array cannot be
    written into (the graph needs it) nor copied (the change would not reach that
    tensor): InplaceError."""
    array = x._data
    base = array.base
    if array.flags.writeable:
        if isinstance(base, np.ndarray) and not base.flags.writeable:
            raise _saved_view_error(x, method)
        return array
    if base is not None:
        raise _saved_view_error(x, method)
    array = x._data = array.copy()
    return array


def _saved_view_error(x: TensorBase, method: str) -> InplaceError:
    return InplaceError(
        f"{method}: {x.describe()} is a view into another tensor's array (x = t[0], "
        "t.reshape(...), t.T ...), and a graph saved that array for its backward: writing "
        "into it would change what backward needs, and a copy would not reach t. Index t "
        "itself in one step (t[0, i] = v instead of t[0][i] = v), or take a copy first "
        "(x = x.clone())."
    )


def _write_error(x: TensorBase, index, value, error: Exception) -> Exception:
    """numpy's complaint about `array[index] = value`, naming the shapes."""
    message = (
        f"setitem: cannot write a value of shape {np.shape(numbers_of(value))} into "
        f"x[{index!r:.60}] of a tensor of shape {x.shape} ({error})"
    )
    return TensorIndexError(message) if isinstance(error, IndexError) else ShapeError(message)


# --------------------------------------------------------------------------------------
# A graph: x becomes a new node (rebase)
# --------------------------------------------------------------------------------------
def _rebase(x: TensorBase, method: str, make_new, *args, keep_shape: bool = True):
    """x becomes the node `make_new(old, *args)`, where `old` is a fresh Tensor that takes
    over x's node as it was. Refused where the result would be wrong (module docstring)."""
    _check_rebase(x, method)
    old = _moved_node(x)
    new = make_new(old, *args)
    if keep_shape and new.shape != old.shape:
        raise ShapeError(
            f"{method}: the result must keep x's shape {old.shape}, got shape {new.shape} "
            f"(an operand broadcast x to a larger shape)"
        )
    for name in NODE_FIELDS:
        setattr(x, name, getattr(new, name))
    if old.label is not None:
        x.label = old.label  # x keeps its name (and role)
    return x


def _check_rebase(x: TensorBase, method: str) -> None:
    if x.op is None and x.requires_grad:
        raise InplaceError(
            f"{method}: a leaf Variable that requires grad is being used in an in-place "
            f"operation ({x.describe()}). Change a parameter inside `with tg.no_grad():` "
            "(an optimizer step, init code) or through its array (p.data.add_(...))."
        )
    if x._used_by is not None:
        raise _used_error(x, method, "x = x.clone() before the change")
    if x._data.base is not None:
        raise InplaceError(
            f"{method}: {x.describe()} is a view into another tensor's array (x = t[0], "
            "t.reshape(...), t.T ...); recorded in the graph, the change could not reach "
            "t. Index t itself in one step (t[0, i] = v instead of t[0][i] = v), or take a "
            "copy first (x = x.clone())."
        )
    if x.dtype.kind != "f":
        raise DTypeError(
            f"{method}: {x.describe()} is {x.dtype}, and writing a value that requires grad "
            "into it needs a floating-point tensor: x = x.float() first"
        )


def _used_error(x: TensorBase, method: str, advice: str) -> InplaceError:
    """x was already used by a recorded op: name that op and its line."""
    op_name, code, offset = x._used_by
    where = format_source(None if code is None else (code.co_filename, line_number(code, offset)))
    return InplaceError(
        f"{method}: {x.describe()} was already used by a {op_name} (at {where}), whose node "
        "holds x as its input; changing x in place now would send that node's gradient to "
        f"the changed x. Write {advice}, or build the values out of place (collect the "
        "pieces in a list and tg.stack them)."
    )


def _moved_node(x: TensorBase) -> TensorBase:
    """A fresh Tensor holding x's node as it is now (data, op, parents, id ...)."""
    from .tensor import Tensor  # tensor.py imports this file before it defines Tensor

    old = Tensor.__new__(Tensor)
    for name in NODE_FIELDS:
        setattr(old, name, getattr(x, name))
    return old


def _index_put(old: TensorBase, value: TensorBase, index) -> TensorBase:
    """The node of `x[index] = value`: IndexPut(old x, value)."""
    from .tensor import apply

    return apply(ops.IndexPut, old, value, index=index)


def _clamped(old: TensorBase, low, high) -> TensorBase:
    return old.clamp(low, high)


def _unsqueezed(old: TensorBase, dim: int) -> TensorBase:
    return old.unsqueeze(dim)
