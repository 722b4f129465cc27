"""Flatten and Unflatten (PyTorch's `nn.Flatten`, `nn.Unflatten`): reshapes as layers.

    nn.Flatten()                  (N, C, H, W) -> (N, C·H·W)       start_dim=1, end_dim=-1
    nn.Unflatten(1, (C, H, W))    (N, C·H·W)  -> (N, C, H, W)

Each is one `reshape` node in the graph; its backward reshapes the gradient back.

Read next: layers.py (Linear, Embedding, Dropout, Sequential).
"""

from __future__ import annotations

import numpy as np

from ..checks import describe, is_int
from ..errors import ShapeError
from ..tensor import Tensor
from .checks import fail, layer_name
from .module import Module

__all__ = ["Flatten", "Unflatten"]


def as_tensor(x) -> Tensor:
    """Layers accept Tensors, numpy arrays and lists; the latter become constant leaves."""
    return x if isinstance(x, Tensor) else Tensor(x)


def check_dim(owner: str, name: str, dim) -> int:
    """An axis number: an int, negative to count from the end (-1 is the last axis)."""
    if not is_int(dim):
        fail(owner, f"{name} must be an int (an axis; -1 is the last), got {describe(dim)}")
    return int(dim)


def axis_index(owner: str, name: str, dim: int, ndim: int) -> int:
    """`dim` as an axis of a tensor with `ndim` axes (negative counts from the end), or
    a ShapeError in PyTorch's words ("Dimension out of range")."""
    if -ndim <= dim < ndim:
        return dim % ndim
    raise ShapeError(
        f"{owner}: Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
        f"but got {dim}) for {name}={dim} on an input of {ndim} dimension(s)"
    )


def flattened_shape(shape: tuple, start: int, end: int) -> tuple:
    """shape[:start] + (product of shape[start..end],) + shape[end + 1:]."""
    merged = int(np.prod(shape[start : end + 1]))
    return shape[:start] + (merged,) + shape[end + 1 :]


class Flatten(Module):
    """Merge the axes start_dim .. end_dim (inclusive) into one:

        (N, C, H, W) with start_dim=1, end_dim=-1  ->  (N, C·H·W)

    A 0-D input becomes a 1-D tensor of one element, as in PyTorch.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        owner = layer_name(self)
        self.start_dim = check_dim(owner, "start_dim", start_dim)
        self.end_dim = check_dim(owner, "end_dim", end_dim)

    def forward(self, input) -> Tensor:
        input = as_tensor(input)
        if input.ndim == 0:
            return input.reshape(1)
        owner = repr(self)
        start = axis_index(owner, "start_dim", self.start_dim, input.ndim)
        end = axis_index(owner, "end_dim", self.end_dim, input.ndim)
        if start > end:
            raise ShapeError(
                f"{owner}: flatten() has invalid args: start_dim cannot come after end_dim "
                f"(axes {start} and {end} of shape {input.shape})"
            )
        return input.reshape(flattened_shape(input.shape, start, end))

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis `dim` into the axes `unflattened_size` (one of them may be -1):

        (N, 12) with dim=1, unflattened_size=(3, 4)  ->  (N, 3, 4)

    The sizes must multiply to the length of axis `dim`.
    """

    def __init__(self, dim: int, unflattened_size) -> None:
        super().__init__()
        owner = layer_name(self)
        self.dim = check_dim(owner, "dim", dim)
        if not isinstance(unflattened_size, (tuple, list)) or not all(
            is_int(size) for size in unflattened_size
        ):
            fail(owner, f"unflattened_size must be a tuple of ints, got {unflattened_size!r}")
        self.unflattened_size = tuple(int(size) for size in unflattened_size)

    def forward(self, input) -> Tensor:
        input = as_tensor(input)
        owner = repr(self)
        dim = axis_index(owner, "dim", self.dim, input.ndim)
        sizes = self._sizes(owner, input.shape[dim])
        new_shape = input.shape[:dim] + sizes + input.shape[dim + 1 :]
        return input.reshape(new_shape)

    def _sizes(self, owner: str, length: int) -> tuple:
        """unflattened_size with a -1 filled in; ShapeError if they do not multiply to
        `length`."""
        sizes = self.unflattened_size
        known = int(np.prod([size for size in sizes if size != -1]))
        if sizes.count(-1) == 1 and known > 0 and length % known == 0:
            sizes = tuple(length // known if size == -1 else size for size in sizes)
        if int(np.prod(sizes)) != length or any(size < 0 for size in sizes):
            raise ShapeError(
                f"{owner}: unflattened_size {self.unflattened_size} must multiply to the "
                f"length {length} of axis {self.dim}"
            )
        return sizes

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
