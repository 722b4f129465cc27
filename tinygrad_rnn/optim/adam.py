"""Adam: running means of the gradient and of its square, bias-corrected
(torch.optim.adam's rule and defaults; weight_decay is the L2 penalty, not AdamW's),
with PyTorch's `amsgrad` option.

Read next: adamw.py (Adam with decoupled weight decay), then adagrad.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..checks import describe, is_number
from ..errors import ArgumentError
from ..nn.checks import Bounds, check_flag, number_ok
from .optimizer import NON_NEGATIVE, Optimizer, check_option, gradient, optimizer_name

# Each of Adam's betas lies in [0, 1) (PyTorch's rule).
BETA = Bounds(low=0.0, high=1.0, high_included=False)


class Adam(Optimizer):
    """Adam (Kingma & Ba), PyTorch's rule; m, v and v_max start at 0, k counts steps from 1:

    g = ∇p + weight_decay · p                 (L2 penalty, not AdamW's decoupled decay)
    m = beta1 · m + (1 - beta1) · g           first moment (mean of g)
    v = beta2 · v + (1 - beta2) · g²          second moment (mean of g²)
    if amsgrad:
        v_max = max(v_max, v)                 never let the step grow back (Reddi et al.)
        v = v_max                             (used in denom below; v itself runs on)
    step_size = lr / (1 - beta1^k)            bias correction of m
    denom = sqrt(v) / sqrt(1 - beta2^k) + eps bias correction of v; eps outside the sqrt
    p = p - step_size · m / denom

    The state of a parameter (its `optimizer.state[p]`) holds "step", "exp_avg" (m),
    "exp_avg_sq" (v) and, with amsgrad, "max_exp_avg_sq" (v_max): PyTorch's names.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
        }
        super().__init__(params, defaults)

    def _check_options(self, group: dict) -> None:
        super()._check_options(group)
        name = optimizer_name(self)
        check_option(name, group, "eps", "epsilon value", NON_NEGATIVE)
        _check_betas(name, group)
        group["betas"] = tuple(group["betas"])
        amsgrad = group.get("amsgrad", False)
        if is_number(amsgrad) and amsgrad in (0, 1):  # 0.0 / 1.0 read back from an .npz
            amsgrad = bool(amsgrad)
        group["amsgrad"] = check_flag(name, "amsgrad", amsgrad)

    def step(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = self._gradient(p, group)
                self._adam_update(p, g, group)

    def _gradient(self, p, group: dict) -> np.ndarray:
        """Adam folds weight_decay into g (the L2 penalty); AdamW overrides this."""
        return gradient(p, float(group["weight_decay"]), optimizer_name(self))

    def _adam_update(self, p, g: np.ndarray, group: dict) -> None:
        """One Adam step of p with gradient g (the rule in the class docstring)."""
        beta1, beta2 = (float(beta) for beta in group["betas"])
        state = self.state.setdefault(p, {})
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)  # m
            state["exp_avg_sq"] = np.zeros_like(p.data)  # v
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)  # v_max
        state["step"] += 1
        k = state["step"]
        m = state["exp_avg"]
        v = state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * g  # m = beta1·m + (1 - beta1)·g
        v *= beta2
        v += (1 - beta2) * g * g  # v = beta2·v + (1 - beta2)·g²
        if group["amsgrad"]:
            v_max = state["max_exp_avg_sq"]
            np.maximum(v_max, v, out=v_max)  # v_max = max(v_max, v)
            v = v_max
        step_size = float(group["lr"]) / (1 - beta1**k)
        denom = np.sqrt(v) / math.sqrt(1 - beta2**k) + float(group["eps"])
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
