"""Weight initialisation (PyTorch's `torch.nn.init`): fill a tensor with numbers, in place.

    from tinygrad_rnn.nn import init
    layer = nn.Linear(128, 64)
    init.xavier_uniform_(layer.weight)          # U(-a, a), a = gain·√(6 / (fan_in + fan_out))
    init.zeros_(layer.bias)
    for name, p in lstm.named_parameters():
        if "weight_hh" in name:
            init.orthogonal_(p)                 # W Wᵀ = I: keeps ‖h_t‖ steady over time

Every function changes the tensor's numbers in place (through `tensor.data[...] = ...`,
outside the graph, as PyTorch does under `no_grad`) and returns the same tensor. The
random numbers come from the generator `tg.manual_seed` sets, so a seeded program
initialises the same way every run; `generator=` takes a `tg.Generator` (or a
`np.random.Generator`) instead.

Fan-in and fan-out, as PyTorch computes them for a weight of shape (out, in, k1, k2 ...):

    receptive field = k1 · k2 · ...   (1 for a 2-D weight)
    fan_in  = in  · receptive field   (the number of inputs each output sums over)
    fan_out = out · receptive field

so a Linear weight (out, in) has fan_in = in, and an RNN's weight_ih (4H, D) has
fan_in = D, fan_out = 4H.

Read next: loss.py (the loss modules), activation.py.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..checks import describe, is_number
from ..errors import ArgumentError, ShapeError
from ..generator import numpy_generator
from ..tensor import Tensor
from .checks import user_stacklevel

__all__ = [
    "calculate_gain",
    "constant_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

# calculate_gain's table: the factor that keeps the variance of the activations the same
# from layer to layer for each nonlinearity (PyTorch's values).
LINEAR_GAINS = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)
DEFAULT_NEGATIVE_SLOPE = 0.01  # leaky_relu's slope when none is given


# --------------------------------------------------------------------------------------
# Gains and fans
# --------------------------------------------------------------------------------------
def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table):

    linear, conv*, sigmoid   1
    tanh                     5/3
    relu                     √2
    leaky_relu               √(2 / (1 + slope²)), slope = param (default 0.01)
    selu                     3/4
    """
    if nonlinearity in LINEAR_GAINS:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = _negative_slope(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ArgumentError(f"Unsupported nonlinearity {nonlinearity}")


def _negative_slope(param) -> float:
    """leaky_relu's negative slope: `param`, or 0.01 when it is None."""
    if param is None:
        return DEFAULT_NEGATIVE_SLOPE
    if not is_number(param):
        raise ArgumentError(f"negative_slope {param} not a valid number")
    return float(param)


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, k1, k2, ...); see the module
    docstring. A 0-D or 1-D tensor (a bias) has no fans: ShapeError, as in PyTorch."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ShapeError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {shape}; a bias has no fan - initialise it with zeros_ or uniform_)"
        )
    receptive_field = int(np.prod(shape[2:]))  # 1 for a 2-D weight
    fan_in = shape[1] * receptive_field
    fan_out = shape[0] * receptive_field
    return fan_in, fan_out


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    """fan_in for mode "fan_in" (keeps the forward variance), fan_out for "fan_out"
    (keeps the variance of the gradients in the backward pass)."""
    valid_modes = ["fan_in", "fan_out"]
    mode = mode.lower() if isinstance(mode, str) else mode
    if mode not in valid_modes:
        raise ArgumentError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# --------------------------------------------------------------------------------------
# Writing numbers into a tensor
# --------------------------------------------------------------------------------------
def _check_tensor(tensor, name: str) -> Tensor:
    """The tensor to fill; a numpy array or a list is refused (it has no place to write
    back to that the caller would see as a parameter)."""
    if not isinstance(tensor, Tensor):
        raise ArgumentError(
            f"nn.init.{name}: expects a Tensor (e.g. layer.weight), got {describe(tensor)}"
        )
    return tensor


