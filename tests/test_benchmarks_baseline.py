"""The benchmarks' baselines are right, and the engine computes the very same step.

1. The hand-written numpy LSTM / GRU / vanilla-RNN language-model steps
   (benchmarks/numpy_lstm.py, numpy_gru_rnn.py) against central finite differences in
   float64 on tiny sizes: every gradient of every parameter.
2. The engine's char-LSTM step - written with raw Tensor ops, and with nn.Embedding +
   nn.LSTM + nn.Linear + F.cross_entropy - gives the baseline's loss and gradients on
   the same weights (float64 to 1e-10, float32 to float32 precision). Same for nn.GRU
   and nn.RNN. Two independent implementations agreeing is a strong test of both.
3. The scalar benchmark's RNN: node count per step, and tg.Value gradients equal to the
   same network written with Tensors.

No timing here: speed is measured by `make bench`, never asserted in tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the benchmarks package

import tinygrad_rnn as tg  # noqa: E402
from benchmarks import bench_lstm, bench_scalar  # noqa: E402
from benchmarks.bare_value import BareValue  # noqa: E402
from benchmarks.numpy_gru_rnn import gru_lm_step, rnn_lm_step  # noqa: E402
from benchmarks.numpy_lstm import (  # noqa: E402
    PARAM_NAMES,
    embedding_backward,
    init_params,
    lstm_lm_step,
    random_batch,
)

VOCAB, EMBED, HIDDEN, BATCH, STEPS = 7, 5, 4, 3, 5
STEP_FUNCTIONS = {"LSTM": (lstm_lm_step, 4), "GRU": (gru_lm_step, 3), "RNN": (rnn_lm_step, 1)}


def tiny_problem(cell: str, dtype=np.float64, seed: int = 0):
    _, gates = STEP_FUNCTIONS[cell]
    params = init_params(VOCAB, EMBED, HIDDEN, rng=seed, dtype=dtype, gates=gates)
    inputs, targets = random_batch(BATCH, STEPS, VOCAB, rng=seed + 1)
    return params, inputs, targets


def numeric_gradient(step, params, inputs, targets, name, eps=1e-6) -> np.ndarray:
    """Central differences of the loss with respect to every element of params[name]."""
    array = params[name]
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + eps
        loss_plus, _ = step(params, inputs, targets)
        array[index] = saved - eps
        loss_minus, _ = step(params, inputs, targets)
        array[index] = saved
        grad[index] = (loss_plus - loss_minus) / (2 * eps)
    return grad


# --------------------------------------------------------------------------------------
# 1. The numpy baselines against finite differences
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", sorted(STEP_FUNCTIONS))
def test_numpy_baseline_gradients_match_finite_differences(cell):
    step, _ = STEP_FUNCTIONS[cell]
    params, inputs, targets = tiny_problem(cell)
    loss, grads = step(params, inputs, targets)
    assert sorted(grads) == sorted(PARAM_NAMES)
    assert np.isfinite(loss) and loss > 0
    for name in PARAM_NAMES:
        assert grads[name].shape == params[name].shape, name
        numeric = numeric_gradient(step, params, inputs, targets, name)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-6, atol=1e-8, err_msg=name)


def test_numpy_baseline_loss_is_the_mean_cross_entropy_written_out():
    """The loss of a 1-step LSTM against the formulas, term by term."""
    params, inputs, targets = tiny_problem("LSTM")
    inputs, targets = inputs[:, :1], targets[:, :1]
    loss, _ = lstm_lm_step(params, inputs, targets)
    H = HIDDEN
    x = params["embedding"][inputs[:, 0]]  # (B, D)
    a = x @ params["weight_ih"].T + params["bias_ih"] + params["bias_hh"]  # h_0 = 0
    sig = 1 / (1 + np.exp(-a))
    i, o, g = sig[:, :H], sig[:, 3 * H :], np.tanh(a[:, 2 * H : 3 * H])
    h = o * np.tanh(i * g)  # c_0 = 0, so c_1 = i * g
    z = h @ params["fc_weight"].T + params["fc_bias"]
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    expected = -log_p[np.arange(BATCH), targets[:, 0]].mean()
    assert loss == pytest.approx(expected, rel=1e-12)


def test_embedding_backward_sums_rows_of_repeated_tokens():
    tokens = np.array([2, 0, 2, 2, 5])
    dx = np.arange(10.0).reshape(5, 2)
    expected = np.zeros((6, 2))
    np.add.at(expected, tokens, dx)
    np.testing.assert_array_equal(embedding_backward(tokens, dx, (6, 2)), expected)


def test_float32_baseline_stays_float32():
    params, inputs, targets = tiny_problem("LSTM", dtype=np.float32)
    for step, gates in STEP_FUNCTIONS.values():
        params = init_params(VOCAB, EMBED, HIDDEN, rng=0, dtype=np.float32, gates=gates)
        _, grads = step(params, inputs, targets)
        assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


# --------------------------------------------------------------------------------------
# 2. The engine computes the baseline's step
# --------------------------------------------------------------------------------------
def assert_same_step(loss, grads, engine_loss, engine_grads, rtol, atol):
    assert engine_loss.item() == pytest.approx(loss, rel=rtol, abs=atol)
    for name in PARAM_NAMES:
        assert engine_grads[name] is not None, f"{name} got no gradient"
        assert engine_grads[name].shape == grads[name].shape, name
        np.testing.assert_allclose(
            engine_grads[name], grads[name], rtol=rtol, atol=atol, err_msg=name
        )


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 2e-5)])
def test_raw_ops_lstm_step_equals_numpy_baseline(dtype, tol):
    params, inputs, targets = tiny_problem("LSTM", dtype=dtype, seed=3)
    loss, grads = lstm_lm_step(params, inputs, targets)
    tensors = bench_lstm.as_tensors(params)
    engine_loss = bench_lstm.lstm_lm_loss_raw(tensors, inputs, targets)
    engine_loss.backward()
    assert engine_loss.dtype == dtype
    engine_grads = {name: tensors[name].grad for name in PARAM_NAMES}
    assert {g.dtype for g in engine_grads.values()} == {np.dtype(dtype)}
    assert_same_step(loss, grads, engine_loss, engine_grads, rtol=tol, atol=tol)


@pytest.mark.parametrize("cell", sorted(STEP_FUNCTIONS))
@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 2e-5)])
@pytest.mark.parametrize("retain_graph", [True, False])
def test_nn_step_equals_numpy_baseline(cell, dtype, tol, retain_graph):
    """nn.Embedding + nn.LSTM/GRU/RNN + nn.Linear + F.cross_entropy, as a student writes it."""
    step, _ = STEP_FUNCTIONS[cell]
    params, inputs, targets = tiny_problem(cell, dtype=dtype, seed=4)
    loss, grads = step(params, inputs, targets)
    model = bench_lstm.build_nn_model(params, cell)
    engine_loss = bench_lstm.nn_lm_loss(model, inputs, targets)
    engine_loss.backward(retain_graph=retain_graph)
    engine_grads = {
        name: parameter.grad for name, parameter in bench_lstm.nn_parameters(model).items()
    }
    assert {g.dtype for g in engine_grads.values()} == {np.dtype(dtype)}
    assert_same_step(loss, grads, engine_loss, engine_grads, rtol=tol, atol=tol)


def test_engine_step_twice_accumulates_like_the_baseline_doubled():
    """Gradients accumulate across backward calls (the in-place sums own their arrays)."""
    params, inputs, targets = tiny_problem("LSTM", seed=5)
    _, grads = lstm_lm_step(params, inputs, targets)
    tensors = bench_lstm.as_tensors(params)
    for _ in range(2):
        bench_lstm.lstm_lm_loss_raw(tensors, inputs, targets).backward()
    for name in PARAM_NAMES:
        np.testing.assert_allclose(tensors[name].grad, 2 * grads[name], rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------------------
# 3. The scalar benchmark's RNN
# --------------------------------------------------------------------------------------
def test_scalar_rnn_has_249_nodes_per_step():
    created_1, _ = bench_scalar.count_engine_nodes(1)
    created_3, in_order_3 = bench_scalar.count_engine_nodes(3)
    assert created_3 - created_1 == 2 * 249
    assert in_order_3 < created_3  # constants (the x_t numbers) need no gradient


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_scalar_rnn_gradients_equal_the_tensor_engine(activation):
    """The Value graph of bench_scalar against the same RNN written with Tensors."""
    steps = 4
    loss = bench_scalar.scalar_rnn_loss(tg.Value, steps, activation, seed=7)
    loss.backward()
    # Read the leaves back in creation order: U, W, b, V, c, h_0 (see scalar_rnn_loss).
    leaves = sorted(
        (node for node in tg.topological_order(loss) if node.op is None), key=lambda n: n.id
    )
    H, D = bench_scalar.HIDDEN, bench_scalar.INPUT
    sizes = {"U": H * D, "W": H * H, "b": H, "V": H, "c": 1, "h_0": H}
    values, grads, start = {}, {}, 0
    for name, size in sizes.items():
        chunk = leaves[start : start + size]
        values[name] = np.array([v.data for v in chunk])
        grads[name] = np.array([v.grad for v in chunk])
        start += size
    assert start == len(leaves)

    rng_inputs = bench_scalar_inputs(steps, seed=7)
    U = tg.tensor(values["U"].reshape(H, D), requires_grad=True)
    W = tg.tensor(values["W"].reshape(H, H), requires_grad=True)
    b = tg.tensor(values["b"], requires_grad=True)
    V = tg.tensor(values["V"], requires_grad=True)
    c = tg.tensor(values["c"][0], requires_grad=True)
    h = tg.tensor(values["h_0"], requires_grad=True)
    h_0 = h
    total = None
    for x in rng_inputs:
        a = U @ tg.tensor(x) + W @ h + b
        h = a.relu() if activation == "relu" else a.tanh()
        y = (V * h).sum() + c
        total = y if total is None else total + y
    assert total.item() == pytest.approx(loss.data, rel=1e-12)
    total.backward()
    for name, tensor in {"U": U, "W": W, "b": b, "V": V, "c": c, "h_0": h_0}.items():
        expected = np.asarray(tensor.grad).reshape(-1)
        np.testing.assert_allclose(grads[name], expected, rtol=1e-10, atol=1e-12, err_msg=name)


def bench_scalar_inputs(steps: int, seed: int) -> list[np.ndarray]:
    """The x_t that scalar_rnn_loss draws, by replaying its random number generator."""
    import random

    rng = random.Random(seed)
    H, D = bench_scalar.HIDDEN, bench_scalar.INPUT
    for _ in range(H * D + H * H + H):  # U, W, V
        rng.uniform(-0.5, 0.5)
    return [np.array([rng.uniform(-1.0, 1.0) for _ in range(D)]) for _ in range(steps)]


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_bare_value_gradients_equal_tg_value(activation):
    """The speed floor of bench_scalar (bare_value.py) computes the same loss and
    gradients as tg.Value: it is a floor of the same work, not of less work."""
    leaves = {"bare": [], "engine": []}

    def leaf_maker(name, value_class):
        def make(data):
            leaves[name].append(value_class(data))
            return leaves[name][-1]

        return make

    bare = bench_scalar.scalar_rnn_loss(leaf_maker("bare", BareValue), 5, activation, seed=3)
    engine = bench_scalar.scalar_rnn_loss(leaf_maker("engine", tg.Value), 5, activation, seed=3)
    bare.backward()
    engine.backward()
    assert bare.data == pytest.approx(engine.data, rel=1e-12)
    bare_grads = [leaf.grad or 0.0 for leaf in leaves["bare"]]  # h_0 = 0 under relu: unused
    engine_grads = [leaf.grad or 0.0 for leaf in leaves["engine"]]
    assert any(grad != 0.0 for grad in engine_grads)
    np.testing.assert_allclose(bare_grads, engine_grads, rtol=1e-12, atol=1e-15)


def test_scalar_rnn_backward_works_far_beyond_the_recursion_limit():
    """micrograd's recursive sort fails beyond T = 133 here (graph depth ~ 8 per step)."""
    loss = bench_scalar.scalar_rnn_loss(tg.Value, 400)
    loss.backward()
    assert np.isfinite(loss.grad)


