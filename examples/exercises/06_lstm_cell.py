"""Exercise 6: the LSTM cell, built from primitives.

One step of the Long Short-Term Memory (Hochreiter & Schmidhuber, 1997), in PyTorch's
layout: the four gates' weights are stacked row-wise, in the order i, f, g, o, so one
matmul gives all four pre-activations a = [a_i, a_f, a_g, a_o]:

    a   = x W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh       (B, 4H)
    i_t = σ(a_i)       input gate    - how much of the candidate to write
    f_t = σ(a_f)       forget gate   - how much of the old cell state to keep
    g_t = tanh(a_g)    candidate values
    o_t = σ(a_o)       output gate   - how much of the cell to show
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)

a_i is a[:, 0:H], a_f is a[:, H:2H], a_g is a[:, 2H:3H], a_o is a[:, 3H:4H]; ⊙ is the
element-wise product (`*`). Shapes: x (B, D), h_prev and c_prev (B, H), weight_ih (4H, D),
weight_hh (4H, H), bias_ih and bias_hh (4H,).

Task: write `lstm_cell` with Tensor operations only (`@`, `+`, `*`, slicing `a[:, j:k]`,
`.sigmoid()`, `.tanh()`) - no hand-written gradient: the engine differentiates your
composition, and every gate becomes a node of the graph.

Check your answer:   tinygrad-rnn check 6
The checker compares h_t, c_t and all seven gradients with the engine's nn.LSTMCell
(the same weights) and runs a finite-difference gradient check.
Afterwards, read `lstm_step` in tinygrad_rnn/nn/cells.py, and exercise 7 writes the
backward of this cell by hand.
"""


def lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """One LSTM step.

    x (B, D), h_prev (B, H), c_prev (B, H), weight_ih (4H, D), weight_hh (4H, H),
    bias_ih (4H,), bias_hh (4H,): Tensors.
    Returns (h, c): h_t and c_t, each (B, H), Tensors.
    """
    # Your code here: the pre-activations a, the four gates, c_t, h_t.
    raise NotImplementedError
