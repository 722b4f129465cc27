"""Loss modules (PyTorch's `nn.NLLLoss`, `nn.CrossEntropyLoss` ...): a loss function
with its options kept, so a program can make it once and call it on every batch.

    criterion = nn.CrossEntropyLoss(ignore_index=PAD)
    loss = criterion(logits, targets)      # = F.cross_entropy(logits, targets, ignore_index=PAD)

Each module's forward is one call of the function of the same name in functional.py,
which builds the loss from Tensor operators; nothing here has a backward of its own.
The arguments, defaults and input layouts are PyTorch's:

    NLLLoss, CrossEntropyLoss   input (N, C) or (N, C, d1, ...), target (N,) or (N, d1, ...)
                                of class indices; also (C,) with a scalar target
    MSELoss, BCELoss, BCEWithLogitsLoss   input and target of the same shape

`size_average` and `reduce`, PyTorch's old way of saying `reduction`, are accepted with
PyTorch's DeprecationWarning and mean what they mean there. The functions' deviations
from PyTorch (see their docstrings in functional.py) hold here too: e.g. a "mean" over
nothing (every target ignored) is an error, not nan.

Read next: activation.py (Tanh, Softmax ... as modules), flatten.py.
"""

from __future__ import annotations

import warnings

from .. import functional as F
from ..tensor import Tensor
from .checks import user_stacklevel
from .module import Module

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss", "NLLLoss"]


def legacy_reduction(size_average, reduce) -> str:
    """The `reduction` that PyTorch's deprecated `size_average` and `reduce` stand for.

    reduce=False                 -> "none"  (one loss per element)
    size_average=False           -> "sum"
    both True (or None: default) -> "mean"
    """
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        reduction = "mean"
    elif reduce:
        reduction = "sum"
    else:
        reduction = "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use "
        f"reduction='{reduction}' instead.",
        DeprecationWarning,
        stacklevel=user_stacklevel(),
    )
    return reduction


class _Loss(Module):
    """The base of the loss modules: holds `reduction` ("mean", "sum" or "none")."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = legacy_reduction(size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional per-class `weight`: a buffer (a constant, never trained,
    saved in state_dict and converted by .double(), as in PyTorch)."""

    def __init__(
        self, weight=None, size_average=None, reduce=None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood: loss_n = -w[y_n] · input[n, y_n] for log-probabilities
    `input` (e.g. from nn.LogSoftmax) and class indices y; targets equal to
    `ignore_index` count 0 and are left out of the mean. See F.nll_loss."""

    def __init__(
        self,
        weight=None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target) -> Tensor:
        return F.nll_loss(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy of logits and class indices:

        loss_n = -log softmax(input_n)[y_n] = -input_n[y_n] + log Σ_j e^{input_n[j]}

    i.e. NLLLoss(LogSoftmax(dim=1)(input), target). `label_smoothing` ε mixes the one-hot
    target with the uniform distribution over the C classes. See F.cross_entropy.
    """

    def __init__(
        self,
        weight=None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class MSELoss(_Loss):
    """Mean squared error: loss = (input - target)² element-wise, then reduced.
    See F.mse_loss (input and target must have the same shape)."""

    def forward(self, input: Tensor, target) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities p = input (e.g. after nn.Sigmoid) and
    targets y in [0, 1]: loss = -w · (y log p + (1 - y) log(1 - p)), logs clamped at
    -100. See F.binary_cross_entropy."""

    def forward(self, input: Tensor, target) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of raw scores x (p = sigmoid(x)), computed stably:

        loss = w · (max(x, 0) - x·y + log(1 + e^{-|x|}))

    `pos_weight` multiplies the positive term (one factor per class, along the last
    axis). Prefer it to Sigmoid + BCELoss. See F.binary_cross_entropy_with_logits.
    """

    def __init__(
        self,
        weight=None,
        size_average=None,
        reduce=None,
        reduction: str = "mean",
        pos_weight=None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)  # buffers, as in PyTorch
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input,
            target,
            self.weight,
            reduction=self.reduction,
            pos_weight=self.pos_weight,
        )
