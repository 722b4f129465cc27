"""Exercise 10: gradient clipping by norm.

Backpropagating through T steps multiplies T Jacobians diag(1 - h_t²) Wᵀ, so ‖∂L/∂h_1‖
can grow like ‖W‖^T: one bad batch gives a gradient of 1e6 and the training step throws
the model away. Clipping rescales ALL gradients together, after backward() and before the
optimizer step, so that their joint norm is at most max_norm (the direction is kept):

    total = sqrt( Σ_i ‖g_i‖² )            the norm of all gradients as ONE vector
    scale = max_norm / (total + 1e-6)      (PyTorch's formula; 1e-6 avoids 0/0)
    if scale < 1:   g_i <- scale · g_i     for every parameter i

‖g_i‖² is the sum of the squares of all entries of p.grad. Parameters whose `grad` is None
(not used in this loss) are skipped. Return `total`, the norm BEFORE clipping (so you can
log it and see when gradients explode).

Task: write `clip_grad_norm(parameters, max_norm)`. `parameters` is a list of Tensors with
a numpy array (or None) in `.grad`; change their `.grad` (in place or by assigning a new
array of the same shape and dtype) and return the total norm as a float.

Check your answer:   tinygrad-rnn check 10
The checker compares the returned norm and every clipped gradient with the engine's
nn.utils.clip_grad_norm_ (large and small norms, a parameter without a gradient, float32).
Afterwards, read tinygrad_rnn/nn/utils/clip_grad.py.
"""

import numpy as np  # noqa: F401  (you will need it)


def clip_grad_norm(parameters, max_norm):
    """Rescale the gradients so their joint norm is at most max_norm.

    parameters  list of Tensors (their .grad is a numpy array or None)
    max_norm    float
    Returns the total norm before clipping (a float).
    """
    # Your code here: total, scale, and (if scale < 1) the rescaled gradients.
    raise NotImplementedError
