"""Optimizers: turn the gradients that backward() left in `p.grad` into parameter updates.

    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for x, y in batches:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)   # optional
        optimizer.step()

Each optimizer's `step()` is the update rule of its docstring, written line by line on
numpy arrays (an update is not part of the graph, so it is plain numpy, not Tensor ops).
The rules, defaults and argument names are PyTorch's (torch.optim, for the default
single-tensor path, maximize=False), so results match PyTorch's to rounding.

Updates happen in place on `p.data`, which keeps its dtype (float32 stays float32), and
parameters whose `grad` is None (unused in this step) are skipped.

Every option is checked when the optimizer (or a parameter group) is made, with
PyTorch's rules - lr, eps, weight_decay and momentum >= 0 (0 is fine), Adam's betas in
[0, 1), nesterov only with momentum and no dampening - plus two ranges PyTorch leaves
open although values outside them wreck the parameters: SGD's dampening and RMSprop's
alpha must lie in [0, 1] (dampening 2 turns descent into ascent; alpha 1.5 makes the
running mean of g² negative and its square root NaN). Numbers must be ints or floats:
lr="0.1" or lr=None is an error, not a crash deep inside step().

Read next: nn/utils.py (gradient clipping), then bptt.py (the gradients by hand).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

from .checks import at_user_line, describe, is_number
from .errors import ArgumentError, ShapeError
from .nn.checks import (
    PROBABILITY,
    Bounds,
    check_flag,
    layer_name,
    not_a_tensor_hint,
    not_an_iterable_hint,
    number_ok,
    number_rule,
)
from .nn.utils import clip_grad_norm_, clip_grad_value_  # also reachable as optim.clip_...
from .tensor import Tensor

__all__ = ["Adam", "Optimizer", "RMSprop", "SGD", "clip_grad_norm_", "clip_grad_value_"]

# Where the options may lie (PyTorch's rules): lr, eps, momentum ... >= 0; each beta in [0, 1).
NON_NEGATIVE = Bounds(low=0.0)
BETA = Bounds(low=0.0, high=1.0, high_included=False)


class Optimizer:
    """Base class: holds parameter groups and per-parameter state; subclasses write `step()`.

    param_groups  list of dicts: {"params": [Tensor, ...], "lr": ..., other options}
    state         dict Tensor -> dict of that parameter's buffers ("momentum_buffer", ...)

    `params` is an iterable of Tensors, or PyTorch-style groups - a list of dicts, each
    with "params" and optional options that override the defaults for that group:

        optim.SGD([{"params": encoder.parameters()},
                   {"params": decoder.parameters(), "lr": 0.01}], lr=0.1)
    """

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict] = []
        self.state: dict[Tensor, dict] = {}
        name = layer_name(self)
        if isinstance(params, Tensor):
            raise ArgumentError(
                f"{name}: params must be an iterable of Tensors (e.g. model.parameters() or "
                f"[W, b]), got a single Tensor; wrap it in a list: [{params.label or 'p'}]"
                f""
            )
        _check_iterable(name, params)
        params = list(params)
        if not params:
            raise ArgumentError(
                f"{name}: optimizer got an empty parameter list (a generator such as "
                f"model.parameters() can be used only once: was it used up already?)"
                f""
            )
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict) -> None:
        """Add a group of parameters (a dict with "params" and optional option overrides)."""
        name = layer_name(self)
        if not isinstance(group, dict) or "params" not in group:
            raise ArgumentError(
                f"{name}: a parameter group must be a dict with a 'params' entry, got "
                f"{type(group).__name__}"
            )
        params = group["params"]
        if not isinstance(params, Tensor):
            _check_iterable(name, params)
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ArgumentError(f"{name}: optimizer got an empty parameter list")
        seen = {p for g in self.param_groups for p in g["params"]}
        for index, p in enumerate(params):
            _check_parameter(name, index, p)
            if p in seen:
                raise ArgumentError(
                    f"{name}: parameter #{index} ({p.label or 'unlabelled'}, shape {p.shape})"
                    f" appears more than once; pass each parameter once"
                )
            seen.add(p)
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise ArgumentError(
                f"{name}: unknown option(s) {sorted(unknown)} in a parameter group; "
                f"known: {sorted(self.defaults)}"
            )
        filled = {**self.defaults, **group, "params": params}
        self._check_options(filled)
        self.param_groups.append(filled)

    def _check_options(self, group: dict) -> None:
        """Raise ArgumentError for an invalid option value (the subclasses add their own)."""
        name = layer_name(self)
        if "lr" in group:  # an optimizer of your own may have neither option
            _check_option(name, group, "lr", "learning rate", NON_NEGATIVE)
        if "weight_decay" in group:
            _check_option(name, group, "weight_decay", "weight_decay", NON_NEGATIVE)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: `p.grad = None` (default), or fill it with 0."""
        set_to_none = check_flag(f"{layer_name(self)}.zero_grad", "set_to_none", set_to_none)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif isinstance(p.grad, np.ndarray) and p.grad.flags.writeable:
                    p.grad.fill(0)
                else:
                    p.grad = np.zeros_like(p.data)

    def step(self) -> None:
        """Update every parameter that has a gradient (subclasses implement the rule)."""
        raise NotImplementedError

    # --- saving and restoring the optimizer (PyTorch's layout) ------------------------
    def state_dict(self) -> dict:
        """{"state": {i: {buffer name: array or number}}, "param_groups": [...]}.

        Parameters are numbered 0, 1, 2 ... in the order of the groups, as in PyTorch,
        and each group lists the numbers of its parameters under "params". The arrays
        are copies, so later steps do not change a saved state dict.
        """
        numbers = {}
        groups = []
        for group in self.param_groups:
            indices = []
            for p in group["params"]:
                numbers[p] = len(numbers)
                indices.append(numbers[p])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": indices})
        state = {}
        for p, buffers in self.state.items():
            state[numbers[p]] = {key: _copy(value) for key, value in buffers.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore options and buffers saved by `state_dict()` of an optimizer of the same
        kind with the same parameter groups (same number of groups and parameters, same
        shapes). Everything is checked before anything changes."""
        name = f"{layer_name(self)}.load_state_dict"
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            raise ArgumentError(
                f"{name}: expects what optimizer.state_dict() returns, a dict with 'state' and "
                f"'param_groups', got {type(state_dict).__name__}"
            )
        groups = state_dict["param_groups"]
        sizes = [len(g["params"]) for g in self.param_groups]
        saved_sizes = [len(g["params"]) for g in groups]
        if sizes != saved_sizes:
            raise ArgumentError(
                f"{name}: the saved state has groups of sizes {saved_sizes}, "
                f"this optimizer has {sizes}"
            )
        for group, saved in zip(self.param_groups, groups):
            self._check_saved_options(name, group, saved)
        by_number = {}
        for group, saved in zip(self.param_groups, groups):
            for p, number in zip(group["params"], saved["params"]):
                by_number[number] = p
        new_state = {}
        for number, buffers in state_dict["state"].items():
            p = by_number[int(number)]
            new_state[p] = {key: _restore(value, p, name, key) for key, value in buffers.items()}
        for group, saved in zip(self.param_groups, groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = value
        self.state = new_state

    def _check_saved_options(self, name: str, group: dict, saved: dict) -> None:
        """A saved parameter group must have this optimizer's options, with valid values
        (a state dict of optim.SGD has no betas for Adam)."""
        saved_options = sorted(set(saved) - {"params"})
        if saved_options != sorted(self.defaults):
            raise ArgumentError(
                f"{name}: the saved state has the options {saved_options}, but "
                f"{layer_name(self)} has {sorted(self.defaults)}: was it saved by another "
                f"kind of optimizer?"
            )
        self._check_options({**group, **saved})


def _check_iterable(name: str, params) -> None:
    """`params` must be an iterable of Tensors (or of group dicts), not a model, a dict,
    a string or a single non-iterable value."""
    if callable(getattr(params, "parameters", None)):
        raise ArgumentError(
            f"{name}: got the model itself ({type(params).__name__}); pass its parameters: "
            f"{name}(model.parameters(), ...)"
        )
    if isinstance(params, (Mapping, str, bytes)) or not isinstance(params, Iterable):
        raise ArgumentError(
            f"{name}: params must be an iterable of Tensors such as model.parameters() or "
            f"[W, b], got {type(params).__name__}.{not_an_iterable_hint(params)}"
            f""
        )


def _check_parameter(name: str, index: int, p) -> None:
    """A parameter must be a floating-point leaf Tensor that requires grad."""
    if not isinstance(p, Tensor):
        hint = not_a_tensor_hint(p)
        if isinstance(p, dict):
            hint = " Parameter groups must all be dicts: [{'params': ...}, {'params': ...}]."
        raise ArgumentError(
            f"{name}: parameter #{index} is a {type(p).__name__}, not a Tensor; pass "
            f"model.parameters() or a list of Tensors.{hint}"
        )
    what = f"parameter #{index} ({p.label or 'unlabelled'}, shape {p.shape})"
    if not p.requires_grad:
        raise ArgumentError(
            f"{name}: {what} does not require grad, so it would never get a gradient; "
            f"create it with requires_grad=True"
        )
    if not p.is_leaf:
        raise ArgumentError(
            f"{name}: {what} is the result of a '{p.op}' op, not a leaf; an optimizer can "
            f"only update leaf tensors (parameters)"
        )


def _check_option(name: str, group: dict, key: str, label: str, bounds: Bounds) -> None:
    """ArgumentError in PyTorch's words ("invalid learning rate: -1") unless group[key]
    is a number within `bounds`."""
    value = group[key]
    if number_ok(value, bounds):
        return
    got = "" if is_number(value) else f", got a {type(value).__name__}"
    raise ArgumentError(
        f"{name}: invalid {label}: {value!r} ({key} must be {number_rule(bounds)}{got})"
    )


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


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _restore(value, p: Tensor, name: str, key: str):
    """A saved buffer as an array of the parameter's shape and dtype (numbers unchanged)."""
    if not isinstance(value, np.ndarray) or value.ndim == 0:
        return value
    if value.shape != p.shape:
        raise ValueError(
            f"{name}.load_state_dict: buffer '{key}' has shape {value.shape} but its "
            f"parameter has shape {p.shape}{at_user_line()}"
        )
    return value.astype(p.dtype, copy=True)


def _gradient(p: Tensor, weight_decay: float, name: str) -> np.ndarray:
    """g = ∇p (+ weight_decay · p, the L2 penalty folded into the gradient as PyTorch does).

    A gradient of another shape (set by hand) would be broadcast into the update without
    a word, so it is an error here."""
    g = p.grad
    if np.shape(g) != p.shape:
        raise ShapeError(
            f"{name}.step: the gradient of {p.label or 'a parameter'} has shape "
            f"{np.shape(g)}, but the parameter has shape {p.shape} (was .grad set by hand?)"
            f""
        )
    if weight_decay != 0:
        g = g + weight_decay * p.data
    return g


# --------------------------------------------------------------------------------------
# SGD
# --------------------------------------------------------------------------------------
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
        name = layer_name(self)
        _check_option(name, group, "momentum", "momentum", NON_NEGATIVE)
        _check_option(name, group, "dampening", "dampening", PROBABILITY)
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
                g = _gradient(p, float(group["weight_decay"]), layer_name(self))
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


# --------------------------------------------------------------------------------------
# RMSprop
# --------------------------------------------------------------------------------------
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
        name = layer_name(self)
        _check_option(name, group, "alpha", "alpha", PROBABILITY)
        _check_option(name, group, "eps", "epsilon value", NON_NEGATIVE)
        _check_option(name, group, "momentum", "momentum", NON_NEGATIVE)
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
                g = _gradient(p, float(group["weight_decay"]), layer_name(self))
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


# --------------------------------------------------------------------------------------
# Adam
# --------------------------------------------------------------------------------------
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
        name = layer_name(self)
        _check_option(name, group, "eps", "epsilon value", NON_NEGATIVE)
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
                g = _gradient(p, float(group["weight_decay"]), layer_name(self))
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
