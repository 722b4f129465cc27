"""Exercise 5 - solution: backpropagation through time by hand.

Compare with `rnn_backward` in tinygrad_rnn/bptt.py (the same equations, with column
vectors).
"""

import numpy as np


def forward(U, W, V, b, c, xs, targets):
    """The RNN over one sequence: h (dict t -> (H,), with h[0] = 0), ŷ (dict t -> (K,)), J."""
    T = len(xs)
    h = {0: np.zeros(W.shape[0])}
    y_hat = {}
    J = 0.0
    for t in range(1, T + 1):
        h[t] = np.tanh(U @ xs[t - 1] + W @ h[t - 1] + b)  # h_t = tanh(U x_t + W h_{t-1} + b)
        o = V @ h[t] + c  # o_t = V h_t + c
        e = np.exp(o - o.max())
        y_hat[t] = e / e.sum()  # ŷ_t = softmax(o_t)
        J += -np.log(y_hat[t][targets[t - 1]])  # J += -log ŷ_t[y_t]
    return h, y_hat, J


def bptt(U, W, V, b, c, xs, targets):
    """The gradients of J: {"U", "W", "V", "b", "c"} and "h" (T, H), row t-1 = ∂J/∂h_t."""
    h, y_hat, J = forward(U, W, V, b, c, xs, targets)
    T = len(xs)
    K = V.shape[0]

    dJ_do = {}
    for t in range(1, T + 1):
        y = np.zeros(K)
        y[targets[t - 1]] = 1.0
        dJ_do[t] = y_hat[t] - y  # ∂J/∂o_t = ŷ_t - y_t

    dJ_dh = {T: V.T @ dJ_do[T]}  # ∂J/∂h_T = Vᵀ ∂J/∂o_T
    for t in range(T - 1, 0, -1):
        # ∂J/∂h_t = Wᵀ diag(1 - h_{t+1}²) ∂J/∂h_{t+1} + Vᵀ ∂J/∂o_t
        dJ_dh[t] = W.T @ ((1 - h[t + 1] ** 2) * dJ_dh[t + 1]) + V.T @ dJ_do[t]

    dU, dW, dV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    db, dc = np.zeros_like(b), np.zeros_like(c)
    for t in range(1, T + 1):
        dJ_da = (1 - h[t] ** 2) * dJ_dh[t]  # diag(1 - h_t²) ∂J/∂h_t
        dc += dJ_do[t]  # ∂J/∂c = Σ_t ∂J/∂o_t
        dV += np.outer(dJ_do[t], h[t])  # ∂J/∂V = Σ_t ∂J/∂o_t h_tᵀ
        db += dJ_da  # ∂J/∂b = Σ_t diag(1 - h_t²) ∂J/∂h_t
        dW += np.outer(dJ_da, h[t - 1])  # ∂J/∂W = Σ_t diag(1 - h_t²) ∂J/∂h_t h_{t-1}ᵀ
        dU += np.outer(dJ_da, xs[t - 1])  # ∂J/∂U = Σ_t diag(1 - h_t²) ∂J/∂h_t x_tᵀ

    dh = np.stack([dJ_dh[t] for t in range(1, T + 1)])  # (T, H)
    return {"U": dU, "W": dW, "V": dV, "b": db, "c": dc, "h": dh}
