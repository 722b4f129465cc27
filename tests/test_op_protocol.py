"""The op protocol (graph.Node): the backward loop asks every node `_vjp(grad_out)` and
`parent._checked_gradient(grad, child)`; Value and Tensor each answer in their own way."""

import math

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import graph, ops, scalar
from tinygrad_rnn.gradients import IndexedGrad, PendingGradients


def test_a_value_asks_its_op_class_with_the_node():
    a = tg.Value(0.5, label="a")
    y = a.tanh()
    (grad_a,) = y._vjp(2.0)  # scalar.Tanh.backward(y, 2.0) = 2 (1 - tanh(0.5)**2)
    assert grad_a == pytest.approx(2.0 * (1.0 - math.tanh(0.5) ** 2))
    assert y.op_class is scalar.Tanh and a.op_class is None


def test_a_tensor_asks_its_op_object():
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = tg.tensor([[0.5], [-1.0]], requires_grad=True)
    y = a @ b  # (2, 1)
    grad_a, grad_b = y._vjp(np.ones((2, 1)))
    np.testing.assert_allclose(grad_a, np.ones((2, 1)) @ b.data.T)  # grad_out @ bᵀ
    np.testing.assert_allclose(grad_b, a.data.T @ np.ones((2, 1)))  # aᵀ @ grad_out
    assert y.op_class is ops.MatMul and a.op_class is None


def test_local_gradients_is_the_same_question_for_both_engines():
    v = tg.Value(3.0) * tg.Value(-2.0)
    t = tg.tensor(3.0, requires_grad=True) * tg.tensor(-2.0, requires_grad=True)
    assert graph.local_gradients(v, 1.0) == (-2.0, 3.0)
    assert [float(g) for g in graph.local_gradients(t, np.array(1.0))] == [-2.0, 3.0]


def test_a_tensor_checks_the_shape_and_takes_its_dtype():
    x = tg.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y = x * 2.0
    grad = x._checked_gradient(np.ones(3, dtype=np.float64), y)
    assert grad.dtype == np.float32 and grad.shape == (3,)
    with pytest.raises(tg.ShapeError, match=r"shape \(2,\) to an input of shape \(3,\)"):
        x._checked_gradient(np.ones(2), y)


def test_a_value_gradient_is_a_float_passed_through():
    a = tg.Value(1.0)
    y = a * 3.0
    assert a._checked_gradient(0.25, y) == 0.25


def test_anomaly_mode_checks_both_engines_gradients():
    a = tg.Value(1.0)
    x = tg.tensor([1.0], requires_grad=True)
    with tg.detect_anomaly():
        with pytest.raises(tg.AnomalyError, match="NaN/inf gradient"):
            a._checked_gradient(math.inf, a * 2.0)
        with pytest.raises(tg.AnomalyError, match="NaN/inf gradient"):
            x._checked_gradient(np.array([np.nan]), x * 2.0)


def test_a_value_replaced_after_use_is_refused_by_its_vjp():
    a = tg.Value(2.0)
    y = a * a
    a.data = 5.0
    with pytest.raises(tg.InplaceError, match="replaced"):
        y._vjp(1.0)


def test_pending_gradients_sum_floats_and_arrays_alike():
    """The same three cases (first, owned, sum) for a Value's floats and a Tensor's arrays."""
    a, b = tg.Value(1.0), tg.Value(2.0)
    pending = PendingGradients(a, 1.0)
    pending.add(b, 0.5)
    pending.add(b, 0.25)
    pending.add(b, 2.0)
    assert pending.pop(b) == 2.75 and pending.pop(a) == 1.0

    x = tg.tensor(np.zeros(3), requires_grad=True)
    first = np.ones(3)
    pending = PendingGradients(tg.tensor(0.0), 1.0)
    pending.add(x, first)
    pending.add(x, np.full(3, 2.0))  # a new array, owned from now on
    pending.add(x, IndexedGrad((3,), np.float64, slice(0, 1), np.array([10.0])))  # in place
    np.testing.assert_array_equal(pending.pop(x), [13.0, 3.0, 3.0])
    np.testing.assert_array_equal(first, np.ones(3))  # the first gradient was never changed


def test_backward_gives_the_same_gradients_through_both_engines():
    """d/da tanh(a * b + 1) on Value and on 0-d Tensors: the one loop for both."""
    va, vb = tg.Value(0.3), tg.Value(-1.2)
    ((va * vb + 1.0).tanh()).backward()
    ta = tg.tensor(0.3, requires_grad=True)
    tb = tg.tensor(-1.2, requires_grad=True)
    ((ta * tb + 1.0).tanh()).backward()
    assert float(ta.grad) == pytest.approx(va.grad) and float(tb.grad) == pytest.approx(vb.grad)
    slope = 1.0 - math.tanh(0.3 * -1.2 + 1.0) ** 2
    assert va.grad == pytest.approx(slope * -1.2)
