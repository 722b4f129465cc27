"""Backpropagation through time by hand: the textbook vanilla RNN in plain numpy.

The reference the engine is checked against, and the lesson's equations as code. The
model has the parameters θ = {U (H, D), W (H, H), V (K, H), b (H), c (K)} and reads one
sequence x_1 ... x_T with targets y_1 ... y_T (class indices):

    h_t = tanh(U x_t + W h_{t-1} + b)          (h_0 given, default 0)
    o_t = V h_t + c
    ŷ_t = softmax(o_t)
    J   = Σ_t -log ŷ_t[y_t]                    (summed cross-entropy)

Going backwards, with y_t also standing for the one-hot vector of the target:

    ∂J/∂o_t = ŷ_t - y_t
    ∂J/∂h_T = Vᵀ ∂J/∂o_T
    ∂J/∂h_t = Wᵀ diag(1 - h_{t+1}²) ∂J/∂h_{t+1} + Vᵀ ∂J/∂o_t        (t = T-1 ... 1)
    ∂J/∂c = Σ_t ∂J/∂o_t                 ∂J/∂V = Σ_t ∂J/∂o_t h_tᵀ
    ∂J/∂b = Σ_t diag(1 - h_t²) ∂J/∂h_t   ∂J/∂W = Σ_t diag(1 - h_t²) ∂J/∂h_t h_{t-1}ᵀ
                                         ∂J/∂U = Σ_t diag(1 - h_t²) ∂J/∂h_t x_tᵀ

Vectors are columns, as in the lessons: x_t is (D, 1), h_t is (H, 1), o_t is (K, 1).
The per-step quantities live in dicts keyed by t = 1 ... T (h also has h[0] = h_0), so
`h[t - 1]` in the code is h_{t-1} in the math. diag(v) u is computed as v * u.

    result = bptt(U, W, V, b, c, xs, targets)      # or bptt(**elman_rnn.state_dict(), ...)
    result.dW          # ∂J/∂W, shape (H, H)
    result.dh[t - 1]   # ∂J/∂h_t, the gradient flowing into step t

tests/test_bptt.py checks these numbers against the engine's autodiff (to 1e-10).

Read next: nn/ (the same RNN as an nn.Module built from Tensor ops).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .errors import ArgumentError, DTypeError, ShapeError, TensorIndexError
from .tensor import Tensor

PARAMETER_NAMES = ("U", "W", "V", "b", "c")


@dataclass
class RNNForward:
    """What `rnn_forward` computed, one row per time step.

    h      (T, H)  hidden states h_1 ... h_T (row t-1 is h_t)
    h0     (H,)    the initial state h_0
    y_hat  (T, K)  softmax probabilities ŷ_1 ... ŷ_T
    J      float   Σ_t -log ŷ_t[y_t]
    """

    h: np.ndarray
    h0: np.ndarray
    y_hat: np.ndarray
    J: float


@dataclass
class BPTTResult:
    """The loss and every gradient of the hand-derived BPTT.

    J            float   the loss Σ_t -log ŷ_t[y_t]
    dU dW dV     arrays  ∂J/∂U (H, D), ∂J/∂W (H, H), ∂J/∂V (K, H)
    db dc        arrays  ∂J/∂b, ∂J/∂c (the shapes b and c were given in)
    dh           (T, H)  ∂J/∂h_t for t = 1 ... T (row t-1), the total gradient at h_t
    dh0          (H,)    ∂J/∂h_0 = Wᵀ diag(1 - h_1²) ∂J/∂h_1
    h, y_hat     (T, H), (T, K)  the forward pass (see RNNForward)
    """

    J: float
    dU: np.ndarray
    dW: np.ndarray
    dV: np.ndarray
    db: np.ndarray
    dc: np.ndarray
    dh: np.ndarray
    dh0: np.ndarray
    h: np.ndarray
    y_hat: np.ndarray

    def gradients(self) -> dict[str, np.ndarray]:
        """{"U": dU, "W": dW, "V": dV, "b": db, "c": dc}, to compare with `param.grad`."""
        return {"U": self.dU, "W": self.dW, "V": self.dV, "b": self.db, "c": self.dc}


# --------------------------------------------------------------------------------------
# Checking and unpacking the inputs
# --------------------------------------------------------------------------------------
def _array(value, name: str) -> np.ndarray:
    """A float64 numpy array from an array, list or Tensor; `name` is for the error."""
    if isinstance(value, Tensor):
        value = value.data
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DTypeError(
            f"bptt: {name} must hold numbers (an array, list or Tensor), got "
            f"{type(value).__name__} {value!r:.60}"
        ) from None


def _column(vector) -> np.ndarray:
    """A vector as a column: shape (n, 1)."""
    return np.reshape(vector, (-1, 1))


def _unpack(params) -> tuple[np.ndarray, ...]:
    """U, W, V, b, c from a mapping (e.g. a dict) with those five names, shapes checked."""
    if not isinstance(params, Mapping):
        raise ArgumentError(
            f"bptt: params must be a mapping such as a dict or a state_dict() with the "
            f"entries {PARAMETER_NAMES}, got {type(params).__name__}"
        )
    missing = [name for name in PARAMETER_NAMES if name not in params]
    if missing:
        raise ArgumentError(f"bptt: params needs the entries {PARAMETER_NAMES}, missing {missing}")
    U, W, V, b, c = (_array(params[name], name) for name in PARAMETER_NAMES)
    if not _shapes_fit(U, W, V, b, c):
        raise ShapeError(
            f"bptt: parameter shapes U {U.shape}, W {W.shape}, V {V.shape}, b {b.shape}, "
            f"c {c.shape} do not fit together; need U (H, D), W (H, H), V (K, H), b (H,), c (K,)"
            f""
        )
    return U, W, V, b, c


def _shapes_fit(U, W, V, b, c) -> bool:
    if U.ndim != 2 or W.ndim != 2 or V.ndim != 2 or U.size == 0 or V.size == 0:
        return False
    H, D = U.shape
    K = V.shape[0]
    return W.shape == (H, H) and V.shape == (K, H) and b.size == H and c.size == K


def _check_sequence(xs, targets, U: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """xs as (T, D) floats and targets as T ints in [0, K)."""
    xs = _array(xs, "xs")
    H, D = U.shape
    K = V.shape[0]
    if xs.ndim != 2 or xs.shape[1] != D or xs.shape[0] == 0:
        raise ShapeError(f"bptt: xs must have shape (T, D) = (T, {D}) with T >= 1, got {xs.shape}")
    targets = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    if targets.dtype.kind not in "iu":
        raise DTypeError(f"bptt: targets must be class indices (ints), got {targets.dtype}")
    if targets.shape != (xs.shape[0],):
        raise ShapeError(
            f"bptt: targets must have shape (T,) = ({xs.shape[0]},), got {targets.shape}"
        )
    if targets.min() < 0 or targets.max() >= K:
        raise TensorIndexError(f"bptt: targets must be in [0, {K}), got {targets.tolist()}")
    return xs, targets


def _initial_state(h0, H: int) -> np.ndarray:
    if h0 is None:
        return np.zeros(H)
    h0 = _array(h0, "h0")
    if h0.size != H:
        raise ShapeError(f"bptt: h0 must have H = {H} entries, got shape {h0.shape}")
    return h0.reshape(H)


def _check_forward(forward, T: int, H: int, K: int) -> None:
    """`forward` must be rnn_forward's result for a sequence of this length and sizes."""
    if not isinstance(forward, RNNForward):
        raise ArgumentError(
            f"bptt: forward must be the RNNForward that rnn_forward returned, got "
            f"{type(forward).__name__}"
        )
    shapes = (np.shape(forward.h), np.shape(forward.h0), np.shape(forward.y_hat))
    if shapes != ((T, H), (H,), (T, K)):
        raise ShapeError(
            f"bptt: forward holds h {shapes[0]}, h0 {shapes[1]} and y_hat {shapes[2]}, but "
            f"these xs and params need ({T}, {H}), ({H},) and ({T}, {K}); pass the result "
            f"of rnn_forward for the same params, xs and targets"
        )


