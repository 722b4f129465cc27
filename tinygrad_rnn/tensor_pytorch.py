"""PyTorch's other spellings of what a Tensor already does: `x.view`, `x.size(dim)`,
`x.numel()`, `x.split` ... each a thin wrapper over the operators in tensor.py, so a
PyTorch program runs unchanged and its graph still shows only the primitives.

`Tensor` (tensor.py) inherits these methods from `PyTorchMethods`.

Read next: tensor_functions.py (tg.zeros, tg.cat ...).
"""

from __future__ import annotations


class PyTorchMethods:
    """Methods a PyTorch user expects on a tensor, written with Tensor's own operators."""

    __slots__ = ()  # a Tensor has slots only (graph.Node): no __dict__ per tensor
