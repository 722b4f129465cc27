"""Exercise 7 - solution: the backward of one LSTM step, by hand.

The engine never needs this (it differentiates `lstm_step` op by op); it is the lesson.
"""

import numpy as np


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def lstm_forward(x, h_prev, c_prev, weight_ih, weight_hh, bias):
    """One LSTM step in numpy; returns (h, c, cache)."""
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
    """∂L/∂(everything) of one LSTM step, given ∂L/∂h_t = dh and ∂L/∂c_t = dc."""
    i, f, g, o = cache["i"], cache["f"], cache["g"], cache["o"]
    c_prev, tanh_c = cache["c_prev"], cache["tanh_c"]
    # the cell state gets gradient from the next step (dc) and through h_t = o ⊙ tanh(c_t)
    dc_t = dc + dh * o * (1 - tanh_c**2)
    da_o = dh * tanh_c * o * (1 - o)  # ∂L/∂a_o
    da_f = dc_t * c_prev * f * (1 - f)  # ∂L/∂a_f
    da_i = dc_t * g * i * (1 - i)  # ∂L/∂a_i
    da_g = dc_t * i * (1 - g**2)  # ∂L/∂a_g
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)  # (B, 4H), rows i, f, g, o
    return {
        "a_i": da_i,
        "a_f": da_f,
        "a_g": da_g,
        "a_o": da_o,
        "c_prev": dc_t * f,  # ∂L/∂c_{t-1} = ∂L/∂c_t ⊙ f_t
        "h_prev": da @ cache["weight_hh"],  # (B, 4H) @ (4H, H)
        "x": da @ cache["weight_ih"],  # (B, 4H) @ (4H, D)
        "weight_ih": da.T @ cache["x"],  # (4H, B) @ (B, D)
        "weight_hh": da.T @ cache["h_prev"],  # (4H, B) @ (B, H)
        "bias": da.sum(axis=0),  # (4H,)
    }
