"""RMSprop: divide each step by a running root mean square of the gradient
(torch.optim.rmsprop's rule and defaults).

Read next: adam.py (RMSprop's running mean of g² plus a running mean of g).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..nn.checks import PROBABILITY, check_flag
from ..tensor import Tensor
from .optimizer import NON_NEGATIVE, Optimizer, check_option, gradient, optimizer_name


class RMSprop(Optimizer):
    """RMSprop (PyTorch's rule; v, ḡ and b start at 0):

        g = ∇p + weight_decay · p
        v = alpha · v + (1 - alpha) · g²                 running mean of g²
        if centered:
            ḡ = alpha · ḡ + (1 - alpha) · g              running mean of g
            avg = sqrt(v - ḡ²) + eps
        else:
            avg = sqrt(v) + eps
        if momentum > 0:
            b = momentum · b + g / avg
            p = p - lr · b
        else:
            p = p - lr · g / avg

    Note eps is added *outside* the square root, as in PyTorch.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        super().__init__(params, defaults)

    def _check_options(self, group: dict) -> None:
        super()._check_options(group)
        name = optimizer_name(self)
        check_option(name, group, "alpha", "alpha", PROBABILITY)
        check_option(name, group, "eps", "epsilon value", NON_NEGATIVE)
        check_option(name, group, "momentum", "momentum", NON_NEGATIVE)
        group["centered"] = check_flag(name, "centered", group["centered"])

    def step(self) -> None:
        for group in self.param_groups:
            lr = float(group["lr"])
            alpha = float(group["alpha"])
            eps = float(group["eps"])
            momentum = float(group["momentum"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = gradient(p, float(group["weight_decay"]), optimizer_name(self))
                state = self._init_state(p, group)
                state["step"] += 1
                v = state["square_avg"]
                v *= alpha
                v += (1 - alpha) * g * g  # v = alpha·v + (1 - alpha)·g²
                if group["centered"]:
                    g_mean = state["grad_avg"]
                    g_mean *= alpha
                    g_mean += (1 - alpha) * g  # ḡ = alpha·ḡ + (1 - alpha)·g
                    avg = np.sqrt(v - g_mean * g_mean) + eps
                else:
                    avg = np.sqrt(v) + eps
                if momentum > 0:
                    b = state["momentum_buffer"]
                    b *= momentum
                    b += g / avg  # b = momentum·b + g / avg
                    p.data -= lr * b
                else:
                    p.data -= lr * g / avg

    def _init_state(self, p: Tensor, group: dict) -> dict:
        state = self.state.setdefault(p, {})
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(p.data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p.data)
        return state
