"""Seeded splits: disjoint, complete, sized by the documented rounding, deterministic."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn.data import DataError, split_indices, train_val_test_split

FRACTIONS = [(0.8, 0.2), (0.8, 0.1, 0.1), (0.5, 0.25, 0.25), (0.6, 0.4)]


@settings(max_examples=60, deadline=None)
@given(st.integers(10, 500), st.sampled_from(FRACTIONS), st.integers(0, 2**32 - 1))
def test_parts_are_disjoint_complete_and_sized(n, fractions, seed):
    parts = train_val_test_split(n, fractions=fractions, seed=seed)
    assert len(parts) == len(fractions)
    joined = np.concatenate(parts)
    assert sorted(joined.tolist()) == list(range(n))  # every index exactly once
    boundaries = [0] + [round(n * sum(fractions[: k + 1])) for k in range(len(fractions) - 1)]
    boundaries.append(n)
    sizes = [boundaries[k + 1] - boundaries[k] for k in range(len(fractions))]
    assert [len(part) for part in parts] == sizes
    for part in parts:
        assert part.dtype == np.int64
        assert np.all(np.diff(part) > 0)  # sorted
    again = train_val_test_split(n, fractions=fractions, seed=seed)
    assert all(np.array_equal(a, b) for a, b in zip(parts, again))


def test_sizes_for_the_sentiment_split():
    train, val = train_val_test_split(3000, fractions=(0.8, 0.2), seed=0)
    assert (len(train), len(val)) == (2400, 600)
    train, val, test = train_val_test_split(3000, fractions=(0.8, 0.1, 0.1), seed=0)
    assert (len(train), len(val), len(test)) == (2400, 300, 300)


def test_seeds_differ_and_shuffle():
    a, _ = split_indices(100, seed=0)
    b, _ = split_indices(100, seed=1)
    assert not np.array_equal(a, b)
    assert not np.array_equal(a, np.arange(80))
    rng = np.random.default_rng(0)
    c, _ = split_indices(100, seed=rng)
    np.testing.assert_array_equal(c, a)  # a Generator seeded 0 gives the same permutation


def test_split_arrays_and_lists_stay_aligned():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    words = [f"w{k}" for k in range(10)]
    (X_tr, y_tr, w_tr), (X_va, y_va, w_va) = train_val_test_split(X, y, words, seed=3)
    assert X_tr.shape == (8, 2) and X_va.shape == (2, 2)
    np.testing.assert_array_equal(X_tr[:, 0], 2 * y_tr)
    assert w_va == [f"w{k}" for k in y_va]
    only_train, only_val = train_val_test_split(X, seed=3)
    np.testing.assert_array_equal(only_train, X_tr)
    np.testing.assert_array_equal(only_val, X_va)


def test_split_errors():
    with pytest.raises(DataError, match="sum to 1"):
        split_indices(10, fractions=(0.8, 0.1))
    with pytest.raises(DataError, match="positive"):
        split_indices(10, fractions=(1.2, -0.2))
    with pytest.raises(DataError, match="at least two"):
        split_indices(10, fractions=(1.0,))
    with pytest.raises(DataError, match="empty"):
        split_indices(3, fractions=(0.9, 0.1))
    with pytest.raises(DataError, match="non-negative integer"):
        split_indices(-1)
    with pytest.raises(DataError, match="different lengths"):
        train_val_test_split(np.arange(5), np.arange(6))
    with pytest.raises(DataError, match="pass a number"):
        train_val_test_split()
