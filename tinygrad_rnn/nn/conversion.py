"""Module.to, .double(), .float(): which dtype a call asks for, and the conversion.

    model.to("cpu")            # nothing to do: the engine computes with numpy on the CPU
    model.double()             # every float parameter, gradient and buffer -> float64
    model.to(np.float32)       # the same as model.float()

The conversion is in place: the Parameter objects stay the same (only their arrays are
replaced), so an optimizer made before `.double()` still updates the model's weights.

Read next: containers.py (ModuleList, ModuleDict, ParameterList, ParameterDict).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .checks import fail


def module_dtype(module, args: tuple, kwargs: dict):
    """The float dtype `module.to(...)` asks for, or None. Devices other than the CPU
    are refused: this engine computes with numpy, on the CPU."""
    owner = f"{type(module).__name__}.to"
    wanted = list(args) + [kwargs.pop(key) for key in ("device", "dtype") if key in kwargs]
    kwargs.pop("non_blocking", None)
    kwargs.pop("copy", None)
    if kwargs:
        fail(owner, f"unexpected keyword(s) {sorted(kwargs)}")
    dtype = None
    for target in wanted:
        device = device_name(target)
        if device is not None:
            if device.split(":")[0] != "cpu":
                fail(
                    owner,
                    f"tinygrad_rnn computes with numpy on the CPU; there is no device "
                    f"{device!r}. Use 'cpu' (or leave the .to() call out)",
                )
            continue
        dtype = target.dtype if isinstance(target, Tensor) else np.dtype(target)
    if dtype is not None and dtype.kind != "f":
        fail(owner, f"a model's weights are floats; got dtype {dtype}")
    return dtype


def device_name(target) -> str | None:
    """ "cpu", "cuda:0" ... for a device given as a string or a device object; None for
    anything else (a dtype, a Tensor)."""
    if isinstance(target, str) and target.split(":")[0] in ("cpu", "cuda", "mps", "meta", "xpu"):
        return target
    if type(target).__name__ == "device":  # tg.device("cpu") or torch.device
        return str(target)
    return None


def convert_floats(module, dtype: np.dtype) -> None:
    """Every float parameter (its gradient too) and float buffer as `dtype`, in place:
    the Parameter objects stay the same, so an optimizer holding them keeps working."""
    tensors = list(module.parameters()) + list(module.buffers())
    for tensor in tensors:
        if tensor.dtype.kind != "f" or tensor.dtype == dtype:
            continue
        tensor.data = tensor.data.astype(dtype)
        if tensor.grad is not None:
            tensor.grad = np.asarray(tensor.grad).astype(dtype)
