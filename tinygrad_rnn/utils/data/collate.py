"""Collating: turning the list of samples that make a batch into one batch of tensors
(PyTorch's `default_collate` and `default_convert`).

A batch is what one training step sees: `batch_size` samples stacked along a new first
axis. If each sample is a pair (x of shape (3,), y an int), the batch of 4 samples is the
pair (X of shape (4, 3), Y of shape (4,)):

    default_collate([(x0, 0), (x1, 2), (x2, 1), (x3, 0)])
    # [Tensor (4, 3), Tensor([0, 2, 1, 0]) of int64]

The rules, applied to the first sample's type and then to each part of it:
- Tensor                 -> tg.stack(samples): shape (B, *sample shape), gradients flow
- numpy array            -> the same, after making each a Tensor (its dtype kept)
- Python int / bool      -> an int64 / bool Tensor of shape (B,)
- Python float           -> a float64 Tensor of shape (B,) (as PyTorch's default_collate)
- str / bytes            -> the list of them, unchanged
- dict                   -> a dict with the same keys, each value collated
- namedtuple             -> the same namedtuple, each field collated
- tuple / list           -> a list (as PyTorch), position i collating the i-th parts
Each sample must have the same structure; a list or tuple of a different length is an
error that names the lengths.

Read next: utils/data/dataloader.py (the loop that calls these on every batch).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from ...errors import ArgumentError, ShapeError
from ...tensor import Tensor, stack


def default_collate(batch):
    """One batch from a list of samples (the rules are in the module docstring)."""
    if not isinstance(batch, Sequence) or isinstance(batch, (str, bytes)) or not batch:
        raise ArgumentError(
            f"default_collate: expects a non-empty list of samples, got "
            f"{type(batch).__name__} {batch!r:.60}"
        )
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, (np.ndarray, np.generic)):
        return _stack_tensors([Tensor(np.asarray(sample)) for sample in batch])
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, (bool, numbers.Integral, float)):
        return _number_tensor(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, Sequence):
        return _collate_sequences(batch)
    raise ArgumentError(
        f"default_collate: a batch must contain tensors, numpy arrays, numbers, strings, "
        f"dicts or lists; found {type(elem).__name__}"
    )


def _stack_tensors(tensors: list) -> Tensor:
    """tg.stack along a new first axis; different shapes are an error naming them."""
    shapes = [tensor.shape for tensor in tensors]
    if any(shape != shapes[0] for shape in shapes):
        raise ShapeError(
            f"default_collate: the samples of a batch must have the same shape to be stacked, "
            f"got shapes {sorted(set(shapes))}; pad them first (nn.utils.rnn.pad_sequence) "
            f"or give the DataLoader a collate_fn"
        )
    return stack(tensors, 0)  # (B, *sample shape)


def _number_tensor(numbers_in_batch: list) -> Tensor:
    """Python numbers of a batch as one 1-D Tensor: bools -> bool, ints -> int64, floats ->
    float64 (PyTorch's dtypes for them)."""
    first = numbers_in_batch[0]
    if isinstance(first, (bool, np.bool_)):
        dtype = np.bool_
    elif isinstance(first, numbers.Integral):
        dtype = np.int64
    else:
        dtype = np.float64
    return Tensor(np.array(numbers_in_batch, dtype=dtype))


def _collate_sequences(batch: list):
    """Tuples/lists: the i-th parts of all samples collated together. A namedtuple stays
    that namedtuple; other tuples and lists become lists (as in PyTorch)."""
    lengths = [len(sample) for sample in batch]
    if any(length != lengths[0] for length in lengths):
        raise ShapeError(
            f"default_collate: each sample in a batch must have the same number of parts, "
            f"got lengths {lengths}"
        )
    columns = [default_collate(list(parts)) for parts in zip(*batch)]
    elem = batch[0]
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*columns)
    return columns


def default_convert(data):
    """What the DataLoader does with a sample when it makes no batches (batch_size=None):
    numpy arrays become Tensors, inside dicts, lists and tuples too; everything else
    (Tensors, numbers, strings) is returned as it is."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "fiub":
        return Tensor(data)
    if isinstance(data, Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a namedtuple
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, tuple):
        return [default_convert(value) for value in data]
    if isinstance(data, list):
        return [default_convert(value) for value in data]
    return data
