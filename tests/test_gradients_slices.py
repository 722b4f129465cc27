"""IndexedGrad shares waiting in PendingGradients (gradients.py): a slice's gradient is
added into its input's full gradient only when backward reaches that input, or once the
waiting slices hold as many numbers as the full gradient.

- any mix of slices (basic, overlapping, integer arrays with repeats) and full arrays,
  in any order, sums to the hand-written sum, and arrays other nodes hold stay unchanged
  (hypothesis);
- slices that do not yet cover the input allocate nothing; the ones that do are written
  out at once;
- through a whole unrolled RNN that slices its input projection once per step, lean and
  default backward give the finite-difference gradients.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn.gradients import IndexedGrad, PendingGradients


class FakeNode:
    """What PendingGradients reads of a node: `op` (None for a leaf)."""

    def __init__(self, op="mul"):
        self.op = op


SHAPE = (4, 3)


def random_index(draw_kind: int, rng: np.random.Generator):
    """A basic slice, an int, a row slice or an integer array (repeats possible)."""
    if draw_kind == 0:
        start = int(rng.integers(0, SHAPE[0]))
        return (slice(start, int(rng.integers(start, SHAPE[0] + 1))),)
    if draw_kind == 1:
        return int(rng.integers(0, SHAPE[0]))
    if draw_kind == 2:
        return (slice(None), slice(0, int(rng.integers(1, SHAPE[1] + 1))))
    return (rng.integers(0, SHAPE[0], size=int(rng.integers(1, 6))),)


@settings(max_examples=60, deadline=None)
@given(
    arrivals=st.lists(st.integers(0, 4), min_size=1, max_size=12),
    seed=st.integers(0, 2**16),
    leaf=st.booleans(),
)
def test_slices_and_arrays_in_any_order_sum_to_the_hand_written_sum(arrivals, seed, leaf):
    rng = np.random.default_rng(seed)
    node = FakeNode(op=None if leaf else "mul")
    pending = PendingGradients(FakeNode(), np.float64(1.0))
    expected = np.zeros(SHAPE)
    held_elsewhere = []  # full arrays other nodes hold: never to be changed in place
    for kind in arrivals:
        if kind == 4:
            dense = rng.normal(size=SHAPE)
            held_elsewhere.append((dense, dense.copy()))
            pending.add(node, dense)
            expected += dense
            continue
        index = random_index(kind, rng)
        values = rng.normal(size=np.zeros(SHAPE)[index].shape)
        pending.add(node, IndexedGrad(SHAPE, np.float64, index, values))
        np.add.at(expected, index, values)
    total = pending.pop(node)
    np.testing.assert_allclose(total, expected, rtol=1e-12, atol=1e-12)
    for array, before in held_elsewhere:
        np.testing.assert_array_equal(array, before)
        assert total is not array or not leaf  # a leaf gets an array of its own
    assert pending.pop(node) is None


def test_slices_wait_until_they_cover_the_input():
    """T-1 of T row slices: no full array yet; the T-th: written out at once."""
    T = 5
    node = FakeNode()
    pending = PendingGradients(FakeNode(), np.float64(1.0))
    for t in range(T - 1):
        pending.add(node, IndexedGrad((T, 2), np.float64, t, np.full(2, t + 1.0)))
        assert node not in pending.total  # nothing of shape (T, 2) was made
    pending.add(node, IndexedGrad((T, 2), np.float64, T - 1, np.full(2, 7.0)))
    assert node in pending.total and node not in pending.slices
    np.testing.assert_array_equal(pending.pop(node), [[1, 1], [2, 2], [3, 3], [4, 4], [7, 7]])


def test_a_slice_wider_than_the_input_is_written_out_at_once():
    """An integer index with repeats (an embedding's rows) holds more numbers than the
    input: waiting would only hold more memory."""
    node = FakeNode()
    pending = PendingGradients(FakeNode(), np.float64(1.0))
    rows = np.array([0, 1, 1, 0, 2])
    pending.add(node, IndexedGrad((3, 2), np.float64, (rows,), np.ones((5, 2))))
    assert node in pending.total
    np.testing.assert_array_equal(pending.pop(node), [[2, 2], [2, 2], [1, 1]])


def sliced_rnn_loss(W: tg.Tensor, U: tg.Tensor, x: np.ndarray) -> tg.Tensor:
    """xw = x U (all steps at once), h_t = tanh(xw[t] + h_{t-1} W), L = Σ_t Σ h_t."""
    T, B, _ = x.shape
    xw = tg.Tensor(x) @ U  # (T, B, H): sliced once per step
    h = tg.zeros(B, W.shape[0], dtype=tg.float64)
    loss = 0.0
    for t in range(T):
        h = (xw[t] + h @ W).tanh()
        loss = loss + h.sum()
    return loss


def test_an_input_sliced_at_every_step_gets_the_finite_difference_gradient():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 2, 3))
    W0, U0 = rng.normal(size=(4, 4)) * 0.5, rng.normal(size=(3, 4)) * 0.5
    W, U = tg.tensor(W0, requires_grad=True), tg.tensor(U0, requires_grad=True)
    assert tg.gradcheck(lambda W, U: sliced_rnn_loss(W, U, x), [W, U])
    sliced_rnn_loss(W, U, x).backward()
    lean_W, lean_U = tg.tensor(W0, requires_grad=True), tg.tensor(U0, requires_grad=True)
    sliced_rnn_loss(lean_W, lean_U, x).backward(retain_graph=False)
    np.testing.assert_allclose(lean_W.grad, W.grad, rtol=1e-12)
    np.testing.assert_allclose(lean_U.grad, U.grad, rtol=1e-12)
