"""Convolution and pooling, composed from one primitive (ops_conv.Unfold) and old ones:

    F.unfold(x, k)          x (N, C, H, W) -> cols (N, C·kH·kW, L)    the primitive itself
    F.conv2d(x, w, b)       W (C_out, C·kH·kW) @ cols + b             -> (N, C_out, H_out, W_out)
    F.max_pool2d(x, k)      max over the kH·kW rows of each channel's columns
    F.avg_pool2d(x, k)      mean over them
    F.fold(cols, size, k)   the adjoint of unfold (a numpy function: no gradient)

    H_out = ⌊(H + 2·padding − dilation·(kH − 1) − 1) / stride⌋ + 1     (W_out likewise)

Written out, the convolution (PyTorch's, a cross-correlation: the kernel is not flipped)
is, for output channel o at position (i, j):

    y[n, o, i, j] = b[o] + Σ_c Σ_p Σ_q w[o, c, p, q] · x_pad[n, c, i·s + p·d, j·s + q·d]

and unfold puts the x_pad factors of one (i, j) into one column, so the triple sum is
the matrix product of the flattened kernel with that column. No function here has a
backward of its own: the gradient comes from Unfold's backward (the sum of the
overlapping patches) and from matmul, reshape, max and mean.

Names, argument order and defaults are PyTorch's (torch.nn.functional); kernel_size,
stride, padding and dilation take an int or a pair (rows, columns).

Read next: functional_checks.py (the argument checks), then nn/conv.py (nn.Conv2d,
nn.MaxPool2d, nn.AvgPool2d).
"""

from __future__ import annotations

import numpy as np

from .checks import describe, is_int
from .errors import ArgumentError, ShapeError
from .functional_checks import float_tensor
from .graph import scope
from .ops_conv import Unfold, fold_columns, output_size
from .tensor import Tensor, _constant, apply

PADDING_WORDS = ("valid", "same")


# --------------------------------------------------------------------------------------
# Arguments: an int or a pair, and the image's shape
# --------------------------------------------------------------------------------------
def pair(value, name: str, what: str, minimum: int) -> tuple[int, int]:
    """`value` as (rows, columns): 3 -> (3, 3), (2, 1) -> (2, 1); each an int >= minimum."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(items) != 2 or not all(is_int(item) and item >= minimum for item in items):
        rule = "positive ints" if minimum == 1 else f"ints >= {minimum}"
        raise ArgumentError(
            f"{name}: {what} must be an int or a pair of {rule}, got {describe(value)}"
        )
    return int(items[0]), int(items[1])


def as_batch(x: Tensor, name: str) -> tuple[Tensor, bool]:
    """(N, C, H, W) as it is, an unbatched (C, H, W) image as a batch of one (PyTorch's
    rule); returns (batch, was_unbatched). Any other rank is a ShapeError."""
    if x.ndim == 4:
        return x, False
    if x.ndim == 3:
        return x.reshape((1,) + x.shape), True
    raise ShapeError(
        f"{name}: expected a 4-D input (N, C, H, W) or a 3-D unbatched image (C, H, W), got "
        f"shape {x.shape}"
    )


def check_fits(x_shape, kernel, padding, dilation, name: str) -> None:
    """ShapeError when the (dilated) kernel is larger than the padded input."""
    (top, bottom), (left, right) = padding
    span = (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)
    padded = (x_shape[-2] + top + bottom, x_shape[-1] + left + right)
    if span[0] > padded[0] or span[1] > padded[1]:
        raise ShapeError(
            f"{name}: the kernel {kernel} (spanning {span} with dilation {dilation}) is larger "
            f"than the padded input {padded} (input shape {tuple(x_shape)}, padding "
            f"{padding})"
        )


def symmetric(padding: tuple[int, int]) -> tuple:
    """(pad_h, pad_w) as ((top, bottom), (left, right))."""
    return ((padding[0], padding[0]), (padding[1], padding[1]))


def same_padding(kernel, dilation, stride, name: str) -> tuple:
    """PyTorch's padding="same": the output as large as the input (stride 1 only); the
    total d·(k − 1) is split with the odd one at the bottom/right."""
    if stride != (1, 1):
        raise ArgumentError(
            f"{name}: padding='same' is not supported for strided convolutions (stride="
            f"{stride}); give the padding as ints"
        )
    totals = (dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1))
    return tuple((total // 2, total - total // 2) for total in totals)


def conv_padding(padding, kernel, dilation, stride, name: str) -> tuple:
    """conv2d's padding as ((top, bottom), (left, right)): ints, a pair, "valid" or "same"."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding == "same":
            return same_padding(kernel, dilation, stride, name)
        raise ArgumentError(
            f"{name}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}"
        )
    return symmetric(pair(padding, name, "padding", 0))