def _log_softmax(o: np.ndarray) -> np.ndarray:
    """log ŷ = o - log Σ_k e^{o_k}, shifted by max(o) so exp never overflows."""
    shifted = o - o.max()
    return shifted - np.log(np.exp(shifted).sum())


# --------------------------------------------------------------------------------------
# Forward and backward
# --------------------------------------------------------------------------------------
def rnn_forward(params, xs, targets, h0=None) -> RNNForward:
    """Run the RNN over one sequence: the states h_1..h_T, the probabilities ŷ and J.

    params   mapping with U (H, D), W (H, H), V (K, H), b (H,), c (K,), e.g. a dict or
             `nn.ElmanRNN(D, H, K).state_dict()`
    xs       (T, D) inputs, row t-1 is x_t;  targets: T class indices;  h0: (H,) or None
    """
    U, W, V, b, c = _unpack(params)
    xs, targets = _check_sequence(xs, targets, U, V)
    T, H = xs.shape[0], W.shape[0]
    b, c = _column(b), _column(c)  # (H, 1), (K, 1)
    x = {t: _column(xs[t - 1]) for t in range(1, T + 1)}  # x_t, (D, 1)
    h = {0: _column(_initial_state(h0, H))}  # h_0, (H, 1)
    y_hat = {}
    J = 0.0
    for t in range(1, T + 1):
        h[t] = np.tanh(U @ x[t] + W @ h[t - 1] + b)  # h_t = tanh(U x_t + W h_{t-1} + b)
        o = V @ h[t] + c  # o_t = V h_t + c, (K, 1)
        log_y_hat = _log_softmax(o)  # log ŷ_t
        y_hat[t] = np.exp(log_y_hat)  # ŷ_t = softmax(o_t)
        J += -log_y_hat[targets[t - 1], 0]  # J += -log ŷ_t[y_t]
    return RNNForward(
        h=np.stack([h[t][:, 0] for t in range(1, T + 1)]),  # (T, H)
        h0=h[0][:, 0],
        y_hat=np.stack([y_hat[t][:, 0] for t in range(1, T + 1)]),  # (T, K)
        J=float(J),
    )


