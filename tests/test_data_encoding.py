"""One-hot and bag-of-words against hand-written arrays; one-hot @ E equals the row lookup."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_rnn.data import DataError, bag_of_words, one_hot


def test_one_hot_by_hand():
    expected = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    out = one_hot(np.array([2, 0, 2]), 3)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float64


def test_one_hot_keeps_leading_shape():
    out = one_hot([[1, 0], [3, 1]], 4, dtype=np.float32)
    expected = np.array(
        [
            [[0, 1, 0, 0], [1, 0, 0, 0]],
            [[0, 0, 0, 1], [0, 1, 0, 0]],
        ],
        dtype=np.float32,
    )
    assert out.shape == (2, 2, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)
    assert one_hot(2, 3).tolist() == [0.0, 0.0, 1.0]  # a scalar index gives one row


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.int64, hnp.array_shapes(max_dims=3, max_side=4), elements=st.integers(0, 5)))
def test_one_hot_properties(indices):
    out = one_hot(indices, 6)
    assert out.shape == indices.shape + (6,)
    np.testing.assert_array_equal(out.sum(axis=-1), np.ones(indices.shape))
    np.testing.assert_array_equal(out.argmax(axis=-1), indices)


def test_one_hot_times_embedding_is_row_lookup():
    rng = np.random.default_rng(0)
    E = rng.standard_normal((5, 3))  # (V, D)
    indices = np.array([[4, 0], [2, 2]])
    np.testing.assert_allclose(one_hot(indices, 5) @ E, E[indices])


def test_one_hot_errors():
    with pytest.raises(DataError, match="index 3 is out of range for num_classes=3"):
        one_hot([0, 3], 3)
    with pytest.raises(DataError, match="index -1 is out of range"):
        one_hot([-1, 0], 3)
    with pytest.raises(DataError, match="integers"):
        one_hot(np.array([0.0, 1.0]), 3)
    with pytest.raises(DataError, match="num_classes"):
        one_hot([0], 0)


def test_bag_of_words_by_hand():
    rows = [[2, 2, 0], [1], [], [3, 1, 3, 3]]
    expected = np.array(
        [
            [1, 0, 2, 0],
            [0, 1, 0, 0],
            [0, 0, 0, 0],
            [0, 1, 0, 3],
        ],
        dtype=np.float64,
    )
    np.testing.assert_array_equal(bag_of_words(rows, 4), expected)
    np.testing.assert_array_equal(bag_of_words(rows, 4, binary=True), (expected > 0) * 1.0)


def test_bag_of_words_of_padded_array_ignores_pad():
    padded = np.array([[5, 3, 3, 0], [2, 0, 0, 0]])
    out = bag_of_words(padded, 6, ignore_index=0)
    expected = np.array([[0, 0, 0, 2, 0, 1], [0, 0, 1, 0, 0, 0]], dtype=np.float64)
    np.testing.assert_array_equal(out, expected)
    with_pad = bag_of_words(padded, 6)
    assert with_pad[1, 0] == 3.0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), max_size=8), min_size=1, max_size=6))
def test_bag_of_words_counts_match_a_loop(rows):
    out = bag_of_words(rows, 7)
    for n, row in enumerate(rows):
        for k in range(7):
            assert out[n, k] == row.count(k)
    np.testing.assert_array_equal(out.sum(axis=1), [len(row) for row in rows])


def test_bag_of_words_errors():
    with pytest.raises(DataError, match=r"bag_of_words \(row 1\): index 9 is out of range"):
        bag_of_words([[0], [9]], 4)
    with pytest.raises(DataError, match="1-D"):
        bag_of_words([[[0]]], 4)
    with pytest.raises(DataError, match=r"\(N, T\)"):
        bag_of_words(np.array([1, 2]), 4)
    with pytest.raises(DataError, match="vocab_size"):
        bag_of_words([[0]], 0)
