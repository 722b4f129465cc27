"""The GRU and vanilla-RNN baselines: the same language-model step as numpy_lstm.py,
with the recurrent layer swapped, forward and manual BPTT written by hand in numpy.

GRU (PyTorch's equations, gate rows r, z, n; b_hn stays inside r ⊙ (...)):

    [x_r, x_z, x_n] = x_t W_ihᵀ + b_ih           all steps in one matmul    (T, B, 3H)
    [h_r, h_z, h_n] = h_{t-1} W_hhᵀ + b_hh        one matmul per step        (B, 3H)
    r_t = σ(x_r + h_r),  z_t = σ(x_z + h_z),  n_t = tanh(x_n + r_t ⊙ h_n)
    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

Vanilla RNN:  h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)

The embedding, the vocabulary projection after the loop and the mean cross-entropy are
numpy_lstm's (`lm_head`, `embedding_backward`). Parameters use PyTorch's names and
layouts (`init_params(..., gates=3)` for the GRU, `gates=1` for the RNN).

Read next: bench_gru_rnn.py.
"""

from __future__ import annotations

import numpy as np

from benchmarks.numpy_lstm import embedding_backward, lm_head, sigmoid


def _input_projection(params: dict, inputs: np.ndarray):
    """x = E[tokens] (T, B, D) and x W_ihᵀ + b_ih (T, B, G·H), time major."""
    E, W_ih = params["embedding"], params["weight_ih"]
    B, T = inputs.shape
    tokens = inputs.T  # (T, B)
    x = E[tokens]  # (T, B, D)
    xw = (x.reshape(T * B, -1) @ W_ih.T).reshape(T, B, -1)  # (T, B, G·H)
    xw += params["bias_ih"]
    return tokens, x, xw


def _input_gradients(params, grads, tokens, x, dxw) -> None:
    """weight_ih, bias_ih and embedding gradients from dL/d(x W_ihᵀ + b_ih) (T, B, G·H)."""
    T, B, GH = dxw.shape
    dxw_flat = dxw.reshape(T * B, GH)
    grads["weight_ih"] = dxw_flat.T @ x.reshape(T * B, -1)  # (G·H, D)
    grads["bias_ih"] = dxw_flat.sum(axis=0)
    dx = dxw_flat @ params["weight_ih"]  # (T·B, D)
    grads["embedding"] = embedding_backward(tokens.reshape(T * B), dx, params["embedding"].shape)


def gru_lm_step(params: dict, inputs: np.ndarray, targets: np.ndarray):
    """Mean cross-entropy of the GRU language model and every parameter's gradient.

    inputs, targets: (B, T) ints; h_0 = 0. Returns (loss, dict of gradients).
    """
    W_hh, b_hh = params["weight_hh"], params["bias_hh"]
    B, T = inputs.shape
    H = W_hh.shape[1]
    dtype = W_hh.dtype
    tokens, x, xw = _input_projection(params, inputs)
    W_hhT = W_hh.T  # (H, 3H)
    h = np.zeros((T + 1, B, H), dtype=dtype)
    hh_n = np.empty((T, B, H), dtype=dtype)  # h_{t-1} W_hnᵀ + b_hn, needed for dr
    r = np.empty((T, B, H), dtype=dtype)
    z = np.empty((T, B, H), dtype=dtype)
    n = np.empty((T, B, H), dtype=dtype)
    for t in range(T):
        hh = h[t] @ W_hhT + b_hh  # (B, 3H)
        r[t] = sigmoid(xw[t, :, :H] + hh[:, :H])
        z[t] = sigmoid(xw[t, :, H : 2 * H] + hh[:, H : 2 * H])
        hh_n[t] = hh[:, 2 * H :]
        n[t] = np.tanh(xw[t, :, 2 * H :] + r[t] * hh_n[t])
        h[t + 1] = (1 - z[t]) * n[t] + z[t] * h[t]
    loss, grads, dh_out = lm_head(
        h[1:].reshape(T * B, H), params["fc_weight"], params["fc_bias"], targets.T.reshape(-1)
    )
    dh_out = dh_out.reshape(T, B, H)

    dxw = np.empty((T, B, 3 * H), dtype=dtype)  # dL/d(x W_ihᵀ + b_ih)
    dhh = np.empty((T, B, 3 * H), dtype=dtype)  # dL/d(h W_hhᵀ + b_hh)
    dh_next = np.zeros((B, H), dtype=dtype)
    for t in reversed(range(T)):
        dh = dh_out[t] + dh_next
        dn = dh * (1 - z[t])
        dz = dh * (h[t] - n[t])
        da_n = dn * (1 - n[t] * n[t])  # through tanh
        dr = da_n * hh_n[t]
        da_r = dr * r[t] * (1 - r[t])
        da_z = dz * z[t] * (1 - z[t])
        dxw[t, :, :H] = da_r
        dxw[t, :, H : 2 * H] = da_z
        dxw[t, :, 2 * H :] = da_n
        dhh[t, :, :H] = da_r
        dhh[t, :, H : 2 * H] = da_z
        dhh[t, :, 2 * H :] = da_n * r[t]
        dh_next = dh * z[t] + dhh[t] @ W_hh  # (B, 3H) @ (3H, H)
    dhh_flat = dhh.reshape(T * B, 3 * H)
    grads["weight_hh"] = dhh_flat.T @ h[:-1].reshape(T * B, H)  # (3H, H)
    grads["bias_hh"] = dhh_flat.sum(axis=0)
    _input_gradients(params, grads, tokens, x, dxw)
    return loss, grads


def rnn_lm_step(params: dict, inputs: np.ndarray, targets: np.ndarray):
    """Mean cross-entropy of the vanilla (tanh) RNN language model and its gradients."""
    W_hh = params["weight_hh"]
    B, T = inputs.shape
    H = W_hh.shape[1]
    dtype = W_hh.dtype
    tokens, x, xw = _input_projection(params, inputs)
    xw += params["bias_hh"]  # both biases folded into the projection
    W_hhT = W_hh.T  # (H, H)
    h = np.zeros((T + 1, B, H), dtype=dtype)
    for t in range(T):
        h[t + 1] = np.tanh(xw[t] + h[t] @ W_hhT)
    loss, grads, dh_out = lm_head(
        h[1:].reshape(T * B, H), params["fc_weight"], params["fc_bias"], targets.T.reshape(-1)
    )
    dh_out = dh_out.reshape(T, B, H)

    da = np.empty((T, B, H), dtype=dtype)  # dL/d(pre-activation)
    dh_next = np.zeros((B, H), dtype=dtype)
    for t in reversed(range(T)):
        dh = dh_out[t] + dh_next
        da[t] = dh * (1 - h[t + 1] * h[t + 1])
        dh_next = da[t] @ W_hh  # (B, H) @ (H, H)
    da_flat = da.reshape(T * B, H)
    grads["weight_hh"] = da_flat.T @ h[:-1].reshape(T * B, H)
    _input_gradients(params, grads, tokens, x, da)
    grads["bias_hh"] = grads["bias_ih"].copy()
    return loss, grads
