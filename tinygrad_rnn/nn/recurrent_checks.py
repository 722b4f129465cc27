"""What the recurrent cells and layers check in what they are given: x, the states, lengths.

A mistake in the input of nn.LSTM or nn.GRUCell gives one error that says what was
expected, what came, and - where the usual mix-up is clear - what to change:

    LSTM: expected input_size=8 features in the last axis, got shape (8, 5, 3). Axis 0
    has length input_size: the features must come last, (T, B, input_size).

Cells (RNNCell, LSTMCell, GRUCell) take x (B, D) or (D,) and a state of shape (B, H);
layers (RNN, LSTM, GRU) take x (T, B, D) (or (B, T, D) with batch_first, or (T, D)),
states h0/c0 (num_layers * num_directions, B, H) and, for padded batches, `lengths`.

Read next: recurrent.py (the layers that call these checks).
"""

from __future__ import annotations

import numpy as np

from ..errors import DTypeError, ShapeError
from ..graph import format_source, user_source
from ..tensor import Tensor
from .checks import check_float_input, check_float_state, state_pair_hint
from .layers import as_tensor


# --------------------------------------------------------------------------------------
# Cells: one time step
# --------------------------------------------------------------------------------------
def state_pair(hx, owner: str, names: str) -> tuple:
    """An LSTM's state `hx` as the tuple (h, c), or a clear error: its state is two
    tensors, and a single tensor would otherwise be split along its first axis."""
    if isinstance(hx, (tuple, list)) and len(hx) == 2:
        return tuple(hx)
    where_ = format_source(user_source())
    if isinstance(hx, (tuple, list)):
        raise ShapeError(
            f"{owner}: the state must be the pair {names}, got a {type(hx).__name__} of "
            f"{len(hx)} item(s)"
        )
    shape = f" of shape {hx.shape}" if hasattr(hx, "shape") else ""
    raise TypeError(
        f"{owner}: the state must be the pair {names}, got one {type(hx).__name__}{shape}; "
        f"an LSTM carries two states: pass ({names[1:-1]}) as a tuple — at {where_}"
    )


def one_initial_state(owner: str, hx, h0):
    """nn.RNN / nn.GRU take their initial state as `hx` (PyTorch's name) or `h0=` (this
    library's earlier name); giving both is an error."""
    if h0 is None:
        return hx
    if hx is not None:
        raise TypeError(f"{owner}: got both hx and h0; they are the same argument, pass one")
    return h0


def check_cell_input(owner: str, x, input_size: int) -> Tensor:
    """x as a float Tensor of shape (B, D) or (D,), D = input_size; owner is the cell's repr."""
    x = as_tensor(x)
    check_float_input(owner, x)
    if x.ndim not in (1, 2) or x.shape[-1] != input_size:
        raise ShapeError(
            f"{owner}: expected input of shape (batch, {input_size}) or ({input_size},), "
            f"got {x.shape}"
        )
    return x


def check_cell_state(owner: str, x: Tensor, state, name: str, hidden_size: int) -> Tensor:
    """One state of a cell (hx, or h / c of an LSTM) as a float Tensor of shape (B, H)
    for an input x (B, D) - (H,) for an unbatched x."""
    hint = state_pair_hint(state, "(h, c)")
    state = check_float_state(owner, name, as_tensor(state))
    expected = x.shape[:-1] + (hidden_size,)
    if state.shape != expected:
        raise ShapeError(
            f"{owner}: the state {name} must have shape {expected} for an input of "
            f"shape {x.shape}, got {state.shape}.{hint}"
        )
    return state


# --------------------------------------------------------------------------------------
# Layers: a whole sequence
# --------------------------------------------------------------------------------------
def layout(layer) -> str:
    """The input layout the layer expects, as its error messages write it."""
    return "(B, T, input_size)" if layer.batch_first else "(T, B, input_size)"


def check_layer_input(layer, x) -> Tensor:
    """x as a float Tensor (T, B, D), (B, T, D) with batch_first, or unbatched (T, D)."""
    x = as_tensor(x)
    name = type(layer).__name__
    check_float_input(name, x)
    if x.ndim not in (2, 3):
        raise ShapeError(
            f"{name}: expected a 3-D input {layout(layer)} or an unbatched 2-D input "
            f"(T, input_size), got shape {x.shape}"
        )
    if x.shape[-1] != layer.input_size:
        hint = ""
        if layer.input_size in x.shape[:-1]:
            hint = (
                f" Axis {x.shape.index(layer.input_size)} has length input_size: the "
                f"features must come last, {layout(layer)}."
            )
        raise ShapeError(
            f"{name}: expected input_size={layer.input_size} features in the last axis, "
            f"got shape {x.shape}.{hint}"
        )
    if x.shape[0] == 0 or (x.ndim == 3 and x.shape[1] == 0):
        raise ShapeError(f"{name}: got an empty input of shape {x.shape}")
    return x


def check_layer_state(layer, given, name: str, B: int, batched: bool) -> Tensor:
    """h0 (or c0) as a float Tensor of shape (L*D, B, H), or a clear error."""
    owner = type(layer).__name__
    hint = state_pair_hint(given, "(h0, c0)")
    given = check_float_state(owner, name, as_tensor(given))
    count = layer.num_layers * layer.num_directions
    H = layer.hidden_size
    expected = (count, B, H) if batched else (count, H)
    if given.shape == expected:
        return given
    shape_text = "(num_layers * num_directions, batch, hidden_size)"
    if not batched:
        shape_text = "(num_layers * num_directions, hidden_size) for unbatched input"
    if batched and len(given.shape) == 3 and given.shape[0] == count:
        if given.shape[2] == H and given.shape[1] != B:
            hint = (
                f" Its batch axis is {given.shape[1]} but the input has batch {B} "
                f"(batch_first={layer.batch_first}: is the input's layout {layout(layer)}?)."
            )
    raise ShapeError(
        f"{owner}: {name} must have shape {shape_text} = {expected}, got {given.shape}.{hint}"
    )


def length_mask(layer, lengths, T: int, B: int, batched: bool) -> np.ndarray | None:
    """valid[t-1, b] = (t <= lengths[b]), shape (T, B, 1); None without lengths."""
    if lengths is None:
        return None
    name = type(layer).__name__
    if not batched:
        raise ShapeError(f"{name}: lengths needs a batched input {layout(layer)}")
    lengths = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
    if lengths.size and lengths.dtype.kind not in "iu":  # [] is float64 to numpy
        raise DTypeError(
            f"{name}: lengths must be integers, got {lengths.dtype} {lengths.tolist()[:8]}"
        )
    if lengths.shape != (B,):
        hint = ""
        if lengths.shape == (T,) and T != B:
            hint = f" That is the number of time steps: is batch_first={layer.batch_first} right?"
        raise ShapeError(
            f"{name}: lengths must hold one length per sequence, shape ({B},), got "
            f"{lengths.shape}.{hint}"
        )
    if lengths.min() < 0 or lengths.max() > T:
        hint = ""
        if lengths.max() <= B and not layer.batch_first:
            hint = " (is the input batch-first? then pass batch_first=True)"
        raise ShapeError(
            f"{name}: lengths must be between 0 and the padded length T={T}, got "
            f"{lengths.tolist()}{hint}"
        )
    steps = np.arange(1, T + 1)[:, np.newaxis]  # (T, 1)
    valid = steps <= lengths[np.newaxis, :]  # (T, B)
    return valid[:, :, np.newaxis]  # (T, B, 1)
