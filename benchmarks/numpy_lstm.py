"""The speed baseline: a character-LSTM language-model step written by hand in numpy.

Forward and backward (manual BPTT) of

    x_t = E[char_t]                                   embedding lookup      (B, D)
    a_t = x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh     one fused gate matmul (B, 4H)
    i_t, f_t, g_t, o_t = σ(a_i), σ(a_f), tanh(a_g), σ(a_o)    gate rows in PyTorch's order
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)
    z_t = h_t W_yᵀ + b_y                              scores over the vocabulary (B, V)
    L   = mean over b, t of  -log softmax(z_t)[target]

in the style of cs231n's assignment 3, written the way an engineer would write it for
speed: the input projection for all time steps in one matmul before the loop, one gate
matmul per step, the weight gradients of the loop as one matmul each after it, and
float32 end to end when the parameters are float32. It uses no tinygrad_rnn code.

Parameters use PyTorch's names and layouts (`weight_ih` (4H, D), `weight_hh` (4H, H),
`fc_weight` (V, H) ...) so the benchmarks can hand the very same arrays to the engine.

    params = init_params(vocab=60, embed=128, hidden=128, rng=0, dtype=np.float32)
    loss, grads = lstm_lm_step(params, inputs, targets)   # inputs, targets: (B, T) ints

tests/test_benchmarks_baseline.py checks these gradients against finite differences.
Read next: common.py (the timing harness), bench_lstm.py (baseline against the engine).
"""

from __future__ import annotations

import numpy as np

PARAM_NAMES = ("embedding", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "fc_weight", "fc_bias")


