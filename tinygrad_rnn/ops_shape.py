"""The shape and indexing primitives: `Reshape`, `Transpose`, `GetItem`, `IndexPut`,
`Gather`, `Concat`, `Stack` and `Where`.

They move numbers without changing them, so each backward moves grad_out back to where
the numbers came from: reshape it back, transpose it back, scatter it into the sliced
positions (`GetItem` sends a sparse `IndexedGrad`, see gradients.py), split it among the
joined inputs, or route it to the side `Where` picked. `IndexPut` is `x[index] = v` as a
node (what `Tensor.__setitem__` records, tensor_inplace.py).

Read next: tensor.py (how `x.tanh()` becomes a node that calls an op).
"""

from __future__ import annotations

import numpy as np

from .gradients import IndexedGrad
from .ops_base import Op, unbroadcast


class Reshape(Op):
    """out = x viewed with a new shape (same elements, same order);
    d/dx = grad_out reshaped back to x's shape"""

    name = "reshape"

    @staticmethod
    def explain(shapes, params):
        size = int(np.prod(shapes[0]))
        return f"cannot reshape {shapes[0]} ({size} elements) into {params.get('shape')}"

    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    def backward(ctx, grad_out):
        return (grad_out.reshape(ctx.shape),)


class Transpose(Op):
    """out = x with its axes permuted (out.shape[i] = x.shape[axes[i]]);
    d/dx = grad_out permuted back by the inverse permutation"""

    name = "transpose"

    @staticmethod
    def explain(shapes, params):
        return f"axes {params.get('axes')} are not a permutation of the {len(shapes[0])} axes"

    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.transpose(x, axes)

    def backward(ctx, grad_out):
        return (np.transpose(grad_out, np.argsort(ctx.axes)),)


class GetItem(Op):
    """out = x[index] (slices, ints, integer arrays, boolean masks);
    d/dx = grad_out scattered back into zeros of x's shape (added where indices repeat),
    sent as an `IndexedGrad` so that the zeros are never written out per slice"""

    name = "getitem"

    @staticmethod
    def explain(shapes, params):
        return f"index {params.get('index')!r} does not fit a tensor of shape {shapes[0]}"

    def forward(ctx, x, index):
        ctx.shape = x.shape
        ctx.dtype = x.dtype
        ctx.index = index
        return x[index]

    def backward(ctx, grad_out):
        return (IndexedGrad(ctx.shape, ctx.dtype, ctx.index, grad_out),)


class IndexPut(Op):
    """out = x with out[index] = v (v broadcast to the shape of x[index]);
    d/dx = grad_out with zeros at index (those entries were overwritten),
    d/dv = grad_out[index], summed back to v's shape.

    Repeated integer indices (`x[[0, 0]] = v`): as numpy assigns, the last write to a
    position wins, so only the winning entries of v get its gradient (the others 0).
    PyTorch leaves the winner undefined; `x.index_put_(..., accumulate=True)` is not here.
    """

    name = "index_put"

    @staticmethod
    def explain(shapes, params):
        index = params.get("index")
        return f"cannot write a value of shape {shapes[1]} into x[{index!r}] of shape {shapes[0]}"

    def forward(ctx, x, v, index):
        out = x.copy()
        out[index] = v
        ctx.index = index
        ctx.v_shape = v.shape
        ctx.won = _winning_writes(x.shape, index)  # None when no position is written twice
        return out

    def backward(ctx, grad_out):
        grad_x = grad_out.copy()
        grad_x[ctx.index] = 0
        grad_v = grad_out[ctx.index]  # (shape of x[index])
        if ctx.won is not None:
            grad_v = grad_v * ctx.won
        return (grad_x, _sum_to_shape(grad_v, ctx.v_shape))


def _winning_writes(shape: tuple, index):
    """For an index with integer arrays: a boolean array of the shape of x[index], True
    where that entry's write is the one that stays (the last to the same position).
    None for indices that write every position once (slices, ints, boolean masks)."""
    items = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(item, np.ndarray) and item.dtype.kind in "iu" for item in items):
        return None
    writer = np.full(shape, -1, dtype=np.intp)
    picked_shape = writer[index].shape
    order = np.arange(int(np.prod(picked_shape)), dtype=np.intp).reshape(picked_shape)
    writer[index] = order  # the same assignment as the forward: the same writes win
    return writer[index] == order


