"""Exercise 9: dot-product attention.

A decoder in state s asks every encoder state h_1 ... h_T how well it matches, turns the
scores into weights that sum to 1, and reads the weighted average - the context vector:

    e_i = s · h_i                       score of step i                   (B, T)
    α   = softmax(e)                    α_i = e^(e_i) / Σ_j e^(e_j)        (B, T)
    a   = Σ_i α_i v_i                   context vector                    (B, H_v)

Shapes: query s (B, H), keys h_i (B, T, H), values v_i (B, T, H_v) (usually the keys
again). With batched matmul: keys @ query.reshape(B, H, 1) is (B, T, 1), the scores; and
weights.reshape(B, 1, T) @ values is (B, 1, H_v), the context.

Two things to get right:
- Softmax overflows for large scores (e^1000 = inf, inf/inf = nan). Subtract the row's
  maximum first - softmax(e) = softmax(e - max e) - and `.detach()` that maximum (a
  constant shift needs no gradient).
- mask (B, T) is a boolean numpy array or None; True = attend to this step. Masked steps
  (padding after a short sentence) must get weight exactly 0 and the others must sum to 1:
  replace their scores with a very negative number first, `tg.where(mask, scores, -1e9)`.

Task: write `attention` with Tensor operations; return (context, weights).

Check your answer:   tinygrad-rnn check 9
The checker compares context, weights and the gradients of query, keys and values with
the engine's F.attention, with masks, large scores and T = 1, and runs a gradient check.
Afterwards, read `attention` in tinygrad_rnn/functional_attention.py.
"""

import tinygrad_rnn as tg  # noqa: F401  (tg.where)


def attention(query, keys, values, mask=None):
    """Dot-product attention.

    query (B, H), keys (B, T, H), values (B, T, H_v): Tensors; mask (B, T) bool or None.
    Returns (context (B, H_v), weights (B, T)), both Tensors.
    """
    # Your code here: scores, (mask), a stable softmax over axis 1, the weighted sum.
    raise NotImplementedError
