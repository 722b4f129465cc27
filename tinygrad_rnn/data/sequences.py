"""Batches of variable-length sequences: padding, length masks, and seeded mini-batches.

Sentences have different lengths, but a batch is one rectangular (B, T) array. Shorter
rows are filled with `<pad>` (index 0) up to the longest, and the true lengths are kept,
so a model can ignore padded steps (take h at step length_b, or mask attention)::

    padded, lengths = pad_sequences([[5, 3, 8], [7], [2, 9]])
    padded   # [[5, 3, 8],
             #  [7, 0, 0],
             #  [2, 9, 0]]
    lengths  # [3, 1, 2]
    lengths_to_mask(lengths)   # True where a real token is: [[T, T, T], [T, F, F], [T, T, F]]

`iterate_minibatches` shuffles (inputs, labels) with a seed and yields batches of them.

Read next: splits.py (train/validation/test index sets).
"""

from collections.abc import Iterator, Sequence

import numpy as np

from ..checks import check_flag, check_int, describe, is_int
from .checks import as_numpy, check_sized, make_rng
from .errors import DataError


def pad_sequences(
    sequences: Sequence,
    pad_value: int = 0,
    max_len: int | None = None,
    batch_first: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Pad 1-D int sequences to one array; returns (padded, lengths).

    padded is int64 of shape (B, T) (or (T, B) when batch_first=False), with
    T = max_len if given, else the longest length. Row b holds sequence b followed by
    `pad_value`; a sequence longer than max_len keeps its first max_len tokens.
    lengths (B,) int64 are the lengths after truncation (0 for an empty sequence).
    """
    sequences = check_sized(sequences, "sequences", "pad_sequences")
    if len(sequences) == 0:
        raise DataError("pad_sequences: got no sequences; pass a non-empty list of 1-D arrays")
    if max_len is not None:
        check_int(max_len, "max_len", "pad_sequences", error=DataError, minimum=0)
    if not is_int(pad_value):
        raise DataError(
            f"pad_sequences: pad_value must be an int token index (e.g. vocab.pad_index), got "
            f"{describe(pad_value)}"
        )
    check_flag(batch_first, "batch_first", "pad_sequences", error=DataError)
    rows = [_as_sequence(sequence, b) for b, sequence in enumerate(sequences)]
    lengths = np.array([len(row) for row in rows], dtype=np.int64)  # (B,)
    if max_len is not None:
        lengths = np.minimum(lengths, max_len)
    width = int(lengths.max()) if max_len is None else max_len
    padded = np.full((len(rows), width), pad_value, dtype=np.int64)  # (B, T)
    for b, row in enumerate(rows):
        padded[b, : lengths[b]] = row[: lengths[b]]
    if not batch_first:
        padded = np.ascontiguousarray(padded.T)  # (T, B)
    return padded, lengths


def lengths_to_mask(lengths, max_len: int | None = None) -> np.ndarray:
    """Boolean (B, T) mask, True at real tokens: mask[b, t] = t < lengths[b].

    lengths are ints >= 0 (a list, numpy array or int Tensor); T = max_len if given (it
    must be at least the longest length), else the longest length.
    """
    lengths = _lengths_array(lengths)
    if max_len is None:
        width = int(lengths.max(initial=0))
    else:
        width = check_int(max_len, "max_len", "lengths_to_mask", error=DataError, minimum=0)
    if lengths.size and lengths.max() > width:
        raise DataError(
            f"lengths_to_mask: a length of {int(lengths.max())} does not fit max_len={width}; "
            f"the mask would silently cut that sequence short (pass a larger max_len, or "
            f"truncate the sequences with pad_sequences(..., max_len=...) first)"
        )
    return np.arange(width)[None, :] < lengths[:, None]  # (B, T)


def iterate_minibatches(
    inputs,
    labels,
    batch_size: int = 32,
    shuffle: bool = True,
    seed: int | np.random.Generator = 0,
    drop_last: bool = False,
) -> Iterator[tuple]:
    """Yield (inputs[batch], labels[batch]) for consecutive batches of `batch_size` items.

    inputs/labels are numpy arrays (indexed along axis 0) or lists (e.g. of token
    arrays to pad per batch). With `shuffle`, the order is a permutation drawn from
    `seed` (same seed, same batches; pass seed=epoch or a np.random.Generator to get a
    new order each epoch). The last batch is smaller unless `drop_last`.
    """
    where = "iterate_minibatches"
    inputs = check_sized(inputs, "inputs", where)
    labels = check_sized(labels, "labels", where)
    n = len(inputs)
    if len(labels) != n:
        raise DataError(
            f"iterate_minibatches: inputs has {n} items but labels has {len(labels)}; "
            f"they must be aligned"
        )
    check_int(batch_size, "batch_size", where, error=DataError, minimum=1)
    check_flag(shuffle, "shuffle", where, error=DataError)
    check_flag(drop_last, "drop_last", where, error=DataError)
    if shuffle:
        rng = make_rng(seed, where)
        order = rng.permutation(n)
    else:
        order = np.arange(n)
    for start in range(0, n, batch_size):
        batch = order[start : start + batch_size]
        if drop_last and len(batch) < batch_size:
            break
        yield take(inputs, batch), take(labels, batch)


def take(items, indices: np.ndarray):
    """items[indices] for a numpy array; a list of the chosen items for anything else."""
    if isinstance(items, np.ndarray):
        return items[indices]
    return [items[int(i)] for i in indices]


def _lengths_array(lengths) -> np.ndarray:
    """lengths as a 1-D int64 array of values >= 0, or a DataError."""
    array = as_numpy(lengths)  # a list, an array or an int Tensor
    if array.ndim != 1:
        raise DataError(f"lengths_to_mask: lengths must be 1-D (B,), got shape {array.shape}")
    if array.size == 0:
        return array.astype(np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise DataError(f"lengths_to_mask: lengths must be integers, got dtype {array.dtype}")
    if array.min() < 0:
        raise DataError(f"lengths_to_mask: lengths must be >= 0, got {int(array.min())}")
    return array.astype(np.int64)


def _as_sequence(sequence, b: int) -> np.ndarray:
    array = as_numpy(sequence)
    if array.size == 0:
        return array.reshape(0).astype(np.int64)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        hint = "; encode text first, e.g. vocab.encode(text)" if array.dtype.kind == "U" else ""
        raise DataError(
            f"pad_sequences: sequence {b} must be a 1-D array of integer indices, got shape "
            f"{array.shape} and dtype {array.dtype}{hint}"
        )
    return array.astype(np.int64)