def rnn_backward(params, xs, targets, forward: RNNForward) -> BPTTResult:
    """The gradients of J by the BPTT equations (module docstring), given `rnn_forward`'s
    result for the same params, xs and targets."""
    U, W, V, b_given, c_given = _unpack(params)
    xs, targets = _check_sequence(xs, targets, U, V)
    T, K = xs.shape[0], V.shape[0]
    _check_forward(forward, T, W.shape[0], K)
    x = {t: _column(xs[t - 1]) for t in range(1, T + 1)}  # x_t, (D, 1)
    h = {t: _column(forward.h[t - 1]) for t in range(1, T + 1)}  # h_t, (H, 1)
    h[0] = _column(forward.h0)
    y_hat = {t: _column(forward.y_hat[t - 1]) for t in range(1, T + 1)}  # ŷ_t, (K, 1)

    # ∂J/∂o_t = ŷ_t - y_t   (softmax followed by cross-entropy; y_t one-hot)
    dJ_do = {}
    for t in range(1, T + 1):
        one_hot = np.zeros((K, 1))
        one_hot[targets[t - 1], 0] = 1.0
        dJ_do[t] = y_hat[t] - one_hot  # (K, 1)

    # ∂J/∂h_t, from the last step back to the first
    dJ_dh = {}
    dJ_dh[T] = V.T @ dJ_do[T]  # ∂J/∂h_T = Vᵀ ∂J/∂o_T, (H, 1)
    for t in range(T - 1, 0, -1):
        # ∂J/∂h_t = Wᵀ diag(1 - h_{t+1}²) ∂J/∂h_{t+1} + Vᵀ ∂J/∂o_t
        dJ_dh[t] = W.T @ ((1 - h[t + 1] ** 2) * dJ_dh[t + 1]) + V.T @ dJ_do[t]
    dJ_dh0 = W.T @ ((1 - h[1] ** 2) * dJ_dh[1])  # ∂J/∂h_0 = Wᵀ diag(1 - h_1²) ∂J/∂h_1

    # the parameters are shared by all steps, so their gradients are sums over t
    dU, dW, dV = np.zeros_like(U), np.zeros_like(W), np.zeros_like(V)
    db, dc = np.zeros((W.shape[0], 1)), np.zeros((K, 1))
    for t in range(1, T + 1):
        dJ_da = (1 - h[t] ** 2) * dJ_dh[t]  # diag(1 - h_t²) ∂J/∂h_t: back through tanh
        dc += dJ_do[t]  # ∂J/∂c = Σ_t ∂J/∂o_t
        dV += dJ_do[t] @ h[t].T  # ∂J/∂V = Σ_t ∂J/∂o_t h_tᵀ
        db += dJ_da  # ∂J/∂b = Σ_t diag(1 - h_t²) ∂J/∂h_t
        dW += dJ_da @ h[t - 1].T  # ∂J/∂W = Σ_t diag(1 - h_t²) ∂J/∂h_t h_{t-1}ᵀ
        dU += dJ_da @ x[t].T  # ∂J/∂U = Σ_t diag(1 - h_t²) ∂J/∂h_t x_tᵀ

    return BPTTResult(
        J=forward.J,
        dU=dU,
        dW=dW,
        dV=dV,
        db=db.reshape(b_given.shape),
        dc=dc.reshape(c_given.shape),
        dh=np.stack([dJ_dh[t][:, 0] for t in range(1, T + 1)]),  # (T, H)
        dh0=dJ_dh0[:, 0],
        h=forward.h,
        y_hat=forward.y_hat,
    )


def bptt(U, W, V, b, c, xs, targets, h0=None) -> BPTTResult:
    """Forward and hand-derived backward in one call; see `BPTTResult` for the fields.

    U (H, D), W (H, H), V (K, H), b (H,), c (K,): numpy arrays (or Tensors; only their
    numbers are read). xs (T, D), targets: T ints in [0, K), h0: (H,) or None (zeros).
    """
    params = {"U": U, "W": W, "V": V, "b": b, "c": c}
    forward = rnn_forward(params, xs, targets, h0)
    return rnn_backward(params, xs, targets, forward)
