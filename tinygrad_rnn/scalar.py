"""The scalar engine: `Value`, one float per node - the classroom's first autograd.

    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    y = (a * b + 1).tanh()
    y.backward()            # a.grad = dy/da = (1 - y**2) * b

Each primitive is a small class with `forward` and `backward` three lines apart, and
the derivative in its docstring. Subtraction and division are built from them
(a - b = a + (-b), a / b = a * b**-1), as in micrograd. A scalar op saves nothing:
`backward(node, grad_out)` reads the node's value and its parents' values, so each node
is just the Value and its tuple of parents. Nothing points back from a parent to its
child, so a graph is freed as soon as you drop it (no reference cycles for the garbage
collector to find).

Value uses the same node protocol as Tensor (graph.py), so `backward_steps()`,
`tg.scope(t=...)` and `viz.draw` work on scalar graphs too.

Read next: ops.py (the same primitives on numpy arrays) and tensor.py.
"""

from __future__ import annotations

import math
import numbers

from .errors import AnomalyError, DTypeError
from .graph import (
    Node,
    check_finite_gradient,
    check_values_unchanged,
    context,
    mark_data_changed,
    records_graph,
)


class ScalarOp:
    """Base of the scalar primitives: `forward(*floats) -> float` computes the value, and
    `backward(node, grad_out)` returns one float per input of `node` (the local chain rule).

    Scalar ops keep no state: backward reads what it needs from the node itself - its
    value `node.data` (tanh, exp, sigmoid) and its parents' values (mul, log, pow). So a
    Value records the op's class, not an object per node: a scalar graph of 100 000 nodes
    is then 100 000 fewer objects for Python to allocate and its garbage collector to scan.
    Both methods are static functions: `break scalar.Tanh.backward` stops at every tanh.
    """

    name = ""


class Add(ScalarOp):
    """out = a + b;   d/da = 1, d/db = 1"""

    name = "add"

    @staticmethod
    def forward(a: float, b: float) -> float:
        return a + b

    @staticmethod
    def backward(node: Value, grad_out: float) -> tuple[float, float]:
        return (grad_out, grad_out)


class Mul(ScalarOp):
    """out = a * b;   d/da = b, d/db = a"""

    name = "mul"

    @staticmethod
    def forward(a: float, b: float) -> float:
        return a * b

    @staticmethod
    def backward(node: Value, grad_out: float) -> tuple[float, float]:
        a, b = node.parents
        return (grad_out * b._data, grad_out * a._data)


class Neg(ScalarOp):
    """out = -x;   d/dx = -1"""

    name = "neg"

    @staticmethod
    def forward(x: float) -> float:
        return -x

    @staticmethod
    def backward(node: Value, grad_out: float) -> tuple[float]:
        return (-grad_out,)


class Pow(ScalarOp):
    """out = x ** k for a constant number k;   d/dx = k * x ** (k - 1)

    k is the node's second parent, a constant leaf (as in micrograd); it gets no gradient.
    """

    name = "pow"

    @staticmethod
    def forward(x: float, k: float) -> float:
        return _safe_pow(x, k)

    @staticmethod
    def backward(node: Value, grad_out: float) -> tuple[float, None]:
        x, k = node.parents
        if k._data == 0:  # x ** 0 = 1 for every x: no slope, even at x = 0
            return (0.0, None)
        return (grad_out * k._data * _safe_pow(x._data, k._data - 1), None)


class Exp(ScalarOp):
    """out = e ** x;   d/dx = out"""

    name = "exp"

    @staticmethod
    def forward(x: float) -> float:
        return math.exp(x) if x < 709.0 else math.inf

    @staticmethod
    def backward(node: Value, grad_out: float) -> tuple[float]:
        return (grad_out * node._data,)


class Log(ScalarOp):
    """out = ln x;   d/dx = 1 / x   (log 0 = -inf and log of a negative = nan, like numpy)"""

    name = "log"

    @staticmethod
    def forward(x: float) -> float:
        if x > 0:
            return math.log(x)
        return -math.inf if x == 0 else math.nan

    @staticmethod
    def backward(node: Value, grad_out: float) -> tuple[float]:
        x = node.parents[0]._data
        return (grad_out / x if x != 0 else math.copysign(math.inf, grad_out),)


class Tanh(ScalarOp):
    """out = tanh x;   d/dx = 1 - out**2"""

    name = "tanh"

    @staticmethod
    def forward(x: float) -> float:
        return math.tanh(x)

    @staticmethod
    def backward(node: Value, grad_out: float) -> tuple[float]:
        out = node._data
        return (grad_out * (1.0 - out * out),)


