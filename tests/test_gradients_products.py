"""ProductGrad (gradients.py): a weight's gradient aᵀ @ g from each use, multiplied out
as one product when backward reaches the weight.

- PendingGradients sums any mix of ProductGrads and arrays, in any order, to the
  hand-written sum Σ a_kᵀ g_k + Σ arrays (hypothesis);
- a weight used at every time step gets Σ_t h_{t-1}ᵀ g_t, checked against finite
  differences through a whole unrolled RNN;
- what backward_steps shows for the weight's share: an object numpy sees as aᵀ @ g;
- a leaf's gradient is an array of its own.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn.gradients import PendingGradients, ProductGrad, multiply_out


class FakeNode:
    """What PendingGradients reads of a node: `op` (None for a leaf)."""

    def __init__(self, op="matmul"):
        self.op = op


@settings(max_examples=40, deadline=None)
@given(
    K=st.integers(1, 4),
    M=st.integers(1, 4),
    arrivals=st.lists(st.tuples(st.booleans(), st.integers(1, 5)), min_size=1, max_size=20),
    seed=st.integers(0, 2**16),
)
def test_products_and_arrays_in_any_order_sum_to_the_hand_written_sum(K, M, arrivals, seed):
    rng = np.random.default_rng(seed)
    node = FakeNode()
    pending = PendingGradients(FakeNode(), np.float64(1.0))
    expected = np.zeros((K, M))
    for is_product, N in arrivals:
        if is_product:
            a, g = rng.normal(size=(N, K)), rng.normal(size=(N, M))
            pending.add(node, ProductGrad(a, g))
            expected += sum(np.outer(a[n], g[n]) for n in range(N))  # Σ_n a_nᵀ g_n
        else:
            dense = rng.normal(size=(K, M))
            pending.add(node, dense)
            expected += dense
    np.testing.assert_allclose(pending.pop(node), expected, rtol=1e-12, atol=1e-12)


def test_multiply_out_stacks_the_rows():
    a1, g1 = np.arange(6.0).reshape(2, 3), np.arange(4.0).reshape(2, 2)
    a2, g2 = np.ones((1, 3)), np.array([[5.0, -1.0]])
    # by hand: a1ᵀ g1 = [[0*0+3*2, 0*1+3*3], [1*0+4*2, 1*1+4*3], [2*0+5*2, 2*1+5*3]]
    by_hand = np.array([[6.0, 9.0], [8.0, 13.0], [10.0, 17.0]]) + np.array([[5.0, -1.0]] * 3)
    np.testing.assert_array_equal(multiply_out([ProductGrad(a1, g1), ProductGrad(a2, g2)]), by_hand)


def test_a_leaf_gets_an_array_of_its_own():
    leaf = FakeNode(op=None)
    pending = PendingGradients(FakeNode(), np.float64(1.0))
    product = ProductGrad(np.eye(2), np.eye(2))
    pending.add(leaf, product)
    grad = pending.pop(leaf)
    assert type(grad) is np.ndarray
    grad += 1  # clipping and optimizers change it in place: nothing else may see that
    np.testing.assert_array_equal(product.dense(), np.eye(2))


def unrolled_loss(W_hh: tg.Tensor, x: np.ndarray) -> tg.Tensor:
    """h_t = tanh(x_t + h_{t-1} W_hh), L = Σ_t Σ h_t: W_hh is used at every step."""
    h = tg.zeros(x.shape[1], W_hh.shape[0], dtype=tg.float64)
    loss = 0.0
    for t in range(x.shape[0]):
        h = (tg.Tensor(x[t]) + h @ W_hh).tanh()
        loss = loss + h.sum()
    return loss


def test_a_weight_used_at_every_step_gets_the_finite_difference_gradient():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 3, 4))  # (T, B, H)
    W = rng.normal(scale=0.5, size=(4, 4))
    W_hh = tg.Tensor(W, requires_grad=True)
    unrolled_loss(W_hh, x).backward()
    numeric = np.zeros_like(W)
    eps = 1e-6
    for index in np.ndindex(W.shape):
        step = np.zeros_like(W)
        step[index] = eps
        up = unrolled_loss(tg.Tensor(W + step), x).item()
        down = unrolled_loss(tg.Tensor(W - step), x).item()
        numeric[index] = (up - down) / (2 * eps)
    np.testing.assert_allclose(W_hh.grad, numeric, rtol=1e-6, atol=1e-8)


def test_backward_steps_shows_each_share_as_the_product_it_stands_for():
    a = tg.Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    W = tg.Tensor(np.array([[3.0], [4.0]]), requires_grad=True)
    out = a @ W  # (1, 1)
    step = next(out.backward_steps())  # the matmul node: its shares for a and W
    grad_a, grad_W = step.parent_grads
    np.testing.assert_array_equal(grad_a, [[3.0, 4.0]])
    np.testing.assert_array_equal(np.asarray(grad_W), [[1.0], [2.0]])  # aᵀ @ 1
    assert grad_W.shape == (2, 1)


def test_rows_with_batch_axes_times_one_matrix_match_numpy_and_finite_differences():
    """(B, T, k) @ (k, m), as nn.Linear on a sequence: computed as one 2-D product of all
    B·T rows (ops_matmul.matrix_product), the weight's gradient as one ProductGrad."""
    rng = np.random.default_rng(1)
    a_data, b_data = rng.normal(size=(2, 3, 4)), rng.normal(size=(4, 5))
    weights = rng.normal(size=(2, 3, 5))  # L = Σ weights ⊙ (a @ b)
    a = tg.Tensor(a_data, requires_grad=True)
    b = tg.Tensor(b_data, requires_grad=True)
    out = a @ b
    np.testing.assert_allclose(out.numpy(), a_data @ b_data, rtol=1e-12)
    (out * tg.Tensor(weights)).sum().backward()
    # by hand: dL/da = weights @ bᵀ, dL/db = Σ over (B, T) of a_rowᵀ weights_row
    np.testing.assert_allclose(a.grad, weights @ b_data.T, rtol=1e-12)
    np.testing.assert_allclose(b.grad, np.einsum("btk,btm->km", a_data, weights), rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    batch=st.lists(st.integers(0, 3), min_size=1, max_size=3),
    k=st.integers(0, 3),
    m=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_rows_times_a_matrix_for_any_sizes_zero_included(batch, k, m, seed):
    """a (..., n, k) @ b (k, m) with any axis 0 (empty batches, k = 0): numpy's values and
    the gradients written out as sums (dL/db = Σ_rows a_rowᵀ w_row)."""
    rng = np.random.default_rng(seed)
    a_data, b_data = rng.normal(size=(*batch, k)), rng.normal(size=(k, m))
    weights = rng.normal(size=(*batch, m))
    a = tg.Tensor(a_data, requires_grad=True)
    b = tg.Tensor(b_data, requires_grad=True)
    out = a @ b
    np.testing.assert_allclose(out.numpy(), a_data @ b_data, atol=1e-12)
    (out * tg.Tensor(weights)).sum().backward()
    np.testing.assert_allclose(a.grad, weights @ b_data.T, atol=1e-12)
    rows = int(np.prod(batch))
    rows_a, rows_w = a_data.reshape(rows, k), weights.reshape(rows, m)
    by_rows = sum((np.outer(ra, rw) for ra, rw in zip(rows_a, rows_w)), np.zeros((k, m)))
    np.testing.assert_allclose(b.grad, by_rows, atol=1e-12)
