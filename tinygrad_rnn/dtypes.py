"""PyTorch's dtype names: `tg.float32`, `tg.long`, `tg.bool` ... are numpy dtypes.

    x = tg.tensor([1, 2, 3], dtype=tg.long)
    x.dtype == tg.int64                 # True: x.dtype is the numpy dtype int64
    tg.set_default_dtype(tg.float64)    # the default already (PyTorch's is float32)

The names mean what they mean in PyTorch: `tg.float` is float32 (not Python's float,
which numpy reads as float64), `tg.double` float64, `tg.long` int64, `tg.int` int32.

float16 (`tg.float16`, `tg.half`) has a name so that a PyTorch program can mention it,
but every tensor function refuses it (see `defaults.as_dtype`): numpy computes float16
slowly and with too few digits for a gradient check. Use float32 or float64.

This file imports only numpy.

Read next: devices.py (tg.device, tg.cuda.is_available()).
"""

from __future__ import annotations

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)  # named, but refused by every function (see above)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001 (PyTorch's name: torch.bool)

# PyTorch's second names for the same dtypes
float = float32  # noqa: A001 (torch.float is float32)
double = float64
half = float16
long = int64
int = int32  # noqa: A001 (torch.int is int32)
short = int16

# Every function that takes a dtype refuses these, with this reason.
REFUSED = {
    float16: "float16 is not supported (numpy computes it slowly and gradient checks need "
    "float64); use float32 or float64",
}
# (This file defines no functions: `bool`, `float` and `int` above hide Python's own.)
