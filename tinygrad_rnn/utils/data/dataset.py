"""Datasets: the examples a model learns from, one sample per index (PyTorch's
`torch.utils.data.dataset`).

    X = tg.tensor(np.arange(10.0).reshape(5, 2))     # 5 examples of 2 features
    y = tg.tensor([0, 1, 0, 1, 1])                   # their int64 class indices
    data = TensorDataset(X, y)
    data[3]                                           # (X[3], y[3])
    train, test = random_split(data, [0.8, 0.2], generator=tg.Generator().manual_seed(0))

A map-style `Dataset` answers `dataset[i]` and `len(dataset)`; an `IterableDataset` only
yields its samples one after another (a stream). `a + b` joins two datasets.

Read next: utils/data/sampler.py (the order in which a DataLoader asks for indices).
"""

from __future__ import annotations

import bisect
import math
import numbers
import warnings

import numpy as np

from ...errors import ArgumentError, ShapeError, TensorIndexError
from ...nn.checks import user_stacklevel
from ...tensor import Tensor
from .sampler import numpy_generator


class Dataset:
    """A map-style dataset: subclass it and define `__getitem__(index)` (one sample) and
    `__len__()` (how many). `dataset_a + dataset_b` is their ConcatDataset."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclass it and define `__iter__`. A DataLoader reads it in
    order (it has no indices, so it cannot be shuffled). `a + b` chains two streams."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Sample i is the tuple (tensors[0][i], tensors[1][i], ...): the i-th row of each
    tensor. All tensors must have the same first dimension (the number of examples)."""

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ArgumentError("TensorDataset: needs at least one tensor, got none")
        for position, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor) or tensor.ndim == 0:
                raise ArgumentError(
                    f"TensorDataset: argument {position} must be a Tensor with at least one "
                    f"dimension (the examples), got {_describe(tensor)}; make it one with "
                    f"tg.tensor(...)"
                )
        shapes = [tuple(tensor.shape) for tensor in tensors]
        if any(shape[0] != shapes[0][0] for shape in shapes):
            raise ShapeError(
                f"TensorDataset: all tensors must have the same first dimension (the number "
                f"of examples), got shapes {shapes}"
            )
        self.tensors = tensors

    def __getitem__(self, index) -> tuple:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: subset[i] is
    dataset[indices[i]]."""

    def __init__(self, dataset, indices) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after another: indices 0 .. len(a)-1 are a's samples, then
    b's. `cumulative_sizes[k]` is the total length of the first k+1 datasets."""

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ArgumentError("ConcatDataset: datasets must not be empty")
        for position, dataset in enumerate(self.datasets):
            if isinstance(dataset, IterableDataset):
                raise ArgumentError(
                    f"ConcatDataset: dataset {position} is an IterableDataset (it has no "
                    f"indices); chain streams with ChainDataset"
                )
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        length = len(self)
        if not -length <= index < length:
            raise TensorIndexError(
                f"ConcatDataset: index {index} is out of range for {length} samples"
            )
        if index < 0:
            index += length
        which = bisect.bisect_right(self.cumulative_sizes, index)  # the dataset it falls in
        start = 0 if which == 0 else self.cumulative_sizes[which - 1]
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Several IterableDatasets one after another, as one stream."""

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)

    def __iter__(self):
        for dataset in self.datasets:
            yield from dataset

    def __len__(self) -> int:
        return sum(len(dataset) for dataset in self.datasets)


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Split `dataset` into non-overlapping random Subsets of the given lengths.

    `lengths` are either ints that sum to len(dataset), or fractions that sum to 1.
    PyTorch's rounding rule for fractions, for n = len(dataset):
        1. each split gets ⌊n · fraction⌋ samples;
        2. the r samples left over go one each to splits 0, 1, 2, ... (round-robin).
    So [0.3, 0.3, 0.4] of 10 gives [3, 3, 4], and [0.5, 0.5] of 5 gives [3, 2].
    The samples are a random permutation of the indices (drawn from `generator`, or the
    one `tg.manual_seed` seeds), cut into consecutive pieces of those lengths.
    """
    lengths = _check_lengths(lengths)
    n = len(dataset)
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        lengths = _lengths_from_fractions(lengths, n)
    if sum(lengths) != n or any(not float(length).is_integer() for length in lengths):
        raise ArgumentError(
            f"random_split: lengths must be ints that sum to the dataset's length {n} or "
            f"fractions that sum to 1, got lengths={lengths} (sum {sum(lengths)})"
        )
    rng = numpy_generator(generator, "random_split")
    order = rng.permutation(n).tolist()
    splits = []
    start = 0
    for length in lengths:
        splits.append(Subset(dataset, order[start : start + int(length)]))
        start += int(length)
    return splits


def _check_lengths(lengths) -> list:
    """`lengths` as a list of non-negative numbers, or an ArgumentError naming it."""
    if isinstance(lengths, (str, bytes)) or not hasattr(lengths, "__iter__"):
        raise ArgumentError(f"random_split: lengths must be a list of numbers, got {lengths!r:.60}")
    lengths = list(lengths)
    for position, length in enumerate(lengths):
        if isinstance(length, bool) or not isinstance(length, numbers.Real) or length < 0:
            raise ArgumentError(
                f"random_split: lengths[{position}] must be a non-negative int or fraction, "
                f"got {length!r:.40} (lengths={lengths})"
            )
    return lengths


def _lengths_from_fractions(fractions: list, n: int) -> list[int]:
    """PyTorch's rule: ⌊n · fraction⌋ each, then the remainder one by one from split 0."""
    lengths = [int(math.floor(n * fraction)) for fraction in fractions]
    remainder = n - sum(lengths)
    for i in range(remainder):
        lengths[i % len(lengths)] += 1
    for position, length in enumerate(lengths):
        if length == 0:
            warnings.warn(
                f"random_split: the split at index {position} has length 0 "
                f"(fraction {fractions[position]} of {n} samples)",
                stacklevel=user_stacklevel(),
            )
    return lengths


def _describe(value) -> str:
    """'Tensor of shape ()' / 'ndarray of shape (3,)' / 'list' for error messages."""
    shape = getattr(value, "shape", None)
    if shape is None:
        return type(value).__name__
    return f"{type(value).__name__} of shape {tuple(shape)}"
