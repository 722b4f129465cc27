"""The op protocol's base: `Op`, the registry `PRIMITIVES`, and `unbroadcast`.

Every primitive (ops.py, ops_matmul.py, ops_reduce.py, ops_shape.py) is a subclass of
`Op`; defining the class registers it in `PRIMITIVES` under its `name`, so that
tests/test_ops.py can fail when a primitive has no gradient test. `unbroadcast` is the
one place where a gradient is summed back to the shape of a broadcast input.

This module imports no node: the primitives work on plain numpy arrays.

Read next: ops.py (the element-wise primitives: Add, Mul, Tanh, Sigmoid ...).
"""

from __future__ import annotations

import numpy as np

PRIMITIVES: dict[str, type[Op]] = {}


class Op:
    """Base class: subclasses set `name`, `forward(ctx, *arrays, **params)`,
    `backward(ctx, grad_out)`, and may set `explain(shapes, params)` for error messages."""

    name = ""
    # which inputs want a gradient (PyTorch's `ctx.needs_input_grad`): Tensor._vjp sets it
    # before each backward; an op called by hand (tests) computes every input's gradient
    needs_input_grad: tuple = (True, True, True)

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            PRIMITIVES[cls.name] = cls

    def __repr__(self) -> str:
        return f"<{type(self).__name__} op {self.name!r}>"  # what `x.grad_fn` shows

    @staticmethod
    def explain(shapes: list[tuple], params: dict) -> str | None:
        """A sentence saying why these input shapes do not work (None: use numpy's words)."""
        return None


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` down to `shape`, undoing NumPy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of size 1, so
    each copy's gradient must be added back: sum over the extra leading axes, then over
    every axis where the input had size 1 but the gradient does not.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    summed = tuple(range(extra)) + tuple(
        extra + i for i, size in enumerate(shape) if size == 1 and grad.shape[extra + i] != 1
    )
    return grad.sum(axis=summed).reshape(shape)


def broadcast_reason(shapes: list[tuple], params: dict) -> str:
    return f"shapes {' and '.join(map(str, shapes))} cannot be broadcast together"