def init_params(
    vocab: int, embed: int, hidden: int, rng=0, dtype=np.float32, gates: int = 4
) -> dict:
    """Random parameters with PyTorch's shapes; uniform(-1/√H, 1/√H) like nn.LSTM.

    `gates` stacked blocks of rows: 4 for the LSTM, 3 for the GRU, 1 for the vanilla RNN.
    """
    rng = np.random.default_rng(rng)
    bound = 1.0 / np.sqrt(hidden)
    G = gates
    shapes = {
        "embedding": (vocab, embed),
        "weight_ih": (G * hidden, embed),
        "weight_hh": (G * hidden, hidden),
        "bias_ih": (G * hidden,),
        "bias_hh": (G * hidden,),
        "fc_weight": (vocab, hidden),
        "fc_bias": (vocab,),
    }
    params = {}
    for name, shape in shapes.items():
        scale = 1.0 if name == "embedding" else bound
        params[name] = rng.uniform(-scale, scale, shape).astype(dtype)
    return params


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = (1 + tanh(x/2)) / 2: the logistic function without overflow (as the engine)."""
    out = np.tanh(0.5 * x)
    out += 1
    out *= 0.5
    return out


def lstm_lm_step(params: dict, inputs: np.ndarray, targets: np.ndarray):
    """Mean cross-entropy of the LSTM language model and its gradient for every parameter.

    inputs, targets: (B, T) integer arrays (batch first); the state starts at zero.
    Returns (loss as a float, dict of gradients with the parameters' names and shapes).
    """
    E = params["embedding"]
    W_ih, W_hh = params["weight_ih"], params["weight_hh"]
    W_y, b_y = params["fc_weight"], params["fc_bias"]
    B, T = inputs.shape
    H = W_hh.shape[1]
    D = E.shape[1]
    dtype = W_hh.dtype
    tokens = inputs.T  # (T, B): time major, so each step is a contiguous block
    labels = targets.T  # (T, B)

    # ---- forward ---------------------------------------------------------------------
    x = E[tokens]  # (T, B, D)
    b = params["bias_ih"] + params["bias_hh"]  # (4H,)
    xw = x.reshape(T * B, D) @ W_ih.T  # (T·B, 4H): input projection for every step
    xw = xw.reshape(T, B, 4 * H)
    xw += b
    W_hhT = W_hh.T  # (H, 4H)
    h = np.zeros((T + 1, B, H), dtype=dtype)  # h[0] = h_0 = 0
    c = np.zeros((T + 1, B, H), dtype=dtype)
    gates = np.empty((T, B, 4 * H), dtype=dtype)  # i, f, g, o after their nonlinearity
    tanh_c = np.empty((T, B, H), dtype=dtype)
    for t in range(T):
        a = xw[t] + h[t] @ W_hhT  # (B, 4H)
        act = gates[t]
        act[:, : 2 * H] = sigmoid(a[:, : 2 * H])  # i, f
        act[:, 2 * H : 3 * H] = np.tanh(a[:, 2 * H : 3 * H])  # g
        act[:, 3 * H :] = sigmoid(a[:, 3 * H :])  # o
        i, f, g, o = act[:, :H], act[:, H : 2 * H], act[:, 2 * H : 3 * H], act[:, 3 * H :]
        c[t + 1] = f * c[t] + i * g
        tanh_c[t] = np.tanh(c[t + 1])
        h[t + 1] = o * tanh_c[t]
    hs = h[1:].reshape(T * B, H)  # (T·B, H)
    loss, grads, dh_out = lm_head(hs, W_y, b_y, labels.reshape(T * B))
    dh_out = dh_out.reshape(T, B, H)  # dL/dh_t from the scores at step t

    # ---- backward --------------------------------------------------------------------
    da = np.empty((T, B, 4 * H), dtype=dtype)  # dL/da_t for every step
    dh_next = np.zeros((B, H), dtype=dtype)  # dL/dh_t through h_{t+1}
    dc_next = np.zeros((B, H), dtype=dtype)  # dL/dc_t through c_{t+1}
    for t in reversed(range(T)):
        act = gates[t]
        i, f, g, o = act[:, :H], act[:, H : 2 * H], act[:, 2 * H : 3 * H], act[:, 3 * H :]
        dh = dh_out[t] + dh_next
        dc = dc_next + dh * o * (1 - tanh_c[t] * tanh_c[t])
        grad = da[t]
        grad[:, :H] = dc * g * i * (1 - i)
        grad[:, H : 2 * H] = dc * c[t] * f * (1 - f)
        grad[:, 2 * H : 3 * H] = dc * i * (1 - g * g)
        grad[:, 3 * H :] = dh * tanh_c[t] * o * (1 - o)
        dc_next = dc * f
        dh_next = grad @ W_hh  # (B, 4H) @ (4H, H)
    da_flat = da.reshape(T * B, 4 * H)
    grads["weight_hh"] = da_flat.T @ h[:-1].reshape(T * B, H)  # (4H, H)
    grads["weight_ih"] = da_flat.T @ x.reshape(T * B, D)  # (4H, D)
    grads["bias_ih"] = da_flat.sum(axis=0)
    grads["bias_hh"] = grads["bias_ih"].copy()
    dx = da_flat @ W_ih  # (T·B, D)
    grads["embedding"] = embedding_backward(tokens.reshape(T * B), dx, E.shape)
    return loss, grads


def lm_head(hs: np.ndarray, W_y: np.ndarray, b_y: np.ndarray, labels: np.ndarray):
    """Scores z = hs W_yᵀ + b_y (N, V), the mean cross-entropy, and its gradients.

    Returns (loss, {"fc_weight", "fc_bias"} gradients, dL/dhs (N, H)).
    dL/dz = (softmax(z) - one_hot(label)) / N.
    """
    N = hs.shape[0]
    z = hs @ W_y.T + b_y  # (N, V): the vocabulary projection, after the loop
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    sum_e = e.sum(axis=1, keepdims=True)  # (N, 1)
    rows = np.arange(N)
    log_p = z[rows, labels] - np.log(sum_e[:, 0])  # (N,)
    loss = -float(log_p.mean())
    dz = e / sum_e  # softmax, (N, V)
    dz[rows, labels] -= 1
    dz *= 1.0 / N
    grads = {"fc_weight": dz.T @ hs, "fc_bias": dz.sum(axis=0)}  # (V, H), (V,)
    return loss, grads, dz @ W_y  # (N, H)


def embedding_backward(tokens: np.ndarray, dx: np.ndarray, shape: tuple) -> np.ndarray:
    """dL/dE: row k is the sum of dx over the positions whose token is k.

    cs231n writes np.add.at(dE, tokens, dx); sorting the tokens and summing each run
    with np.add.reduceat gives the same sums about 10x faster (the engine's Gather does
    the same), so the baseline is not slowed down by the slow spelling.
    """
    dE = np.zeros(shape, dtype=dx.dtype)
    order = np.argsort(tokens, kind="stable")
    sorted_tokens = tokens[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_tokens[1:] != sorted_tokens[:-1])))
    dE[sorted_tokens[starts]] = np.add.reduceat(dx[order], starts, axis=0)
    return dE


def random_batch(batch: int, steps: int, vocab: int, rng=0):
    """(inputs, targets) of shape (B, T): a random character stream, targets shifted by one."""
    rng = np.random.default_rng(rng)
    stream = rng.integers(0, vocab, size=(batch, steps + 1))
    return stream[:, :-1], stream[:, 1:]
