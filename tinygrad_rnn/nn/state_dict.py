"""Loading a state dict: match names, check every array, report every problem at once.

    model.load_state_dict(torch_state)       # {name: array}, PyTorch's names and shapes

`Module.load_state_dict` (module.py) calls `match_state_dict` here, which compares the
model's parameters with the given mapping and either returns the converted arrays to copy
or raises one `StateDictError` listing every problem:

    missing keys      a parameter of the model with no entry    (only when strict)
    unexpected keys   an entry the model has no parameter for   (only when strict)
    shape mismatches  always, with both shapes
    non-numbers       always

Nothing is copied when an error is raised, so a failed load leaves the model unchanged.

Read next: checkpoint.py (tg.save / tg.load, which write and read these dicts to files).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from ..errors import StateDictError
from ..tensor import Tensor
from .checks import fail
from .parameter import Parameter


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(..., strict=False)` returns (PyTorch's names)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def match_state_dict(
    owner: str, own: Mapping[str, Parameter], state: Mapping, strict: bool
) -> tuple[dict[str, np.ndarray], IncompatibleKeys]:
    """({name: array in the parameter's dtype} to copy, the missing and unexpected keys),
    or StateDictError listing every problem. `own` is the model's {name: parameter}."""
    missing = [name for name in own if name not in state]
    unexpected = [name for name in state if name not in own]
    arrays = {}
    problems = []
    for name, param in own.items():
        if name not in state:
            continue
        array, problem = as_parameter_array(name, state[name], param)
        if problem:
            problems.append(problem)
        else:
            arrays[name] = array
    if strict:
        problems = [f"missing key {name!r}" for name in missing] + problems
        problems += [f"unexpected key {name!r}" for name in unexpected]
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise StateDictError(
            f"{owner}.load_state_dict: {len(problems)} problem(s):\n{lines}\n"
            "Compare the keys with model.state_dict().keys(); pass strict=False to "
            "ignore missing and unexpected keys."
        )
    return arrays, IncompatibleKeys(missing, unexpected)


def as_parameter_array(name: str, value, param: Parameter):
    """(array converted to param's dtype, None) or (None, a sentence saying what is wrong)."""
    raw = value.data if isinstance(value, Tensor) else value
    try:
        array = np.asarray(raw)
    except (TypeError, ValueError) as error:
        return None, f"{name!r}: cannot read the value as an array ({error})"
    if array.dtype.kind not in "fiub":
        return None, f"{name!r}: value has dtype {array.dtype}, not a number type"
    if array.shape != param.shape:
        return None, (
            f"shape mismatch for {name!r}: the model has {param.shape}, the state dict "
            f"has {array.shape}"
        )
    return array.astype(param.dtype, copy=False), None


def check_state_dict_argument(module, state) -> None:
    """`load_state_dict`'s argument must be a mapping of names to arrays."""
    if isinstance(state, Mapping):
        return
    owner = f"{type(module).__name__}.load_state_dict"
    hint = ""
    if isinstance(state, (str, bytes)) or hasattr(state, "__fspath__"):
        hint = "; to read a file, use tg.load(path): model.load_state_dict(tg.load(path))"
    elif callable(getattr(state, "state_dict", None)):  # a Module
        hint = "; to copy another model's weights, pass other.state_dict()"
    fail(
        owner,
        f"expects a dict of name -> array (model.state_dict()), got {type(state).__name__}{hint}",
    )
