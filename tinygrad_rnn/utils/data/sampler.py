"""Samplers: which dataset indices a DataLoader reads, and in which order (PyTorch's
`torch.utils.data.sampler`).

A sampler is an iterable of indices; a batch sampler is an iterable of lists of indices:

    list(SequentialSampler(range(5)))                   # [0, 1, 2, 3, 4]
    list(RandomSampler(range(5), generator=g))          # e.g. [3, 0, 4, 1, 2]
    list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
                                                        # [[0, 1], [2, 3], [4]]

Shuffling per epoch: every `iter(RandomSampler(...))` draws a new permutation from its
generator, so each epoch (each `for batch in loader`) sees the examples in a new order,
and re-seeding the generator repeats the same sequence of orders. Without a generator the
one that `tg.manual_seed` seeds is used (the same one as `tg.randn`).

Read next: utils/data/collate.py (how the samples of a batch become tensors).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from ...checks import check_flag, check_int
from ...errors import ArgumentError
from ...generator import numpy_generator


def check_positive_int(value, name: str, owner: str) -> int:
    """`value` if it is an int >= 1 (not a bool), else an ArgumentError naming it."""
    return check_int(value, name, owner, error=ArgumentError, minimum=1)


def check_bool(value, name: str, owner: str) -> bool:
    """`value` if it is True or False (not 0, 1 or "False"), else an ArgumentError."""
    return check_flag(value, name, owner, error=ArgumentError)


class Sampler:
    """Base class: a sampler defines `__iter__` (the indices) and usually `__len__`."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """The indices 0, 1, ..., len(data_source) - 1 in order (what `shuffle=False` uses)."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """The indices in a random order (what `shuffle=True` uses).

    Without replacement (default): a permutation of 0 .. n-1, each index once; with
    `num_samples` > n, whole permutations one after another, then the start of one more.
    With `replacement=True`: `num_samples` indices drawn independently (repeats possible).
    Every `iter()` draws anew from `generator`: a new order each epoch.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = check_bool(replacement, "replacement", "RandomSampler")
        if num_samples is not None:
            check_positive_int(num_samples, "num_samples", "RandomSampler")
        self._num_samples = num_samples
        self.generator = generator
        numpy_generator(generator, "RandomSampler")  # refuse a wrong generator now

    @property
    def num_samples(self) -> int:
        """How many indices one epoch yields (len(data_source) unless given)."""
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        rng = numpy_generator(self.generator, "RandomSampler")
        if n == 0:
            return iter([])
        if self.replacement:
            return iter(rng.integers(0, n, size=self.num_samples).tolist())
        indices = []
        while len(indices) < self.num_samples:  # whole permutations, one after another
            indices.extend(rng.permutation(n).tolist())
        return iter(indices[: self.num_samples])

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given `indices` in a random order, each once (a new order every epoch)."""

    def __init__(self, indices, generator=None) -> None:
        self.indices = indices
        self.generator = generator
        numpy_generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator:
        rng = numpy_generator(self.generator, "SubsetRandomSampler")
        for position in rng.permutation(len(self.indices)).tolist():
            yield self.indices[position]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices 0 .. len(weights)-1, index i drawn with probability
    weights[i] / sum(weights) (with replacement unless `replacement=False`)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None) -> None:
        self.weights = np.asarray(weights, dtype=np.float64)
        if self.weights.ndim != 1 or np.any(self.weights < 0) or not self.weights.sum() > 0:
            raise ArgumentError(
                f"WeightedRandomSampler: weights must be a 1-D sequence of non-negative "
                f"numbers with a positive sum, got {self.weights!r:.60}"
            )
        self.num_samples = check_positive_int(num_samples, "num_samples", "WeightedRandomSampler")
        self.replacement = check_bool(replacement, "replacement", "WeightedRandomSampler")
        self.generator = generator
        numpy_generator(generator, "WeightedRandomSampler")

    def __iter__(self) -> Iterator[int]:
        rng = numpy_generator(self.generator, "WeightedRandomSampler")
        probabilities = self.weights / self.weights.sum()
        indices = rng.choice(
            len(self.weights), size=self.num_samples, replace=self.replacement, p=probabilities
        )
        return iter(indices.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of `batch_size`.

    The last list is shorter when the count does not divide evenly; `drop_last=True`
    leaves it out. So len = ⌈n / batch_size⌉, or ⌊n / batch_size⌋ with drop_last.
    """

    def __init__(self, sampler, batch_size, drop_last) -> None:
        self.sampler = sampler
        self.batch_size = check_positive_int(batch_size, "batch_size", "BatchSampler")
        self.drop_last = check_bool(drop_last, "drop_last", "BatchSampler")

    def __iter__(self) -> Iterator[list]:
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return math.ceil(len(self.sampler) / self.batch_size)
