"""tinygrad_rnn.utils, PyTorch's `torch.utils`: for now only `utils.data`, the datasets,
samplers and the DataLoader that feed a training loop its batches.

    from tinygrad_rnn.utils.data import DataLoader, TensorDataset

Read next: utils/data/__init__.py.
"""

from . import data

__all__ = ["data"]
