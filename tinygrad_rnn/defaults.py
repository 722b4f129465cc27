"""The defaults new tensors get: the floating-point dtype and the random generator.

    tg.set_default_dtype(np.float32)   # tensors made from Python floats, tg.zeros, tg.randn
    tg.manual_seed(0)                  # tg.randn, parameter initialisation, dropout

float64 is the default so that gradient checks are exact; float32 is twice as fast.
`as_dtype` turns tg.float32, np.float32, "float32" or a Tensor's dtype into a numpy dtype, with an
error that names the function when it cannot.

This file imports nothing of the engine but errors.py and dtypes.py.

Read next: tensor_base.py (what a Tensor holds).
"""

from __future__ import annotations

import numpy as np

from .dtypes import REFUSED
from .errors import ArgumentError, DTypeError

_default_dtype = np.dtype(np.float64)
_rng = np.random.default_rng()


def set_default_dtype(dtype) -> None:
    """Floating-point dtype of new tensors made from Python numbers, lists and
    constructors (`tg.zeros`, `tg.randn`, parameters): tg.float64 (default) or tg.float32.
    (PyTorch's default is float32; here float64, so that gradient checks are exact.)"""
    global _default_dtype
    dtype = as_dtype(dtype, "set_default_dtype")
    if dtype not in (np.float32, np.float64):
        raise DTypeError(f"set_default_dtype: use np.float32 or np.float64, not {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype set by `set_default_dtype` (float64 unless changed)."""
    return _default_dtype


def manual_seed(seed: int) -> None:
    """Seed the generator behind `tg.randn`, parameter initialisation and dropout."""
    global _rng
    _rng = as_generator(seed, "manual_seed")


def as_generator(seed, op_name: str) -> np.random.Generator:
    """A numpy Generator from an int seed (or the Generator itself)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(
            f"{op_name}: the seed must be a non-negative int or a np.random.Generator, got "
            f"{seed!r:.40}"
        )
    return np.random.default_rng(seed)


def default_rng() -> np.random.Generator:
    """The generator `manual_seed` sets (used when no `rng=` is given)."""
    return _rng


def as_dtype(dtype, op_name: str) -> np.dtype:
    """A numpy dtype from np.float32, tg.float32, "float32", tg.LongTensor (its dtype) ...;
    a clear error if not, and for float16 (see dtypes.REFUSED)."""
    if not isinstance(dtype, (np.dtype, type, str)) and hasattr(dtype, "dtype"):
        dtype = dtype.dtype  # tg.LongTensor, tg.FloatTensor ...: the dtype they make
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise DTypeError(
            f"{op_name}: {dtype!r} is not a dtype (use tg.float32, tg.float64, tg.long, "
            f'np.float64, "float32" ...)'
        ) from None
    if dtype in REFUSED:
        raise DTypeError(f"{op_name}: {REFUSED[dtype]}")
    return dtype
