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

The primitives by family, one file each:

    ops_base.py      Op, PRIMITIVES (every op's name -> its class), unbroadcast
    ops.py           this file: the element-wise ops (add, mul, pow, exp, tanh, relu ...)
    ops_matmul.py    matmul, addmm
    ops_reduce.py    sum, mean, max
    ops_shape.py     reshape, transpose, getitem, index_put, gather, concat, stack, where
    ops_conv.py      unfold (image -> columns; its backward sums the overlapping patches)

`from tinygrad_rnn.ops import X` finds every one of them; tests/test_ops.py checks that
every op in `PRIMITIVES` has a finite-difference gradient test.

Read next: ops_matmul.py, ops_reduce.py, ops_shape.py, ops_conv.py, then tensor.py (how `x.tanh()`
becomes a node that calls `Tanh`).
"""

from __future__ import annotations

import numpy as np

from .gradients import IndexedGrad, is_basic_index  # noqa: F401 (is_basic_index: tensor.py)
from .ops_base import PRIMITIVES, Op, broadcast_reason, unbroadcast  # noqa: F401
from .ops_conv import Unfold, fold_columns  # noqa: F401
from .ops_matmul import Addmm, MatMul, matmul_grads, matmul_shape  # noqa: F401
from .ops_reduce import Max, Mean, Sum  # noqa: F401
from .ops_shape import (  # noqa: F401
    Concat,
    Gather,
    GetItem,
    IndexPut,
    Reshape,
    Stack,
    Transpose,
    Where,
)


# --------------------------------------------------------------------------------------
# Element-wise binary ops (broadcasting)
# --------------------------------------------------------------------------------------
class Add(Op):
    """out = a + b;   d/da = 1, d/db = 1"""

    name = "add"
    explain = staticmethod(broadcast_reason)

    def forward(ctx, a, b):
        ctx.a_shape = a.shape
        ctx.b_shape = b.shape
        return a + b

    def backward(ctx, grad_out):
        need_a, need_b = ctx.needs_input_grad[:2]
        grad_a = unbroadcast(grad_out, ctx.a_shape) if need_a else None
        grad_b = unbroadcast(grad_out, ctx.b_shape) if need_b else None
        return (grad_a, grad_b)


class Sub(Op):
    """out = a - b;   d/da = 1, d/db = -1"""

    name = "sub"
    explain = staticmethod(broadcast_reason)

    def forward(ctx, a, b):
        ctx.a_shape = a.shape
        ctx.b_shape = b.shape
        return a - b

    def backward(ctx, grad_out):
        need_a, need_b = ctx.needs_input_grad[:2]
        grad_a = unbroadcast(grad_out, ctx.a_shape) if need_a else None
        grad_b = unbroadcast(-grad_out, ctx.b_shape) if need_b else None
        return (grad_a, grad_b)


class Mul(Op):
    """out = a * b;   d/da = b, d/db = a"""

    name = "mul"
    explain = staticmethod(broadcast_reason)

    def forward(ctx, a, b):
        ctx.a = a
        ctx.b = b
        return a * b

    def backward(ctx, grad_out):
        need_a, need_b = ctx.needs_input_grad[:2]
        grad_a = unbroadcast(grad_out * ctx.b, ctx.a.shape) if need_a else None
        grad_b = unbroadcast(grad_out * ctx.a, ctx.b.shape) if need_b else None
        return (grad_a, grad_b)


class Div(Op):
    """out = a / b;   d/da = 1 / b, d/db = -a / b**2"""

    name = "div"
    explain = staticmethod(broadcast_reason)

    def forward(ctx, a, b):
        ctx.a = a
        ctx.b = b
        return a / b

    def backward(ctx, grad_out):
        need_a, need_b = ctx.needs_input_grad[:2]
        grad_a = unbroadcast(grad_out / ctx.b, ctx.a.shape) if need_a else None
        grad_b = unbroadcast(-grad_out * ctx.a / (ctx.b * ctx.b), ctx.b.shape) if need_b else None
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
        return np.maximum(x, 0).astype(x.dtype, copy=False)  # NaN stays NaN, as PyTorch

    def backward(ctx, grad_out):
        if np.isfinite(grad_out).all():  # a product with the mask: much faster than np.where
            return ((grad_out * ctx.positive).astype(grad_out.dtype, copy=False),)
        return (np.where(ctx.positive, grad_out, 0).astype(grad_out.dtype, copy=False),)
