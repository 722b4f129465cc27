"""The primitive ops on numpy arrays: each one class with a forward and a backward.

    class Tanh(Op):
        '''out = tanh x;   d/dx = 1 - out**2'''
        def forward(ctx, x):           # ctx is the op object: save what backward needs
            ctx.out = np.tanh(x)
            return ctx.out
        def backward(ctx, grad_out):   # one vector-Jacobian product per input
            return (grad_out * (1 - ctx.out**2),)

`backward(ctx, grad_out)` receives dL/d(out) and returns dL/d(input) for every input,
in order. Set a breakpoint on `Tanh.backward` to stop at every tanh of the backward pass.

Rules every op follows:
- NumPy broadcasting works everywhere; `unbroadcast` (the only place that does it) sums a
  gradient back to its input's shape.
- Backward never changes `grad_out` in place (other nodes may share the array).
- Everything above this file (softmax, LSTM, GRU, attention) is composed from these
  classes and has no backward of its own: the graph is the lesson.

`PRIMITIVES` maps each op's name to its class; tests/test_ops.py checks that every one of
them has a finite-difference gradient test.

Read next: tensor.py (how `x.tanh()` becomes a node that calls `Tanh`).
"""

from __future__ import annotations

import numpy as np

from .gradients import IndexedGrad, is_basic_index  # noqa: F401 (is_basic_index: tensor.py)

PRIMITIVES: dict[str, type[Op]] = {}


