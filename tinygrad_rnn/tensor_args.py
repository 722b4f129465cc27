"""What the Tensor methods check in their arguments, and the errors they raise.

`reduction_args` reads numpy's `axis`/`keepdims` or PyTorch's `dim`/`keepdim`;
`check_axis`, `check_single_axis`, `require_float` and `to_target` refuse what would
go wrong later with a message that names the method; `normalize_index` copies the arrays
in an index. `op_error` turns numpy's complaint about an op's inputs into a ShapeError,
DTypeError or TensorIndexError naming the op and the shapes; `anomaly_error` names the
op that produced NaN/inf.

Read next: tensor_functions.py (the functions at package level).
"""

from __future__ import annotations

import numpy as np

from . import ops
from .defaults import as_dtype
from .devices import check_device, is_device_name
from .errors import AnomalyError, ArgumentError, DTypeError, ShapeError, TensorIndexError
from .tensor_base import TensorBase


def require_float(x: TensorBase, op_name: str) -> TensorBase:
    if x._data.dtype.kind != "f":
        raise DTypeError(
            f"{op_name}: needs a floating-point tensor, got {x.dtype} "
            f"(shape {x.shape}) - convert it with x.float()"
        )
    return x


def check_axis(op_name: str, axis: int, ndim: int, shape: tuple) -> None:
    """Raise a ShapeError naming the op when `axis` is not one of `ndim` axes."""
    if -ndim <= axis < ndim:
        return
    raise ShapeError(
        f"{op_name}: axis {axis} is out of range for shape {shape} (valid: {-ndim} .. {ndim - 1})"
    )


def reduction_args(axis, keepdims, dim, keepdim):
    """Accept PyTorch's `dim`/`keepdim` as aliases of numpy's `axis`/`keepdims`."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if isinstance(axis, list):
        axis = tuple(axis)
    return axis, bool(keepdims)


def normalize_index(index):
    """The index with Tensors and lists made numpy arrays, each array a copy (so changing
    your array after the forward pass cannot move the gradient). Boolean masks stay masks:
    numpy checks their shape against the tensor's, and backward scatters through them."""
    if ops.is_basic_index(index):  # ints, slices, None, ...: used as they are
        return index
    items = index if isinstance(index, tuple) else (index,)
    normalized = [_index_item(item) for item in items]
    return tuple(normalized) if isinstance(index, tuple) else normalized[0]


def _index_item(item):
    """One entry of an index: an int, slice, None, Ellipsis, or an integer/boolean array."""
    if item is None or item is Ellipsis or isinstance(item, (int, np.integer, slice)):
        return item
    if isinstance(item, TensorBase):
        item = item._data
    array = np.array(item) if isinstance(item, (np.ndarray, list, tuple, np.bool_)) else None
    if array is None or array.dtype.kind not in "iub":
        kind = type(item).__name__ if array is None else f"array of {array.dtype}"
        raise TensorIndexError(
            f"getitem: an index must be an int, a slice, None, ... or an array of integers "
            f"or booleans, got {kind} ({item!r:.60})"
        )
    return array


def check_single_axis(op_name: str, axis, shape: tuple) -> None:
    """`axis` must be None or one int naming an axis of `shape`."""
    if axis is None:
        return
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ShapeError(
            f"{op_name}: dim must be one int, got {axis!r}; for several axes at once use amax/amin"
        )
    check_axis(op_name, axis, max(len(shape), 1), shape)


def to_target(x: TensorBase, args: tuple, kwargs: dict):
    """The dtype `x.to(...)` asks for, or None if it asks for nothing that changes x.

    As PyTorch's `x.to(dtype)`, `x.to(device)`, `x.to(device, dtype)`, `x.to(other)` (other's
    dtype) and the keywords dtype=, device=, copy=, non_blocking=. A device must be the
    CPU ("cpu", tg.device("cpu")); any other is an error (devices.check_device).
    """
    wanted = list(args) + [kwargs.pop(key) for key in ("dtype", "device") if key in kwargs]
    kwargs.pop("copy", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise _argument_error(f"to: unexpected keyword(s) {sorted(kwargs)}")
    dtype = None
    for target in wanted:
        if isinstance(target, TensorBase):
            dtype = target.dtype
        elif is_device_name(target):
            check_device(target, "to")
        elif target is not None:
            dtype = as_dtype(target, "to")
    return dtype


def _argument_error(message: str) -> Exception:
    """An ArgumentError whose message ends with the user's line."""
    return ArgumentError(message)


def op_error(op_class, parents, params, error) -> Exception:
    shapes = [parent.shape for parent in parents]
    reason = op_class.explain(shapes, params) or str(error)
    if isinstance(error, IndexError) and reason != str(error):
        reason += f" ({error})"  # numpy's own words say which axis
    if isinstance(error, TypeError):  # numpy refused the dtypes, not the shapes
        dtypes = ", ".join(str(parent.dtype) for parent in parents)
        reason = f"{error} (inputs of dtypes {dtypes}; convert with x.float())"
    message = f"{op_class.name}: {reason}"
    if isinstance(error, TypeError):
        return DTypeError(message)
    if isinstance(error, IndexError) and not isinstance(error, np.exceptions.AxisError):
        return TensorIndexError(message)
    return ShapeError(message)


def anomaly_error(op_class, parents, out: TensorBase) -> AnomalyError:
    """The op that produced NaN/inf, its time step and line; and, if one of its inputs
    already held NaN/inf (a bad input, not this op's fault), that input."""
    shapes = ", ".join(str(p.shape) for p in parents)
    step = f" (t={out.time_step})" if out.time_step is not None else ""
    message = (
        f"{op_class.name}{step} produced NaN/inf (from inputs of shapes {shapes}) at {out.source}"
    )
    for position, parent in enumerate(parents):
        if parent._data.dtype.kind == "f" and not np.all(np.isfinite(parent._data)):
            message += f"; its input #{position} already held NaN/inf: {parent.describe()}"
            break
    return AnomalyError(message)
