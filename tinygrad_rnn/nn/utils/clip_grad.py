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

Read next: rnn.py (padded and packed batches), then ../../optim/ (the optimizers these
utilities prepare the gradients for).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping

import numpy as np

from ...checks import at_user_line
from ...errors import ArgumentError
from ...graph import format_source, user_source
from ...tensor import Tensor
from ..checks import (
    Bounds,
    check_flag,
    check_number,
    fail,
    not_a_tensor_hint,
    not_an_iterable_hint,
    user_stacklevel,
)

# The numbers clipping accepts; inf means "no clipping" (max_norm) or the max-norm (norm_type).
NON_NEGATIVE_OR_INF = Bounds(low=0.0, allow_inf=True)
POSITIVE_OR_INF = Bounds(low=0.0, low_included=False, allow_inf=True)


def _with_grads(parameters, name: str) -> list[Tensor]:
    """The parameters (one Tensor or an iterable of them) that have a gradient; those
    whose grad is None (not used by this loss) are skipped, as in PyTorch."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    if callable(getattr(parameters, "parameters", None)):
        raise ArgumentError(
            f"{name}: got the model itself ({type(parameters).__name__}); pass its "
            f"parameters: {name}(model.parameters(), ...)"
        )
    if isinstance(parameters, (Mapping, str, bytes)) or not isinstance(parameters, Iterable):
        fail(
            name,
            f"parameters must be a Tensor or an iterable of Tensors such as "
            f"model.parameters(), got {type(parameters).__name__}."
            f"{not_an_iterable_hint(parameters)}",
        )
    found = []
    count = 0
    for p in parameters:
        count += 1
        if not isinstance(p, Tensor):
            fail(
                name,
                f"expected Tensors (e.g. model.parameters()), got a {_kind(p)}."
                f"{not_a_tensor_hint(p)}",
            )
        if p.grad is not None:
            found.append(p)
    if count == 0:
        warnings.warn(
            f"{name}: got no parameters at all, so nothing was clipped. A generator such as "
            f"model.parameters() can be used only once: was it used up already?",
            RuntimeWarning,
            stacklevel=user_stacklevel(),
        )
    return found


def _check_norm_type(name: str, norm_type) -> float:
    """A p-norm order: a number > 0, or inf (also the string 'inf', as PyTorch allows).
    0 would count the non-zero entries - not a length - and a negative order is no norm."""
    if isinstance(norm_type, str) and norm_type.lower() in ("inf", "infinity"):
        return math.inf
    return check_number(name, "norm_type", norm_type, POSITIVE_OR_INF)


def _nonfinite_names(found: list[Tensor]) -> str:
    """ "'W', 'lstm.weight_hh_l0'": the parameters whose gradient holds NaN or inf."""
    names = []
    for index, p in enumerate(found):
        if not np.all(np.isfinite(p.grad)):
            names.append(repr(p.label) if p.label else f"parameter #{index}")
    return ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")


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

    max_norm: a number >= 0 (0 zeroes the gradients; inf clips nothing). A negative
        max_norm would flip every gradient, so it is an ArgumentError, like NaN, strings
        and bools.
    norm_type: 2.0 (Euclidean, default), any p > 0, or float("inf") / "inf" (largest |g|).
    Parameters whose grad is None are skipped. Returns the total norm *before*
    clipping as a 0-d Tensor (`.item()` gives the float), so you can log it; 0 if no
    parameter has a gradient.

    A NaN or inf total norm (an exploded or broken backward) cannot be clipped: scaling
    by max_norm / inf would turn every finite gradient into 0 and every inf into NaN.
    With error_if_nonfinite=True that raises RuntimeError naming the parameters whose
    gradients are not finite. By default (False) the gradients are LEFT UNCHANGED and a
    RuntimeWarning says so (Python shows it once per line of your code); check the
    returned norm and skip the update for this batch:

        norm = nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        if math.isfinite(norm.item()):
            optimizer.step()

    (PyTorch clips anyway and silently leaves NaN gradients; here nothing is changed
    without a word.)
    """
    name = "clip_grad_norm_"
    max_norm = check_number(name, "max_norm", max_norm, NON_NEGATIVE_OR_INF)
    norm_type = _check_norm_type(name, norm_type)
    error_if_nonfinite = check_flag(name, "error_if_nonfinite", error_if_nonfinite)
    found = _with_grads(parameters, name)
    if not found:
        return Tensor(0.0)
    # ‖g_i‖ per tensor, then the norm of those norms (= the norm of all entries at once);
    # computed in float64 so float32 gradients of size 1e20 do not overflow when squared
    norms = [_norm(p.grad, norm_type) for p in found]
    total = float(_norm(np.array(norms), norm_type))
    result = Tensor(np.asarray(total, dtype=np.asarray(found[0].grad).dtype))
    if not math.isfinite(total):
        _report_nonfinite(name, total, norm_type, found, error_if_nonfinite)
        return result
    scale = min(max_norm / (total + 1e-6), 1.0)
    for p in found:
        _scale_in_place(p, scale)
    return result


def _report_nonfinite(name: str, total: float, norm_type: float, found, error: bool) -> None:
    """Raise (error=True) or warn that the gradients' total norm is NaN or inf."""
    message = (
        f"{name}: the total norm of order {norm_type:g} of the gradients is {total}: "
        f"the gradients of {_nonfinite_names(found)} are not finite"
    )
    if error:
        raise RuntimeError(
            f"{message}, so they cannot be clipped. Look for the NaN/inf with "
            f"tg.detect_anomaly(); pass error_if_nonfinite=False to only be warned"
            f"{at_user_line()}"
        )
    warnings.warn(
        f"{message}, so they were left unclipped (unchanged). Skip optimizer.step() for "
        f"this batch (`if math.isfinite(norm.item()): optimizer.step()`), or pass "
        f"error_if_nonfinite=True to stop here.",
        RuntimeWarning,
        stacklevel=user_stacklevel(),
    )


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clip every gradient element into [-clip_value, clip_value], in place.

    clip_value: a number >= 0 (inf clips nothing). A negative clip_value would set
    every entry to -clip_value, so it is an ArgumentError. NaN entries stay NaN.
    Parameters whose grad is None are skipped.
    """
    name = "clip_grad_value_"
    clip_value = check_number(name, "clip_value", clip_value, NON_NEGATIVE_OR_INF)
    for p in _with_grads(parameters, name):
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


def _kind(value) -> str:
    """'ndarray' for any numpy array (p.grad is a TensorArray: tinygrad_rnn/arrays.py)."""
    return "ndarray" if isinstance(value, np.ndarray) else type(value).__name__