class Sigmoid(ScalarOp):
    """out = 1 / (1 + e**-x);   d/dx = out * (1 - out)"""

    name = "sigmoid"

    @staticmethod
    def forward(x: float) -> float:
        # Two branches so that e**(large) is never computed: no overflow at +-1000.
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    @staticmethod
    def backward(node: Value, grad_out: float) -> tuple[float]:
        out = node._data
        return (grad_out * out * (1.0 - out),)


class Relu(ScalarOp):
    """out = max(x, 0);   d/dx = 1 if x > 0 else 0"""

    name = "relu"

    @staticmethod
    def forward(x: float) -> float:
        return x if x > 0 else 0.0

    @staticmethod
    def backward(node: Value, grad_out: float) -> tuple[float]:
        return (grad_out if node._data > 0 else 0.0,)  # out > 0 exactly where x > 0


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
        self._setup(_as_number(data, "Value()"), None, (), None, requires_grad, label)

    @property
    def data(self) -> float:
        """The number this node holds."""
        return self._data

    @data.setter
    def data(self, value: float) -> None:
        """Replace the number (an optimizer step: `p.data -= lr * p.grad`). A graph built
        before from this Value can no longer be backpropagated (graph.py says why)."""
        self._data = _as_number(value, "Value.data")
        mark_data_changed(self)

    def __repr__(self) -> str:
        name = f"label={self.label!r}, " if self.label else ""
        op = f", op={self.op!r}" if self.op else ""
        grad = "None" if self.grad is None else f"{self.grad:.6g}"
        return f"Value({name}data={self.data:.6g}, grad={grad}{op})"

    # --- the op protocol: what the backward loop asks a node (graph.py) ----------------
    @property
    def op_class(self):
        """The scalar primitive that made this Value (`scalar.Tanh` ...), None for a leaf."""
        return self._ctx  # a Value keeps the op's class itself (see ScalarOp)

    def _seed_gradient(self, grad) -> float:
        return 1.0 if grad is None else _as_number(grad, "backward")

    def _vjp(self, grad_out: float) -> tuple:
        """`Tanh.backward(node, grad_out)`: the op reads this node's value and its
        parents' values, so first check that none of them was replaced since."""
        check_values_unchanged(self)
        return self._ctx.backward(self, grad_out)

    def _checked_gradient(self, grad: float, child: Node) -> float:
        """A Value's gradient is a float, like its data: no shape or dtype to compare."""
        if context.anomaly:
            check_finite_gradient(child, self, grad)
        return grad

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
        return _apply(Pow, self, _as_value(_as_number(exponent, "Value ** k")))

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


def _as_number(data, where: str) -> float:
    """`data` as a Python float, if it is one real number (int, float, numpy scalar, a
    one-element array); a string, a list or a complex number is refused."""
    if isinstance(data, numbers.Real):
        return float(data)
    if getattr(data, "size", None) == 1 and getattr(data, "dtype", None) is not None:
        if data.dtype.kind in "fiub":
            return float(data.item())
    raise DTypeError(
        f"{where}: Value holds one number, got {type(data).__name__} {data!r:.60}; "
        f"use tg.Tensor for arrays"
    )


def _as_value(x) -> Value:
    """A Value as it is; a number (Python or numpy) as a constant leaf (no gradient)."""
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        constant = Value.__new__(Value)  # Value(x, requires_grad=False), from an operator
        constant._setup(float(x), None, (), None, False, None, engine_callers=2)
        return constant
    raise DTypeError(f"cannot combine a Value with {type(x).__name__} ({x!r:.60}); use a number")


def _apply(op_class, *parents: Value) -> Value:
    """Run one primitive forward and record it as a node (unless in `no_grad`).

    The node keeps the op's class as its `_ctx`: scalar ops save nothing (see ScalarOp).
    """
    if len(parents) == 1:  # every scalar op has one or two inputs
        data = op_class.forward(parents[0]._data)
    else:
        data = op_class.forward(parents[0]._data, parents[1]._data)
    out = Value.__new__(Value)
    if records_graph(parents):  # 2: _apply and the Value operator that called it
        out._setup(data, op_class.name, parents, op_class, True, None, engine_callers=2)
    else:
        out._setup(data, None, (), None, False, None, engine_callers=2)
    if context.anomaly and not math.isfinite(data):
        raise AnomalyError(f"{op_class.name} produced {data} in {out.describe()}")
    return out
