"""Exercise 5: backpropagation through time by hand, for the vanilla RNN.

The model of exercise 4 reads one sequence x_1 ... x_T with targets y_1 ... y_T (class
indices) and is scored with the summed cross-entropy:

    h_t = tanh(U x_t + W h_{t-1} + b)         (h_0 = 0)
    o_t = V h_t + c
    ŷ_t = softmax(o_t)
    J   = Σ_t -log ŷ_t[y_t]

`forward` below computes h_t, ŷ_t and J for you. Your job is the backward pass, with
vectors as 1-D numpy arrays (y_t also stands for the one-hot vector of the target):

    ∂J/∂o_t = ŷ_t - y_t
    ∂J/∂h_T = Vᵀ ∂J/∂o_T
    ∂J/∂h_t = Wᵀ diag(1 - h_{t+1}²) ∂J/∂h_{t+1} + Vᵀ ∂J/∂o_t          t = T-1 ... 1
    ∂J/∂c = Σ_t ∂J/∂o_t                   ∂J/∂V = Σ_t ∂J/∂o_t h_tᵀ
    ∂J/∂b = Σ_t diag(1 - h_t²) ∂J/∂h_t    ∂J/∂W = Σ_t diag(1 - h_t²) ∂J/∂h_t h_{t-1}ᵀ
                                          ∂J/∂U = Σ_t diag(1 - h_t²) ∂J/∂h_t x_tᵀ

In numpy: Wᵀ v is `W.T @ v`; diag(d) v is `d * v`; u vᵀ (an outer product) is
`np.outer(u, v)`. The parameters are shared by all steps, so their gradients are SUMS
over t. ∂J/∂h_t is the gradient flowing into step t: from the output o_t and from the
next step h_{t+1}.

Task: write `bptt`, returning a dict with the five parameter gradients (same shapes as
the parameters) and "h": a (T, H) array whose row t-1 is ∂J/∂h_t.

Check your answer:   tinygrad-rnn check 5
The checker compares every gradient with the engine's tinygrad_rnn.bptt.bptt (which the
test suite checks against autodiff) on several sequences. Afterwards, read
tinygrad_rnn/bptt.py, and run examples with autodiff to see the same numbers.
"""

import numpy as np


def forward(U, W, V, b, c, xs, targets):
    """The RNN over one sequence (given - no need to change it).

    U (H, D), W (H, H), V (K, H), b (H,), c (K,), xs (T, D), targets: T ints in [0, K).
    Returns h (dict t -> (H,) for t = 0 ... T, h[0] = 0), y_hat (dict t -> (K,) for
    t = 1 ... T) and the loss J (a float).
    """
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
    """The gradients of J for one sequence.

    Returns {"U": ∂J/∂U, "W": ∂J/∂W, "V": ∂J/∂V, "b": ∂J/∂b, "c": ∂J/∂c,
             "h": (T, H) array, row t-1 = ∂J/∂h_t}.
    """
    h, y_hat, J = forward(U, W, V, b, c, xs, targets)
    # Your code here:
    #   1. ∂J/∂o_t for every t
    #   2. ∂J/∂h_t from t = T down to 1
    #   3. the parameter gradients, summed over t
    raise NotImplementedError
