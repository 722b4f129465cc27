"""PyTorch's in-place methods and operators on a Tensor (tensor_inplace.py): add_, sub_,
mul_, div_, +=, -=, *=, /=, zero_, fill_, copy_, clamp_, normal_, uniform_, detach_,
unsqueeze_, and requires_grad_, is_leaf, grad_fn, retain_grad."""

import numpy as np
import pytest
from helpers import explained

import tinygrad_rnn as tg
from tinygrad_rnn.errors import ArgumentError, BackwardError, DTypeError, InplaceError, ShapeError


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# --------------------------------------------------------------------------------------
# Without a graph: the array changes
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change,expected",
    [
        (lambda x: x.add_(tg.tensor([1.0, 1.0, 1.0]), alpha=2), [3.0, 0.0, 5.0]),
        (lambda x: x.add_(-0.5, np.array([2.0, 2.0, 2.0])), [0.0, -3.0, 2.0]),  # old order
        (lambda x: x.sub_(np.array([1.0, 0.0, 1.0])), [0.0, -2.0, 2.0]),
        (lambda x: x.sub_(1.0, alpha=3), [-2.0, -5.0, 0.0]),
        (lambda x: x.mul_(tg.tensor(2.0)), [2.0, -4.0, 6.0]),
        (lambda x: x.div_(2), [0.5, -1.0, 1.5]),
        (lambda x: x.zero_(), [0.0, 0.0, 0.0]),
        (lambda x: x.fill_(4), [4.0, 4.0, 4.0]),
        (lambda x: x.fill_(tg.tensor(-1.0)), [-1.0, -1.0, -1.0]),
        (lambda x: x.copy_(tg.tensor([7.0, 8.0, 9.0])), [7.0, 8.0, 9.0]),
        (lambda x: x.copy_(np.array(5.0)), [5.0, 5.0, 5.0]),  # broadcast
        (lambda x: x.clamp_(-1, 2), [1.0, -1.0, 2.0]),
        (lambda x: x.clamp_(min=0), [1.0, 0.0, 3.0]),
        (lambda x: x.clamp_(max=0), [0.0, -2.0, 0.0]),
    ],
)
def test_in_place_methods_change_the_array_and_return_x(change, expected):
    x = tg.tensor([1.0, -2.0, 3.0])
    array = x._data
    assert change(x) is x
    np.testing.assert_array_equal(x.numpy(), expected)
    assert x._data is array  # the same array, written into


def test_python_operators_change_the_same_tensor():
    x = tg.tensor([1.0, 2.0])
    alias = x
    x += 1
    x *= tg.tensor([2.0, 3.0])
    x -= np.array([1.0, 1.0])
    x /= 2
    assert x is alias
    np.testing.assert_array_equal(alias.numpy(), [1.5, 4.0])


def test_the_sgd_step_of_pytorch_code_updates_the_parameter():
    W = tg.tensor([1.0, 2.0], requires_grad=True)
    (W * W).sum().backward()  # the forward pass saved W's array
    alias = W
    with tg.no_grad():
        W -= 0.1 * W.grad  # used to rebind W to a new tensor, leaving the parameter as it was
    assert W is alias and W.is_leaf and W.requires_grad
    np.testing.assert_allclose(alias.numpy(), [0.8, 1.6])


def test_a_leaf_that_requires_grad_cannot_be_changed_outside_no_grad():
    W = tg.tensor([1.0, 2.0], requires_grad=True)
    for change in (lambda: W.add_(1.0), lambda: W.zero_(), lambda: W.normal_()):
        with pytest.raises(InplaceError, match="a leaf Variable that requires grad"):
            change()
    with explained(InplaceError, "a leaf Variable that requires grad", "add_"):
        W += 1
    np.testing.assert_array_equal(W.numpy(), [1.0, 2.0])


def test_int_tensor_cannot_take_a_float_result_in_place():
    x = tg.tensor([1, 2])
    with explained(DTypeError, "add_", "int64"):
        x += 0.5
    x += 1
    np.testing.assert_array_equal(x.numpy(), [2, 3])


def test_the_result_must_keep_the_shape():
    x = tg.zeros(3)
    with explained(ShapeError, "add_", "(3,)"):
        x.add_(np.ones((2, 3)))
    h = tg.tensor(rand(3), requires_grad=True)
    y = h * 1.0
    with explained(ShapeError, "add_", "must keep x's shape"):
        y.add_(tg.ones(2, 3))


def test_clamp_needs_a_bound():
    with explained(ArgumentError, "clamp_", "min, max or both"):
        tg.zeros(2).clamp_()


def test_normal_and_uniform_under_no_grad_draw_from_the_generator():
    W = tg.zeros(2, 3, requires_grad=True)
    with tg.no_grad():
        W.normal_(1.0, 0.5, generator=tg.Generator().manual_seed(3))
    expected = np.random.default_rng(3).normal(1.0, 0.5, size=(2, 3))
    np.testing.assert_array_equal(W.numpy(), expected)
    with tg.no_grad():
        W.uniform_(-0.1, 0.1)
    assert np.all(np.abs(W.numpy()) <= 0.1) and W.requires_grad and W.is_leaf


# --------------------------------------------------------------------------------------
# With a graph: x is rebased, and the gradients are those of the out-of-place version
# --------------------------------------------------------------------------------------
def test_loss_accumulated_with_plus_equals_gradchecks():
    def total(W, b):
        loss = tg.zeros(())
        for t in range(3):
            loss += ((W * (t + 1.0) + b).tanh() ** 2).sum()
        return loss

    W = tg.tensor(rand(2, 3), requires_grad=True)
    b = tg.tensor(rand(3, seed=1), requires_grad=True)
    assert tg.gradcheck(total, [W, b])


