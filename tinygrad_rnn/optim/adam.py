"""Adam: running means of the gradient and of its square, bias-corrected
(torch.optim.adam's rule and defaults; weight_decay is the L2 penalty, not AdamW's).

Read next: ../nn/utils.py (gradient clipping), then ../bptt.py (the gradients by hand).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..checks import describe, is_number
from ..errors import ArgumentError
from ..nn.checks import Bounds, number_ok
from .optimizer import NON_NEGATIVE, Optimizer, check_option, gradient, optimizer_name

# Each of Adam's betas lies in [0, 1) (PyTorch's rule).
BETA = Bounds(low=0.0, high=1.0, high_included=False)


class Adam(Optimizer):
    """Adam (Kingma & Ba), PyTorch's rule; m and v start at 0, k counts steps from 1:

    g = ∇p + weight_decay · p                 (L2 penalty, not AdamW's decoupled decay)
    m = beta1 · m + (1 - beta1) · g           first moment (mean of g)
    v = beta2 · v + (1 - beta2) · g²          second moment (mean of g²)
    step_size = lr / (1 - beta1^k)            bias correction of m
    denom = sqrt(v) / sqrt(1 - beta2^k) + eps bias correction of v; eps outside the sqrt
    p = p - step_size · m / denom
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults)

    def _check_options(self, group: dict) -> None:
        super()._check_options(group)
        name = optimizer_name(self)
        check_option(name, group, "eps", "epsilon value", NON_NEGATIVE)
        _check_betas(name, group)
        group["betas"] = tuple(group["betas"])

    def step(self) -> None:
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = (float(beta) for beta in group["betas"])
            eps = float(group["eps"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = gradient(p, float(group["weight_decay"]), optimizer_name(self))
                state = self.state.setdefault(p, {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p.data)  # m
                    state["exp_avg_sq"] = np.zeros_like(p.data)  # v
                state["step"] += 1
                k = state["step"]
                m = state["exp_avg"]
                v = state["exp_avg_sq"]
                m *= beta1
                m += (1 - beta1) * g  # m = beta1·m + (1 - beta1)·g
                v *= beta2
                v += (1 - beta2) * g * g  # v = beta2·v + (1 - beta2)·g²
                step_size = lr / (1 - beta1**k)
                denom = np.sqrt(v) / math.sqrt(1 - beta2**k) + eps
                p.data -= step_size * m / denom


def _check_betas(name: str, group: dict) -> None:
    """Adam's betas: a pair of numbers, each in [0, 1)."""
    betas = group["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ArgumentError(
            f"{name}: betas must be a pair (beta1, beta2) such as (0.9, 0.999), got "
            f"{describe(betas, limit=None)}"
        )
    for index, beta in enumerate(betas):
        if not number_ok(beta, BETA):
            got = "" if is_number(beta) else f", got a {type(beta).__name__}"
            raise ArgumentError(
                f"{name}: invalid beta parameter at index {index}: {beta!r} (betas[{index}] "
                f"must be a number in [0, 1){got})"
            )
