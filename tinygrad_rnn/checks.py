"""The pieces every argument check is built from: the user's line, a value shown with its
type, and what kind of value it is.

    nn.GRU: hidden_size must be a positive int, got 4.0 (float) — at train.py:12
    batchify: batch_size must be an int, got 2.5 (float) — at train.py:12

Every message about a wrong argument ends by naming *your* line (`at_user_line`) and
shows the wrong value with its type (`describe`). The predicates refuse what Python lets
through by accident: True is an int to Python, but nn.Linear(True, 2) is a mistake, and
the string "False" would count as true.

The layers (nn/checks.py), the data functions (data/checks.py) and the composite functions
(functional.py) build their messages from these pieces; `check_int` and `check_flag` serve
any of them, given the error class to raise (ArgumentError, DataError ...).

This file sits below all of them, so it imports only numpy, the standard library and
graph.py (tests/test_architecture.py checks it).

Read next: nn/checks.py (the layers' checks) or data/checks.py (the data functions').
"""

from __future__ import annotations

import numpy as np

from .graph import format_source, user_source

# `describe` cuts a longer repr (a whole list, a long text) to this many characters.
SHORT_REPR = 60


# --------------------------------------------------------------------------------------
# Naming things in messages
# --------------------------------------------------------------------------------------
def at_user_line() -> str:
    """' — at train.py:12': the end of every message, naming the user's own line (the
    first frame outside the engine: see graph.user_source)."""
    return f" — at {format_source(user_source())}"


def describe(value, limit: int | None = SHORT_REPR) -> str:
    """`2.5 (float)`: a value and its type, for messages about a wrong argument.

    A repr longer than `limit` characters is cut short and ends in "..."; limit=None
    shows it whole (the layers' and optimizers' messages do).
    """
    shown = repr(value)
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 3] + "..."
    return f"{shown} ({type(value).__name__})"


# --------------------------------------------------------------------------------------
# What kind of value is it?
# --------------------------------------------------------------------------------------
def is_int(value) -> bool:
    """A Python int or a numpy integer, but not a bool (True is an int to Python)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (int, np.integer))


def is_number(value) -> bool:
    """An int or a float (numpy's too), but not a bool, a string, None or an array."""
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (int, float, np.integer, np.floating))


def is_flag(value) -> bool:
    """True or False (a numpy bool too), but not 0, 1 or a string such as "False"."""
    return isinstance(value, (bool, np.bool_))


# --------------------------------------------------------------------------------------
# Checks that raise the caller's error class
# --------------------------------------------------------------------------------------
def check_int(
    value, name: str, where: str, *, error: type[Exception], minimum: int | None = None
) -> int:
    """`value` as an int, or `error` "<where>: <name> must be an int, got 2.5 (float)".

    With `minimum`, the value must also be >= minimum: "<name> must be >= 1, got 0".
    """
    if not is_int(value):
        raise error(f"{where}: {name} must be an int, got {describe(value)}{at_user_line()}")
    if minimum is not None and value < minimum:
        raise error(f"{where}: {name} must be >= {minimum}, got {value}{at_user_line()}")
    return int(value)


def check_flag(value, name: str, where: str, *, error: type[Exception]) -> bool:
    """`value` as a bool, or `error` "<where>: <name> must be True or False, got 'no' (str)".

    A string such as "False" would count as True in an `if`: it is refused.
    """
    if not is_flag(value):
        raise error(f"{where}: {name} must be True or False, got {describe(value)}{at_user_line()}")
    return bool(value)
