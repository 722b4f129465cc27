"""Activation modules (PyTorch's `nn.Tanh`, `nn.Softmax` ...): an element-wise function
or a softmax as a layer, for `nn.Sequential` and for PyTorch programs that make them.

    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 4), nn.LogSoftmax(dim=1))

Each forward is one Tensor method or one functional.py call, so the graph shows a
`tanh` node, or the softmax's few operators - nothing hidden.

Softmax and LogSoftmax without `dim`: PyTorch guesses the axis (0 for inputs of 0, 1 or
3 dimensions, else 1) and warns that the guess is deprecated; these modules do the same,
with PyTorch's warning, so an old program runs unchanged - but give `dim`.

Read next: flatten.py (Flatten, Unflatten), then layers.py (Linear, Embedding ...).
"""

from __future__ import annotations

import warnings

from .. import functional as F
from ..tensor import Tensor
from .checks import check_choice, check_flag, layer_name, user_stacklevel
from .module import Module

__all__ = ["GELU", "Identity", "LogSoftmax", "ReLU", "Sigmoid", "Softmax", "Tanh"]


def as_tensor(x) -> Tensor:
    """Layers accept Tensors, numpy arrays and lists; the latter become constant leaves."""
    return x if isinstance(x, Tensor) else Tensor(x)


class Identity(Module):
    """y = x: a placeholder layer. Any arguments are accepted and ignored (PyTorch's
    rule, so `nn.Identity(54, unused="x")` stands in for a layer that took them)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input):
        return input


class Tanh(Module):
    """y = tanh x = (e^x - e^-x) / (e^x + e^-x), element-wise; y' = 1 - y²."""

    def forward(self, input) -> Tensor:
        return as_tensor(input).tanh()


class Sigmoid(Module):
    """y = σ(x) = 1 / (1 + e^-x), element-wise; y' = y (1 - y)."""

    def forward(self, input) -> Tensor:
        return as_tensor(input).sigmoid()


class ReLU(Module):
    """y = max(x, 0), element-wise; y' = 1 where x > 0, else 0.

    `inplace` is accepted so PyTorch programs run unchanged; the result is a new tensor
    either way (a graph node is never overwritten here), and the numbers are the same.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = check_flag(layer_name(self), "inplace", inplace)

    def forward(self, input) -> Tensor:
        return as_tensor(input).relu()

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """y = x Φ(x) = ½ x (1 + erf(x/√2)); approximate="tanh": ½ x (1 + tanh(√(2/π) (x +
    0.044715 x³))). See F.gelu."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = check_choice(
            layer_name(self), "approximate", approximate, ("none", "tanh")
        )

    def forward(self, input) -> Tensor:
        return F.gelu(as_tensor(input), approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


def implicit_softmax_dim(name: str, ndim: int) -> int:
    """PyTorch's guess of the softmax axis when `dim` is None: 0 for an input of 0, 1 or
    3 dimensions, else 1 (the class axis of a (N, C) batch). The guess is often wrong -
    for scores (T, B, C) it normalises over time - so it warns, as PyTorch does."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        f"include dim=X as an argument.",
        stacklevel=user_stacklevel(),
    )
    return 0 if ndim in (0, 1, 3) else 1


class SoftmaxAlongDim(Module):
    """What Softmax and LogSoftmax share: a `dim` (PyTorch's implicit choice when None)
    and one call of `function` (F.softmax or F.log_softmax) along it."""

    name = ""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def function(self, input: Tensor, dim: int) -> Tensor:
        raise NotImplementedError

    def forward(self, input) -> Tensor:
        input = as_tensor(input)
        dim = self.dim
        if dim is None:
            dim = implicit_softmax_dim(self.name, input.ndim)
        return self.function(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(SoftmaxAlongDim):
    """softmax(x)_i = e^{x_i} / Σ_j e^{x_j} along `dim`: each slice sums to 1.
    See F.softmax (computed with the max subtracted, so it never overflows)."""

    name = "softmax"

    def function(self, input: Tensor, dim: int) -> Tensor:
        return F.softmax(input, dim=dim)


class LogSoftmax(SoftmaxAlongDim):
    """log softmax(x)_i = x_i - log Σ_j e^{x_j} along `dim`; the input NLLLoss expects.
    See F.log_softmax."""

    name = "log_softmax"

    def function(self, input: Tensor, dim: int) -> Tensor:
        return F.log_softmax(input, dim=dim)
