"""The scalar engine: `Value`, one float per node - the classroom's first autograd.

    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    y = (a * b + 1).tanh()
    y.backward()            # a.grad = dy/da = (1 - y**2) * b

Each primitive is a small class with `forward` and `backward` three lines apart, and
the derivative in its docstring. Subtraction and division are built from them
(a - b = a + (-b), a / b = a * b**-1), as in micrograd. The op object is the `ctx`
that remembers what backward needs; it never points back at its output node, so a
graph is freed as soon as you drop it (no reference cycles for the garbage collector).

Value uses the same node protocol as Tensor (graph.py), so `backward_steps()`,
`tg.scope(t=...)` and `viz.draw` work on scalar graphs too.

Read next: ops.py (the same primitives on numpy arrays) and tensor.py.
"""

from __future__ import annotations

import math

from .errors import AnomalyError
from .graph import Node, context, records_graph


class ScalarOp:
    """Base of the scalar primitives: forward(ctx, *floats) -> float and
    backward(ctx, grad_out) -> one float per input (the local chain rule).

    Every subclass declares `__slots__` (the names it saves, or none), so an op object
    is a few fixed fields and never a `__dict__`: a scalar graph has one per node.
    """

    __slots__ = ()
    name = ""


class Add(ScalarOp):
    """out = a + b;   d/da = 1, d/db = 1"""

    __slots__ = ()
    name = "add"

    def forward(ctx, a: float, b: float) -> float:
        return a + b

    def backward(ctx, grad_out: float) -> tuple[float, float]:
        return (grad_out, grad_out)


class Mul(ScalarOp):
    """out = a * b;   d/da = b, d/db = a"""

    __slots__ = ("a", "b")
    name = "mul"

    def forward(ctx, a: float, b: float) -> float:
        ctx.a = a
        ctx.b = b
        return a * b

    def backward(ctx, grad_out: float) -> tuple[float, float]:
        return (grad_out * ctx.b, grad_out * ctx.a)


class Neg(ScalarOp):
    """out = -x;   d/dx = -1"""

    __slots__ = ()
    name = "neg"

    def forward(ctx, x: float) -> float:
        return -x

    def backward(ctx, grad_out: float) -> tuple[float]:
        return (-grad_out,)


class Pow(ScalarOp):
    """out = x ** k for a constant number k;   d/dx = k * x ** (k - 1)"""

    __slots__ = ("x", "k")
    name = "pow"

    def forward(ctx, x: float, k: float) -> float:
        ctx.x = x
        ctx.k = k
        return _safe_pow(x, k)

    def backward(ctx, grad_out: float) -> tuple[float]:
        return (grad_out * ctx.k * _safe_pow(ctx.x, ctx.k - 1),)


class Exp(ScalarOp):
    """out = e ** x;   d/dx = out"""

    __slots__ = ("out",)
    name = "exp"

    def forward(ctx, x: float) -> float:
        ctx.out = math.exp(x) if x < 709.0 else math.inf
        return ctx.out

    def backward(ctx, grad_out: float) -> tuple[float]:
        return (grad_out * ctx.out,)


class Log(ScalarOp):
    """out = ln x;   d/dx = 1 / x   (log 0 = -inf and log of a negative = nan, like numpy)"""

    __slots__ = ("x",)
    name = "log"

    def forward(ctx, x: float) -> float:
        ctx.x = x
        if x > 0:
            return math.log(x)
        return -math.inf if x == 0 else math.nan

    def backward(ctx, grad_out: float) -> tuple[float]:
        return (grad_out / ctx.x if ctx.x != 0 else math.copysign(math.inf, grad_out),)


class Tanh(ScalarOp):
    """out = tanh x;   d/dx = 1 - out**2"""

    __slots__ = ("out",)
    name = "tanh"

    def forward(ctx, x: float) -> float:
        ctx.out = math.tanh(x)
        return ctx.out

    def backward(ctx, grad_out: float) -> tuple[float]:
        return (grad_out * (1.0 - ctx.out * ctx.out),)


class Sigmoid(ScalarOp):
    """out = 1 / (1 + e**-x);   d/dx = out * (1 - out)"""

    __slots__ = ("out",)
    name = "sigmoid"

    def forward(ctx, x: float) -> float:
        # Two branches so that e**(large) is never computed: no overflow at +-1000.
        if x >= 0:
            ctx.out = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            ctx.out = e / (1.0 + e)
        return ctx.out

    def backward(ctx, grad_out: float) -> tuple[float]:
        return (grad_out * ctx.out * (1.0 - ctx.out),)


