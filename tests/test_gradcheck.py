"""tg.gradcheck must pass right gradients and catch wrong ones with a useful report."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import ops
from tinygrad_rnn.errors import DTypeError, GradcheckError
from tinygrad_rnn.tensor import apply


class WrongTanh(ops.Op):
    """tanh with a sign error in its derivative: d/dx = -(1 - out^2)."""

    def forward(ctx, x):
        ctx.out = np.tanh(x)
        return ctx.out

    def backward(ctx, grad_out):
        return (-grad_out * (1 - ctx.out**2),)


WrongTanh.name = "wrong_tanh"  # set after the class so the registry never sees it


def test_passes_on_correct_gradients_of_several_inputs():
    rng = np.random.default_rng(0)
    W = tg.tensor(rng.standard_normal((4, 3)), requires_grad=True, label="W")
    x = tg.tensor(rng.standard_normal((2, 4)), requires_grad=True, label="x")
    assert tg.gradcheck(lambda x, W: (x @ W).tanh(), [x, W]) is True


def test_catches_a_wrong_backward_and_reports_the_worst_element():
    x = tg.tensor([[0.1, -0.5], [1.0, 2.0]], requires_grad=True, label="x")
    with pytest.raises(GradcheckError) as error:
        tg.gradcheck(lambda x: apply(WrongTanh, x).sum(), [x])
    report = str(error.value)
    assert "input #0 'x'" in report
    assert "worst element x[0, 0]" in report  # largest derivative 1 - tanh(0.1)^2 at [0, 0]
    assert "analytic -0.99" in report and "numeric 0.99" in report
    assert "4 of 4 elements" in report


def test_leaves_the_users_gradients_untouched():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.grad = np.array([5.0, 5.0])
    tg.gradcheck(lambda x: x * x, [x])
    np.testing.assert_array_equal(x.grad, [5.0, 5.0])


def test_multiple_outputs_and_inputs_without_grad():
    x = tg.tensor([0.3, -0.7], requires_grad=True)
    c = tg.tensor([2.0, 3.0])
    assert tg.gradcheck(lambda x, c: (x * c, (x.exp(), x.sum())), [x, c])


def test_scalar_values():
    a = tg.Value(0.4, label="a")
    assert tg.gradcheck(lambda a: a.tanh() * a, [a])


def test_float32_inputs_are_refused_with_a_hint():
    x = tg.tensor(np.ones(2, dtype=np.float32), requires_grad=True, label="x")
    with pytest.raises(DTypeError, match="need float64"):
        tg.gradcheck(lambda x: x * 2.0, [x])


def test_nothing_to_check():
    with pytest.raises(GradcheckError, match="no input has requires_grad"):
        tg.gradcheck(lambda x: x * 2.0, [tg.tensor([1.0])])
