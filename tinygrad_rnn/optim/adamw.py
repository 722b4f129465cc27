"""AdamW: Adam with decoupled weight decay (torch.optim.adamw's rule and defaults).

Adam's `weight_decay` adds λ·p to the gradient, so the decay is divided by sqrt(v) like
the rest of the step: weights with large gradients are hardly decayed. AdamW
(Loshchilov & Hutter) shrinks the weight itself, outside the adaptive step.

Read next: adagrad.py (a step size that only shrinks).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .adam import Adam
from .optimizer import gradient, optimizer_name


class AdamW(Adam):
    """AdamW, PyTorch's rule; m, v (and v_max) start at 0, k counts steps from 1:

    p = p - lr · weight_decay · p             decoupled decay: the weight shrinks first
    g = ∇p                                    (no L2 term in the gradient)
    m, v, v_max, denom and the step exactly as in Adam:
    p = p - lr / (1 - beta1^k) · m / (sqrt(v) / sqrt(1 - beta2^k) + eps)

    The default weight_decay is 0.01 (PyTorch's; Adam's is 0).
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)

    def _gradient(self, p, group: dict) -> np.ndarray:
        """Shrink p by the factor (1 - lr · weight_decay), then return the plain ∇p."""
        g = gradient(p, 0.0, optimizer_name(self))
        decay = float(group["lr"]) * float(group["weight_decay"])
        if decay != 0:
            p.data *= 1 - decay  # p = p - lr · weight_decay · p
        return g