class Relu(ScalarOp):
    """out = max(x, 0);   d/dx = 1 if x > 0 else 0"""

    __slots__ = ("positive",)
    name = "relu"

    def forward(ctx, x: float) -> float:
        ctx.positive = x > 0
        return x if ctx.positive else 0.0

    def backward(ctx, grad_out: float) -> tuple[float]:
        return (grad_out if ctx.positive else 0.0,)


def _safe_pow(x: float, k: float) -> float:
    """x ** k as numpy would give it: inf on overflow or 0 ** negative, nan for a complex result."""
    try:
        result = x**k
    except OverflowError:
        return math.inf
    except ZeroDivisionError:
        return math.inf
    if isinstance(result, complex):
        return math.nan
    return result


class Value(Node):
    """A scalar node: `Value(2.0, label="a")`. `grad` is a float after backward.

    Values you create are leaves that require grad (they are what you differentiate
    with respect to); plain numbers mixed in (`2 * v`) become constant leaves.
    """

    __slots__ = ()

    def __init__(self, data: float, label: str | None = None, requires_grad: bool = True):
        try:
            number = float(data)
        except (TypeError, ValueError):
            raise TypeError(
                f"Value holds one number, got {type(data).__name__} {data!r:.60} "
                f"(label={label!r}); use tg.Tensor for arrays"
            ) from None
        self._setup(number, None, (), None, requires_grad, label)

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        op = f", op={self.op!r}" if self.op else ""
        grad = "None" if self.grad is None else f"{self.grad:.6g}"
        return f"Value({name}data={self.data:.6g}, grad={grad}{op})"

    def _seed_gradient(self, grad) -> float:
        return 1.0 if grad is None else float(grad)

    # --- arithmetic (Python operators) ----------------------------------------------
    def __add__(self, other) -> Value:
        return _apply(Add, self, _as_value(other))

    def __radd__(self, other) -> Value:
        return _apply(Add, _as_value(other), self)

    def __mul__(self, other) -> Value:
        return _apply(Mul, self, _as_value(other))

    def __rmul__(self, other) -> Value:
        return _apply(Mul, _as_value(other), self)

    def __neg__(self) -> Value:
        return _apply(Neg, self)

    def __sub__(self, other) -> Value:
        return self + (-_as_value(other))

    def __rsub__(self, other) -> Value:
        return _as_value(other) + (-self)

    def __truediv__(self, other) -> Value:
        return self * _as_value(other) ** -1

    def __rtruediv__(self, other) -> Value:
        return _as_value(other) * self**-1

    def __pow__(self, exponent: float) -> Value:
        if isinstance(exponent, Value):
            raise TypeError(
                "Value ** Value is not a primitive: the exponent must be a number. "
                "Write (b * a.log()).exp() for a ** b."
            )
        return _apply(Pow, self, k=float(exponent))

    # --- element-wise functions ------------------------------------------------------
    def exp(self) -> Value:
        return _apply(Exp, self)

    def log(self) -> Value:
        return _apply(Log, self)

    def tanh(self) -> Value:
        return _apply(Tanh, self)

    def sigmoid(self) -> Value:
        return _apply(Sigmoid, self)

    def relu(self) -> Value:
        return _apply(Relu, self)


def _as_value(x) -> Value:
    """A Value as it is; a number as a constant leaf (no gradient)."""
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float)):
        return Value(x, requires_grad=False)
    raise TypeError(f"cannot combine a Value with {type(x).__name__} ({x!r}); use a number")


def _apply(op_class, *parents: Value, **params) -> Value:
    """Run one primitive forward and record it as a node (unless in `no_grad`)."""
    ctx = op_class()
    data = ctx.forward(*[parent.data for parent in parents], **params)
    out = Value.__new__(Value)
    if records_graph(parents):
        out._setup(data, op_class.name, parents, ctx, True, None)
    else:
        out._setup(data, None, (), None, False, None)
    if context.anomaly and not math.isfinite(data):
        raise AnomalyError(f"{op_class.name} produced {data} in {out.describe()}")
    return out
