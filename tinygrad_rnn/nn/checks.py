"""Argument checks shared by the layers, the optimizers and gradient clipping.

Every constructor checks its arguments with these few functions, so a mistake gives one
clear error that names the layer, the argument, the value and *your* line:

    nn.GRU: hidden_size must be a positive int, got 4.0 (float) — at train.py:12
    optim.Adam: invalid learning rate: '0.1' (lr must be a finite number >= 0, got a str)

The rules, which are PyTorch's plus what a student would expect:

    sizes    Python ints or numpy integers (np.int64(3) is fine). A float is not a size,
             even 4.0, and neither is a bool: True == 1 in Python, but nn.Linear(True, 2)
             is a mistake, not a layer of one feature.
    flags    True or False (numpy bools too), never a string such as "False", which
             Python would read as true.
    numbers  ints or floats (numpy's too), never strings, bools or None; never NaN, and
             never inf unless the argument allows it (max_norm=inf means "no clipping").
    choices  one of a few strings, spelled exactly ("lstm", not "LSTM").

Bad arguments raise `ArgumentError` (a TypeError and a ValueError at once); a tensor of
the wrong dtype raises `DTypeError`. The pieces every package shares (the user's line,
`describe`, `is_int`, `is_number`, `is_flag`) come from tinygrad_rnn/checks.py; the layers
print a wrong value whole (`describe(value, limit=None)`).

Read next: parameter.py (Parameter), then module.py (Module).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..checks import describe, is_flag, is_int, is_number
from ..errors import ArgumentError, DTypeError
from ..graph import is_engine_file


# --------------------------------------------------------------------------------------
# Naming things in messages
# --------------------------------------------------------------------------------------
def layer_name(layer) -> str:
    """How the user wrote the class: "nn.GRU"; a user's own subclass keeps its plain name
    ("MyModel"). (The optimizers name themselves: optim/optimizer.py's optimizer_name.)"""
    cls = layer if isinstance(layer, type) else type(layer)
    if cls.__module__.startswith("tinygrad_rnn.nn"):
        return f"nn.{cls.__name__}"
    return cls.__name__


def fail(owner: str, message: str):
    """Raise the ArgumentError "<owner>: <message> — at file.py:LINE"."""
    raise ArgumentError(f"{owner}: {message}")


def user_stacklevel() -> int:
    """The `stacklevel` that makes `warnings.warn`, called by the caller of this function,
    point at the user's line (the first frame outside the package) rather than ours."""
    frame = sys._getframe(1)  # the function that will call warnings.warn: stacklevel 1
    level = 1
    while frame is not None and is_engine_file(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    return level


# --------------------------------------------------------------------------------------
# Sizes, flags, choices
# --------------------------------------------------------------------------------------
def int_rule(minimum: int) -> str:
    """ "a positive int", "an int >= 0" ..."""
    if minimum == 1:
        return "a positive int"
    return f"an int >= {minimum}"


def float_size_hint(value) -> str:
    """A hint for a size that is a whole float, like hidden_size = n / 2."""
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
        return f" (sizes are ints: write {int(value)}; `/` always gives a float, `//` an int)"
    return ""


def not_a_size_message(name: str, value, minimum: int) -> str:
    """ "hidden_size must be a positive int, got 4.0 (float) (sizes are ints: write 4; ...)"."""
    rule = int_rule(minimum)
    return f"{name} must be {rule}, got {describe(value, limit=None)}{float_size_hint(value)}"


def check_int(owner: str, name: str, value, minimum: int = 0) -> int:
    """`value` as an int, or ArgumentError "<owner>: <name> must be a positive int, got ..."."""
    if is_int(value) and value >= minimum:
        return int(value)
    fail(owner, not_a_size_message(name, value, minimum))


def check_optional_int(owner: str, name: str, value, minimum: int = 0) -> int | None:
    """None, or `check_int`."""
    if value is None:
        return None
    return check_int(owner, name, value, minimum)


def check_sizes(owner: str, sizes: dict, minimum: int) -> list[int]:
    """Several sizes that share a rule, e.g. {"in_features": 3, "out_features": -1}.

    Each must be an int (checked one by one); if some are too small, one message lists
    them all: "nn.LSTM: input_size, hidden_size and num_layers must be positive, got
    3, 0, 1 (hidden_size=0)".
    """
    for name, value in sizes.items():
        if not is_int(value):
            fail(owner, not_a_size_message(name, value, minimum))
    too_small = [f"{name}={value}" for name, value in sizes.items() if value < minimum]
    if too_small:
        names = list(sizes)
        joined = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
        rule = "positive" if minimum == 1 else f">= {minimum}"
        values = ", ".join(str(value) for value in sizes.values())
        fail(owner, f"{joined} must be {rule}, got {values} ({', '.join(too_small)})")
    return [int(value) for value in sizes.values()]


def check_flag(owner: str, name: str, value) -> bool:
    """`value` as a bool, or ArgumentError: "bidirectional must be True or False"."""
    if is_flag(value):
        return bool(value)
    fail(owner, f"{name} must be True or False, got {describe(value, limit=None)}")


def check_choice(owner: str, name: str, value, choices: tuple) -> str:
    """One of `choices` (strings, spelled exactly), or ArgumentError listing them."""
    if isinstance(value, str) and value in choices:
        return value
    listed = ", ".join(repr(choice) for choice in choices)
    hint = ""
    if isinstance(value, str) and value.lower() in choices:
        hint = f" (did you mean {value.lower()!r}?)"
    fail(owner, f"{name} must be one of {listed}, got {describe(value, limit=None)}{hint}")


# --------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bounds:
    """Where a number argument may lie: Bounds(low=0.0, high=1.0) is [0, 1].

    low, high      the two ends; None: no end on that side
    low_included   whether `low` itself is allowed (False: "> 0"); high_included likewise
    allow_inf      whether inf is allowed (max_norm=inf means "no clipping"); NaN never is
    """

    low: float | None = None
    high: float | None = None
    low_included: bool = True
    high_included: bool = True
    allow_inf: bool = False


ANY_FINITE = Bounds()  # any finite number
PROBABILITY = Bounds(low=0.0, high=1.0)  # [0, 1]


def number_ok(value, bounds: Bounds) -> bool:
    """Whether `value` is a number (see `is_number`), not NaN, finite unless
    bounds.allow_inf, and inside the bounds."""
    if not is_number(value):
        return False
    x = float(value)
    if math.isnan(x) or (math.isinf(x) and not bounds.allow_inf):
        return False
    low, high = bounds.low, bounds.high
    if low is not None and (x < low or (x == low and not bounds.low_included)):
        return False
    if high is not None and (x > high or (x == high and not bounds.high_included)):
        return False
    return True


def number_rule(bounds: Bounds) -> str:
    """The rule `number_ok` checks, in words: "a number in [0, 1)", "a finite number >= 0"."""
    low, high = bounds.low, bounds.high
    if low is not None and high is not None:
        opening = "[" if bounds.low_included else "("
        closing = "]" if bounds.high_included else ")"
        return f"a number in {opening}{low:g}, {high:g}{closing}"
    kind = "a number" if bounds.allow_inf else "a finite number"
    if low is not None:
        return f"{kind} {'>=' if bounds.low_included else '>'} {low:g}"
    if high is not None:
        return f"{kind} {'<=' if bounds.high_included else '<'} {high:g}"
    return kind


def check_number(owner: str, name: str, value, bounds: Bounds = ANY_FINITE) -> float:
    """`value` as a float, or ArgumentError "<owner>: <name> must be a number in [0, 1] ..."."""
    if number_ok(value, bounds):
        return float(value)
    fail(owner, f"{name} must be {number_rule(bounds)}, got {describe(value, limit=None)}")


def check_probability(owner: str, name: str, value) -> float:
    """A number in [0, 1]: a dropout probability, a teacher forcing ratio."""
    return check_number(owner, name, value, PROBABILITY)


# --------------------------------------------------------------------------------------
# Tensors where a layer needs floats, and lists of tensors
# --------------------------------------------------------------------------------------
def check_float_input(owner: str, x, what: str = "input"):
    """Raise DTypeError when a float layer is given integers or bools (token ids, usually).

    owner is how the layer prints ("GRUCell(3, 4)", "RNN"); x a Tensor.
    """
    if x.dtype.kind == "f":
        return x
    short = owner.split("(")[0]
    raise DTypeError(
        f"{owner}: the {what} must be floating point - {short} expects float input, got "
        f"{x.dtype} (shape {x.shape}) - did you mean to pass it through an nn.Embedding "
        f"first? (Token ids go through an embedding; other numbers: x.float().)"
        f""
    )


def check_float_state(owner: str, name: str, state):
    """Raise DTypeError when a hidden state (h0, c0, hx) is not floating point."""
    if state.dtype.kind == "f":
        return state
    raise DTypeError(
        f"{owner}: the state {name} must be floating point, got {state.dtype} of shape "
        f"{state.shape}; create it with tg.zeros(...) or convert with .float()"
        f""
    )


def state_pair_hint(state, pair: str) -> str:
    """A hint for a one-tensor state (RNN, GRU) given as two tensors, LSTM style."""
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        return ""
    if all(hasattr(item, "shape") for item in state):
        return f" It was a {type(state).__name__} of two tensors: only an LSTM takes a pair {pair}."
    return ""


def not_a_tensor_hint(item) -> str:
    """Why something that should be a Tensor might not be one, for a list of parameters."""
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return (
            " It looks like a (name, parameter) pair from named_parameters(); pass "
            "model.parameters() instead."
        )
    if isinstance(item, str):
        return " Is it the name of a parameter (from a dict or state_dict)?"
    if isinstance(item, np.ndarray):
        return " Pass the Tensors themselves (model.parameters()), not their arrays."
    return ""


def not_an_iterable_hint(params) -> str:
    """A hint for the `params` of an optimizer or of clipping when it is a dict."""
    if isinstance(params, Mapping):
        return " A dict (a state_dict?) holds names and arrays: pass model.parameters()."
    return ""
