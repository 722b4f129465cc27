"""Exercise 7: the backward pass of one LSTM step, by hand.

`lstm_forward` below is the cell of exercise 6 in numpy (one bias vector b = b_ih + b_hh):

    a   = x W_ihᵀ + h_{t-1} W_hhᵀ + b        a = [a_i, a_f, a_g, a_o], each (B, H)
    i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)

Given dh = ∂L/∂h_t and dc = ∂L/∂c_t (what the next time step and the output send back),
work backwards through those lines. Remember σ'(a) = σ(a)(1 - σ(a)), tanh'(a) = 1 - tanh²(a):

    ∂L/∂c_t (total) = dc + dh ⊙ o ⊙ (1 - tanh²(c_t))     c_t also feeds h_t
    ∂L/∂a_o = dh ⊙ tanh(c_t) ⊙ o (1 - o)
    ∂L/∂a_f = ∂L/∂c_t ⊙ c_{t-1} ⊙ f (1 - f)
    ∂L/∂a_i = ∂L/∂c_t ⊙ g ⊙ i (1 - i)
    ∂L/∂a_g = ∂L/∂c_t ⊙ i ⊙ (1 - g²)
    ∂L/∂c_{t-1} = ∂L/∂c_t ⊙ f                 the "highway": one multiply per step
    with da = [∂L/∂a_i, ∂L/∂a_f, ∂L/∂a_g, ∂L/∂a_o]   (B, 4H):
    ∂L/∂h_{t-1} = da W_hh      ∂L/∂x = da W_ih
    ∂L/∂W_hh = daᵀ h_{t-1}     ∂L/∂W_ih = daᵀ x     ∂L/∂b = Σ over the batch of da

Task: write `lstm_cell_backward(dh, dc, cache)` in numpy, returning a dict with the keys
"a_i", "a_f", "a_g", "a_o", "c_prev", "h_prev", "x", "weight_ih", "weight_hh", "bias"
(each the gradient of L with respect to that quantity, with its shape).

Check your answer:   tinygrad-rnn check 7
The checker compares every entry with the engine's autodiff through nn/cells.py's
lstm_step for random dh and dc.
"""

import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def lstm_forward(x, h_prev, c_prev, weight_ih, weight_hh, bias):
    """One LSTM step in numpy (given - no need to change it).

    x (B, D), h_prev (B, H), c_prev (B, H), weight_ih (4H, D), weight_hh (4H, H), bias (4H,).
    Returns (h, c, cache); cache holds the inputs and i, f, g, o, c, tanh_c (each (B, H)).
    """
    H = h_prev.shape[1]
    a = x @ weight_ih.T + h_prev @ weight_hh.T + bias  # (B, 4H)
    i = sigmoid(a[:, 0 * H : 1 * H])
    f = sigmoid(a[:, 1 * H : 2 * H])
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = sigmoid(a[:, 3 * H : 4 * H])
    c = f * c_prev + i * g
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = dict(x=x, h_prev=h_prev, c_prev=c_prev, weight_ih=weight_ih, weight_hh=weight_hh)
    cache.update(i=i, f=f, g=g, o=o, c=c, tanh_c=tanh_c)
    return h, c, cache


def lstm_cell_backward(dh, dc, cache):
    """The gradients of one LSTM step.

    dh, dc  (B, H): ∂L/∂h_t and ∂L/∂c_t
    cache   the dict lstm_forward returned
    Returns {"a_i", "a_f", "a_g", "a_o", "c_prev", "h_prev", "x", "weight_ih",
             "weight_hh", "bias"} -> arrays.
    """
    # Your code here. Start from the cache: i, f, g, o = cache["i"], ..., cache["tanh_c"];
    # then the total ∂L/∂c_t, the four gates, and the rest.
    raise NotImplementedError
