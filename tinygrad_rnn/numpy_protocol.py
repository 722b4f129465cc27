"""numpy functions on Tensors: `np.sum(x)`, `np.tanh(x)`, `np_array + x` go through the graph.

numpy lets a class take over its functions (`__array_function__`, for np.sum, np.mean,
np.concatenate ...) and its ufuncs (`__array_ufunc__`, for np.tanh, np.add, the `+` of
an ndarray and a Tensor ...). Tensor hands both to this file, which calls the Tensor op
of the same meaning, so the result is a node with a gradient:

    np.sum(x, axis=1)       is  x.sum(axis=1)
    np.tanh(x)              is  x.tanh()
    np.ones(3) * x          is  tg.tensor(np.ones(3)) * x

    np.split(x, 2, axis=1)  is  x.split(...): a list of slices, each with a gradient
    np.var(x), np.clip(x, 0, 1), np.square(x), np.expand_dims(x, 0) ... likewise

Functions whose answer has no gradient (np.argmax, np.argsort, np.zeros_like,
np.ones_like, np.allclose, np.isnan ...) read the tensors' numbers and return numpy
arrays, also for a tensor that requires grad: nothing is cut out of a graph there.

Any other numpy function (np.sinh, np.cumsum ...) still works on tensors that need no
gradient: it gets their arrays and returns a numpy array. On a tensor that requires grad
it raises an error instead, because numpy would silently cut the tensor out of the graph.

Read next: tensor.py (the Tensor methods these call).
"""

from __future__ import annotations

import operator

import numpy as np

from .errors import DTypeError

# ufunc -> the Python operator or Tensor method of the same meaning
BINARY_UFUNCS = {
    np.add: operator.add,
    np.subtract: operator.sub,
    np.multiply: operator.mul,
    np.true_divide: operator.truediv,
    np.power: operator.pow,
    np.matmul: operator.matmul,
    np.greater: operator.gt,
    np.greater_equal: operator.ge,
    np.less: operator.lt,
    np.less_equal: operator.le,
    np.equal: operator.eq,
    np.not_equal: operator.ne,
}
UNARY_UFUNCS = {
    np.negative: operator.neg,
    np.positive: operator.pos,
    np.absolute: operator.abs,
    np.exp: lambda x: x.exp(),
    np.log: lambda x: x.log(),
    np.tanh: lambda x: x.tanh(),
    np.sqrt: lambda x: x.sqrt(),
    np.square: lambda x: x * x,
}
# ufuncs and functions whose answer is numbers without a gradient (indices, masks,
# shapes, new arrays of a tensor's shape): run on the arrays even when a tensor
# requires grad, since no gradient is lost.
NO_GRADIENT = {
    np.argmax,
    np.argmin,
    np.argsort,
    np.argwhere,
    np.nonzero,
    np.count_nonzero,
    np.zeros_like,
    np.ones_like,
    np.empty_like,
    np.full_like,
    np.allclose,
    np.isclose,
    np.array_equal,
    np.isnan,
    np.isinf,
    np.isfinite,
    np.sign,
}


def call_ufunc(ufunc, method: str, inputs: tuple, kwargs: dict):
    """What `np.<ufunc>(...)` does when one of its inputs is a Tensor."""
    if method == "__call__" and not kwargs:
        if ufunc in UNARY_UFUNCS and len(inputs) == 1:
            return UNARY_UFUNCS[ufunc](inputs[0])
        if ufunc in BINARY_UFUNCS and len(inputs) == 2:
            return _binary(BINARY_UFUNCS[ufunc], *inputs)
        if ufunc in (np.maximum, np.minimum) and len(inputs) == 2:
            from .tensor import maximum, minimum

            return (maximum if ufunc is np.maximum else minimum)(*inputs)
    name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    func = ufunc if method == "__call__" else getattr(ufunc, method)
    if ufunc in NO_GRADIENT and method == "__call__":
        return func(*_arrays(inputs), **kwargs)
    return _on_arrays(name, func, inputs, kwargs)


def _binary(op, a, b):
    """`a op b` with at least one Tensor, in this order (numpy may hand us either side)."""
    from .tensor import Tensor, _lift

    if not isinstance(a, Tensor):
        a = _lift(a, b)
    return op(a, b)


def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **unused):
    return a.sum(axis=_axis(axis), keepdims=keepdims)


def _mean(a, axis=None, dtype=None, out=None, keepdims=False, **unused):
    return a.mean(axis=_axis(axis), keepdims=keepdims)


def _amax(a, axis=None, out=None, keepdims=False, **unused):
    return a.amax(axis=_axis(axis), keepdims=keepdims)