@pytest.mark.parametrize(
    "change",
    [
        lambda y, v: y.add_(v, alpha=-2.0),
        lambda y, v: y.sub_(v),
        lambda y, v: y.mul_(v),
        lambda y, v: y.div_(v * v + 1.0),
        lambda y, v: y.clamp_(-0.5, 0.5),
        lambda y, v: y.copy_(v.tanh()),
        lambda y, v: y.fill_((v * v).sum()),
        lambda y, v: y.zero_(),
    ],
)
def test_rebased_methods_gradcheck(change):
    def f(x, v):
        y = x * 2.0
        assert change(y, v) is y
        return (y * y * tg.tensor([1.0, 2.0, 3.0])).sum() + (x * 0.1).sum()

    x = tg.tensor([0.1, -0.9, 0.4], requires_grad=True)
    v = tg.tensor([0.3, 0.7, -0.2], requires_grad=True)
    assert tg.gradcheck(f, [x, v])
    y = x * 2.0
    old_id = y.id
    change(y, v)
    assert y.op is not None and y.id > old_id  # rebased: y is the node of the change now


def test_copying_a_tensor_that_requires_grad_puts_x_in_the_graph():
    x = tg.zeros(2)
    v = tg.tensor([1.0, 2.0], requires_grad=True)
    x.copy_(v * 3.0)
    assert x.op == "index_put" and x.requires_grad
    (x * x).sum().backward()
    np.testing.assert_allclose(v.grad, [18.0, 36.0])


def test_a_rebased_tensor_keeps_its_label_and_the_old_node_stays_in_the_graph():
    h = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (h * 2.0).named("y")
    old_id = y.id
    y += h
    assert y.op == "add" and y.label == "y" and y.id > old_id
    assert y.parents[0].op == "mul" and y.parents[0].id == old_id and y.parents[1] is h
    np.testing.assert_array_equal(y.numpy(), [3.0, 6.0])


def test_changing_a_tensor_an_op_used_is_refused():
    h = tg.tensor([1.0, 2.0], requires_grad=True)
    x = h * 2.0
    z = x @ tg.tensor([1.0, 1.0])
    with explained(InplaceError, "already used by a matmul", "test_inplace.py"):
        x += 1
    with pytest.raises(InplaceError, match="already used"):
        x.mul_(h)
    assert z.parents[0] is x and x.op == "mul"


# --------------------------------------------------------------------------------------
# detach_, unsqueeze_, and the autograd facts
# --------------------------------------------------------------------------------------
def test_detach_in_place_after_backward_makes_a_leaf():
    W = tg.tensor(rand(2, 2), requires_grad=True)
    h = (tg.ones(1, 2) @ W).tanh()
    loss = (h @ W).sum()
    loss.backward()
    assert h.detach_() is h
    assert h.is_leaf and not h.requires_grad and h.grad_fn is None and h.parents == ()
    W.grad = None
    (h @ W).sum().backward()  # truncated BPTT: the new graph stops at h
    np.testing.assert_allclose(W.grad, np.repeat(h.numpy().reshape(2, 1), 2, axis=1))


def test_detach_in_place_before_backward_is_refused():
    W = tg.tensor(rand(2, 2), requires_grad=True)
    h = (tg.ones(1, 2) @ W).tanh()
    loss = (h @ W).sum()
    with explained(InplaceError, "detach_", "already used by a matmul", "h = h.detach()"):
        h.detach_()
    loss.backward()
    assert W.grad is not None


def test_unsqueeze_in_place():
    x = tg.tensor([1.0, 2.0])
    assert x.unsqueeze_(0) is x and x.shape == (1, 2)
    h = tg.tensor([1.0, 2.0], requires_grad=True)
    y = h * 3.0
    y.unsqueeze_(1)
    assert y.shape == (2, 1) and y.op == "reshape"
    (y * tg.tensor([[1.0], [2.0]])).sum().backward()
    np.testing.assert_array_equal(h.grad, [3.0, 6.0])


def test_requires_grad_in_place_and_grad_fn():
    x = tg.tensor([1.0, 2.0])
    assert x.grad_fn is None and x.is_leaf
    assert x.requires_grad_() is x and x.requires_grad
    y = x.tanh()
    assert (
        y.grad_fn is not None and type(y.grad_fn).__name__ == "Tanh" and "tanh" in repr(y.grad_fn)
    )
    assert y.retain_grad() is None
    with explained(BackwardError, "requires_grad_", "only a leaf"):
        y.requires_grad_(False)
    with explained(DTypeError, "requires_grad_", "floating-point"):
        tg.tensor([1, 2]).requires_grad_()
    assert x.requires_grad_(False) is x and not x.requires_grad


def test_unsqueeze_in_place_of_a_graph_node_under_no_grad_is_refused():
    h = tg.tensor([1.0, 2.0], requires_grad=True)
    y = h * 3.0
    with tg.no_grad(), explained(InplaceError, "unsqueeze_", "x = x.unsqueeze(dim)"):
        y.unsqueeze_(0)
    assert y.shape == (2,)


def test_writing_a_value_that_requires_grad_into_an_int_tensor_is_refused():
    h = tg.tensor([1.0, 2.0], requires_grad=True)
    counts = tg.tensor([0, 0])
    with explained(DTypeError, "setitem", "int64", "x.float()"):
        counts[0] = h[0]
    counts[0] = 3  # no graph: numbers are fine
    np.testing.assert_array_equal(counts.numpy(), [3, 0])
