"""Parameter: a Tensor that is a weight of a model, and PyTorch's uniform initialisation.

    W = nn.Parameter(np.zeros((3, 4)))      # a leaf with requires_grad=True, float64
    b = uniform_parameter((4,), bound=0.5)   # uniform(-0.5, 0.5), seeded by tg.manual_seed

A Parameter is an ordinary Tensor with two promises: it is a leaf that needs a gradient,
and it holds floats. Assigning one to a Module attribute registers it (module.py).

Read next: module.py (Module: registration, the module tree, state_dict).
"""

from __future__ import annotations

import numpy as np

from ..checks import describe
from ..errors import DTypeError
from ..tensor import Tensor, default_rng, get_default_dtype
from .checks import check_flag, fail


class Parameter(Tensor):
    """A Tensor that is a weight of a model: a leaf with `requires_grad=True`, always float.

    `Parameter(np.zeros((3, 4)))` keeps a float array's dtype; numbers, lists and integer
    or bool arrays get the default dtype (`tg.get_default_dtype()`). The data is copied.
    Anything that is not real numbers (text, None, complex numbers) raises DTypeError.
    When assigned to a Module attribute without a label, it is labelled with that
    attribute name ("weight", "weight_ih_l0", "U" ...), so graphs and errors name it.
    """

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True, label: str | None = None):
        requires_grad = check_flag("nn.Parameter", "requires_grad", requires_grad)
        if label is not None and not isinstance(label, str):
            fail(
                "nn.Parameter", f"label must be a string or None, got {describe(label, limit=None)}"
            )
        if isinstance(data, Tensor):
            data = data.data
        array = parameter_array(data)
        super().__init__(array, requires_grad=requires_grad, label=label)  # copies the data

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("Tensor") :]


def parameter_array(data) -> np.ndarray:
    """`data` as a float array for a Parameter: float arrays keep their dtype, other real
    numbers get the default dtype; text, None, objects and complex numbers are refused
    (np.asarray would turn None into NaN and drop an imaginary part without a word)."""
    if isinstance(data, np.ndarray) and data.dtype.kind == "f":
        return data
    try:
        array = np.asarray(data)
    except ValueError as error:  # ragged nested lists
        raise DTypeError(
            f"nn.Parameter: cannot make an array of numbers from the data ({error})"
        ) from None
    if array.dtype.kind not in "fiub":
        raise DTypeError(
            f"nn.Parameter: the data must be real numbers, got {type(data).__name__} of "
            f"dtype {array.dtype}; a weight is a float array (e.g. np.zeros((3, 4)))"
            f""
        )
    return array.astype(get_default_dtype())


def uniform_parameter(shape: tuple[int, ...], bound: float) -> Parameter:
    """A Parameter drawn from uniform(-bound, bound), PyTorch's initialisation of Linear
    and of the recurrent layers. Uses the generator that `tg.manual_seed` sets and the
    default dtype."""
    array = default_rng().uniform(-bound, bound, size=shape)
    return Parameter(array.astype(get_default_dtype()))
