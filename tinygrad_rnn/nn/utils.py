"""Gradient utilities for training recurrent networks: clipping and truncated BPTT.

Exploding gradients. Backpropagating through T steps multiplies T Jacobians
diag(1 - h_t²) Wᵀ together, so ‖∂L/∂h_1‖ can grow like ‖W‖^T. Clipping rescales the
gradient before the optimizer step, after backward():

    loss.backward()
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
    optimizer.step()

Truncated BPTT. A long sequence is cut into chunks of k steps. The hidden state is
carried from one chunk to the next, but *detached*, so each backward() stops at the chunk
boundary (cost O(k), not O(T)) while the forward still sees the whole history:

    h = None
    for x_chunk, y_chunk in chunks(sequence, k):
        h = detach_state(h)                   # h = h.detach(); for an LSTM, (h, c)
        output, h = model(x_chunk, h)
        loss = F.cross_entropy(output.reshape(-1, C), y_chunk.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

Read next: ../optim.py (the optimizers these utilities prepare the gradients for).
"""

from __future__ import annotations

import math

import numpy as np

from ..graph import format_source, user_source
from ..tensor import Tensor


def _with_grads(parameters, name: str) -> list[Tensor]:
    """The parameters (one Tensor or an iterable of them) that have a gradient."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    if callable(getattr(parameters, "parameters", None)):
        raise TypeError(
            f"{name}: got the model itself ({type(parameters).__name__}); pass its "
            f"parameters: {name}(model.parameters(), ...) — at {format_source(user_source())}"
        )
    found = []
    for p in parameters:
        if not isinstance(p, Tensor):
            raise TypeError(
                f"{name}: expected Tensors (e.g. model.parameters()), got a "
                f"{type(p).__name__} — at {format_source(user_source())}"
            )
        if p.grad is not None:
            found.append(p)
    return found


def _scale_in_place(p: Tensor, factor: float) -> None:
    """p.grad *= factor, in place when the array allows it (it keeps its dtype)."""
    if isinstance(p.grad, np.ndarray) and p.grad.flags.writeable:
        p.grad *= factor
    else:
        p.grad = np.asarray(p.grad * factor, dtype=np.asarray(p.grad).dtype)


def _norm(grad, norm_type: float) -> float:
    """‖grad‖ of order norm_type over all its entries, in float64 (0 for an empty array)."""
    flat = np.ravel(grad).astype(np.float64)
    if flat.size == 0:
        return 0.0
    return float(np.linalg.norm(flat, ord=norm_type))


def clip_grad_norm_(
    parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> Tensor:
    """Rescale the gradients in place so that their joint norm is at most `max_norm`.

        total = ‖(‖g_1‖, ‖g_2‖, ..., ‖g_n‖)‖          the norm of all gradients as one vector
        scale = min(max_norm / (total + 1e-6), 1)    (PyTorch's formula)
        g_i  <- scale · g_i

    norm_type: 2.0 (Euclidean, default), any p > 0, or float("inf") (largest |g|).
    Parameters whose grad is None are skipped. Returns the total norm *before*
    clipping as a 0-d Tensor (`.item()` gives the float), so you can log it; 0 if no
    parameter has a gradient. With error_if_nonfinite=True a NaN/inf total raises.
    """
    name = "clip_grad_norm_"
    found = _with_grads(parameters, name)
    max_norm = float(max_norm)
    norm_type = float(norm_type)
    if not found:
        return Tensor(0.0)
    # ‖g_i‖ per tensor, then the norm of those norms (= the norm of all entries at once);
    # computed in float64 so float32 gradients of size 1e20 do not overflow when squared
    norms = [_norm(p.grad, norm_type) for p in found]
    total = float(_norm(np.array(norms), norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"{name}: the total norm of order {norm_type} of the gradients is {total}, so "
            f"they cannot be clipped; set error_if_nonfinite=False to clip anyway — at "
            f"{format_source(user_source())}"
        )
    scale = min(max_norm / (total + 1e-6), 1.0)
    for p in found:
        _scale_in_place(p, scale)
    return Tensor(np.asarray(total, dtype=np.asarray(found[0].grad).dtype))


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clip every gradient element into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _with_grads(parameters, "clip_grad_value_"):
        if isinstance(p.grad, np.ndarray) and p.grad.flags.writeable:
            np.clip(p.grad, -clip_value, clip_value, out=p.grad)
        else:
            p.grad = np.clip(p.grad, -clip_value, clip_value)


def detach_state(state):
    """The recurrent state cut from the graph, for truncated BPTT (see the module doc).

    A Tensor h becomes h.detach() (same numbers, no history); a tuple or list such as an
    LSTM's (h, c), or one entry per layer, is detached entry by entry; None stays None.
    """
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(item) for item in state)
    raise TypeError(
        f"detach_state: expected a Tensor, a tuple/list of Tensors or None, got "
        f"{type(state).__name__} — at {format_source(user_source())}"
    )