class Op:
    """Base class: subclasses set `name`, `forward(ctx, *arrays, **params)`,
    `backward(ctx, grad_out)`, and may set `explain(shapes, params)` for error messages."""

    name = ""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            PRIMITIVES[cls.name] = cls

    @staticmethod
    def explain(shapes: list[tuple], params: dict) -> str | None:
        """A sentence saying why these input shapes do not work (None: use numpy's words)."""
        return None


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` down to `shape`, undoing NumPy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of size 1, so
    each copy's gradient must be added back: sum over the extra leading axes, then over
    every axis where the input had size 1 but the gradient does not.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    summed = tuple(range(extra)) + tuple(
        extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1
    )
    return grad.sum(axis=summed).reshape(shape)


def _broadcast_reason(shapes: list[tuple], params: dict) -> str:
    return f"shapes {' and '.join(map(str, shapes))} cannot be broadcast together"


# --------------------------------------------------------------------------------------
# Element-wise binary ops (broadcasting)
# --------------------------------------------------------------------------------------
class Add(Op):
    """out = a + b;   d/da = 1, d/db = 1"""

    name = "add"
    explain = staticmethod(_broadcast_reason)

    def forward(ctx, a, b):
        ctx.a_shape = a.shape
        ctx.b_shape = b.shape
        return a + b

    def backward(ctx, grad_out):
        return (unbroadcast(grad_out, ctx.a_shape), unbroadcast(grad_out, ctx.b_shape))


class Sub(Op):
    """out = a - b;   d/da = 1, d/db = -1"""

    name = "sub"
    explain = staticmethod(_broadcast_reason)

    def forward(ctx, a, b):
        ctx.a_shape = a.shape
        ctx.b_shape = b.shape
        return a - b

    def backward(ctx, grad_out):
        return (unbroadcast(grad_out, ctx.a_shape), unbroadcast(-grad_out, ctx.b_shape))


class Mul(Op):
    """out = a * b;   d/da = b, d/db = a"""

    name = "mul"
    explain = staticmethod(_broadcast_reason)

    def forward(ctx, a, b):
        ctx.a = a
        ctx.b = b
        return a * b

    def backward(ctx, grad_out):
        grad_a = unbroadcast(grad_out * ctx.b, ctx.a.shape)
        grad_b = unbroadcast(grad_out * ctx.a, ctx.b.shape)
        return (grad_a, grad_b)


class Div(Op):
    """out = a / b;   d/da = 1 / b, d/db = -a / b**2"""

    name = "div"
    explain = staticmethod(_broadcast_reason)

    def forward(ctx, a, b):
        ctx.a = a
        ctx.b = b
        return a / b

    def backward(ctx, grad_out):
        grad_a = unbroadcast(grad_out / ctx.b, ctx.a.shape)
        grad_b = unbroadcast(-grad_out * ctx.a / (ctx.b * ctx.b), ctx.b.shape)
        return (grad_a, grad_b)


# --------------------------------------------------------------------------------------
# Element-wise unary ops
# --------------------------------------------------------------------------------------
class Neg(Op):
    """out = -x;   d/dx = -1"""

    name = "neg"

    def forward(ctx, x):
        return -x

    def backward(ctx, grad_out):
        return (-grad_out,)


class Pow(Op):
    """out = x ** k for a constant number k;   d/dx = k * x ** (k - 1)   (0 for k = 0)"""

    name = "pow"

    def forward(ctx, x, k):
        ctx.x = x
        ctx.k = k
        return x**k

    def backward(ctx, grad_out):
        if ctx.k == 0:  # x ** 0 = 1 for every x, 0 ** 0 included: no slope anywhere
            return (np.zeros_like(grad_out),)
        return (grad_out * ctx.k * ctx.x ** (ctx.k - 1),)


class Power(Op):
    """out = a ** b, both tensors (broadcasting);
    d/da = b * a ** (b - 1)   (0 where b = 0),
    d/db = out * ln a         (0 where a = 0 and b >= 0, as in PyTorch; nan for a < 0,
                               where a ** b is not differentiable in b)

    Written as exp(b ln a), (-2) ** 2 would be nan; computed directly it is 4.
    """

    name = "power"

    @staticmethod
    def explain(shapes, params):
        return None  # numpy's own words: shapes, or integers to negative powers

    def forward(ctx, a, b):
        ctx.a = a
        ctx.b = b
        ctx.out = np.power(a, b)
        return ctx.out

    def backward(ctx, grad_out):
        a, b, out = ctx.a, ctx.b, ctx.out
        with np.errstate(divide="ignore", invalid="ignore"):
            slope_a = np.where(b == 0, 0, b * np.power(a, b - 1))
            slope_b = np.where((a == 0) & (b >= 0), 0, out * np.log(a))
        grad_a = unbroadcast(grad_out * slope_a, a.shape).astype(a.dtype, copy=False)
        grad_b = unbroadcast(grad_out * slope_b, b.shape).astype(b.dtype, copy=False)
        return (grad_a, grad_b)


class Cast(Op):
    """out = x converted to another floating-point dtype (x.float(), x.double(), x.to());
    d/dx = grad_out converted back to x's dtype"""

    name = "cast"

    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    def backward(ctx, grad_out):
        return (grad_out.astype(ctx.dtype),)


class Exp(Op):
    """out = e ** x;   d/dx = out"""

    name = "exp"

    def forward(ctx, x):
        ctx.out = np.exp(x)
        return ctx.out

    def backward(ctx, grad_out):
        return (grad_out * ctx.out,)


class Log(Op):
    """out = ln x;   d/dx = 1 / x"""

    name = "log"

    def forward(ctx, x):
        ctx.x = x
        return np.log(x)

    def backward(ctx, grad_out):
        return (grad_out / ctx.x,)


class Tanh(Op):
    """out = tanh x;   d/dx = 1 - out**2"""

    name = "tanh"

    def forward(ctx, x):
        ctx.out = np.tanh(x)
        return ctx.out

    def backward(ctx, grad_out):
        return (grad_out * (1 - ctx.out * ctx.out),)


class Sigmoid(Op):
    """out = 1 / (1 + e**-x);   d/dx = out * (1 - out)

    For x < -709 (float64) e**-x overflows to inf and 1 / (1 + inf) = 0, which is the
    right answer (the true value underflows too), so the overflow warning is silenced.
    """

    name = "sigmoid"

    def forward(ctx, x):
        out = np.negative(x, out=np.empty_like(x))
        with np.errstate(over="ignore"):
            np.exp(out, out=out)
        out += 1
        np.reciprocal(out, out=out)
        ctx.out = out
        return out

    def backward(ctx, grad_out):
        return (grad_out * ctx.out * (1 - ctx.out),)


class Relu(Op):
    """out = max(x, 0);   d/dx = 1 where x > 0, else 0"""

    name = "relu"

    def forward(ctx, x):
        ctx.positive = x > 0
        return np.where(ctx.positive, x, 0).astype(x.dtype, copy=False)

    def backward(ctx, grad_out):
        return (np.where(ctx.positive, grad_out, 0).astype(grad_out.dtype, copy=False),)


# --------------------------------------------------------------------------------------
# Matrix product
# --------------------------------------------------------------------------------------
def matmul_grads(a: np.ndarray, b: np.ndarray, grad_out: np.ndarray) -> tuple:
    """(dL/da, dL/db) for out = a @ b: grad_out @ bᵀ and aᵀ @ grad_out, summed over
    broadcast batch axes; a 1-D a is a (1, k) row and a 1-D b a (k, 1) column, as in numpy."""
    a2 = a if a.ndim > 1 else a[np.newaxis, :]  # (..., n, k)
    b2 = b if b.ndim > 1 else b[:, np.newaxis]  # (..., k, m)
    g2 = grad_out
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -2 if b.ndim > 1 else 0)
    if b.ndim == 1:
        g2 = np.expand_dims(g2, -1)  # (..., n, m)
    grad_a = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
    grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
    return (grad_a, grad_b)


def matmul_shape(a: tuple, b: tuple) -> tuple | None:
    """The shape of a @ b for inputs of shapes a and b, or None if they do not fit."""
    if len(a) == 0 or len(b) == 0:
        return None
    inner_b = b[0] if len(b) == 1 else b[-2]
    if a[-1] != inner_b:
        return None
    try:
        batch = np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        return None
    rows = a[-2:-1]  # (n,), or () for a 1-D a
    columns = b[-1:] if len(b) > 1 else ()  # (m,), or () for a 1-D b
    return batch + rows + columns


class MatMul(Op):
    """out = a @ b (NumPy matmul: 1-D, 2-D and batched);
    d/da = grad_out @ bᵀ,  d/db = aᵀ @ grad_out   (summed over broadcast batch axes)"""

    name = "matmul"

    @staticmethod
    def explain(shapes, params):
        a, b = shapes
        if len(a) == 0 or len(b) == 0:
            return f"shapes {a} and {b}: matmul needs at least 1-D inputs (use * for scalars)"
        inner_b = b[0] if len(b) == 1 else b[-2]
        if a[-1] != inner_b:
            return f"shapes {a} and {b} do not align ({a[-1]} != {inner_b})"
        return f"batch shapes of {a} and {b} cannot be broadcast together"

    def forward(ctx, a, b):
        ctx.a = a
        ctx.b = b
        return a @ b

    def backward(ctx, grad_out):
        return matmul_grads(ctx.a, ctx.b, grad_out)


class Addmm(Op):
    """out = c + a @ b (PyTorch's `torch.addmm`, with broadcasting);
    d/dc = 1,  d/da = grad_out @ bᵀ,  d/db = aᵀ @ grad_out

    Not one of the first primitives (docs/design.md lists them all): it is
    `add(c, matmul(a, b))` fused into one node, for memory. A recurrent layer computes
    x_t W_ihᵀ + b + h_{t-1} W_hhᵀ at every time step; as two nodes, the graph would keep
    both the matmul's (B, 4H) output and the sum until backward, twice the memory of the
    one array that is needed, and the input projection x W_ihᵀ + b for all T steps would
    be kept before and after its bias.
    Here a @ b is written into a fresh array and c is added into it in place.
    """

    name = "addmm"

    @staticmethod
    def explain(shapes, params):
        c, a, b = shapes
        product = matmul_shape(a, b)
        if product is None:
            return MatMul.explain([a, b], params)
        return f"c of shape {c} cannot be broadcast with a @ b of shape {product}"

    def forward(ctx, c, a, b):
        ctx.c_shape = c.shape
        ctx.a = a
        ctx.b = b
        product = np.asarray(a @ b)  # a fresh array that nothing else holds
        ctx.product_shape = product.shape
        # c of a @ b's shape, or of its trailing axes (a bias): add it in place, so
        # that there is no second (B, 4H) array. Otherwise (c broadcasts the other way,
        # or has another dtype) as numpy's c + a @ b does.
        fits = c.shape == product.shape[product.ndim - c.ndim :]
        if fits and c.dtype == product.dtype:
            product += c
            return product
        return c + product

    def backward(ctx, grad_out):
        grad_c = unbroadcast(grad_out, ctx.c_shape)
        grad_product = unbroadcast(grad_out, ctx.product_shape)
        grad_a, grad_b = matmul_grads(ctx.a, ctx.b, grad_product)
        return (grad_c, grad_a, grad_b)


# --------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------
def _normalize_axes(axis, ndim: int) -> tuple[int, ...]:
    """axis=None/int/tuple -> sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    if not isinstance(axis, tuple):
        raise ValueError(f"axis {axis!r} is not an int or a tuple of ints")
    axes = []
    for a in axis:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise ValueError(f"axis {a!r} is not an int")
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim)
        axes.append(a % ndim)
    if len(set(axes)) != len(axes):
        raise ValueError("duplicate value in 'axis'")
    return tuple(sorted(axes))


def _expand_reduced(grad_out, axes: tuple[int, ...], keepdims: bool):
    """Put back the reduced axes (as size 1) so grad_out broadcasts against the input."""
    if keepdims:
        return grad_out
    return np.expand_dims(grad_out, axes)


def _axis_reason(shapes, params) -> str:
    """Why `axis` does not fit: not ints, named twice, or out of range."""
    axis, shape = params.get("axis"), shapes[0]
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
        return f"axis must be None, an int or a tuple of ints, got {axis!r}"
    ndim = len(shape)
    if not all(-ndim <= a < ndim for a in axes):
        return f"axis {axis} is out of range for shape {shape} (valid: {-ndim} .. {ndim - 1})"
    return f"axis {axis} names the same axis twice (shape {shape})"


class Sum(Op):
    """out = Σ x over `axis`;   d/dx = 1 (grad_out copied to every summed element)"""

    name = "sum"
    explain = staticmethod(_axis_reason)

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape = x.shape
        ctx.axes = _normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        return np.asarray(x.sum(axis=ctx.axes, keepdims=keepdims))

    def backward(ctx, grad_out):
        grad = _expand_reduced(grad_out, ctx.axes, ctx.keepdims)
        return (np.broadcast_to(grad, ctx.shape),)


class Mean(Op):
    """out = (1/n) Σ x over `axis` (n elements);   d/dx = 1/n"""

    name = "mean"
    explain = staticmethod(_axis_reason)

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape = x.shape
        ctx.axes = _normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return np.asarray(x.mean(axis=ctx.axes, keepdims=keepdims))

    def backward(ctx, grad_out):
        grad = _expand_reduced(grad_out, ctx.axes, ctx.keepdims) / ctx.count
        return (np.broadcast_to(grad, ctx.shape),)


class Max(Op):
    """out = max x over `axis`;   d/dx = 1 at the maximum, 0 elsewhere.

    Ties: when several elements share the maximum, the gradient is split evenly
    among them (each gets grad_out / number_of_ties), so the total is preserved.
    """

    name = "max"

    @staticmethod
    def explain(shapes, params):
        if 0 in shapes[0]:
            return f"cannot take the max of an empty tensor of shape {shapes[0]} (no elements)"
        return _axis_reason(shapes, params)

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.x = x
        ctx.axes = _normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        ctx.out = np.asarray(x.max(axis=ctx.axes, keepdims=keepdims))
        return ctx.out

    def backward(ctx, grad_out):
        out = _expand_reduced(ctx.out, ctx.axes, ctx.keepdims)
        grad = _expand_reduced(grad_out, ctx.axes, ctx.keepdims)
        is_max = ctx.x == out
        ties = is_max.sum(axis=ctx.axes, keepdims=True)
        return ((grad * is_max / ties).astype(ctx.x.dtype, copy=False),)


# --------------------------------------------------------------------------------------
# Shape ops
# --------------------------------------------------------------------------------------
class Reshape(Op):
    """out = x viewed with a new shape (same elements, same order);
    d/dx = grad_out reshaped back to x's shape"""

    name = "reshape"

    @staticmethod
    def explain(shapes, params):
        size = int(np.prod(shapes[0]))
        return f"cannot reshape {shapes[0]} ({size} elements) into {params.get('shape')}"

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    def backward(ctx, grad_out):
        return (grad_out.reshape(ctx.shape),)


class Transpose(Op):
    """out = x with its axes permuted (out.shape[i] = x.shape[axes[i]]);
    d/dx = grad_out permuted back by the inverse permutation"""

    name = "transpose"

    @staticmethod
    def explain(shapes, params):
        return f"axes {params.get('axes')} are not a permutation of the {len(shapes[0])} axes"

    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.transpose(x, axes)

    def backward(ctx, grad_out):
        return (np.transpose(grad_out, np.argsort(ctx.axes)),)


class GetItem(Op):
    """out = x[index] (slices, ints, integer arrays, boolean masks);
    d/dx = grad_out scattered back into zeros of x's shape (added where indices repeat),
    sent as an `IndexedGrad` so that the zeros are never written out per slice"""

    name = "getitem"

    @staticmethod
    def explain(shapes, params):
        return f"index {params.get('index')!r} does not fit a tensor of shape {shapes[0]}"

    def forward(ctx, x, index):
        ctx.shape = x.shape
        ctx.dtype = x.dtype
        ctx.index = index
        return x[index]

    def backward(ctx, grad_out):
        return (IndexedGrad(ctx.shape, ctx.dtype, ctx.index, grad_out),)


class Gather(Op):
    """out[...] = weight[indices[...]]: rows of `weight` picked by integer indices
    (an embedding lookup);   d/dweight = each grad_out row added into its row"""

    name = "gather"

    @staticmethod
    def explain(shapes, params):
        indices = np.asarray(params.get("indices"))
        if not shapes[0]:
            return f"the weight must have at least one axis (its rows), got shape {shapes[0]}"
        rows = shapes[0][0]
        if indices.size and (indices.min() < 0 or indices.max() >= rows):
            return (
                f"indices must be in 0..{rows - 1} for a weight of shape {shapes[0]}, "
                f"got values from {indices.min()} to {indices.max()}"
            )
        return f"cannot gather rows {indices.shape} of a weight of shape {shapes[0]}"

    def forward(ctx, weight, indices):
        if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
            raise IndexError("index out of range")
        ctx.shape = weight.shape
        ctx.indices = indices
        return weight[indices]

    def backward(ctx, grad_out):
        # Rows picked several times (the same character in many places) must add up.
        # np.add.at(grad, indices, grad_out) says exactly that, but it is about 10x
        # slower than sorting the indices and summing each run of equal ones at once.
        grad = np.zeros(ctx.shape, dtype=grad_out.dtype)
        rows = ctx.indices.reshape(-1)  # (N,) row of each picked element
        if rows.size == 0:
            return (grad,)
        picked = grad_out.reshape(rows.size, -1)  # (N, D): one gradient row per pick
        order = np.argsort(rows, kind="stable")
        sorted_rows = rows[order]
        run_starts = np.flatnonzero(
            np.concatenate(([True], sorted_rows[1:] != sorted_rows[:-1]))
        )  # where each distinct row begins in sorted_rows
        row_sums = np.add.reduceat(picked[order], run_starts, axis=0)  # (distinct, D)
        grad.reshape(ctx.shape[0], -1)[sorted_rows[run_starts]] = row_sums
        return (grad,)


def _join_reason(shapes, params) -> str:
    listed = ", ".join(map(str, shapes))
    axis, ndim = params.get("axis", 0), len(shapes[0])
    if ndim == 0:
        return f"cannot join 0-d tensors ({listed}) along an axis; use stack to make a vector"
    if not -ndim <= axis < ndim:
        return f"axis {axis} is out of range for shapes {listed} (valid: {-ndim} .. {ndim - 1})"
    return f"shapes {listed} must match on every axis except axis {axis}"


class Concat(Op):
    """out = [x1, x2, ...] joined along `axis`;
    d/dxi = the slice of grad_out that xi occupied"""

    name = "concat"
    explain = staticmethod(_join_reason)

    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        ctx.ends = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    def backward(ctx, grad_out):
        return tuple(np.split(grad_out, ctx.ends, axis=ctx.axis))


class Stack(Op):
    """out = [x1, x2, ...] stacked along a new `axis`;
    d/dxi = grad_out taken at position i of that axis"""

    name = "stack"

    @staticmethod
    def explain(shapes, params):
        listed = ", ".join(map(str, shapes))
        axis, ndim = params.get("axis", 0), len(shapes[0]) + 1  # the result has one more axis
        if len(set(shapes)) == 1 and not -ndim <= axis < ndim:
            valid = f"valid: {-ndim} .. {ndim - 1}"
            return f"axis {axis} is out of range for stacking shapes {listed} ({valid})"
        return f"all inputs must have the same shape to stack, got {listed}"

    def forward(ctx, *xs, axis=0):
        out = np.stack(xs, axis=axis)
        ctx.axis = axis % out.ndim
        ctx.count = len(xs)
        return out

    def backward(ctx, grad_out):
        head = (slice(None),) * ctx.axis
        return tuple(grad_out[head + (i,)] for i in range(ctx.count))


class Where(Op):
    """out = a where cond else b (cond is a constant boolean array);
    d/da = grad_out where cond else 0,   d/db = grad_out where not cond else 0"""

    name = "where"

    @staticmethod
    def explain(shapes, params):
        cond_shape = np.shape(params.get("cond"))
        return f"condition {cond_shape} and shapes {shapes[0]}, {shapes[1]} cannot be broadcast"

    def forward(ctx, a, b, cond):
        ctx.cond = cond
        ctx.a_shape = a.shape
        ctx.b_shape = b.shape
        return np.where(cond, a, b)

    def backward(ctx, grad_out):
        zero = np.zeros((), dtype=grad_out.dtype)
        grad_a = unbroadcast(np.where(ctx.cond, grad_out, zero), ctx.a_shape)
        grad_b = unbroadcast(np.where(ctx.cond, zero, grad_out), ctx.b_shape)
        return (grad_a, grad_b)
