"""The matrix-product primitives: `MatMul` (a @ b) and `Addmm` (c + a @ b in one node).

    out = a @ b;   dL/da = grad_out @ bᵀ,   dL/db = aᵀ @ grad_out

with numpy's rules for 1-D operands and broadcast batch axes (`matmul_grads`), and
`matmul_shape` saying in words why two shapes do not fit.

Read next: ops_reduce.py (sum, mean, max).
"""

from __future__ import annotations

import math

import numpy as np

from .gradients import ProductGrad
from .ops_base import Op, unbroadcast


def matmul_grads(
    a: np.ndarray, b: np.ndarray, grad_out: np.ndarray, need_a: bool = True, need_b: bool = True
) -> tuple:
    """(dL/da, dL/db) for out = a @ b: grad_out @ bᵀ and aᵀ @ grad_out, summed over
    broadcast batch axes; a 1-D a is a (1, k) row and a 1-D b a (k, 1) column, as in numpy.
    None for an input that needs no gradient (`need_a`, `need_b`: an input, an image's
    columns).

    For a 2-D b, a's batch axes are rows like any other (`matrix_product`), and dL/db is
    sent as a `ProductGrad` (gradients.py): aᵀ @ grad_out is multiplied out when backward
    reaches b, in one product with b's other uses (W_hh at every time step)."""
    if a.ndim >= 2 and b.ndim == 2:  # rows of a times one matrix b (nn.Linear on (B, T, k))
        a_rows = as_rows(a)  # (N, k)
        g_rows = as_rows(grad_out)  # (N, m)
        grad_a = (g_rows @ b.T).reshape(a.shape) if need_a else None
        return (grad_a, ProductGrad(a_rows, g_rows))  # (..., n, k), (k, m) later
    a2 = a if a.ndim > 1 else a[np.newaxis, :]  # (..., n, k)
    b2 = b if b.ndim > 1 else b[:, np.newaxis]  # (..., k, m)
    g2 = grad_out
    if a.ndim == 1:
        g2 = np.expand_dims(g2, -2 if b.ndim > 1 else 0)
    if b.ndim == 1:
        g2 = np.expand_dims(g2, -1)  # (..., n, m)
    grad_a = None
    if need_a:
        grad_a = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
    grad_b = None
    if need_b:
        grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
    return (grad_a, grad_b)


def matrix_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b. For a 2-D b and an a with batch axes, (B, T, k) @ (k, m), as one 2-D product
    of all B·T rows: numpy would loop over the batch with one small product each, several
    times slower (nn.Linear on a (B, T, k) sequence)."""
    if a.ndim > 2 and b.ndim == 2 and a.shape[-1] == b.shape[0]:
        rows = as_rows(a) @ b  # (B·T, m)
        return rows.reshape(a.shape[:-1] + (b.shape[1],))  # (B, T, m)
    return a @ b  # (and numpy's words when the shapes do not fit)


def as_rows(x: np.ndarray) -> np.ndarray:
    """x as a 2-D array of its rows: (..., k) -> (N, k), N the product of the other axes
    (written out rather than -1, which numpy cannot resolve when k = 0)."""
    return x.reshape(math.prod(x.shape[:-1]), x.shape[-1])


def matmul_shape(a: tuple, b: tuple) -> tuple | None:
    """The shape of a @ b for inputs of shapes a and b, or None if they do not fit."""
    if len(a) == 0 or len(b) == 0:
        return None
    inner_b = b[0] if len(b) == 1 else b[-2]
    if a[-1] != inner_b:
        return None
    try:
        batch = np.broadcast_shapes(a[:-2], b[:-2])
    except ValueError:
        return None
    rows = a[-2:-1]  # (n,), or () for a 1-D a
    columns = b[-1:] if len(b) > 1 else ()  # (m,), or () for a 1-D b
    return batch + rows + columns


class MatMul(Op):
    """out = a @ b (NumPy matmul: 1-D, 2-D and batched);
    d/da = grad_out @ bᵀ,  d/db = aᵀ @ grad_out   (summed over broadcast batch axes)"""

    name = "matmul"

    @staticmethod
    def explain(shapes, params):
        a, b = shapes
        if len(a) == 0 or len(b) == 0:
            return f"shapes {a} and {b}: matmul needs at least 1-D inputs (use * for scalars)"
        inner_b = b[0] if len(b) == 1 else b[-2]
        if a[-1] != inner_b:
            return f"shapes {a} and {b} do not align ({a[-1]} != {inner_b})"
        return f"batch shapes of {a} and {b} cannot be broadcast together"

    def forward(ctx, a, b):
        ctx.a = a
        ctx.b = b
        return matrix_product(a, b)

    def backward(ctx, grad_out):
        return matmul_grads(ctx.a, ctx.b, grad_out, *ctx.needs_input_grad[:2])


class Addmm(Op):
    """out = c + a @ b (PyTorch's `torch.addmm`, with broadcasting);
    d/dc = 1,  d/da = grad_out @ bᵀ,  d/db = aᵀ @ grad_out

    Not one of the first primitives (docs/design.md lists them all): it is
    `add(c, matmul(a, b))` fused into one node, for memory. A recurrent layer computes
    x_t W_ihᵀ + b + h_{t-1} W_hhᵀ at every time step; as two nodes, the graph would keep
    both the matmul's (B, 4H) output and the sum until backward, twice the memory of the
    one array that is needed, and the input projection x W_ihᵀ + b for all T steps would
    be kept before and after its bias.
    Here a @ b is written into a fresh array and c is added into it in place.
    """

    name = "addmm"

    @staticmethod
    def explain(shapes, params):
        c, a, b = shapes
        product = matmul_shape(a, b)
        if product is None:
            return MatMul.explain([a, b], params)
        return f"c of shape {c} cannot be broadcast with a @ b of shape {product}"

    def forward(ctx, c, a, b):
        ctx.c_shape = c.shape
        ctx.a = a
        ctx.b = b
        product = np.asarray(matrix_product(a, b))  # a fresh array that nothing else holds
        ctx.product_shape = product.shape
        # c of a @ b's shape, or of its trailing axes (a bias): add it in place, so
        # that there is no second (B, 4H) array. Otherwise (c broadcasts the other way,
        # or has another dtype) as numpy's c + a @ b does.
        fits = c.shape == product.shape[product.ndim - c.ndim :]
        if fits and c.dtype == product.dtype:
            product += c
            return product
        return c + product

    def backward(ctx, grad_out):
        need_c = ctx.needs_input_grad[0]
        grad_c = unbroadcast(grad_out, ctx.c_shape) if need_c else None
        grad_product = unbroadcast(grad_out, ctx.product_shape)
        grad_a, grad_b = matmul_grads(ctx.a, ctx.b, grad_product, *ctx.needs_input_grad[1:3])
        return (grad_c, grad_a, grad_b)
