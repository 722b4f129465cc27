"""Checking the arguments of the data functions, so a mistake is one clear DataError.

    batchify(ids, 2.5)        # DataError: batchify: batch_size must be an int, got 2.5 (float)
                              #            — at train.py:12

Every data function checks its sizes, seeds and flags with these few helpers before it
touches numpy, so a student sees which function and which argument was wrong, and the
line of their own code (`— at train.py:12`), instead of a numpy traceback such as
"SeedSequence expects int or sequence of ints". Errors about the *contents* of a file
(DataFormatError, DataNotFoundError) name the file and its line instead.

Read next: vocab.py.
"""

import os
from collections.abc import Sequence

import numpy as np

from ..graph import format_source, user_source
from .errors import DataError


def user_line() -> str:
    """' — at file.py:LINE' of the user's code (the first frame outside tinygrad_rnn)."""
    return f" — at {format_source(user_source())}"


def describe(value) -> str:
    """`2.5 (float)`: a value and its type, for messages about a wrong argument."""
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{shown} ({type(value).__name__})"


def is_int(value) -> bool:
    """True for a Python or numpy integer; False for bool (True is not a size)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_number(value) -> bool:
    """True for a Python or numpy int or float; False for bool, str, None ..."""
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (int, float, np.integer, np.floating))


def check_int(value, name: str, where: str, minimum: int | None = None) -> int:
    """`value` as an int, or a DataError naming `where` and the argument `name`.

    With `minimum`, the value must also be >= minimum.
    """
    if not is_int(value):
        raise DataError(f"{where}: {name} must be an int, got {describe(value)}{user_line()}")
    if minimum is not None and value < minimum:
        raise DataError(f"{where}: {name} must be >= {minimum}, got {value}{user_line()}")
    return int(value)


def check_ints(where: str, **values) -> None:
    """`check_int` on several arguments at once: check_ints("copy_task", n=n, T=T)."""
    for name, value in values.items():
        check_int(value, name, where)


def check_flag(value, name: str, where: str) -> bool:
    """A True/False argument. A string such as "False" would count as True: refuse it."""
    if not isinstance(value, (bool, np.bool_)):
        raise DataError(
            f"{where}: {name} must be True or False, got {describe(value)}{user_line()}"
        )
    return bool(value)


def make_rng(seed, where: str) -> np.random.Generator:
    """A numpy Generator from `seed`: an int >= 0, a np.random.Generator, or None.

    None gives fresh, unrepeatable randomness (numpy's rule); an int always gives the
    same numbers; a Generator is used as it is (pass one to continue its stream).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if not is_int(seed) or seed < 0:
        raise DataError(
            f"{where}: seed must be an int >= 0 or a np.random.Generator, got "
            f"{describe(seed)}{user_line()}"
        )
    return np.random.default_rng(int(seed))


def check_path(path, where: str) -> None:
    """A file path must be a str or an os.PathLike (pathlib.Path), not None or a number."""
    if not isinstance(path, (str, os.PathLike)):
        raise DataError(
            f"{where}: the path must be a str or a pathlib.Path, got {describe(path)}{user_line()}"
        )


def check_sized(items, name: str, where: str) -> Sequence:
    """`items` as something with len() and indexing: a list, tuple or numpy array.

    Other iterables (a generator, a dict's values ...) become a list; a number or None is
    a DataError.
    """
    if isinstance(items, dict):
        raise DataError(
            f"{where}: {name} is a dict; pass list(d.values()) or list(d.items()) to say "
            f"which you mean{user_line()}"
        )
    if isinstance(items, (str, bytes)) or items is None or is_number(items):
        raise DataError(
            f"{where}: {name} must be a list or array of items, got {describe(items)}{user_line()}"
        )
    if isinstance(items, np.ndarray) and items.ndim == 0:
        raise DataError(
            f"{where}: {name} must be a list or array of items, got a 0-d array "
            f"({items!r}){user_line()}"
        )
    if isinstance(items, (list, tuple, np.ndarray)):
        return items
    if hasattr(items, "numpy"):  # a Tensor
        return items.numpy()
    try:
        return list(items)
    except TypeError:
        raise DataError(
            f"{where}: {name} must be a list or array of items, got {describe(items)}{user_line()}"
        ) from None
