"""Exercise 2: unbroadcast - the gradient of NumPy broadcasting.

When a (3, 1) array `b` is added to a (2, 3, 4) array, NumPy *broadcasts* b: it copies it
along a new leading axis (size 2) and along its size-1 axis (to size 4). In the backward
pass every copy sends its own gradient, and they must be added up, so that the gradient
for b has b's shape again:

    out = a + b          a (2, 3, 4), b (3, 1)      -> out (2, 3, 4)
    ∂L/∂b = Σ of ∂L/∂out over the copies            -> (3, 1)

    unbroadcast(grad, shape):
      1. sum over the extra leading axes   (grad.ndim - len(shape) of them)
      2. sum over every axis where shape has size 1 but grad does not (keep that axis)
      3. the result has exactly `shape`

Examples:   grad (2, 3, 4) -> shape (3, 4):  sum over axis 0
            grad (3, 4)    -> shape (3, 1):  sum over axis 1, keep it: (3, 1)
            grad (2, 3, 4) -> shape (1, 4):  sum over axis 0, then axis 0 of the rest (3 -> 1)
            grad (5,)      -> shape ():      sum everything

Task: write `unbroadcast` with numpy. It must not change `grad` (other nodes may share the
array): `grad.sum(...)` returns a new array, so just do not write into `grad`.

Check your answer:   tinygrad-rnn check 2
The checker compares with the engine's `ops.unbroadcast` on many shapes (scalars, size-1
axes, extra leading axes) and runs a finite-difference gradient check of a broadcasting
add whose backward calls your function. Afterwards, read `unbroadcast` in tinygrad_rnn/ops_base.py.
"""

import numpy as np  # noqa: F401  (you will need it)


def unbroadcast(grad, shape):
    """Sum `grad` (an array) down to `shape` (a tuple), undoing broadcasting.

    Returns an array of shape `shape`.
    """
    # Your code here: the three steps of the docstring above.
    raise NotImplementedError
