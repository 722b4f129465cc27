"""The scalar engine: values and gradients of small expressions derived by hand."""

import gc
import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import Value


def test_polynomial_by_hand():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = a * b + a**2  # y = ab + a^2 = -6 + 4 = -2
    y.backward()
    assert y.data == -2.0
    assert a.grad == -3.0 + 2 * 2.0  # dy/da = b + 2a = 1
    assert b.grad == 2.0  # dy/db = a


def test_reflected_operators_and_division():
    v = Value(4.0, label="v")
    y = 2 * v + 1 - v / 2 + 3 / v - (1 - v)  # 8 + 1 - 2 + 0.75 - (-3) = 10.75
    y.backward()
    assert y.data == pytest.approx(10.75)
    assert v.grad == pytest.approx(2 - 0.5 - 3 / 16 + 1)  # d/dv = 2 - 1/2 - 3/v^2 + 1


def test_neuron_with_tanh():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5), abs=1e-6)  # tanh(0.8814) = 1/sqrt(2)
    assert n.grad == pytest.approx(0.5, abs=1e-6)  # 1 - o^2
    assert w1.grad == pytest.approx(1.0, abs=1e-6)  # x1 * 0.5
    assert x1.grad == pytest.approx(-1.5, abs=1e-6)  # w1 * 0.5
    assert w2.grad == 0.0


def test_exp_log_sigmoid_relu_by_hand():
    x = Value(0.5)
    y = x.exp() + x.log() + x.sigmoid() + x.relu()
    y.backward()
    s = 1 / (1 + math.exp(-0.5))
    assert y.data == pytest.approx(math.exp(0.5) + math.log(0.5) + s + 0.5)
    assert x.grad == pytest.approx(math.exp(0.5) + 2.0 + s * (1 - s) + 1.0)
    z = Value(-1.0)
    z.relu().backward()
    assert z.grad == 0.0


@pytest.mark.parametrize("x", [-1000.0, -50.0, 50.0, 1000.0])
def test_tanh_and_sigmoid_do_not_overflow(x):
    v = Value(x)
    y = v.tanh() + v.sigmoid()
    y.backward()
    assert math.isfinite(y.data) and math.isfinite(v.grad)
    assert y.data == pytest.approx(math.copysign(1.0, x) + (1.0 if x > 0 else 0.0))
    assert v.grad == pytest.approx(0.0, abs=1e-20)


def test_numpy_like_edges():
    assert Value(0.0).log().data == -math.inf
    assert math.isnan(Value(-1.0).log().data)
    assert Value(1000.0).exp().data == math.inf
    assert (Value(0.0) ** -1).data == math.inf
    assert math.isnan((Value(-8.0) ** (1 / 3)).data)


def test_value_exponent_is_rejected_with_a_hint():
    with pytest.raises(TypeError, match=r"\(b \* a.log\(\)\).exp\(\)"):
        Value(2.0) ** Value(3.0)


def test_repr_and_protocol():
    a = Value(2.0, label="a")
    y = (a * 3).named("y")
    assert repr(a) == "Value(label='a', data=2, grad=None)"
    assert y.op == "mul" and y.label == "y" and y.parents[0] is a
    assert y.parents[1].requires_grad is False and y.parents[1].data == 3.0
    assert y.source.startswith("test_scalar.py:")


@settings(max_examples=40, deadline=None)
@given(
    a=st.floats(-2, 2),
    b=st.floats(0.2, 2),
    c=st.floats(-2, 2),
)
def test_scalar_and_tensor_engines_agree(a, b, c):
    """The same expression on Value and on 0-d Tensors: same value, same gradients."""

    def expression(a, b, c):
        return ((a * b + c).tanh() * b.log() - c.sigmoid() / b + (a - c).relu() + a.exp()) ** 2

    va, vb, vc = Value(a), Value(b), Value(c)
    vy = expression(va, vb, vc)
    vy.backward()
    ta, tb, tc = (tg.tensor(v, requires_grad=True) for v in (a, b, c))
    ty = expression(ta, tb, tc)
    ty.backward()
    assert vy.data == pytest.approx(float(ty.data), rel=1e-12, abs=1e-12)
    for v, t in ((va, ta), (vb, tb), (vc, tc)):
        assert v.grad == pytest.approx(float(t.grad), rel=1e-9, abs=1e-12)


