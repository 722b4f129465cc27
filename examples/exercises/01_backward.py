"""Exercise 1: the backward of a primitive - tanh and sigmoid.

Every primitive op of the engine (tinygrad_rnn/ops.py) is a forward and a backward:

    forward(x)              -> out                       the value
    backward(out, grad_out) -> grad_x = ∂L/∂x            one step of the chain rule

The backward receives ∂L/∂out (`grad_out`, same shape as out) and returns ∂L/∂x. For an
element-wise function out = f(x) the chain rule is element by element:

    ∂L/∂x = ∂L/∂out ⊙ f'(x)

Both functions here have a derivative you can write with the *output* alone, which is why
the engine saves `out` and not `x`:

    tanh:     out = tanh(x)              f'(x) = 1 - out²
    sigmoid:  out = σ(x) = 1/(1+e^(-x))  f'(x) = out ⊙ (1 - out)

Task: write the three functions below with numpy (one or two lines each).
- Keep the dtype: a float32 input gives a float32 result (numpy does this for you as long
  as you do not convert).
- sigmoid_forward must be finite for every x, also x = -800 or +800 (no nan).

Check your answer:   tinygrad-rnn check 1
The checker compares with the engine's Tanh and Sigmoid ops on random arrays, at large
|x|, in float32, and runs a finite-difference gradient check through your backward.
Afterwards, read `class Tanh` and `class Sigmoid` in tinygrad_rnn/ops.py.
"""

import numpy as np  # noqa: F401  (you will need it)


def tanh_backward(out, grad_out):
    """∂L/∂x for out = tanh(x).

    out       array, the forward's result tanh(x)
    grad_out  array of the same shape, ∂L/∂out
    Returns ∂L/∂x, same shape.
    """
    # Your code here: the chain rule with f'(x) = 1 - out².
    raise NotImplementedError


def sigmoid_forward(x):
    """σ(x) = 1 / (1 + e^(-x)), element-wise; finite for every x."""
    # Your code here. Hint: e^(-x) may overflow to inf for x = -800; 1 / inf is 0.
    raise NotImplementedError


def sigmoid_backward(out, grad_out):
    """∂L/∂x for out = σ(x).

    out       array, σ(x)
    grad_out  array of the same shape, ∂L/∂out
    Returns ∂L/∂x, same shape.
    """
    # Your code here: the chain rule with f'(x) = out (1 - out).
    raise NotImplementedError
