"""Adagrad: divide each step by the root of the sum of every squared gradient so far
(torch.optim.adagrad's rule and defaults).

Read next: ../nn/utils/__init__.py (gradient clipping), then ../bptt.py (the gradients by
hand).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .optimizer import NON_NEGATIVE, Optimizer, check_option, gradient, optimizer_name


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), PyTorch's rule; s starts at initial_accumulator_value and
    k counts steps from 1:

        g = ∇p + weight_decay · p
        clr = lr / (1 + (k - 1) · lr_decay)      the learning rate, decayed by step
        s = s + g²                               sum of squared gradients, per entry
        p = p - clr · g / (sqrt(s) + eps)        eps outside the sqrt

    An entry that has seen large gradients takes small steps from then on. As in PyTorch,
    the state ("step", "sum") of every parameter is made when the optimizer is made.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = self._initial_state(p, group)

    def _check_options(self, group: dict) -> None:
        super()._check_options(group)
        name = optimizer_name(self)
        check_option(name, group, "lr_decay", "lr_decay value", NON_NEGATIVE)
        check_option(
            name, group, "initial_accumulator_value", "initial_accumulator_value", NON_NEGATIVE
        )
        check_option(name, group, "eps", "epsilon value", NON_NEGATIVE)

    @staticmethod
    def _initial_state(p, group: dict) -> dict:
        """step 0 and s = initial_accumulator_value in every entry."""
        value = float(group["initial_accumulator_value"])
        return {"step": 0, "sum": np.full_like(p.data, value)}

    def step(self) -> None:
        for group in self.param_groups:
            lr = float(group["lr"])
            lr_decay = float(group["lr_decay"])
            eps = float(group["eps"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = gradient(p, float(group["weight_decay"]), optimizer_name(self))
                state = self.state.setdefault(p, {})
                if not state:  # a group added later, or a state dict without it
                    state.update(self._initial_state(p, group))
                state["step"] += 1
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                s = state["sum"]
                s += g * g  # s = s + g²
                p.data -= clr * g / (np.sqrt(s) + eps)
