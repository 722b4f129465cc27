"""Turning token indices into the vectors a network reads: one-hot and bag-of-words.

Three ways to feed a token with index k from a vocabulary of V tokens to a network:

- **one-hot**: x = e_k, a length-V vector of zeros with a 1 at position k. The first layer
  computes U x = U[:, k] - it *selects column k* of U. Nothing about tokens is assumed
  (every two tokens are equally far apart), but x is V numbers wide for one token, and
  the matmul does V times the necessary work. The "hello" model uses it (V = 4).
- **bag-of-words**: a whole sentence becomes one length-V vector of counts (how often
  each token occurs). Order is lost - "not good, bad" and "not bad, good" are the same
  bag - yet it is a strong baseline for sentiment (a logistic regression on it reaches
  about 78 % on the labelled sentences). No recurrence at all.
- **embedding**: a learned table E of shape (V, D) with D << V; token k is the row E[k]
  (`tg.gather(E, indices)`, `nn.Embedding`). It is exactly one_hot(k) @ E, computed as a
  row lookup instead of a matmul, and gradient descent moves tokens used in similar
  contexts close together (word2vec). This is what the LSTM models use.

    one_hot(np.array([2, 0]), 3)            # [[0, 0, 1], [1, 0, 0]]
    bag_of_words([[2, 2, 0], [1]], 3)       # [[1, 0, 2], [0, 1, 0]]

Read next: text.py (cutting a long text into (B, T) training windows).
"""

from collections.abc import Iterable

import numpy as np

from ..checks import check_flag, check_int
from .checks import as_numpy, check_sized
from .errors import DataError


def one_hot(indices, num_classes: int, dtype=np.float64) -> np.ndarray:
    """One-hot rows: indices of any shape S -> array of shape S + (num_classes,).

    out[..., k] = 1 where indices[...] == k, else 0. Indices must be integers in
    0..num_classes-1 (a list, numpy array or int Tensor).
    """
    array = _integer_array(indices, "one_hot")
    check_int(num_classes, "num_classes", "one_hot", error=DataError, minimum=1)
    _check_range(array, num_classes, "one_hot", "num_classes")
    out = np.zeros(array.shape + (num_classes,), dtype=dtype)  # S + (C,)
    # For every position, write a 1 in the column named by its index.
    np.put_along_axis(out, array[..., None], 1, axis=-1)
    return out


def bag_of_words(
    token_index_lists: Iterable,
    vocab_size: int,
    binary: bool = False,
    ignore_index: int | None = None,
    dtype=np.float64,
) -> np.ndarray:
    """Count vectors: one row per sequence, out[n, k] = how often index k occurs in row n.

    `token_index_lists` is a list of 1-D index sequences (lengths may differ) or a padded
    (N, T) array. `binary=True` records presence (0/1) instead of counts.
    `ignore_index` (e.g. the `<pad>` index) is not counted: its column stays 0, and it
    may lie outside 0..vocab_size-1 (a padding value of -1 is fine).
    Returns shape (N, vocab_size).
    """
    check_int(vocab_size, "vocab_size", "bag_of_words", error=DataError, minimum=1)
    check_flag(binary, "binary", "bag_of_words", error=DataError)
    if ignore_index is not None:
        check_int(ignore_index, "ignore_index", "bag_of_words", error=DataError)
    rows = _as_rows(token_index_lists)
    out = np.zeros((len(rows), vocab_size), dtype=dtype)  # (N, V)
    for n, row in enumerate(rows):
        indices = _integer_array(row, f"bag_of_words (row {n})")
        if indices.ndim != 1:
            raise DataError(
                f"bag_of_words: row {n} has shape {indices.shape}; each row must be a 1-D "
                f"sequence of token indices"
            )
        if ignore_index is not None:
            indices = indices[indices != ignore_index]  # padding is not a word
        _check_range(indices, vocab_size, f"bag_of_words (row {n})", "vocab_size")
        out[n] = np.bincount(indices, minlength=vocab_size)
    if binary:
        out = (out > 0).astype(dtype)
    return out


def _as_rows(token_index_lists) -> list:
    if hasattr(token_index_lists, "numpy"):
        token_index_lists = token_index_lists.numpy()
    if isinstance(token_index_lists, np.ndarray):
        if token_index_lists.ndim != 2:
            raise DataError(
                f"bag_of_words: a numpy input must be a padded (N, T) array, got shape "
                f"{token_index_lists.shape}"
            )
        return list(token_index_lists)
    return list(check_sized(token_index_lists, "token_index_lists", "bag_of_words"))


def _integer_array(indices, where: str) -> np.ndarray:
    try:
        array = as_numpy(indices)
    except ValueError:  # a ragged list such as [[1, 2], [3]]
        raise DataError(
            f"{where}: indices must form a rectangular array, got rows of different lengths; "
            f"pad them first with data.pad_sequences"
        ) from None
    if array.size == 0 and array.dtype == np.float64:
        return array.astype(np.int64)  # [] arrives as float64
    if not np.issubdtype(array.dtype, np.integer):
        raise DataError(
            f"{where}: indices must be integers, got dtype {array.dtype}; convert with "
            f".astype(np.int64) after checking they are whole numbers"
        )
    return array.astype(np.int64)


def _check_range(array: np.ndarray, size: int, where: str, size_name: str) -> None:
    if array.size == 0:
        return
    low = int(array.min())
    high = int(array.max())
    if low < 0 or high >= size:
        bad = low if low < 0 else high
        raise DataError(
            f"{where}: index {bad} is out of range for {size_name}={size} "
            f"(valid: 0..{size - 1}); is the vocabulary the one the indices came from?"
            f""
        )