# --------------------------------------------------------------------------------------
# 4. The backward loop's shortcuts (slice gradients, in-place sums) change no result
# --------------------------------------------------------------------------------------
def every_node(root):
    return tg.topological_order(root)


def sent_sums(root) -> dict:
    """For every node, the sum of the gradients its children sent it (recomputed from the
    kept gradients, one VJP per child, with plain numpy additions)."""
    sums = {}
    for child in every_node(root):
        if child.op is None or child.grad is None:
            continue
        for parent, grad in zip(child.parents, child._ctx.backward(child.grad)):
            if grad is None or not parent.requires_grad:
                continue
            grad = np.asarray(grad)
            sums[parent] = grad.copy() if parent not in sums else sums[parent] + grad
    return sums


def aliasing_graph():
    """A leaf used through slices, integer indices, reshapes and repeated adds, so that
    gradients arrive as IndexedGrads, as arrays shared by two parents (a + a), and as
    views (reshape), many times per node."""
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((4, 6)), requires_grad=True, label="x")
    w = tg.tensor(rng.standard_normal((6, 6)), requires_grad=True, label="w")
    a = x @ w  # (4, 6)
    b = a + a  # Add sends the same array to both inputs
    parts = [b[:, :2].tanh(), b[:, 2:4].sigmoid(), b[:, 4:] * b[:, :2]]
    c = tg.cat(parts, axis=1)  # (4, 6)
    d = c.reshape(24).reshape(4, 6) + b  # views of one gradient
    e = d[1] * d[2] + d[np.array([0, 0, 3])].sum(axis=0) + x[3]  # (6,): int and array index
    return (e * e).sum() + (a * 0.5).sum(), x, w


