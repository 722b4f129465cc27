"""The image primitive: `Unfold` (image -> columns, "im2col") and its adjoint `fold_columns`
(columns -> image, "col2im": the sum of the overlapping patches).

A convolution slides a kH×kW window over the image and, at every position, takes a dot
product with the kernel. Unfold copies every window into one column:

    x (N, C, H, W)  ->  cols (N, C·kH·kW, L)        L = H_out·W_out window positions

    cols[n, (c·kH + p)·kW + q, i·W_out + j] = x_pad[n, c, i·s_h + p·d_h, j·s_w + q·d_w]

(PyTorch's `F.unfold` layout: channel-major, then kernel row p, then kernel column q;
x_pad is x with `padding` rows/columns of `pad_value` around it.) Then a convolution is
one matrix product, weight (C_out, C·kH·kW) @ cols, and pooling a max or a mean over
the kH·kW rows of each channel - functional_conv.py builds them from this op and the
existing ones, so no convolution has a backward of its own.

The derivative: every output element is a copy of one input element (or of the padding
constant), so d cols / d x routes each column entry's gradient back to the pixel it was
copied from; pixels that sit in several windows get the sum:

    dL/dx[n, c, h, w] = Σ over (p, q, i, j) with i·s_h + p·d_h = h + pad_top,
                                              j·s_w + q·d_w = w + pad_left
                        of grad_cols[n, (c·kH + p)·kW + q, i·W_out + j]

`fold_columns` computes that sum with one strided slice per kernel offset (p, q).

Read next: functional_conv.py (F.conv2d, F.max_pool2d, F.avg_pool2d, F.unfold).
"""

from __future__ import annotations

import numpy as np

from .ops_base import Op


def output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int, dil: int):
    """The number of window positions along one axis: ⌊(size + pads − d·(k−1) − 1) / s⌋ + 1."""
    return (size + pad_before + pad_after - dil * (kernel - 1) - 1) // stride + 1


def pad_image(x: np.ndarray, padding: tuple, value: float) -> np.ndarray:
    """x (N, C, H, W) with ((top, bottom), (left, right)) rows/columns of `value` around it."""
    (top, bottom), (left, right) = padding
    if top == bottom == left == right == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)


def windows(x_pad: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple, out: tuple):
    """A read-only view (N, C, kH, kW, H_out, W_out) of x_pad, no copy:
    view[n, c, p, q, i, j] = x_pad[n, c, i·s_h + p·d_h, j·s_w + q·d_w]."""
    N, C = x_pad.shape[:2]
    s_n, s_c, s_h, s_w = x_pad.strides
    shape = (N, C, kernel[0], kernel[1], out[0], out[1])
    strides = (
        s_n,
        s_c,
        s_h * dilation[0],
        s_w * dilation[1],
        s_h * stride[0],
        s_w * stride[1],
    )
    return np.lib.stride_tricks.as_strided(x_pad, shape, strides, writeable=False)


def fold_columns(cols: np.ndarray, image_shape: tuple, kernel, stride, padding, dilation):
    """The adjoint of unfold (PyTorch's `F.fold`, "col2im"): cols (N, C·kH·kW, L) ->
    image (N, C, H, W), each column entry added into the pixel it was copied from.

    One loop over the kH·kW kernel offsets: offset (p, q) of every window is the strided
    slice x_pad[:, :, p·d_h :: s_h, q·d_w :: s_w] (H_out × W_out pixels), so its whole
    (N, C, H_out, W_out) block of the columns is added there at once. The padding's
    rows and columns are cut off at the end (they were constants, not inputs).
    """
    N, C, H, W = image_shape
    (top, bottom), (left, right) = padding
    H_out = output_size(H, kernel[0], stride[0], top, bottom, dilation[0])
    W_out = output_size(W, kernel[1], stride[1], left, right, dilation[1])
    blocks = cols.reshape(N, C, kernel[0], kernel[1], H_out, W_out)
    image = np.zeros((N, C, H + top + bottom, W + left + right), dtype=cols.dtype)
    for p in range(kernel[0]):
        rows = slice(p * dilation[0], p * dilation[0] + stride[0] * (H_out - 1) + 1, stride[0])
        for q in range(kernel[1]):
            start = q * dilation[1]
            columns = slice(start, start + stride[1] * (W_out - 1) + 1, stride[1])
            image[:, :, rows, columns] += blocks[:, :, p, q]
    return image[:, :, top : top + H, left : left + W]


class Unfold(Op):
    """cols = unfold(x): every kH×kW window of x (N, C, H, W) as one column of
    cols (N, C·kH·kW, L), PyTorch's F.unfold layout, with `padding` ((top, bottom),
    (left, right)) of `pad_value` around x;
    d/dx = fold_columns(grad_out): each column entry's gradient added back into the
    pixel it was copied from (the sum over the windows that hold that pixel)"""

    name = "unfold"

    @staticmethod
    def explain(shapes, params):
        if len(shapes[0]) != 4:
            return f"expected an image batch (N, C, H, W), got shape {shapes[0]}"
        return (
            f"a kernel {params.get('kernel_size')} with dilation {params.get('dilation')} "
            f"does not fit an input of shape {shapes[0]} padded by {params.get('padding')}"
        )

    def forward(ctx, x, kernel_size, stride, padding, dilation, pad_value=0.0):
        if x.ndim != 4:
            raise ValueError("unfold expects 4 axes")
        N, C, H, W = x.shape
        (top, bottom), (left, right) = padding
        out = (
            output_size(H, kernel_size[0], stride[0], top, bottom, dilation[0]),
            output_size(W, kernel_size[1], stride[1], left, right, dilation[1]),
        )
        if out[0] < 1 or out[1] < 1:
            raise ValueError("the kernel is larger than the padded input")
        ctx.image_shape = x.shape
        ctx.geometry = (kernel_size, stride, padding, dilation)
        x_pad = pad_image(x, padding, pad_value)
        view = windows(x_pad, kernel_size, stride, dilation, out)
        cols = view.reshape(N, C * kernel_size[0] * kernel_size[1], out[0] * out[1])  # a copy
        if np.may_share_memory(cols, x_pad):  # (a 1×1 kernel can make reshape a view)
            cols = cols.copy()
        return cols

    def backward(ctx, grad_out):
        return (fold_columns(grad_out, ctx.image_shape, *ctx.geometry),)
