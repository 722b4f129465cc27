"""SGD: stochastic gradient descent, with momentum, Nesterov momentum and weight decay
(torch.optim.sgd's rule and defaults).

Read next: rmsprop.py (a step size per parameter entry), then adam.py.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..errors import ArgumentError
from ..nn.checks import PROBABILITY, check_flag
from .optimizer import NON_NEGATIVE, Optimizer, check_option, gradient, optimizer_name


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (PyTorch's rule):

        g = ∇p + weight_decay · p
        if momentum != 0:
            b = g                                        (first step)
            b = momentum · b + (1 - dampening) · g       (later steps)
            g = g + momentum · b    if nesterov else    g = b
        p = p - lr · g

    nesterov=True needs momentum > 0 and dampening = 0.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
        }
        super().__init__(params, defaults)

    def _check_options(self, group: dict) -> None:
        super()._check_options(group)
        name = optimizer_name(self)
        check_option(name, group, "momentum", "momentum", NON_NEGATIVE)
        check_option(name, group, "dampening", "dampening", PROBABILITY)
        group["nesterov"] = check_flag(name, "nesterov", group["nesterov"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ArgumentError(
                f"{name}: nesterov momentum requires a momentum > 0 and zero dampening, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
                f""
            )

    def step(self) -> None:
        for group in self.param_groups:
            lr = float(group["lr"])
            momentum = float(group["momentum"])
            dampening = float(group["dampening"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = gradient(p, float(group["weight_decay"]), optimizer_name(self))
                if momentum != 0:
                    state = self.state.setdefault(p, {})
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = np.array(g, dtype=p.dtype)  # b = g
                    else:
                        b = state["momentum_buffer"]
                        b *= momentum
                        b += (1 - dampening) * g  # b = momentum·b + (1 - dampening)·g
                    b = state["momentum_buffer"]
                    g = g + momentum * b if group["nesterov"] else b
                p.data -= lr * g  # p = p - lr·g
