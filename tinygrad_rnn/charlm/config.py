"""The settings of a char-LM run: sizes, batches, optimizer, seed, dtype (CharLMConfig).

A CharLMConfig is checked when it is made (a wrong setting fails here, with its name, not
deep inside training) and is saved in every checkpoint, so a resumed run has the same one.

Read next: corpus.py (the text the run trains on).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DTYPES = {"float32": np.float32, "float64": np.float64}


@dataclass
class CharLMConfig:
    """The sizes and training settings of a run (saved in the checkpoint).

    The defaults are lesson 5's model: embedding 128, LSTM 128, batches of B = 32 windows
    of T = 40 characters, Adam with lr 3e-3, gradient norm clipped at 5, float32.
    """

    embedding_dim: int = 128
    hidden_size: int = 128
    batch_size: int = 32
    seq_len: int = 40
    lr: float = 3e-3
    clip: float = 5.0
    seed: int = 0
    val_fraction: float = 0.1
    dtype: str = "float32"

    def __post_init__(self) -> None:
        for name in ("embedding_dim", "hidden_size", "batch_size", "seq_len"):
            value = getattr(self, name)
            if not _is_whole_number(value) or value < 1:
                raise ValueError(f"CharLMConfig: {name} must be a whole number >= 1, got {value!r}")
        if not _is_whole_number(self.seed):
            raise ValueError(f"CharLMConfig: seed must be a whole number, got {self.seed!r}")
        for name in ("lr", "clip", "val_fraction"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise ValueError(f"CharLMConfig: {name} must be a number, got {value!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"CharLMConfig: lr must be a positive number, got {self.lr!r}")
        if not (math.isfinite(self.clip) and self.clip > 0):
            raise ValueError(f"CharLMConfig: clip must be a positive number, got {self.clip!r}")
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError(
                f"CharLMConfig: val_fraction must be between 0 and 1, got {self.val_fraction!r}"
            )
        if not isinstance(self.dtype, str) or self.dtype not in DTYPES:
            raise ValueError(
                f"CharLMConfig: dtype must be one of {sorted(DTYPES)}, got {self.dtype!r}"
            )


def _is_whole_number(value) -> bool:
    """An int (or numpy integer), but not a bool (True is an int in Python)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
