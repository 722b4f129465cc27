"""Exercise 8 - solution: the GRU cell from primitives.

Compare with `gru_step` in tinygrad_rnn/nn/cells.py.
"""


def gru_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """One GRU step, PyTorch's layout (rows r, z, n) and convention; returns h_t."""
    H = h_prev.shape[-1]
    x_proj = x @ weight_ih.T + bias_ih  # (B, 3H)
    h_proj = h_prev @ weight_hh.T + bias_hh  # (B, 3H)
    r = (x_proj[:, 0 * H : 1 * H] + h_proj[:, 0 * H : 1 * H]).sigmoid()  # (B, H) reset
    z = (x_proj[:, 1 * H : 2 * H] + h_proj[:, 1 * H : 2 * H]).sigmoid()  # (B, H) update
    n = (x_proj[:, 2 * H : 3 * H] + r * h_proj[:, 2 * H : 3 * H]).tanh()  # (B, H) candidate
    return (1 - z) * n + z * h_prev  # (B, H)