@settings(max_examples=20, deadline=None)
@given(a=st.floats(-2, 2), b=st.floats(0.3, 2))
def test_value_gradcheck(a, b):
    va, vb = Value(a, label="a"), Value(b, label="b")
    assert tg.gradcheck(lambda a, b: (a / b + a * a).tanh() + (b**1.5).log(), [va, vb])


def test_two_unit_scalar_rnn_backward_matches_numpy():
    """h_t = tanh(W h_{t-1} + U x_t) with 2 hidden units, scalar by scalar, vs numpy BPTT."""
    rng = np.random.default_rng(3)
    U_np, W_np = rng.standard_normal((2, 1)), rng.standard_normal((2, 2))
    xs = [0.5, -1.0, 2.0]
    U = [[Value(U_np[i, 0], label=f"U{i}")] for i in range(2)]
    W = [[Value(W_np[i, j], label=f"W{i}{j}") for j in range(2)] for i in range(2)]
    h = [Value(0.0, requires_grad=False), Value(0.0, requires_grad=False)]
    for t, x in enumerate(xs, start=1):
        with tg.scope(t=t):
            h = [(W[i][0] * h[0] + W[i][1] * h[1] + U[i][0] * x).tanh() for i in range(2)]
    loss = h[0] + h[1]
    loss.backward()
    # numpy: forward, then dL/dh_T = 1 and dL/dh_{t-1} = W^T (dL/dh_t * (1 - h_t^2))
    hs = [np.zeros(2)]
    for x in xs:
        hs.append(np.tanh(W_np @ hs[-1] + U_np[:, 0] * x))
    dh = np.ones(2)
    dW = np.zeros((2, 2))
    for t in range(len(xs), 0, -1):
        da = dh * (1 - hs[t] ** 2)
        dW += np.outer(da, hs[t - 1])
        dh = W_np.T @ da
    for i in range(2):
        for j in range(2):
            assert W[i][j].grad == pytest.approx(dW[i, j], rel=1e-12)
    assert h[0].time_step == 3 and h[0].scope == ("t=3",)


def test_a_scalar_node_is_two_objects_for_the_garbage_collector():
    """A Value and its tuple of parents, nothing else: scalar ops save no state (the op's
    class is the node's `_ctx`) and the source line is two plain fields. Python's cyclic
    garbage collector rescans every tracked object, so this is what a big graph costs."""
    a = Value(0.5, label="a")
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        y = a
        for _ in range(1000):
            y = y.tanh()
        created = len(gc.get_objects()) - before
    finally:
        gc.enable()
    assert 2000 <= created <= 2000 + 50
    assert y._ctx is tg.scalar.Tanh and y.op_class is tg.scalar.Tanh
    assert y.source.startswith("test_scalar.py:")


def test_scalar_backward_reads_the_node():
    """`Tanh.backward(node, grad_out)` uses the node's value; `Mul` its parents'; the
    exponent of `**` is a constant parent that gets no gradient."""
    a, b = Value(0.5, label="a"), Value(-2.0, label="b")
    y = a.tanh()
    assert tg.scalar.Tanh.backward(y, 2.0) == (2.0 * (1 - math.tanh(0.5) ** 2),)
    assert tg.scalar.Mul.backward(a * b, 3.0) == (3.0 * -2.0, 3.0 * 0.5)
    cube = b**3
    exponent = cube.parents[1]
    assert exponent.data == 3.0 and not exponent.requires_grad
    cube.backward()
    assert b.grad == 3 * (-2.0) ** 2 and exponent.grad is None


def test_every_node_and_constant_records_the_users_line():
    """Operators, reflected operators, derived ones (-, /, **) and the constants they
    wrap all point at the line of this test that made them."""
    a = Value(2.0, label="a")
    here = inspect.currentframe().f_lineno
    made = [
        (a * 3, here + 2),
        (2 - a, here + 3),
        (a / 2, here + 4),
        (a**2, here + 5),
        (-a, here + 6),
        ((a + 1).tanh(), here + 7),
    ]
    for node, line in made:
        assert node.source == f"test_scalar.py:{line}"
        for parent in node.parents:
            if parent is not a and parent.op is None:  # a wrapped constant
                assert parent.source == f"test_scalar.py:{line}"
    assert Value(1.0).source == f"test_scalar.py:{here + 14}"
