"""x[index] = value (Tensor.__setitem__, tensor_inplace.py): in place without a graph,
a rebased IndexPut node with one, and an InplaceError where either would be wrong."""

import numpy as np
import pytest
from helpers import explained

import tinygrad_rnn as tg
from tinygrad_rnn.errors import InplaceError, ShapeError, TensorIndexError


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# --------------------------------------------------------------------------------------
# No graph: the numbers change in place, as numpy assigns
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape,index,value",
    [
        ((3, 4), (0, 1), 7.0),
        ((3, 4), (slice(None), 1), np.array([1.0, 2.0, 3.0])),  # h[:, t] = column
        ((3, 4, 2), (slice(None), 2, slice(None)), rand(3, 2, seed=1)),  # h[:, t, :] = x
        ((3, 4), np.array([2, 0]), 5.0),
        ((3, 4), (Ellipsis, 0), tg.tensor([9.0])),  # a Tensor value, broadcast
    ],
)
def test_writes_match_numpy(shape, index, value):
    array = rand(*shape)
    x = tg.tensor(array)
    x[index] = value
    expected = array.copy()
    expected[index] = value.numpy() if isinstance(value, tg.Tensor) else value
    np.testing.assert_array_equal(x.numpy(), expected)


def test_masked_assignment_with_a_comparison_tensor():
    x = tg.tensor([[-1.0, 2.0], [3.0, -4.0]])
    x[x < 0] = 0
    np.testing.assert_array_equal(x.numpy(), [[0.0, 2.0], [3.0, 0.0]])


def test_chained_indexing_writes_into_the_original():
    t = tg.zeros(2, 3)
    t[0][1] = 1  # t[0] is a view of t's array while no graph records it
    t[1][:] = 5
    np.testing.assert_array_equal(t.numpy(), [[0.0, 1.0, 0.0], [5.0, 5.0, 5.0]])


def test_repeated_integer_index_the_last_write_wins_as_in_numpy():
    x = tg.zeros(3)
    x[[0, 2, 0]] = tg.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(x.numpy(), [3.0, 0.0, 2.0])


def test_a_saved_array_is_copied_so_the_graph_keeps_its_values():
    W = tg.tensor([1.0, 2.0], requires_grad=True)
    t = tg.tensor([3.0, 4.0])
    y = (W * t).sum()  # mul saved t's array
    t[0] = 100.0  # neither side requires grad: in place, into a copy
    np.testing.assert_array_equal(t.numpy(), [100.0, 4.0])
    y.backward()
    np.testing.assert_array_equal(W.grad, [3.0, 4.0])  # dy/dW = the t of the forward pass


def test_inside_no_grad_a_parameter_changes_in_place():
    W = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with tg.no_grad():
        W[1] = 0.0
    np.testing.assert_array_equal(W.numpy(), [1.0, 0.0, 3.0])
    assert W.is_leaf and W.requires_grad


def test_a_view_of_a_saved_array_cannot_be_written():
    W = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    t = tg.ones(2, 2)
    y = (W * t).sum()  # t's array is saved: read-only
    with explained(InplaceError, "view into another tensor's array", "t[0, i] = v"):
        t[0][1] = 5.0  # a copy of the view would never reach t
    y.backward()
    np.testing.assert_array_equal(W.grad, np.ones((2, 2)))


def test_a_view_taken_before_the_array_was_saved_cannot_be_written_either():
    W = tg.tensor([1.0, 2.0], requires_grad=True)
    t = tg.ones(2, 2)
    row = t[0]  # a writable view of t's array
    y = (W * t).sum()
    with explained(InplaceError, "view into another tensor's array"):
        row[1] = 5.0
    y.backward()
    np.testing.assert_array_equal(W.grad, [2.0, 2.0])


def test_shape_and_index_mistakes_name_setitem():
    x = tg.zeros(2, 3)
    with explained(ShapeError, "setitem", "shape (4,)", "(2, 3)"):
        x[0] = np.ones(4)
    with explained(TensorIndexError, "setitem"):
        x[5] = 1.0


