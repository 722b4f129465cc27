"""The Optimizer base class (torch.optim.optimizer's place): parameter groups, the
per-parameter state, zero_grad, state_dict / load_state_dict, and the checks every
optimizer shares.

`params` is checked when the optimizer is made: an iterable of floating-point leaf
Tensors that require grad (or PyTorch-style groups), each parameter once. Every option
is checked with PyTorch's rules - lr, eps, weight_decay and momentum >= 0 (0 is fine).
Numbers must be ints or floats: lr="0.1" or lr=None is an error, not a crash deep
inside step().

`gradient(p, weight_decay, name)` is the first line of every update rule:
g = ∇p + weight_decay · p.

Read next: sgd.py (the simplest rule), then rmsprop.py and adam.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from ..checks import at_user_line, is_number
from ..errors import ArgumentError, ShapeError
from ..nn.checks import (
    Bounds,
    check_flag,
    not_a_tensor_hint,
    not_an_iterable_hint,
    number_ok,
    number_rule,
)
from ..tensor import Tensor

# Where the options may lie (PyTorch's rules): lr, eps, momentum ... >= 0.
NON_NEGATIVE = Bounds(low=0.0)


def optimizer_name(optimizer) -> str:
    """How the user wrote the class in messages: "optim.Adam"; a user's own subclass
    keeps its plain name ("MyOptimizer")."""
    cls = type(optimizer)
    if cls.__module__.startswith("tinygrad_rnn.optim"):
        return f"optim.{cls.__name__}"
    return cls.__name__


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
        name = optimizer_name(self)
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
        name = optimizer_name(self)
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
        name = optimizer_name(self)
        if "lr" in group:  # an optimizer of your own may have neither option
            check_option(name, group, "lr", "learning rate", NON_NEGATIVE)
        if "weight_decay" in group:
            check_option(name, group, "weight_decay", "weight_decay", NON_NEGATIVE)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: `p.grad = None` (default), or fill it with 0."""
        set_to_none = check_flag(f"{optimizer_name(self)}.zero_grad", "set_to_none", set_to_none)
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
        name = f"{optimizer_name(self)}.load_state_dict"
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
        (a state dict of optim.SGD has no betas for Adam). `initial_lr` is what a learning-
        rate scheduler adds to each group (lr_scheduler.py), as in PyTorch."""
        saved_options = sorted(set(saved) - {"params", "initial_lr"})
        if saved_options != sorted(self.defaults):
            raise ArgumentError(
                f"{name}: the saved state has the options {saved_options}, but "
                f"{optimizer_name(self)} has {sorted(self.defaults)}: was it saved by another "
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


def check_option(name: str, group: dict, key: str, label: str, bounds: Bounds) -> None:
    """ArgumentError in PyTorch's words ("invalid learning rate: -1") unless group[key]
    is a number within `bounds`."""
    value = group[key]
    if number_ok(value, bounds):
        return
    got = "" if is_number(value) else f", got a {type(value).__name__}"
    raise ArgumentError(
        f"{name}: invalid {label}: {value!r} ({key} must be {number_rule(bounds)}{got})"
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


def gradient(p: Tensor, weight_decay: float, name: str) -> np.ndarray:
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
