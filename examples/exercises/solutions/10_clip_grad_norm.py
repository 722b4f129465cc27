"""Exercise 10 - solution: gradient clipping by the global norm.

Compare with `clip_grad_norm_` in tinygrad_rnn/nn/utils/clip_grad.py.
"""

import numpy as np


def clip_grad_norm(parameters, max_norm):
    """Scale all gradients by min(1, max_norm / (total + 1e-6)); return the total norm."""
    with_grad = [p for p in parameters if p.grad is not None]
    squares = 0.0
    for p in with_grad:
        squares += float(np.sum(np.square(p.grad, dtype=np.float64)))  # ‖g_i‖²
    total = squares**0.5  # ‖(g_1, ..., g_n)‖, all gradients as one vector
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for p in with_grad:
            p.grad = p.grad * scale  # a Python float keeps float32 gradients float32
    return total
