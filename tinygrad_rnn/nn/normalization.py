"""nn.LayerNorm: normalise each example over its last axes (PyTorch's names and layout).

    norm = nn.LayerNorm(64)          # weight (64,) = 1, bias (64,) = 0
    y = norm(x)                      # x (..., 64): every x[..., :] gets mean 0, variance 1,
                                     # then y = that · weight + bias

Unlike batch normalisation, nothing is averaged over the batch, so a sequence of any
length, one example or a thousand, is normalised the same way in training and at test
time - which is why Transformers use it. The forward is F.layer_norm (a mean, a
subtraction, a mean of squares, a power -1/2: every step a node).

Read next: multihead.py (MultiheadAttention), then transformer.py (the encoder layer).
"""

from __future__ import annotations

import numpy as np

from ..checks import is_int
from ..devices import check_device
from ..functional_transformer import layer_norm_named
from ..tensor import Tensor, get_default_dtype
from .activation import as_tensor
from .checks import Bounds, check_flag, check_int, check_number, fail, layer_name
from .module import Module
from .parameter import Parameter

__all__ = ["LayerNorm"]


def check_normalized_shape(owner: str, normalized_shape) -> tuple[int, ...]:
    """An int or a sequence of ints >= 1, as a tuple (PyTorch's normalized_shape)."""
    if is_int(normalized_shape):
        normalized_shape = (normalized_shape,)
    if not isinstance(normalized_shape, (tuple, list)) or not normalized_shape:
        fail(owner, f"normalized_shape must be an int or a tuple of ints, got {normalized_shape!r}")
    return tuple(check_int(owner, "normalized_shape", size, 1) for size in normalized_shape)


class LayerNorm(Module):
    """y = (x - μ) / √(σ² + ε) · weight + bias, μ and σ² over the last axes (F.layer_norm).

    normalized_shape    the last axes' sizes: 64, or (T, 64) to normalise over both
    eps                 ε, added to the variance (default 1e-5)
    elementwise_affine  learn weight (starts at ones) and bias (zeros); False: neither
    bias                False: weight only
    """

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        check_device(device, owner)
        self.normalized_shape = check_normalized_shape(owner, normalized_shape)
        self.eps = check_number(owner, "eps", eps, Bounds(low=0.0))
        self.elementwise_affine = check_flag(owner, "elementwise_affine", elementwise_affine)
        bias = check_flag(owner, "bias", bias) and self.elementwise_affine
        dtype = get_default_dtype() if dtype is None else dtype
        self.weight = None
        self.bias = None
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))

    def forward(self, input) -> Tensor:
        x = as_tensor(input)
        shape, eps = self.normalized_shape, self.eps
        return layer_norm_named(repr(self), x, shape, self.weight, self.bias, eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine="
            f"{self.elementwise_affine}, bias={self.bias is not None}"
        )
