"""Exercise 4 - solution: one step of the vanilla RNN with U, W, V, b, c.

Compare with `ElmanRNN.forward` in tinygrad_rnn/nn/lessons.py (the same two lines,
inside the loop over t).
"""


def rnn_step(x, h_prev, U, W, V, b, c):
    """h_t = tanh(U x_t + W h_{t-1} + b),  o_t = V h_t + c;  one row per example."""
    a = x @ U.T + h_prev @ W.T + b  # (B, H)   a_t = U x_t + W h_{t-1} + b
    h = a.tanh()  # (B, H)   h_t
    o = h @ V.T + c  # (B, K)   o_t = V h_t + c
    return h, o
