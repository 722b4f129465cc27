"""Exercise 9 - solution: dot-product attention.

Compare with `attention` and `attend` in tinygrad_rnn/functional_attention.py.
"""

import tinygrad_rnn as tg


def attention(query, keys, values, mask=None):
    """e_i = s·h_i, α = softmax(e) over the kept steps, a = Σ_i α_i v_i."""
    B, T, H = keys.shape
    scores = (keys @ query.reshape(B, H, 1)).reshape(B, T)  # (B, T, H) @ (B, H, 1) -> (B, T)
    if mask is not None:
        scores = tg.where(mask, scores, -1e9)  # masked steps: e^(-1e9 - m) = 0 exactly
    m = scores.amax(axis=1, keepdims=True).detach()  # (B, 1) constant shift
    e = (scores - m).exp()  # (B, T)
    weights = e / e.sum(axis=1, keepdims=True)  # (B, T) α, each row sums to 1
    context = (weights.reshape(B, 1, T) @ values).reshape(B, values.shape[2])  # (B, H_v)
    return context, weights
