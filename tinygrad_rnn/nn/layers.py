"""The feed-forward layers: Linear, Embedding, Dropout, activations, and Sequential.

Names, shapes and initialisation are PyTorch's, so a `state_dict` moves between the two
unchanged:

    Linear(in_features, out_features)   weight (out, in), bias (out,)   y = x Wᵀ + b
    Embedding(num_embeddings, dim)      weight (num_embeddings, dim)     y = weight[idx]
    Dropout(p)                          zeroes each element with probability p (training)

Every forward is built from Tensor operations, so the graph shows an addmm (b + x Wᵀ as
one node, which keeps one array where a matmul and an add would keep two), a gather -
nothing hidden.

Read next: cells.py (one time step of RNN, LSTM and GRU).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np

from .. import functional as F
from ..errors import DTypeError, ShapeError, TensorIndexError
from ..graph import format_source, user_source
from ..tensor import Tensor, addmm, default_rng, gather, get_default_dtype, where
from .checks import (
    check_flag,
    check_float_input,
    check_int,
    check_optional_int,
    check_probability,
    check_sizes,
    fail,
    layer_name,
)
from .module import Module, require_module
from .parameter import Parameter, uniform_parameter


def as_tensor(x) -> Tensor:
    """Layers accept Tensors, numpy arrays and lists; the latter become constant leaves."""
    return x if isinstance(x, Tensor) else Tensor(x)


def check_last_axis(layer: Module, x: Tensor, expected: int, what: str) -> None:
    """Raise a ShapeError naming the layer when x's last axis is not `expected` long."""
    if x.ndim >= 1 and x.shape[-1] == expected:
        return
    raise ShapeError(
        f"{layer!r}: expected an input whose last axis has {expected} {what}, got shape {x.shape}"
    )


class Linear(Module):
    """y = x Wᵀ + b for x of shape (..., in_features) -> (..., out_features).

    weight (out_features, in_features), bias (out_features,), both drawn from
    uniform(-1/√in_features, 1/√in_features) as in PyTorch.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        owner = layer_name(self)
        sizes = {"in_features": in_features, "out_features": out_features}
        in_features, out_features = check_sizes(owner, sizes, minimum=0)
        bias = check_flag(owner, "bias", bias)
        self.in_features = in_features
        self.out_features = out_features
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        self.weight = uniform_parameter((out_features, in_features), bound)
        self.bias = uniform_parameter((out_features,), bound) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        x = check_float_input(repr(self), as_tensor(x))
        check_last_axis(self, x, self.in_features, "features (in_features)")
        if self.bias is None:
            return x @ self.weight.T  # (..., in) @ (in, out) -> (..., out)
        return addmm(self.bias, x, self.weight.T)  # b + x Wᵀ, one node (as PyTorch's)

    def extra_repr(self) -> str:
        has_bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={has_bias}"


class Embedding(Module):
    """A lookup table: row k of `weight` is the vector of token k. Indices (...) -> (..., D).

    weight (num_embeddings, embedding_dim) drawn from N(0, 1) as in PyTorch. Multiplying
    a one-hot vector by the weight gives the same row; the lookup just skips the zeros.

    padding_idx: that row starts at zero and never receives a gradient (PyTorch's rule),
    so a padding token stays a zero vector while the model trains. It is done with
    `tg.where(is_padding, out.detach(), out)`: same numbers, no gradient path there.
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        num_embeddings = check_int(owner, "num_embeddings (the vocabulary size)", num_embeddings, 1)
        embedding_dim = check_int(owner, "embedding_dim", embedding_dim, 0)
        padding_idx = check_optional_int(owner, "padding_idx", padding_idx, -num_embeddings)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if padding_idx >= num_embeddings:
                fail(
                    owner,
                    f"padding_idx={padding_idx} is out of range for num_embeddings="
                    f"{num_embeddings} (valid: -{num_embeddings} .. {num_embeddings - 1})",
                )
            padding_idx = padding_idx % num_embeddings  # PyTorch: -1 is the last row
        self.padding_idx = padding_idx
        array = default_rng().standard_normal((num_embeddings, embedding_dim))
        if padding_idx is not None:
            array[padding_idx] = 0.0
        self.weight = Parameter(array.astype(get_default_dtype()))

    def forward(self, indices) -> Tensor:
        indices = self._check_indices(indices)
        out = gather(self.weight, indices)  # (..., embedding_dim)
        if self.padding_idx is None:
            return out
        is_padding = (indices == self.padding_idx)[..., np.newaxis]  # (..., 1)
        return where(is_padding, out.detach(), out)

    def _check_indices(self, indices) -> np.ndarray:
        raw = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
        if raw.dtype.kind not in "iu":
            raise DTypeError(
                f"{self!r}: indices must be integers (token ids), got dtype {raw.dtype}. "
                f"Convert them with x.long() or np.asarray(x, dtype=np.int64) "
                f"— at {format_source(user_source())}"
            )
        if raw.size and (raw.min() < 0 or raw.max() >= self.num_embeddings):
            bad = raw[(raw < 0) | (raw >= self.num_embeddings)]
            raise TensorIndexError(
                f"{self!r}: index {bad.flat[0]} is out of range; valid indices are "
                f"0..{self.num_embeddings - 1} (got values from {raw.min()} to {raw.max()}). "
                f"Is the vocabulary bigger than num_embeddings? "
                f"— at {format_source(user_source())}"
            )
        return raw

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text


class Dropout(Module):
    """During training, zero each element with probability p and scale the rest by
    1/(1-p) (so the expected value is unchanged); in eval mode, return x unchanged.
    Calls `tinygrad_rnn.functional.dropout`, using the generator `tg.manual_seed` sets.

    inplace is accepted so PyTorch programs run unchanged; the numbers are the same
    either way (a graph node is never overwritten here, so the result is a new tensor).
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = check_probability(layer_name(self), "p (the probability of zeroing)", p)
        self.inplace = check_flag(layer_name(self), "inplace", inplace)

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(as_tensor(x), p=self.p, training=self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Sequential(Module):
    """Layers applied one after the other: y = layer_n(... layer_2(layer_1(x))).

        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
        model = nn.Sequential(OrderedDict(fc1=nn.Linear(4, 8), act=nn.Tanh()))

    Layers are registered under "0", "1", ... (or the given names), as in PyTorch.
    """

    def __init__(self, *modules) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], (dict, OrderedDict)):
            for name, module in modules[0].items():
                self._add(str(name), module)
        else:
            for index, module in enumerate(modules):
                self._add(str(index), module)

    def _add(self, name: str, module) -> None:
        require_module(module, f"nn.Sequential: item {name!r}")
        self.add_module(name, module)

    def append(self, module: Module) -> Sequential:
        self._add(str(len(self._modules)), module)
        return self

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index):
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        return items[index][1]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(list(self._modules.values()))
