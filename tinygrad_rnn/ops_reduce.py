"""The reductions: `Sum`, `Mean` and `Max` over one axis, several, or all.

    out = Σ x;   dL/dx = grad_out, copied back along the summed axes
    out = max x; dL/dx = grad_out where x is the maximum (ties share it evenly)

`_expand_reduced` puts the reduced axes back into grad_out (keepdims) so it broadcasts
over the input.

Read next: ops_shape.py (reshape, transpose, indexing, concat, stack, where).
"""

from __future__ import annotations

import numpy as np

from .ops_base import Op


def _normalize_axes(axis, ndim: int) -> tuple[int, ...]:
    """axis=None/int/tuple -> sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    if not isinstance(axis, tuple):
        raise ValueError(f"axis {axis!r} is not an int or a tuple of ints")
    axes = []
    for a in axis:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise ValueError(f"axis {a!r} is not an int")
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim)
        axes.append(a % ndim)
    if len(set(axes)) != len(axes):
        raise ValueError("duplicate value in 'axis'")
    return tuple(sorted(axes))


def _expand_reduced(grad_out, axes: tuple[int, ...], keepdims: bool):
    """Put back the reduced axes (as size 1) so grad_out broadcasts against the input."""
    if keepdims:
        return grad_out
    return np.expand_dims(grad_out, axes)


def _axis_reason(shapes, params) -> str:
    """Why `axis` does not fit: not ints, named twice, or out of range."""
    axis, shape = params.get("axis"), shapes[0]
    axes = axis if isinstance(axis, tuple) else (axis,)
    if not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
        return f"axis must be None, an int or a tuple of ints, got {axis!r}"
    ndim = len(shape)
    if not all(-ndim <= a < ndim for a in axes):
        return f"axis {axis} is out of range for shape {shape} (valid: {-ndim} .. {ndim - 1})"
    return f"axis {axis} names the same axis twice (shape {shape})"


class Sum(Op):
    """out = Σ x over `axis`;   d/dx = 1 (grad_out copied to every summed element)"""

    name = "sum"
    explain = staticmethod(_axis_reason)

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape = x.shape
        ctx.axes = _normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        return np.asarray(x.sum(axis=ctx.axes, keepdims=keepdims))

    def backward(ctx, grad_out):
        grad = _expand_reduced(grad_out, ctx.axes, ctx.keepdims)
        return (np.broadcast_to(grad, ctx.shape),)


class Mean(Op):
    """out = (1/n) Σ x over `axis` (n elements);   d/dx = 1/n"""

    name = "mean"
    explain = staticmethod(_axis_reason)

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.shape = x.shape
        ctx.axes = _normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return np.asarray(x.mean(axis=ctx.axes, keepdims=keepdims))

    def backward(ctx, grad_out):
        grad = _expand_reduced(grad_out, ctx.axes, ctx.keepdims) / ctx.count
        return (np.broadcast_to(grad, ctx.shape),)


class Max(Op):
    """out = max x over `axis`;   d/dx = 1 at the maximum, 0 elsewhere.

    Ties: when several elements share the maximum, the gradient is split evenly
    among them (each gets grad_out / number_of_ties), so the total is preserved.
    """

    name = "max"

    @staticmethod
    def explain(shapes, params):
        if 0 in shapes[0]:
            return f"cannot take the max of an empty tensor of shape {shapes[0]} (no elements)"
        return _axis_reason(shapes, params)

    def forward(ctx, x, axis=None, keepdims=False):
        ctx.x = x
        ctx.axes = _normalize_axes(axis, x.ndim)
        ctx.keepdims = keepdims
        ctx.out = np.asarray(x.max(axis=ctx.axes, keepdims=keepdims))
        return ctx.out

    def backward(ctx, grad_out):
        out = _expand_reduced(ctx.out, ctx.axes, ctx.keepdims)
        grad = _expand_reduced(grad_out, ctx.axes, ctx.keepdims)
        is_max = ctx.x == out
        ties = is_max.sum(axis=ctx.axes, keepdims=True)
        return ((grad * is_max / ties).astype(ctx.x.dtype, copy=False),)