def _sum_to_shape(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """`grad` (shape of x[index]) summed to v's shape. numpy also lets v carry extra
    leading axes of length 1 (`x[0] = v` with v of shape (1, H)): those are put back."""
    if len(shape) > grad.ndim:
        grad = grad.reshape((1,) * (len(shape) - grad.ndim) + grad.shape)
    return unbroadcast(grad, shape)


class Gather(Op):
    """out[...] = weight[indices[...]]: rows of `weight` picked by integer indices
    (an embedding lookup);   d/dweight = each grad_out row added into its row"""

    name = "gather"

    @staticmethod
    def explain(shapes, params):
        indices = np.asarray(params.get("indices"))
        if not shapes[0]:
            return f"the weight must have at least one axis (its rows), got shape {shapes[0]}"
        rows = shapes[0][0]
        if indices.size and (indices.min() < 0 or indices.max() >= rows):
            return (
                f"indices must be in 0..{rows - 1} for a weight of shape {shapes[0]}, "
                f"got values from {indices.min()} to {indices.max()}"
            )
        return f"cannot gather rows {indices.shape} of a weight of shape {shapes[0]}"

    def forward(ctx, weight, indices):
        if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
            raise IndexError("index out of range")
        ctx.shape = weight.shape
        ctx.indices = indices
        return weight[indices]

    def backward(ctx, grad_out):
        # Rows picked several times (the same character in many places) must add up.
        # np.add.at(grad, indices, grad_out) says exactly that, but it is about 10x
        # slower than sorting the indices and summing each run of equal ones at once.
        grad = np.zeros(ctx.shape, dtype=grad_out.dtype)
        rows = ctx.indices.reshape(-1)  # (N,) row of each picked element
        if rows.size == 0:
            return (grad,)
        picked = grad_out.reshape(rows.size, -1)  # (N, D): one gradient row per pick
        order = np.argsort(rows, kind="stable")
        sorted_rows = rows[order]
        run_starts = np.flatnonzero(
            np.concatenate(([True], sorted_rows[1:] != sorted_rows[:-1]))
        )  # where each distinct row begins in sorted_rows
        row_sums = np.add.reduceat(picked[order], run_starts, axis=0)  # (distinct, D)
        grad.reshape(ctx.shape[0], -1)[sorted_rows[run_starts]] = row_sums
        return (grad,)


def _join_reason(shapes, params) -> str:
    listed = ", ".join(map(str, shapes))
    axis, ndim = params.get("axis", 0), len(shapes[0])
    if ndim == 0:
        return f"cannot join 0-d tensors ({listed}) along an axis; use stack to make a vector"
    if not -ndim <= axis < ndim:
        return f"axis {axis} is out of range for shapes {listed} (valid: {-ndim} .. {ndim - 1})"
    return f"shapes {listed} must match on every axis except axis {axis}"


class Concat(Op):
    """out = [x1, x2, ...] joined along `axis`;
    d/dxi = the slice of grad_out that xi occupied"""

    name = "concat"
    explain = staticmethod(_join_reason)

    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        ctx.ends = np.cumsum([x.shape[axis] for x in xs])[:-1]
        return np.concatenate(xs, axis=axis)

    def backward(ctx, grad_out):
        return tuple(np.split(grad_out, ctx.ends, axis=ctx.axis))


class Stack(Op):
    """out = [x1, x2, ...] stacked along a new `axis`;
    d/dxi = grad_out taken at position i of that axis"""

    name = "stack"

    @staticmethod
    def explain(shapes, params):
        listed = ", ".join(map(str, shapes))
        axis, ndim = params.get("axis", 0), len(shapes[0]) + 1  # the result has one more axis
        if len(set(shapes)) == 1 and not -ndim <= axis < ndim:
            valid = f"valid: {-ndim} .. {ndim - 1}"
            return f"axis {axis} is out of range for stacking shapes {listed} ({valid})"
        return f"all inputs must have the same shape to stack, got {listed}"

    def forward(ctx, *xs, axis=0):
        out = np.stack(xs, axis=axis)
        ctx.axis = axis % out.ndim
        ctx.count = len(xs)
        return out

    def backward(ctx, grad_out):
        head = (slice(None),) * ctx.axis
        return tuple(grad_out[head + (i,)] for i in range(ctx.count))


class Where(Op):
    """out = a where cond else b (cond is a constant boolean array);
    d/da = grad_out where cond else 0,   d/db = grad_out where not cond else 0"""

    name = "where"

    @staticmethod
    def explain(shapes, params):
        cond_shape = np.shape(params.get("cond"))
        return f"condition {cond_shape} and shapes {shapes[0]}, {shapes[1]} cannot be broadcast"

    def forward(ctx, a, b, cond):
        ctx.cond = cond
        ctx.a_shape = a.shape
        ctx.b_shape = b.shape
        return np.where(cond, a, b)

    def backward(ctx, grad_out):
        need_a, need_b = ctx.needs_input_grad[:2]
        zero = np.zeros((), dtype=grad_out.dtype)
        grad_a = unbroadcast(np.where(ctx.cond, grad_out, zero), ctx.a_shape) if need_a else None
        grad_b = unbroadcast(np.where(ctx.cond, zero, grad_out), ctx.b_shape) if need_b else None
        return (grad_a, grad_b)
