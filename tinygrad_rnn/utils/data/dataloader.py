"""DataLoader: the loop that hands a training step its batches (PyTorch's
`torch.utils.data.DataLoader`).

    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    for epoch in range(10):
        for xb, yb in loader:            # xb (32, D) float, yb (32,) int64
            loss = F.cross_entropy(model(xb), yb)
            ...

What one pass (one epoch) does:
1. the sampler gives the indices: 0, 1, 2, ... (shuffle=False) or a new random
   permutation (shuffle=True), drawn from `generator` or from the generator
   `tg.manual_seed` seeds;
2. the batch sampler cuts them into lists of `batch_size` (the last one shorter, or
   dropped with `drop_last=True`);
3. for each list, `collate_fn([dataset[i] for i in indices])` makes the batch
   (default_collate stacks the samples: see collate.py).
So len(loader) = ⌈n / batch_size⌉, or ⌊n / batch_size⌋ with drop_last.

`batch_size=None` turns batching off: the loader yields the samples one by one (numpy
arrays made Tensors). This engine runs in one process: `num_workers > 0` loads in the
main process (a warning says so), as PyTorch does with num_workers=0; `pin_memory`,
`timeout`, `worker_init_fn`, `prefetch_factor` and `persistent_workers` are accepted
and have nothing to do here.

Read next: optim/ (the optimizers that take one step per batch).
"""

from __future__ import annotations

import math
import warnings

from ...checks import check_int, describe
from ...errors import ArgumentError
from ...nn.checks import user_stacklevel
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, check_bool


class DataLoader:
    """Batches from `dataset`, one epoch per `for batch in loader` (see the module
    docstring for the three steps and for the arguments PyTorch has that do nothing here).

    Arguments as PyTorch's: `batch_size` (an int, or None for no batching), `shuffle` (a
    new order every epoch), `sampler` (your own order of indices), `batch_sampler` (your
    own lists of indices), `collate_fn` (your own way to make a batch), `drop_last` (leave
    out a last, smaller batch), `generator` (a tg.Generator for the shuffling).
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
    ) -> None:
        self.dataset = dataset
        self.num_workers = _check_workers(num_workers)
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.generator = generator
        self.drop_last = check_bool(drop_last, "drop_last", "DataLoader")
        shuffle = _check_shuffle(shuffle)
        _check_exclusive(dataset, batch_size, shuffle, sampler, batch_sampler, self.drop_last)
        if batch_sampler is not None:
            batch_size = None
        elif batch_size is not None:
            check_int(batch_size, "batch_size", "DataLoader", error=ArgumentError, minimum=1)
        self.batch_size = batch_size
        if sampler is None:
            sampler = _default_sampler(dataset, shuffle, generator)
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None and sampler is not None:
            batch_sampler = BatchSampler(self.sampler, batch_size, self.drop_last)
        self.batch_sampler = batch_sampler
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self) -> bool:
        """True when the loader makes batches (batch_size or batch_sampler given)."""
        return self.batch_sampler is not None or (
            self.batch_size is not None and isinstance(self.dataset, IterableDataset)
        )

    def __iter__(self):
        """One epoch of batches (a fresh shuffled order each time it is called)."""
        if isinstance(self.dataset, IterableDataset):
            return self._stream_batches()
        return self._map_batches()

    def _map_batches(self):
        """Batches of a map-style dataset: indices from the (batch) sampler."""
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        for indices in self.batch_sampler:
            yield self.collate_fn(self._fetch(indices))

    def _fetch(self, indices: list) -> list:
        """The samples at `indices`: [dataset[i] for i in indices], or in one call if the
        dataset defines PyTorch's `__getitems__(indices)` (a batch read at once)."""
        if getattr(self.dataset, "__getitems__", None):
            return self.dataset.__getitems__(indices)
        return [self.dataset[index] for index in indices]

    def _stream_batches(self):
        """Batches of an IterableDataset: the next `batch_size` samples of the stream."""
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        samples = []
        for sample in self.dataset:
            samples.append(sample)
            if len(samples) == self.batch_size:
                yield self.collate_fn(samples)
                samples = []
        if samples and not self.drop_last:
            yield self.collate_fn(samples)

    def __len__(self) -> int:
        """The number of batches in one epoch: ⌈n / batch_size⌉ (⌊n / batch_size⌋ with
        drop_last); n samples when batch_size is None."""
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # a stream without __len__ raises TypeError, as in PyTorch
            if self.batch_size is None:
                return n
            rounded = math.floor if self.drop_last else math.ceil
            return rounded(n / self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)


def _check_workers(num_workers) -> int:
    """num_workers as an int >= 0; more than 0 falls back to 0 with a warning."""
    check_int(num_workers, "num_workers", "DataLoader", error=ArgumentError, minimum=0)
    if num_workers > 0:
        warnings.warn(
            f"DataLoader: num_workers={num_workers}, but this engine runs in one process; "
            f"the batches are loaded in the main process (as with num_workers=0)",
            stacklevel=user_stacklevel(),
        )
    return 0


def _check_shuffle(shuffle) -> bool:
    """shuffle as a bool (None, PyTorch's default, means False)."""
    if shuffle is None:
        return False
    return check_bool(shuffle, "shuffle", "DataLoader")


def _check_exclusive(dataset, batch_size, shuffle, sampler, batch_sampler, drop_last) -> None:
    """PyTorch's rules for arguments that cannot be used together."""
    if isinstance(dataset, IterableDataset):
        for name, value in (("shuffle", shuffle), ("sampler", sampler)):
            if value not in (None, False):
                raise ArgumentError(
                    f"DataLoader: an IterableDataset is read in its own order, so {name} "
                    f"must not be given, got {name}={describe(value)}"
                )
        if batch_sampler is not None:
            raise ArgumentError("DataLoader: an IterableDataset takes no batch_sampler")
    if sampler is not None and shuffle:
        raise ArgumentError(
            "DataLoader: sampler and shuffle=True cannot be used together (the sampler "
            "decides the order); shuffle in the sampler (RandomSampler) instead"
        )
    if batch_sampler is not None and (
        batch_size != 1 or shuffle or sampler is not None or drop_last
    ):
        raise ArgumentError(
            f"DataLoader: batch_sampler cannot be used together with batch_size, shuffle, "
            f"sampler or drop_last (it decides the batches), got batch_size={batch_size}, "
            f"shuffle={shuffle}, sampler={sampler!r:.40}, drop_last={drop_last}"
        )
    if batch_size is None and drop_last:
        raise ArgumentError(
            "DataLoader: batch_size=None turns batching off, so drop_last=True has no "
            "batch to drop; use one of them"
        )


def _default_sampler(dataset, shuffle: bool, generator):
    """RandomSampler for shuffle=True, SequentialSampler otherwise (None for a stream)."""
    if isinstance(dataset, IterableDataset):
        return None
    if shuffle:
        return RandomSampler(dataset, generator=generator)
    return SequentialSampler(dataset)


def get_worker_info() -> None:
    """PyTorch's `get_worker_info()`: information about the loader's worker process, or
    None in the main process. This engine loads in the main process only: always None."""
    return None