def unfold_columns(x: Tensor, kernel, stride, padding, dilation, pad_value=0.0) -> Tensor:
    """The one Unfold node: x (N, C, H, W) -> (N, C·kH·kW, L)."""
    return apply(
        Unfold,
        x,
        kernel_size=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        pad_value=pad_value,
    )


# --------------------------------------------------------------------------------------
# unfold and fold
# --------------------------------------------------------------------------------------
def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Every kH×kW window of input (N, C, H, W) as a column: (N, C·kH·kW, L), PyTorch's
    layout (channel, then kernel row, then kernel column; L = H_out·W_out positions):

        out[n, (c·kH + p)·kW + q, i·W_out + j] = x_pad[n, c, i·s_h + p·d_h, j·s_w + q·d_w]

    One `unfold` node; its backward adds each column's gradient back into the pixels.
    An unbatched (C, H, W) image gives (C·kH·kW, L), as in PyTorch.
    """
    x, unbatched = as_batch(float_tensor(input, "F.unfold"), "F.unfold")
    kernel = pair(kernel_size, "F.unfold", "kernel_size", 1)
    dilation = pair(dilation, "F.unfold", "dilation", 1)
    padding = symmetric(pair(padding, "F.unfold", "padding", 0))
    stride = pair(stride, "F.unfold", "stride", 1)
    check_fits(x.shape, kernel, padding, dilation, "F.unfold")
    cols = unfold_columns(x, kernel, stride, padding, dilation)
    return cols.reshape(cols.shape[1:]) if unbatched else cols


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The adjoint of unfold (PyTorch's F.fold): columns (N, C·kH·kW, L) -> (N, C, H, W),
    every column entry added into the pixel it came from (overlaps sum up). A constant:
    it is what Unfold's backward computes, offered for looking at; it has no gradient."""
    cols = float_tensor(input, "F.fold")
    if cols.requires_grad:
        raise ArgumentError(
            f"F.fold: columns {cols.shape} require grad, but fold has no gradient here (it "
            f"is what unfold's backward computes); pass cols.detach() to look at it"
        )
    size = pair(output_size, "F.fold", "output_size", 1)
    kernel = pair(kernel_size, "F.fold", "kernel_size", 1)
    dilation = pair(dilation, "F.fold", "dilation", 1)
    padding = symmetric(pair(padding, "F.fold", "padding", 0))
    stride = pair(stride, "F.fold", "stride", 1)
    rows = kernel[0] * kernel[1]
    positions = [
        output_size_of(size[k], kernel[k], stride[k], padding[k], dilation[k]) for k in (0, 1)
    ]
    N, C_rows, L = cols.shape if cols.ndim == 3 else (None, None, None)
    if cols.ndim != 3 or C_rows % rows or L != positions[0] * positions[1]:
        raise ShapeError(
            f"F.fold: columns of shape {cols.shape} do not fit output_size {size} with kernel "
            f"{kernel}: expected (N, C·{rows}, {positions[0] * positions[1]})"
        )
    image_shape = (N, C_rows // rows, size[0], size[1])
    return _constant(fold_columns(cols.data, image_shape, kernel, stride, padding, dilation))


def output_size_of(size, kernel, stride, pads, dilation) -> int:
    """The window positions along one axis with (before, after) pads (ops_conv.output_size)."""
    return output_size(size, kernel, stride, pads[0], pads[1], dilation)


# --------------------------------------------------------------------------------------
# conv2d
# --------------------------------------------------------------------------------------
def check_conv_shapes(x: Tensor, weight: Tensor, bias, name: str) -> None:
    """weight (C_out, C_in, kH, kW) with C_in = x's channels; bias (C_out,) or None."""
    if weight.ndim != 4:
        raise ShapeError(
            f"{name}: expected a 4-D weight (C_out, C_in, kH, kW), got shape {weight.shape}"
        )
    if weight.shape[1] != x.shape[1]:
        raise ShapeError(
            f"{name}: the input {x.shape} (N, C, H, W) has {x.shape[1]} channels, but the "
            f"weight {weight.shape} (C_out, C_in, kH, kW) expects C_in={weight.shape[1]}"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ShapeError(
            f"{name}: bias must have shape (C_out,) = ({weight.shape[0]},) for a weight of "
            f"shape {weight.shape}, got {bias.shape}"
        )


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-D convolution (PyTorch's F.conv2d, a cross-correlation) of input (N, C_in, H, W)
    or (C_in, H, W) with weight (C_out, C_in, kH, kW) and bias (C_out,):

        y[n, o, i, j] = b[o] + Σ_c Σ_p Σ_q w[o, c, p, q] · x_pad[n, c, i·s + p·d, j·s + q·d]

    Built as   cols = unfold(x)                          (N, C_in·kH·kW, L)
               y = w.reshape(C_out, C_in·kH·kW) @ cols   (N, C_out, L)
               y.reshape(N, C_out, H_out, W_out) + b.reshape(C_out, 1, 1)
    inside tg.scope("conv2d"), so a graph can show the four nodes as one convolution.
    padding: an int, a pair, "valid" (0) or "same" (stride 1 only). groups=1 only.
    """
    if groups != 1:
        raise ArgumentError(f"F.conv2d: groups={groups!r} is not supported here (only groups=1)")
    return conv2d_named("F.conv2d", input, weight, bias, stride, padding, dilation)


def conv2d_named(name: str, input, weight, bias, stride, padding, dilation) -> Tensor:
    """`conv2d`, with errors naming `name` (the function or the layer the user called)."""
    x, unbatched = as_batch(float_tensor(input, name), name)
    weight = float_tensor(weight, name, "weight")
    bias = None if bias is None else float_tensor(bias, name, "bias")
    check_conv_shapes(x, weight, bias, name)
    kernel = weight.shape[2:]
    stride = pair(stride, name, "stride", 1)
    dilation = pair(dilation, name, "dilation", 1)
    padding = conv_padding(padding, kernel, dilation, stride, name)
    check_fits(x.shape, kernel, padding, dilation, name)
    with scope("conv2d"):
        y = _convolve(x, weight, bias, kernel, stride, padding, dilation)
    return y.reshape(y.shape[1:]) if unbatched else y


def _convolve(x, weight, bias, kernel, stride, padding, dilation) -> Tensor:
    """unfold, matmul, reshape (+ bias): the convolution after the checks."""
    N, C_in, H, W = x.shape
    C_out = weight.shape[0]
    H_out = output_size_of(H, kernel[0], stride[0], padding[0], dilation[0])
    W_out = output_size_of(W, kernel[1], stride[1], padding[1], dilation[1])
    cols = unfold_columns(x, kernel, stride, padding, dilation)  # (N, C_in·kH·kW, L)
    w = weight.reshape(C_out, C_in * kernel[0] * kernel[1])  # (C_out, C_in·kH·kW)
    y = (w @ cols).reshape(N, C_out, H_out, W_out)  # (N, C_out, L) -> (N, C_out, H_out, W_out)
    if bias is not None:
        y = y + bias.reshape(C_out, 1, 1)
    return y


# --------------------------------------------------------------------------------------
# Pooling: unfold each channel on its own, then max or mean over the window's rows
# --------------------------------------------------------------------------------------
def pool_geometry(x: Tensor, kernel_size, stride, padding, dilation, name: str):
    """(kernel, stride, padding, dilation) of a pooling call; stride=None means the
    kernel size (PyTorch's default), and the padding may be at most half the kernel."""
    kernel = pair(kernel_size, name, "kernel_size", 1)
    stride = kernel if stride is None or stride == [] else pair(stride, name, "stride", 1)
    pads = pair(padding, name, "padding", 0)
    dilation = pair(dilation, name, "dilation", 1)
    if pads[0] > kernel[0] // 2 or pads[1] > kernel[1] // 2:
        raise ArgumentError(
            f"{name}: padding {pads} must be at most half of the kernel size {kernel} "
            f"(PyTorch's rule: a window must never hold only padding)"
        )
    padding = symmetric(pads)
    check_fits(x.shape, kernel, padding, dilation, name)
    return kernel, stride, padding, dilation


def refuse(name: str, **options) -> None:
    """ArgumentError for PyTorch options that are given but not supported here."""
    given = [f"{key}={value!r}" for key, value in options.items() if value]
    if given:
        raise ArgumentError(f"{name}: {', '.join(given)} is not supported here")


def channel_windows(x: Tensor, geometry, pad_value: float) -> tuple[Tensor, tuple]:
    """x (N, C, H, W) -> the windows of every channel (N·C, kH·kW, L), and the output
    shape (N, C, H_out, W_out): each channel is unfolded as an image of one channel."""
    kernel, stride, padding, dilation = geometry
    N, C, H, W = x.shape
    H_out = output_size_of(H, kernel[0], stride[0], padding[0], dilation[0])
    W_out = output_size_of(W, kernel[1], stride[1], padding[1], dilation[1])
    single = x.reshape(N * C, 1, H, W)
    cols = unfold_columns(single, kernel, stride, padding, dilation, pad_value)
    return cols, (N, C, H_out, W_out)


def max_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
) -> Tensor:
    """The largest value in every kH×kW window, per channel (PyTorch's F.max_pool2d):

        y[n, c, i, j] = max_{p, q} x_pad[n, c, i·s_h + p·d_h, j·s_w + q·d_w]

    with the padding -inf (it never wins). Built as unfold (per channel) + max over the
    window's rows; the gradient goes to the maximum (split evenly among ties, where
    PyTorch picks one). stride defaults to kernel_size. ceil_mode=True and
    return_indices=True are not supported.
    """
    refuse("F.max_pool2d", ceil_mode=ceil_mode, return_indices=return_indices)
    return max_pool("F.max_pool2d", input, kernel_size, stride, padding, dilation)


def max_pool(name: str, input, kernel_size, stride, padding, dilation) -> Tensor:
    """`max_pool2d`, with errors naming `name` (the function or the layer)."""
    x, unbatched = as_batch(float_tensor(input, name), name)
    geometry = pool_geometry(x, kernel_size, stride, padding, dilation, name)
    with scope("max_pool2d"):
        cols, out_shape = channel_windows(x, geometry, -np.inf)
        y = cols.amax(axis=1).reshape(out_shape)  # (N·C, L) -> (N, C, H_out, W_out)
    return y.reshape(y.shape[1:]) if unbatched else y


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
) -> Tensor:
    """The mean of every kH×kW window, per channel (PyTorch's F.avg_pool2d):

        y[n, c, i, j] = (1 / D) Σ_{p, q} x_pad[n, c, i·s_h + p, j·s_w + q]

    with zero padding and D = kH·kW (count_include_pad=True), the number of real pixels
    in the window (False), or divisor_override. Built as unfold + sum / D.
    ceil_mode=True is not supported.
    """
    refuse("F.avg_pool2d", ceil_mode=ceil_mode)
    divisor = (count_include_pad, divisor_override)
    return avg_pool("F.avg_pool2d", input, kernel_size, stride, padding, *divisor)


def avg_pool(
    name: str, input, kernel_size, stride, padding, count_include_pad, divisor_override
) -> Tensor:
    """`avg_pool2d`, with errors naming `name` (the function or the layer)."""
    x, unbatched = as_batch(float_tensor(input, name), name)
    geometry = pool_geometry(x, kernel_size, stride, padding, 1, name)
    divisor = pool_divisor(x.shape, geometry, count_include_pad, divisor_override, name)
    with scope("avg_pool2d"):
        cols, out_shape = channel_windows(x, geometry, 0.0)
        y = (cols.sum(axis=1) / divisor).reshape(out_shape)  # (N·C, L) -> (N, C, H_out, W_out)
    return y.reshape(y.shape[1:]) if unbatched else y


def pool_divisor(x_shape, geometry, count_include_pad, divisor_override, name: str):
    """D of avg_pool2d: divisor_override, kH·kW, or (count_include_pad=False) the number
    of real pixels in each window (1, L), counted by unfolding an image of ones."""
    kernel, stride, padding, dilation = geometry
    if divisor_override is not None:
        if not is_int(divisor_override) or divisor_override == 0:
            raise ArgumentError(
                f"{name}: divisor_override must be a nonzero int, got {describe(divisor_override)}"
            )
        return float(divisor_override)
    if count_include_pad or padding == ((0, 0), (0, 0)):
        return float(kernel[0] * kernel[1])
    ones = np.ones((1, 1) + tuple(x_shape[2:]))
    counts = Unfold().forward(ones, kernel, stride, padding, dilation).sum(axis=1)  # (1, L)
    return counts.astype(np.float64)
