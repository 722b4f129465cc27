"""Seeded train/validation(/test) splits into disjoint index sets.

    train_idx, val_idx = train_val_test_split(3000, fractions=(0.8, 0.2), seed=0)
    len(train_idx), len(val_idx)          # 2400, 600

    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = train_val_test_split(
        X, y, fractions=(0.8, 0.1, 0.1), seed=0)

The items are shuffled once with `np.random.default_rng(seed).permutation(n)` and the
permutation is cut at round(n * f_1), round(n * (f_1 + f_2)), ... Every item lands in
exactly one part, and the same seed always gives the same parts. Index arrays are
returned sorted, so each part keeps the original order of its items. (For a language
model, split by position instead: text.split_text.)

Read next: toy.py (generated tasks).
"""

from collections.abc import Sequence

import numpy as np

from ..checks import describe, is_int, is_number
from .checks import check_sized, make_rng
from .errors import DataError
from .sequences import take


def split_indices(
    n: int, fractions: Sequence[float] = (0.8, 0.2), seed: int | np.random.Generator = 0
) -> tuple[np.ndarray, ...]:
    """Disjoint sorted int64 index arrays covering 0..n-1, one per fraction."""
    fractions = _check_fractions(fractions)
    if not is_int(n) or n < 0:
        raise DataError(f"split_indices: n must be a non-negative integer, got {describe(n)}")
    rng = make_rng(seed, "split")
    order = rng.permutation(n)
    cuts = np.rint(np.cumsum(fractions)[:-1] * n).astype(np.int64)  # (k-1,)
    parts = np.split(order, cuts)
    for fraction, part in zip(fractions, parts):
        if n > 0 and len(part) == 0:
            raise DataError(
                f"split: {n} items with fractions {tuple(fractions)} leave the part with "
                f"fraction {fraction} empty; use more data or larger fractions"
            )
    return tuple(np.sort(part).astype(np.int64) for part in parts)


def train_val_test_split(
    *data, fractions: Sequence[float] = (0.8, 0.2), seed: int | np.random.Generator = 0
):
    """Split item counts, arrays or lists into disjoint parts, deterministic for a seed.

    - `train_val_test_split(n)` -> one index array per fraction;
    - `train_val_test_split(X)` -> (X_train, X_val[, X_test]);
    - `train_val_test_split(X, y, ...)` -> ((X_train, y_train), (X_val, y_val), ...).
    Arrays are indexed along axis 0, lists give lists; all must have the same length.
    `fractions` are 2 or more positive numbers summing to 1, e.g. (0.8, 0.2) or
    (0.8, 0.1, 0.1).
    """
    where = "train_val_test_split"
    if len(data) == 0:
        raise DataError(f"{where}: pass a number of items, or arrays/lists to split")
    if len(data) == 1 and is_int(data[0]):
        return split_indices(int(data[0]), fractions, seed)
    if len(data) == 1 and is_number(data[0]):
        raise DataError(f"{where}: the number of items must be an int, got {describe(data[0])}")
    if len(data) > 1 and _looks_like_fractions(data[-1]):
        raise DataError(
            f"{where}: the last argument {data[-1]!r} looks like the fractions; pass them by "
            f"keyword, fractions={tuple(data[-1])!r} (a positional argument is one more array "
            f"to split)"
        )
    data = tuple(check_sized(item, f"argument {k + 1}", where) for k, item in enumerate(data))
    lengths = [len(item) for item in data]
    if len(set(lengths)) != 1:
        raise DataError(
            f"{where}: the arrays have different lengths {lengths}; "
            f"they must be aligned (one entry per item)"
        )
    parts = split_indices(lengths[0], fractions, seed)
    if len(data) == 1:
        return tuple(take(data[0], part) for part in parts)
    return tuple(tuple(take(item, part) for item in data) for part in parts)


def _looks_like_fractions(item) -> bool:
    """True for a short tuple/list of numbers summing to 1, e.g. (0.8, 0.2)."""
    if not isinstance(item, (tuple, list)) or not 2 <= len(item) <= 5:
        return False
    if not all(is_number(value) for value in item):
        return False
    return abs(sum(item) - 1.0) <= 1e-6 and any(isinstance(v, float) for v in item)


def _check_fractions(fractions: Sequence[float]) -> tuple[float, ...]:
    """The fractions as a tuple of floats: 2 or more, each > 0, summing to 1."""
    if not isinstance(fractions, (tuple, list, np.ndarray)) or not all(
        is_number(f) for f in fractions
    ):
        raise DataError(
            f"split: fractions must be a tuple of numbers such as (0.8, 0.2) or "
            f"(0.8, 0.1, 0.1), got {describe(fractions)}"
        )
    fractions = tuple(float(f) for f in fractions)
    if len(fractions) < 2:
        raise DataError(f"split: give at least two fractions, e.g. (0.8, 0.2); got {fractions}")
    if not all(np.isfinite(fractions)):
        raise DataError(f"split: fractions must be finite numbers, got {fractions}")
    if min(fractions) <= 0.0:
        raise DataError(f"split: fractions must all be positive, got {fractions}")
    if abs(sum(fractions) - 1.0) > 1e-6:
        hint = ""
        if abs(sum(fractions) - 100.0) <= 1e-6:
            hint = "; these look like percentages: divide them by 100"
        raise DataError(
            f"split: fractions must sum to 1, got {fractions} (sum {sum(fractions)}){hint}"
        )
    return fractions
