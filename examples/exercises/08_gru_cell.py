"""Exercise 8: the GRU cell, built from primitives.

The Gated Recurrent Unit (Cho et al., 2014) keeps one state h and two gates. PyTorch's
layout stacks the weights of r, z, n row-wise (in that order) and keeps the input and
hidden projections apart, because the reset gate multiplies only the hidden part of n:

    x_proj = x W_ihᵀ + b_ih               (B, 3H)  = [x_r, x_z, x_n]
    h_proj = h_{t-1} W_hhᵀ + b_hh         (B, 3H)  = [h_r, h_z, h_n]
    r_t = σ(x_r + h_r)                    reset gate
    z_t = σ(x_z + h_z)                    update gate
    n_t = tanh(x_n + r_t ⊙ h_n)           candidate (r_t scales h W_hnᵀ + b_hn, bias included)
    h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}  PyTorch's convention: z_t = 1 keeps the old state

Block k of a (B, 3H) array is [:, k*H:(k+1)*H]. Shapes: x (B, D), h_prev (B, H),
weight_ih (3H, D), weight_hh (3H, H), bias_ih and bias_hh (3H,).

Task: write `gru_cell` with Tensor operations only (`@`, `+`, `*`, `1 - z`, slicing,
`.sigmoid()`, `.tanh()`).

Check your answer:   tinygrad-rnn check 8
The checker compares h_t and all six gradients with the engine's nn.GRUCell (same
weights) and runs a finite-difference gradient check.
Afterwards, read `gru_step` in tinygrad_rnn/nn/cells.py.
"""


def gru_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """One GRU step.

    x (B, D), h_prev (B, H), weight_ih (3H, D), weight_hh (3H, H), bias_ih (3H,),
    bias_hh (3H,): Tensors.  Returns h_t (B, H), a Tensor.
    """
    # Your code here: the two projections, r_t, z_t, n_t, h_t.
    raise NotImplementedError
