"""The image layers: Conv2d, MaxPool2d, AvgPool2d (PyTorch's names, arguments and layouts).

    nn.Conv2d(3, 16, kernel_size=3, padding=1)   weight (16, 3, 3, 3), bias (16,)
        (N, 3, H, W) -> (N, 16, H, W)
    nn.MaxPool2d(2)                              (N, C, H, W) -> (N, C, H/2, W/2)
    nn.AvgPool2d(2)                              the same, with the mean

Each forward calls the function of the same name in functional_conv.py (unfold + matmul,
unfold + max, unfold + mean), so the graph holds no convolution backward of its own.
Parameter names and the initialisation are PyTorch's, so a PyTorch CNN's state_dict
loads unchanged.

Read next: flatten.py (Flatten: (N, C, H, W) -> (N, C·H·W) before a Linear).
"""

from __future__ import annotations

import math

from .. import functional_conv as FC
from ..devices import check_device
from ..tensor import Tensor
from .checks import check_choice, check_flag, check_sizes, fail, layer_name
from .module import Module
from .parameter import uniform_parameter

__all__ = ["AvgPool2d", "Conv2d", "MaxPool2d"]


def as_tensor(x) -> Tensor:
    """Layers accept Tensors, numpy arrays and lists; the latter become constant leaves."""
    return x if isinstance(x, Tensor) else Tensor(x)


def layer_pair(owner: str, name: str, value, minimum: int) -> tuple[int, int]:
    """An int or a pair as (rows, columns), with errors naming the layer."""
    return FC.pair(value, owner, name, minimum)


class Conv2d(Module):
    """y = conv2d(x, weight, bias): x (N, C_in, H, W) or (C_in, H, W) -> (N, C_out, H_out, W_out).

        y[n, o, i, j] = b[o] + Σ_c Σ_p Σ_q w[o, c, p, q] · x_pad[n, c, i·s + p·d, j·s + q·d]

    weight (out_channels, in_channels, kH, kW) and bias (out_channels,) are drawn from
    U(−1/√fan_in, 1/√fan_in), fan_in = in_channels·kH·kW: PyTorch's
    kaiming_uniform_(a=√5) for the weight and its rule for the bias. padding: an int,
    a pair, "valid" or "same". groups=1 and padding_mode="zeros" only.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        check_device(device, owner)
        sizes = {"in_channels": in_channels, "out_channels": out_channels}
        self.in_channels, self.out_channels = check_sizes(owner, sizes, minimum=1)
        self.kernel_size = layer_pair(owner, "kernel_size", kernel_size, 1)
        self.stride = layer_pair(owner, "stride", stride, 1)
        self.padding = padding  # "same" / "valid", or a pair below
        if not isinstance(padding, str):
            self.padding = layer_pair(owner, "padding", padding, 0)
        self.dilation = layer_pair(owner, "dilation", dilation, 1)
        if groups != 1:
            fail(owner, f"groups={groups!r} is not supported here (only groups=1)")
        self.groups = 1
        self.padding_mode = check_choice(owner, "padding_mode", padding_mode, ("zeros",))
        FC.conv_padding(self.padding, self.kernel_size, self.dilation, self.stride, owner)
        bias = check_flag(owner, "bias", bias)
        self._make_parameters(bias, dtype)

    def _make_parameters(self, bias: bool, dtype) -> None:
        """weight and bias from U(−1/√fan_in, 1/√fan_in), as PyTorch's reset_parameters."""
        kH, kW = self.kernel_size
        fan_in = self.in_channels * kH * kW
        bound = 1.0 / math.sqrt(fan_in)
        shape = (self.out_channels, self.in_channels, kH, kW)
        self.weight = uniform_parameter(shape, bound)
        self.bias = uniform_parameter((self.out_channels,), bound) if bias else None
        if dtype is not None:
            self.to(dtype)

    def forward(self, input) -> Tensor:
        return FC.conv2d_named(
            repr(self),
            as_tensor(input),
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.dilation,
        )

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        text += f", stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"  # (1, 1), or same / valid as PyTorch prints
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.bias is None:
            text += ", bias=False"
        return text


class MaxPool2d(Module):
    """The largest value of every kernel_size window, per channel (F.max_pool2d):
    (N, C, H, W) -> (N, C, H_out, W_out); stride defaults to kernel_size."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        dilation=1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        layer_pair(owner, "kernel_size", kernel_size, 1)
        if stride is not None:
            layer_pair(owner, "stride", stride, 1)
        layer_pair(owner, "padding", padding, 0)
        layer_pair(owner, "dilation", dilation, 1)
        FC.refuse(owner, ceil_mode=ceil_mode, return_indices=return_indices)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = False
        self.ceil_mode = False

    def forward(self, input) -> Tensor:
        geometry = (self.kernel_size, self.stride, self.padding, self.dilation)
        return FC.max_pool(repr(self), as_tensor(input), *geometry)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """The mean of every kernel_size window, per channel (F.avg_pool2d):
    (N, C, H, W) -> (N, C, H_out, W_out); stride defaults to kernel_size."""

    def __init__(
        self,
        kernel_size,
        stride=None,
        padding=0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override=None,
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        layer_pair(owner, "kernel_size", kernel_size, 1)
        if stride is not None:
            layer_pair(owner, "stride", stride, 1)
        layer_pair(owner, "padding", padding, 0)
        FC.refuse(owner, ceil_mode=ceil_mode)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = False
        self.count_include_pad = check_flag(owner, "count_include_pad", count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input) -> Tensor:
        geometry = (self.kernel_size, self.stride, self.padding)
        divisor = (self.count_include_pad, self.divisor_override)
        return FC.avg_pool(repr(self), as_tensor(input), *geometry, *divisor)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
