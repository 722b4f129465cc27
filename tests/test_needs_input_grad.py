"""ctx.needs_input_grad (PyTorch's name): the backward loop tells each op which inputs
want a gradient, and the binary ops, where and the matmuls compute no gradient for a
constant - what `BackwardStep.parent_grads` has always promised (None there)."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import ops


def parent_grads_of(root: tg.Tensor, node: tg.Tensor) -> tuple:
    """What the backward loop's step at `node` sent to its parents."""
    for step in root.backward_steps():
        if step.node is node:
            return step.parent_grads
    raise AssertionError("node not in the backward order")


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("constant_first", [False, True])
def test_a_binary_op_sends_nothing_to_a_constant(op, constant_first):
    x = tg.Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    c = tg.Tensor(np.array([0.5, 4.0]))  # broadcast along the rows, needs no gradient
    a, b = (c, x) if constant_first else (x, c)
    out = {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b}[op]
    grads = parent_grads_of(out.sum(), out)
    constant = 0 if constant_first else 1
    assert grads[constant] is None
    assert grads[1 - constant].shape == (2, 2)
    # and the gradient of x is still right: d/dx of sum(op(a, b)) by hand
    by_hand = {
        "add": np.ones((2, 2)),
        "sub": -np.ones((2, 2)) if constant_first else np.ones((2, 2)),
        "mul": np.broadcast_to(c.numpy(), (2, 2)),
        "div": -c.numpy() / x.numpy() ** 2
        if constant_first
        else np.broadcast_to(1 / c.numpy(), (2, 2)),
    }[op]
    np.testing.assert_allclose(grads[1 - constant], by_hand)


def test_where_and_matmul_send_nothing_to_constants():
    x = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    filled = tg.where(np.array([True, False, True]), x, -1e9)  # the scalar: a constant
    assert parent_grads_of(filled.sum(), filled)[1] is None
    images = tg.Tensor(np.ones((4, 2)))  # an input that needs no gradient
    W = tg.Tensor(np.ones((2, 3)), requires_grad=True)
    product = images @ W
    grad_images, grad_W = parent_grads_of(product.sum(), product)
    assert grad_images is None
    np.testing.assert_allclose(np.asarray(grad_W), np.full((2, 3), 4.0))  # Σ over 4 rows


def test_an_op_called_by_hand_computes_every_gradient():
    ctx = ops.Mul()
    ctx.forward(np.array([2.0]), np.array([3.0]))
    grad_a, grad_b = ctx.backward(np.array([1.0]))
    assert grad_a == 3.0 and grad_b == 2.0


def test_a_batched_product_sends_nothing_to_constant_columns():
    """conv2d's W (C_out, K) @ columns (B, K, L) of an image that needs no gradient."""
    W = tg.Tensor(np.ones((3, 2)), requires_grad=True)
    columns = tg.Tensor(np.arange(12.0).reshape(2, 2, 3))
    out = W @ columns  # (2, 3, 3)
    grad_W, grad_columns = parent_grads_of(out.sum(), out)
    assert grad_columns is None
    np.testing.assert_allclose(
        grad_W, np.einsum("bkl->k", columns.numpy())[np.newaxis].repeat(3, 0)
    )


def test_addmm_sends_nothing_to_a_constant_c():
    c = tg.Tensor(np.ones((2, 3)))  # e.g. a projection made under no_grad
    h = tg.Tensor(np.ones((2, 4)), requires_grad=True)
    W = tg.Tensor(np.full((4, 3), 0.5), requires_grad=True)
    out = tg.addmm(c, h, W)
    grad_c, grad_h, grad_W = parent_grads_of(out.sum(), out)
    assert grad_c is None
    np.testing.assert_allclose(grad_h, np.full((2, 4), 1.5))  # Σ_j W[k, j]
    np.testing.assert_allclose(np.asarray(grad_W), np.full((4, 3), 2.0))  # Σ over 2 rows