def _fill(tensor: Tensor, values) -> Tensor:
    """Write `values` into the tensor's array in place (cast to its dtype); return it.

    `tensor.data` is the array itself (a fresh copy if a graph had saved the old one, so
    a built graph keeps the numbers it used), and `[...] =` writes into it.
    """
    tensor.data[...] = values
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with numbers drawn uniformly from [a, b)."""
    tensor = _check_tensor(tensor, "uniform_")
    values = numpy_generator(generator, "nn.init").uniform(a, b, size=tensor.shape)
    return _fill(tensor, values)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with numbers drawn from the normal distribution N(mean, std²)."""
    tensor = _check_tensor(tensor, "normal_")
    values = numpy_generator(generator, "nn.init").normal(mean, std, size=tensor.shape)
    return _fill(tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the number `val`."""
    return _fill(_check_tensor(tensor, "constant_"), val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0 (the usual start for biases)."""
    return _fill(_check_tensor(tensor, "zeros_"), 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1 (e.g. an LSTM's forget-gate bias rows, to remember by default)."""
    return _fill(_check_tensor(tensor, "ones_"), 1)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (1 on the diagonal, 0 elsewhere; a
    rectangular one gets the leading square's diagonal)."""
    tensor = _check_tensor(tensor, "eye_")
    if tensor.ndim != 2:
        raise ShapeError(f"Only tensors with 2 dimensions are supported, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


# --------------------------------------------------------------------------------------
# Xavier (Glorot) and Kaiming (He)
# --------------------------------------------------------------------------------------
def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot & Bengio (2010): U(-a, a) with

    a = gain · √(6 / (fan_in + fan_out))     (std = gain · √(2 / (fan_in + fan_out)))
    """
    tensor = _check_tensor(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # a uniform on [-a, a] has std a/√3
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot & Bengio (2010): N(0, std²) with std = gain · √(2 / (fan_in + fan_out))."""
    tensor = _check_tensor(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Tensor, a, mode: str, nonlinearity: str) -> float:
    """std = gain / √fan, gain = calculate_gain(nonlinearity, a), fan by `mode`."""
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    return gain / math.sqrt(fan)


def _is_empty(tensor: Tensor) -> bool:
    """A tensor with no elements: nothing to fill (PyTorch warns and returns it)."""
    if 0 not in tensor.shape:
        return False
    warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=user_stacklevel())
    return True


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator=None,
) -> Tensor:
    """He et al. (2015): U(-bound, bound) with

        bound = √3 · gain / √fan,   gain = calculate_gain(nonlinearity, a)

    a is leaky_relu's negative slope (0 gives relu's gain √2); mode "fan_in" or "fan_out".
    """
    tensor = _check_tensor(tensor, "kaiming_uniform_")
    if _is_empty(tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator=None,
) -> Tensor:
    """He et al. (2015): N(0, std²) with std = gain / √fan (see `kaiming_uniform_`)."""
    tensor = _check_tensor(tensor, "kaiming_normal_")
    if _is_empty(tensor):
        return tensor
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    return normal_(tensor, 0.0, std, generator)


# --------------------------------------------------------------------------------------
# Orthogonal (Saxe et al. 2013)
# --------------------------------------------------------------------------------------
def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix times `gain`: for a weight viewed as rows × cols,
    W Wᵀ = gain²·I when rows <= cols, Wᵀ W = gain²·I otherwise.

    As PyTorch: draw A ~ N(0, 1) of shape (rows, cols) (transposed if rows < cols), take
    its QR decomposition A = QR, and multiply each column of Q by the sign of R's diagonal
    entry - so Q is uniformly distributed over orthogonal matrices, not biased by the
    QR algorithm's sign convention. A weight of more than 2 dimensions is treated as
    (shape[0], the product of the rest).
    """
    tensor = _check_tensor(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ShapeError(
            f"Only tensors with 2 or more dimensions are supported, got shape {tensor.shape}"
        )
    if tensor.data.size == 0:
        return tensor  # no-op
    rows = tensor.shape[0]
    cols = tensor.data.size // rows
    flattened = numpy_generator(generator, "nn.init").normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flattened = flattened.T  # (cols, rows): QR wants at least as many rows as columns
    q, r = np.linalg.qr(flattened)  # q (m, k) with orthonormal columns
    q = q * np.sign(np.diag(r))  # the sign fix, column by column
    if rows < cols:
        q = q.T  # (rows, cols) with orthonormal rows
    return _fill(tensor, gain * q.reshape(tensor.shape))
