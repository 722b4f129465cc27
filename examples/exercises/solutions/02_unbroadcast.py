"""Exercise 2 - solution: unbroadcast, the gradient of NumPy broadcasting.

Compare with `unbroadcast` in tinygrad_rnn/ops_base.py (the same two sums, in one call).
"""


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`: over the extra leading axes, then over every axis
    where the input had size 1. Returns a new array of shape `shape`."""
    shape = tuple(shape)
    extra = grad.ndim - len(shape)
    # 1. broadcasting prepended `extra` axes: every copy along them adds up
    summed = grad.sum(axis=tuple(range(extra))) if extra > 0 else grad
    # 2. axes of size 1 were stretched: sum them back, keeping the axis (size 1)
    stretched = tuple(
        axis for axis, size in enumerate(shape) if size == 1 and summed.shape[axis] != 1
    )
    if stretched:
        summed = summed.sum(axis=stretched, keepdims=True)
    return summed.reshape(shape)
