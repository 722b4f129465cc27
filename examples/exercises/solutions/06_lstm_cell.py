"""Exercise 6 - solution: the LSTM cell from primitives.

Compare with `lstm_step` in tinygrad_rnn/nn/cells.py (which also labels every gate).
"""


def lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """One LSTM step, PyTorch's gate layout (rows i, f, g, o); returns (h, c)."""
    H = h_prev.shape[-1]
    a = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh  # (B, 4H)
    i = a[:, 0 * H : 1 * H].sigmoid()  # (B, H) input gate
    f = a[:, 1 * H : 2 * H].sigmoid()  # (B, H) forget gate
    g = a[:, 2 * H : 3 * H].tanh()  # (B, H) candidate
    o = a[:, 3 * H : 4 * H].sigmoid()  # (B, H) output gate
    c = f * c_prev + i * g  # (B, H)
    h = o * c.tanh()  # (B, H)
    return h, c