def test_kept_gradients_equal_what_the_children_sent():
    """Were an in-place sum to write into an array a node kept, these would differ."""
    loss, x, w = aliasing_graph()
    loss.backward()
    sums = sent_sums(loss)
    for node in every_node(loss):
        if node is loss:
            continue
        np.testing.assert_allclose(node.grad, sums[node], rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(lambda x, w: aliasing_graph_of(x, w), [x, w])


def aliasing_graph_of(x, w):
    a = x @ w
    b = a + a
    c = tg.cat([b[:, :2].tanh(), b[:, 2:4].sigmoid(), b[:, 4:] * b[:, :2]], axis=1)
    d = c.reshape(24).reshape(4, 6) + b
    e = d[1] * d[2] + d[np.array([0, 0, 3])].sum(axis=0) + x[3]
    return (e * e).sum() + (a * 0.5).sum()


def test_lean_and_default_backward_give_the_same_leaf_gradients():
    loss, x, w = aliasing_graph()
    loss.backward()
    expected = (x.grad.copy(), w.grad.copy())
    lean_loss, x2, w2 = aliasing_graph()
    lean_loss.backward(retain_graph=False)
    np.testing.assert_array_equal(x2.grad, expected[0])
    np.testing.assert_array_equal(w2.grad, expected[1])


def test_slice_gradient_reads_like_its_full_array():
    """What backward_steps shows for a slice: an IndexedGrad that numpy sees as the
    full gradient (zeros outside the slice)."""
    x = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = (x[:, 1] * 2).sum()
    steps = list(y.backward_steps())
    sent = next(s for s in steps if s.node.op == "getitem").parent_grads[0]
    np.testing.assert_array_equal(np.asarray(sent), [[0, 2, 0], [0, 2, 0]])
    assert np.shape(sent) == (2, 3)
    np.testing.assert_array_equal(sent + 1, [[1, 3, 1], [1, 3, 1]])
