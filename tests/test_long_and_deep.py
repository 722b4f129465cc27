"""Long and deep graphs: a 10 000-step unroll forward and backward at Python's default
recursion limit (nn.RNN and a scalar Value chain, both against a hand-written BPTT),
many training steps in a row without memory growth, and gradient clipping keeping an
exploding vanilla RNN finite.

benchmarks/bench_memory_training.py measures the resident memory over 1 000 training
steps; the test here asserts the same boundedness loosely, with tracemalloc.

Read next: tests/test_numerical_edges.py.
"""

import gc
import sys
import tracemalloc
import warnings

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import functional as F
from tinygrad_rnn import nn, optim

LONG = 10_000


@pytest.fixture(autouse=True)
def default_recursion_limit():
    """Run at CPython's default limit (1000), whatever an earlier test set."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(previous)


# --------------------------------------------------------------------------------------
# A 10 000-step unroll
# --------------------------------------------------------------------------------------
def numpy_rnn_bptt(x, W_ih, W_hh, b_ih, b_hh):
    """Forward h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (h_0 = 0, batch of one)
    and BPTT of L = Σ_t Σ_i h_t[i], written out step by step."""
    T = x.shape[0]
    H = W_hh.shape[0]
    hs = np.zeros((T + 1, H))  # hs[t] = h_t, hs[0] = h_0
    for t in range(1, T + 1):
        hs[t] = np.tanh(W_ih @ x[t - 1] + b_ih + W_hh @ hs[t - 1] + b_hh)
    grads = {"W_ih": np.zeros_like(W_ih), "W_hh": np.zeros_like(W_hh), "b": np.zeros(H)}
    dh_next = np.zeros(H)  # dL/dh_t arriving from step t + 1
    for t in range(T, 0, -1):
        dh = 1.0 + dh_next  # dL/dh_t: from the loss directly and from h_{t+1}
        da = dh * (1.0 - hs[t] ** 2)  # through tanh
        grads["W_ih"] += np.outer(da, x[t - 1])
        grads["W_hh"] += np.outer(da, hs[t - 1])
        grads["b"] += da
        dh_next = W_hh.T @ da
    return hs[1:], grads


def test_ten_thousand_step_rnn_forward_and_backward_at_the_default_recursion_limit():
    tg.manual_seed(0)
    rnn = nn.RNN(1, 2)
    x = np.random.default_rng(0).normal(size=(LONG, 1, 1))
    output, h_n = rnn(tg.tensor(x))
    output.sum().backward()
    assert sys.getrecursionlimit() == 1000
    W_ih, W_hh = rnn.weight_ih_l0.data, rnn.weight_hh_l0.data
    hs, grads = numpy_rnn_bptt(x[:, 0], W_ih, W_hh, rnn.bias_ih_l0.data, rnn.bias_hh_l0.data)
    np.testing.assert_allclose(output.data[:, 0], hs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rnn.weight_ih_l0.grad, grads["W_ih"], rtol=1e-8)
    np.testing.assert_allclose(rnn.weight_hh_l0.grad, grads["W_hh"], rtol=1e-8)
    np.testing.assert_allclose(rnn.bias_ih_l0.grad, grads["b"], rtol=1e-8)
    np.testing.assert_allclose(rnn.bias_hh_l0.grad, grads["b"], rtol=1e-8)


def test_ten_thousand_step_scalar_chain_at_the_default_recursion_limit():
    """h_t = tanh(w h_{t-1} + x_t) with Values: 30 000 nodes deep, dL/dw by hand."""
    xs = np.random.default_rng(1).uniform(-1, 1, LONG)
    w = tg.Value(0.7, label="w")
    h = tg.Value(0.0, requires_grad=False)
    for x in xs:
        h = (w * h + float(x)).tanh()
    h.backward()
    hs = [0.0]
    for x in xs:
        hs.append(np.tanh(0.7 * hs[-1] + x))
    dh, dw = 1.0, 0.0  # dL/dh_T = 1; walk back: dL/dw += dL/da_t * h_{t-1}
    for t in range(LONG, 0, -1):
        da = dh * (1.0 - hs[t] ** 2)
        dw += da * hs[t - 1]
        dh = da * 0.7
    assert h.data == pytest.approx(hs[-1], rel=1e-12)
    assert w.grad == pytest.approx(dw, rel=1e-9)


def test_long_lstm_in_lean_mode_frees_as_it_goes():
    """retain_graph=False on a 3000-step LSTM: every parameter gets a finite gradient, and
    the intermediate nodes keep none (the lean mode long training runs use)."""
    tg.manual_seed(2)
    lstm = nn.LSTM(1, 2)
    output, (h_n, c_n) = lstm(tg.randn(3000, 1, 1, rng=3))
    loss = h_n.sum()
    loss.backward(retain_graph=False)
    for name, param in lstm.named_parameters():
        assert param.grad is not None and np.all(np.isfinite(param.grad)), name
    assert output.grad is None and h_n.grad is None


# --------------------------------------------------------------------------------------
# Many training steps: no memory growth
# --------------------------------------------------------------------------------------
class TinyCharLM(nn.Module):
    """Embedding -> LSTM -> Linear, the shape of the char-LM lessons, tiny."""

    def __init__(self, vocab: int = 10) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, 4)
        self.lstm = nn.LSTM(4, 8)
        self.fc = nn.Linear(8, vocab)

    def forward(self, tokens, state=None):
        output, state = self.lstm(self.embed(tokens), state)  # (T, B, H)
        return self.fc(output), state  # (T, B, V)


def traced_growth_over_training(steps: int, retain_graph: bool, keep_losses: bool) -> int:
    """Bytes of Python + numpy memory still alive after `steps` training steps (truncated
    BPTT, clipping, Adam), relative to after one step (warmed up). `keep_losses` keeps every loss
    node, and with it every step's graph: the mistake this measurement must notice."""
    tg.manual_seed(0)
    model = TinyCharLM()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    tokens = np.random.default_rng(0).integers(0, 10, size=(6, 4))  # (T + 1, B)
    kept = []
    state = None

    def train_step():
        nonlocal state
        logits, state = model(tokens[:-1], nn.utils.detach_state(state))
        loss = F.cross_entropy(logits.reshape(-1, 10), tokens[1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward(retain_graph=retain_graph)
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        if keep_losses:
            kept.append(loss)

    for _ in range(20):  # warm-up: optimizer state, numpy and Python caches
        train_step()
    tracemalloc.start()
    try:
        train_step()  # `state` holds on to the last step's graph: one graph alive from here
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            train_step()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


# Bytes. 200 healthy steps leave ~30 KiB behind (CPython's attribute-lookup cache keeps a
# few thousand short strings at most); one kept graph of TinyCharLM holds ~140 KiB, so a
# leak of one graph per step passes the bound within two steps.
BOUND = 256 * 1024


@pytest.mark.parametrize("retain_graph", [True, False], ids=["default", "lean"])
def test_two_hundred_training_steps_do_not_grow_memory(retain_graph):
    growth = traced_growth_over_training(200, retain_graph, keep_losses=False)
    assert growth < BOUND, f"{growth / 1024:.0f} KiB still allocated after 200 steps"


def test_the_memory_measurement_notices_graphs_that_are_kept():
    growth = traced_growth_over_training(40, retain_graph=True, keep_losses=True)
    assert growth > BOUND, f"only {growth / 1024:.0f} KiB for 40 kept graphs"


# --------------------------------------------------------------------------------------
# Exploding gradients and clipping
# --------------------------------------------------------------------------------------
def train_exploding_rnn(clip: float | None, steps: int = 10, lr: float = 0.1):
    """A vanilla RNN (relu, W_hh = 1.3 I) over 50 steps: h_t grows like 1.3^t, and so
    does the gradient. Returns (parameters, gradient norm before clipping at each step,
    the largest parameter change of any step)."""
    tg.manual_seed(0)
    rnn = nn.RNN(1, 4, nonlinearity="relu")
    rnn.weight_hh_l0.data[...] = 1.3 * np.eye(4)
    head = nn.Linear(4, 1)
    params = list(rnn.parameters()) + list(head.parameters())
    optimizer = optim.SGD(params, lr=lr)
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.uniform(0, 1, size=(50, 2, 1)))
    y = tg.tensor(rng.uniform(0, 1, size=(2, 1)))
    norms, largest_change = [], 0.0
    for _ in range(steps):
        output, _ = rnn(x)
        loss = F.mse_loss(head(output[-1]), y)
        optimizer.zero_grad()
        loss.backward(retain_graph=False)
        if clip is None:
            norms.append(float(np.sqrt(sum(np.sum(p.grad**2) for p in params))))
        else:
            norms.append(nn.utils.clip_grad_norm_(params, max_norm=clip).item())
        before = [p.data.copy() for p in params]
        optimizer.step()
        changes = [np.sqrt(np.sum((p.data - b) ** 2)) for p, b in zip(params, before)]
        largest_change = max(largest_change, float(np.sqrt(np.sum(np.square(changes)))))
    return params, norms, largest_change


def test_without_clipping_an_exploding_rnn_ends_in_inf_or_nan():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        params, norms, _ = train_exploding_rnn(clip=None)
    assert norms[0] > 1e6  # the first gradient has already exploded
    assert not all(np.all(np.isfinite(p.data)) for p in params)


def test_clip_grad_norm_keeps_an_exploding_rnn_finite():
    params, norms, largest_change = train_exploding_rnn(clip=1.0)
    assert norms[0] > 1e6  # the same explosion before clipping ...
    for p in params:  # ... but every update is at most lr * max_norm = 0.1 long
        assert np.all(np.isfinite(p.data))
    assert largest_change <= 0.1 * (1 + 1e-6)
