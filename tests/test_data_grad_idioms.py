"""`p.data` and `p.grad` as PyTorch code uses them (arrays.py's TensorArray): still numpy
arrays for the lessons, with PyTorch's in-place methods writing into the right arrays."""

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn.arrays import TensorArray


def trained_parameter(values=(1.0, -2.0, 3.0)):
    """A parameter p with p.grad = 2 p (the gradient of sum(p²))."""
    p = tg.tensor(list(values), requires_grad=True)
    (p * p).sum().backward()
    return p


def test_data_and_grad_are_still_numpy_arrays():
    p = trained_parameter()
    for array in (p.data, p.grad):
        assert isinstance(array, np.ndarray) and isinstance(array, TensorArray)
        assert repr(array).startswith("array(")
    assert type(p.grad * 2) is np.ndarray  # results are plain arrays again
    assert type(np.sum(p.grad**2)) is np.float64
    assert p.data is p.data and p.numpy() is p.data
    assert p.grad.data is p.grad and p.grad.numel() == 3 and p.grad.dim() == 1


def test_sgd_step_written_as_in_pytorch_equals_numpy():
    rng = np.random.default_rng(0)
    W0, x = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    W = tg.tensor(W0, requires_grad=True)
    lr = 0.1
    for _ in range(3):
        W.grad = None
        (tg.tensor(x) @ W).tanh().sum().backward()
        W.data.add_(W.grad.data, alpha=-lr)
    expected = W0.copy()
    for _ in range(3):
        grad = x.T @ (1 - np.tanh(x @ expected) ** 2)
        expected -= lr * grad
    np.testing.assert_allclose(W.numpy(), expected, rtol=1e-12)


def test_old_add_order_and_zero_grad():
    p = trained_parameter()
    p.data.add_(-0.5, p.grad)  # p.data.add_(-lr, p.grad): PyTorch's old spelling
    np.testing.assert_array_equal(p.numpy(), [0.0, 0.0, 0.0])
    assert p.grad.zero_() is p.grad
    np.testing.assert_array_equal(p.grad, [0.0, 0.0, 0.0])


def test_clipping_written_as_in_pytorch_changes_the_gradient():
    p = trained_parameter()  # grad [2, -4, 6]
    norm = p.grad.data.norm()
    np.testing.assert_allclose(norm, np.sqrt(56.0))
    assert float(tg.sum(tg.tensor(p.grad) ** 2)) == 56.0
    clip_coef = tg.tensor(1.0) / norm
    p.grad[:] *= clip_coef  # the slice is a view: p.grad itself changes
    np.testing.assert_allclose(p.grad, np.array([2.0, -4.0, 6.0]) / np.sqrt(56.0))
    np.testing.assert_allclose(p.grad.norm(), 1.0)
    p.grad.data.clamp_(-0.5, 0.5)
    assert p.grad.max() <= 0.5 and p.grad.min() >= -0.5
    np.testing.assert_allclose(p.grad.norm(1), np.abs(p.grad).sum())
    np.testing.assert_allclose(p.grad.norm(float("inf")), 0.5)


def test_copy_normal_uniform_fill_and_mul_on_data():
    p = tg.zeros(2, 3, requires_grad=True)
    source = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    p.data.copy_(source)  # the numbers only, as PyTorch's .data
    np.testing.assert_array_equal(p.numpy(), np.arange(6.0).reshape(2, 3))
    assert p.is_leaf and p.op is None
    p.data.mul_(2).sub_(1, alpha=2).div_(2)
    np.testing.assert_array_equal(p.numpy(), np.arange(6.0).reshape(2, 3) - 1)
    p.data.normal_(0, 0.1, generator=tg.Generator().manual_seed(1))
    np.testing.assert_array_equal(p.numpy(), np.random.default_rng(1).normal(0, 0.1, (2, 3)))
    p.data.uniform_(2.0, 3.0)
    assert np.all((p.numpy() >= 2.0) & (p.numpy() < 3.0))
    p.data.fill_(7).clamp_(max=5)
    np.testing.assert_array_equal(p.numpy(), np.full((2, 3), 5.0))


def test_data_writes_never_reach_an_array_a_graph_saved():
    W = tg.tensor([1.0, 2.0], requires_grad=True)
    x = tg.tensor([3.0, 4.0], requires_grad=True)
    loss = (W * x).sum()
    W.data.add_(100.0)  # a fresh copy: the mul keeps the W of the forward pass
    np.testing.assert_array_equal(W.numpy(), [101.0, 102.0])
    loss.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])


def test_a_data_array_held_across_a_forward_pass_becomes_read_only():
    W = tg.tensor([1.0, 2.0], requires_grad=True)
    held = W.data
    loss = (W * W).sum()  # saves W's array
    assert not held.flags.writeable  # writing into `held` would change what backward needs
    loss.backward()
    np.testing.assert_array_equal(W.grad, [2.0, 4.0])


def test_grad_set_by_hand_is_a_tensor_array_view():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    mine = np.array([0.5, 0.5])
    p.grad = mine
    assert isinstance(p.grad, TensorArray)
    p.grad.mul_(2)
    np.testing.assert_array_equal(mine, [1.0, 1.0])  # no copy: your array, written into
    p.grad = None
    assert p.grad is None
