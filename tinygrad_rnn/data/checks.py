"""Checking the arguments of the data functions, so a mistake is one clear DataError.

    batchify(ids, 2.5)        # DataError: batchify: batch_size must be an int, got 2.5 (float)
                              #            — at train.py:12

Every data function checks its sizes, seeds and flags before it touches numpy, so a
student sees which function and which argument was wrong, and the line of their own code
(`— at train.py:12`), instead of a numpy traceback such as "SeedSequence expects int or
sequence of ints". Errors about the *contents* of a file (DataFormatError,
DataNotFoundError) name the file and its line instead.

The pieces every package shares (the user's line, `describe`, `is_int`, and `check_int` /
`check_flag` given error=DataError) live in tinygrad_rnn/checks.py; this file holds what
only the data functions need: seeds, paths, lists of items and arrays of indices.

Read next: vocab.py.
"""

import os
from collections.abc import Iterable, Sequence

import numpy as np

from ..checks import check_int, describe, is_int, is_number
from .errors import DataError


def check_ints(where: str, **values) -> None:
    """`check_int` on several arguments at once: check_ints("copy_task", n=n, T=T)."""
    for name, value in values.items():
        check_int(value, name, where, error=DataError)


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
            f"{where}: seed must be an int >= 0 or a np.random.Generator, got {describe(seed)}"
        )
    return np.random.default_rng(int(seed))


def check_path(path, where: str) -> None:
    """A file path must be a str or an os.PathLike (pathlib.Path), not None or a number."""
    if not isinstance(path, (str, os.PathLike)):
        raise DataError(f"{where}: the path must be a str or a pathlib.Path, got {describe(path)}")


def check_iterable(value, wanted: str, where: str) -> None:
    """Raise DataError "<where>: <wanted>, got 2.5 (float)" unless `value` can be looped
    over. `wanted` says what was expected: "tokens must be a list of strings"."""
    if not isinstance(value, Iterable):
        raise DataError(f"{where}: {wanted}, got {describe(value)}")


def check_sized(items, name: str, where: str) -> Sequence:
    """`items` as something with len() and indexing: a list, tuple or numpy array.

    Other iterables (a generator, a dict's values ...) become a list; a number or None is
    a DataError.
    """
    if isinstance(items, dict):
        raise DataError(
            f"{where}: {name} is a dict; pass list(d.values()) or list(d.items()) to say "
            f"which you mean"
        )
    if isinstance(items, (str, bytes)) or items is None or is_number(items):
        raise DataError(f"{where}: {name} must be a list or array of items, got {describe(items)}")
    if isinstance(items, np.ndarray) and items.ndim == 0:
        raise DataError(
            f"{where}: {name} must be a list or array of items, got a 0-d array ({items!r})"
        )
    if isinstance(items, (list, tuple, np.ndarray)):
        return items
    if hasattr(items, "numpy"):  # a Tensor
        return items.numpy()
    try:
        return list(items)
    except TypeError:
        raise DataError(
            f"{where}: {name} must be a list or array of items, got {describe(items)}"
        ) from None


def as_numpy(values) -> np.ndarray:
    """`values` as a numpy array: a Tensor (anything with `.numpy()`) gives its numbers, a
    list or an array goes through np.asarray."""
    if hasattr(values, "numpy"):
        values = values.numpy()
    return np.asarray(values)