def _amin(a, axis=None, out=None, keepdims=False, **unused):
    return a.amin(axis=_axis(axis), keepdims=keepdims)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _reshape(a, *args, **kwargs):
    shape = args[0] if args else kwargs.get("shape", kwargs.get("newshape"))
    return a.reshape(shape)


def _transpose(a, axes=None):
    return a.T if axes is None else a.permute(*axes)


def _concatenate(arrays, axis=0, **unused):
    from .tensor import cat

    return cat(arrays, axis=axis)


def _stack(arrays, axis=0, **unused):
    from .tensor import stack

    return stack(arrays, axis=axis)


def _where(condition, *values):
    from .tensor import where

    if len(values) != 2:
        return NotImplemented
    return where(condition, *values)


def _dot(a, b, out=None):
    from .tensor import Tensor, _lift

    if not isinstance(a, Tensor):
        a = _lift(a, b)
    if a.ndim > 2 or np.ndim(b) > 2:
        return NotImplemented  # np.dot's N-d rule differs from matmul's
    if a.ndim == 0 or np.ndim(b) == 0:
        return a * b
    return a @ b


def _split(ary, indices_or_sections, axis=0):
    """np.split: n equal pieces (n must divide the axis' length) or pieces cut at the
    given indices; each piece a slice of the tensor, as a list (numpy's answer)."""
    length = ary.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if indices_or_sections <= 0 or length % indices_or_sections:
            raise ValueError("np.split: array split does not result in an equal division")
        return list(ary.split(length // indices_or_sections, axis))
    cuts = [min(int(cut), length) for cut in indices_or_sections]
    bounds = [0, *cuts, length]
    sizes = [max(end - start, 0) for start, end in zip(bounds, bounds[1:])]
    return list(ary.split(sizes, axis))


def _var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **unused):
    return a.var(_axis(axis), keepdim=keepdims, correction=ddof)


def _std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, **unused):
    return a.std(_axis(axis), keepdim=keepdims, correction=ddof)


def _clip(a, a_min=None, a_max=None, out=None, **kwargs):
    return a.clamp(kwargs.get("min", a_min), kwargs.get("max", a_max))


FUNCTIONS = {
    np.split: _split,
    np.var: _var,
    np.std: _std,
    np.clip: _clip,
    np.expand_dims: lambda a, axis: a.unsqueeze(axis),
    np.squeeze: lambda a, axis=None: a.squeeze(axis),
    np.sum: _sum,
    np.mean: _mean,
    np.max: _amax,
    np.amax: _amax,
    np.min: _amin,
    np.amin: _amin,
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.where: _where,
    np.dot: _dot,
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
    np.size: lambda a, axis=None: a.numel() if axis is None else a.shape[axis],
}


def call_function(func, args: tuple, kwargs: dict):
    """What `np.<func>(...)` does when one of its arguments is a Tensor."""
    if func in NO_GRADIENT:
        return func(*_arrays(args), **dict(zip(kwargs, _arrays(tuple(kwargs.values())))))
    implementation = FUNCTIONS.get(func)
    if implementation is not None and not kwargs.get("out"):
        result = implementation(*args, **kwargs)
        if result is not NotImplemented:
            return result
    return _on_arrays(f"np.{func.__name__}", func, args, kwargs)


def _on_arrays(name: str, func, args: tuple, kwargs: dict):
    """Call `func` with every Tensor replaced by its array - allowed only if none of them
    requires grad (numpy would silently cut it out of the graph)."""
    from .tensor import Tensor

    tensors = [x for x in _flat(args) + _flat(tuple(kwargs.values())) if isinstance(x, Tensor)]
    for tensor in tensors:
        if tensor.requires_grad:
            raise DTypeError(
                f"{name}: has no tinygrad_rnn op behind it, and numpy would cut "
                f"{tensor.describe()} (which requires grad) out of the graph. Use Tensor ops "
                "(x.tanh(), x.sum(), tg.where ...) or, for the numbers only, x.detach().numpy()"
                f""
            )
    return func(*_arrays(args), **dict(zip(kwargs, _arrays(tuple(kwargs.values())))))


def _flat(values: tuple) -> list:
    """The values, with lists and tuples among them opened one level (np.concatenate)."""
    flat = []
    for value in values:
        flat.extend(value if isinstance(value, (list, tuple)) else [value])
    return flat


def _arrays(values: tuple) -> list:
    """The values with each Tensor (also inside a list or tuple) replaced by its array."""
    from .tensor import Tensor

    def plain(value):
        return value.data if isinstance(value, Tensor) else value

    converted = []
    for value in values:
        if isinstance(value, (list, tuple)):
            converted.append(type(value)(plain(item) for item in value))
        else:
            converted.append(plain(value))
    return converted