# --------------------------------------------------------------------------------------
# A graph: x becomes an index_put node (rebase)
# --------------------------------------------------------------------------------------
def test_writing_a_tensor_that_requires_grad_rebases_x():
    h = tg.tensor([1.0, 2.0], requires_grad=True)
    outputs = tg.zeros(3, 2, label="outputs")
    outputs[1] = h * 2
    assert outputs.op == "index_put" and outputs.label == "outputs"
    old, value = outputs.parents
    assert old.op is None and not old.requires_grad and old is not outputs
    np.testing.assert_array_equal(old.numpy(), np.zeros((3, 2)))
    assert value.op == "mul"
    np.testing.assert_array_equal(outputs.numpy(), [[0.0, 0.0], [2.0, 4.0], [0.0, 0.0]])
    assert outputs.grad_fn is not None and type(outputs.grad_fn).__name__ == "IndexPut"


def unrolled_outputs(W, h0, xs):
    """The PyTorch loop `outputs = zeros(T, B, H); for t: outputs[t] = h`."""
    T, B, _ = xs.shape
    outputs = tg.zeros(T, B, W.shape[1])
    h = h0
    for t in range(T):
        h = (xs[t] @ W + h).tanh()
        outputs[t] = h
    return outputs


def test_the_outputs_loop_has_the_gradients_of_finite_differences():
    W = tg.tensor(rand(3, 4), requires_grad=True)
    h0 = tg.tensor(rand(2, 4, seed=1), requires_grad=True)
    xs = tg.tensor(rand(5, 2, 3, seed=2))
    weights = rand(5, 2, 4, seed=3)
    assert tg.gradcheck(lambda W, h0: (unrolled_outputs(W, h0, xs) * weights).sum(), [W, h0])


def test_the_outputs_loop_equals_stacking_the_states():
    W = tg.tensor(rand(3, 4), requires_grad=True)
    h0 = tg.tensor(rand(2, 4, seed=1), requires_grad=True)
    xs = tg.tensor(rand(5, 2, 3, seed=2))
    (unrolled_outputs(W, h0, xs) ** 2).sum().backward()
    by_setitem = W.grad.copy(), h0.grad.copy()
    W.grad = h0.grad = None
    h, states = h0, []
    for t in range(5):
        h = (xs[t] @ W + h).tanh()
        states.append(h)
    (tg.stack(states) ** 2).sum().backward()
    np.testing.assert_allclose(by_setitem[0], W.grad, rtol=1e-12)
    np.testing.assert_allclose(by_setitem[1], h0.grad, rtol=1e-12)


def test_masked_and_sliced_writes_of_graph_values_gradcheck():
    mask = np.array([[True, False, True], [False, True, False]])

    def f(x, v):
        y = x * 1.0
        y[mask] = v[:3]
        y[:, 1:] = v[3:5].reshape(2, 1) * 2.0  # broadcast over the columns written
        return (y * y).sum()

    x = tg.tensor(rand(2, 3), requires_grad=True)
    v = tg.tensor(rand(5, seed=4), requires_grad=True)
    assert tg.gradcheck(f, [x, v])


def test_a_leaf_that_requires_grad_gets_pytorchs_error():
    W = tg.tensor([1.0, 2.0], requires_grad=True)
    with explained(InplaceError, "a leaf Variable that requires grad", "no_grad"):
        W[0] = 3.0
    np.testing.assert_array_equal(W.numpy(), [1.0, 2.0])


def test_a_tensor_an_op_already_used_cannot_be_rebased():
    h = tg.tensor([1.0, 2.0], requires_grad=True)
    x = h * 3.0
    y = x.tanh()  # a node holds x
    with explained(InplaceError, "already used by a tanh", "test_setitem.py", "clone()"):
        x[0] = h[1]
    assert x.op == "mul" and y.parents == (x,)  # nothing changed


def test_clone_first_then_write():
    h = tg.tensor([1.0, 2.0], requires_grad=True)
    x = h * 3.0
    y = x.tanh()
    x = x.clone()
    x[0] = h[1] * 10.0
    (x.sum() + y.sum()).backward()
    dy = 1 - np.tanh(3.0 * np.array([1.0, 2.0])) ** 2
    np.testing.assert_allclose(h.grad, [3.0 * dy[0], 3.0 * dy[1] + 3.0 + 10.0])


def test_a_view_in_the_graph_cannot_be_rebased():
    h = tg.tensor([1.0, 2.0], requires_grad=True)
    x = h * tg.ones(3, 2)
    with explained(InplaceError, "view into another tensor's array", "t[0, i] = v"):
        x[0][1] = h[0]
