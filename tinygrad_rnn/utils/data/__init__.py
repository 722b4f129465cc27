"""tinygrad_rnn.utils.data, PyTorch's `torch.utils.data`: datasets, samplers and the
DataLoader, with PyTorch's names and rules, so that

    from torch.utils.data import DataLoader, TensorDataset, random_split

becomes `from tinygrad_rnn.utils.data import ...` and nothing else in the program changes.

    dataset.py      Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset,
                    ChainDataset, random_split
    sampler.py      Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,
                    WeightedRandomSampler, BatchSampler
    collate.py      default_collate, default_convert
    dataloader.py   DataLoader, get_worker_info

Differences from PyTorch: one process only (num_workers > 0 loads in the main process,
with a warning); shuffled orders come from numpy's PCG64 generator, so they are not
PyTorch's orders for the same seed.

Read next: utils/data/dataset.py.
"""

from .collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
