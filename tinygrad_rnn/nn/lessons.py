"""The recurrent networks of the lessons, with the lessons' names (U, W, V, b, c).

    ElmanRNN            hidden-to-hidden recurrence: h_t = tanh(U x_t + W h_{t-1} + b)
    OutputToHiddenRNN   output-to-hidden recurrence: h_t = tanh(U x_t + W y_{t-1} + b),
                        trained with teacher forcing

The lessons write vectors as columns (U x_t). Here a batch of B inputs is a (B, D)
matrix whose rows are the x_t, so U x_t becomes x_t @ U.T - the same numbers, one row
per sequence. Inputs are time-major, (T, B, D), or unbatched (T, D).

Both loop over time explicitly inside `tg.scope(t=t)` and label h_t and o_t, so the
unrolled graph reads like the lesson's picture. Both return the scores o_t (logits);
ŷ_t = softmax(o_t) is left to the loss (`F.cross_entropy(o, y)` applies log-softmax
itself), which is the numerically stable way.

Read next: recurrent.py (nn.RNN, the same model with PyTorch's names and layout).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ArgumentError, DTypeError, ShapeError, TensorIndexError
from ..graph import scope
from ..tensor import Tensor, stack, zeros
from .checks import check_flag, check_float_input, check_float_state, check_sizes, layer_name
from .layers import as_tensor
from .module import Module
from .parameter import uniform_parameter


def check_model_sizes(model: Module, input_size, hidden_size, output_size) -> list[int]:
    """The three sizes of a lessons' RNN as positive ints, or ArgumentError."""
    sizes = {"input_size": input_size, "hidden_size": hidden_size, "output_size": output_size}
    return check_sizes(layer_name(model), sizes, minimum=1)


def check_sequence(model: Module, x, input_size: int) -> tuple[Tensor, bool]:
    """x as a (T, B, D) tensor, and whether it had a batch axis."""
    x = check_float_input(type(model).__name__, as_tensor(x))
    if x.ndim not in (2, 3) or x.shape[-1] != input_size or x.shape[0] == 0:
        raise ShapeError(
            f"{type(model).__name__}: expected x of shape (T, B, {input_size}) or "
            f"(T, {input_size}), got {x.shape}"
        )
    if x.ndim == 2:
        return x.reshape(x.shape[0], 1, x.shape[1]), False  # (T, 1, D)
    return x, True


class ElmanRNN(Module):
    """The vanilla RNN of the lessons (Elman, 1990), θ = {U, W, V, b, c}:

        h_t = tanh(U x_t + W h_{t-1} + b)     U (H, D), W (H, H), b (H,); h_0 = 0
        o_t = V h_t + c                        V (K, H), c (K,)
        ŷ_t = softmax(o_t)

    forward(x, h0=None) -> (o, h)
      x   (T, B, D) or unbatched (T, D)
      h0  (B, H) or (H,); zeros if None
      o   (T, B, K): the scores o_t for every step (many-to-many); o[-1] alone is the
          many-to-one reading "one output after the whole sequence"
      h   (T, B, H): the hidden states h_1 ... h_T

    It is nn.RNNCell followed by nn.Linear, under other names:
        U <-> RNNCell.weight_ih     W <-> RNNCell.weight_hh
        b <-> RNNCell.bias_ih + RNNCell.bias_hh   (one bias suffices; PyTorch keeps two)
        V <-> Linear.weight         c <-> Linear.bias
    `to_rnn_cell_state_dict()` and `to_linear_state_dict()` give those state dicts.

    Initialisation: every parameter from uniform(-1/√H, 1/√H), as PyTorch does for
    RNNCell and for Linear(H, K).
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
        super().__init__()
        input_size, hidden_size, output_size = check_model_sizes(
            self, input_size, hidden_size, output_size
        )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        bound = 1.0 / math.sqrt(hidden_size)
        self.U = uniform_parameter((hidden_size, input_size), bound)  # input -> hidden
        self.W = uniform_parameter((hidden_size, hidden_size), bound)  # hidden -> hidden
        self.V = uniform_parameter((output_size, hidden_size), bound)  # hidden -> output
        self.b = uniform_parameter((hidden_size,), bound)
        self.c = uniform_parameter((output_size,), bound)

    def forward(self, x, h0=None) -> tuple[Tensor, Tensor]:
        x, batched = check_sequence(self, x, self.input_size)
        T, B = x.shape[0], x.shape[1]
        if h0 is None:
            h = zeros(B, self.hidden_size, dtype=self.W.dtype, label="h_0")
        else:
            h = check_float_state("ElmanRNN", "h0", as_tensor(h0))
            allowed = [(B, self.hidden_size)]
            if B == 1:
                allowed.append((self.hidden_size,))  # unbatched: h0 (H,)
            if h.shape not in allowed:
                raise ShapeError(
                    f"ElmanRNN: h0 must have shape ({B}, {self.hidden_size}) for an input of "
                    f"batch {B}, got {h.shape}"
                )
            h = h.reshape(B, self.hidden_size).named("h_0")  # (B, H)
        hidden = []
        scores = []
        for t in range(1, T + 1):
            with scope(t=t):
                x_t = x[t - 1]  # (B, D)
                a = x_t @ self.U.T + h @ self.W.T + self.b  # (B, H)   a_t = U x_t + W h_{t-1} + b
                h = a.tanh().named(f"h_{t}")  # (B, H)   h_t = tanh(a_t)
                o = (h @ self.V.T + self.c).named(f"o_{t}")  # (B, K)   o_t = V h_t + c
            hidden.append(h)
            scores.append(o)
        o = stack(scores, axis=0)  # (T, B, K)
        h = stack(hidden, axis=0)  # (T, B, H)
        if not batched:
            return o.reshape(T, self.output_size), h.reshape(T, self.hidden_size)
        return o, h

    def to_rnn_cell_state_dict(self) -> dict[str, np.ndarray]:
        """The state dict of an nn.RNNCell(D, H) computing the same h_t (b_hh = 0)."""
        return {
            "weight_ih": self.U.data.copy(),
            "weight_hh": self.W.data.copy(),
            "bias_ih": self.b.data.copy(),
            "bias_hh": np.zeros_like(self.b.data),
        }

    def to_linear_state_dict(self) -> dict[str, np.ndarray]:
        """The state dict of an nn.Linear(H, K) computing the same o_t = V h_t + c."""
        return {"weight": self.V.data.copy(), "bias": self.c.data.copy()}

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, {self.output_size}"


class OutputToHiddenRNN(Module):
    """An RNN whose only recurrence goes from the output at t-1 to the hidden units at t
    (the lessons' second design pattern; a Jordan network), θ = {U, W, V, b, c}:

        h_t = tanh(U x_t + W y_{t-1} + b)     U (H, D), W (H, K), b (H,)
        o_t = V h_t + c                        V (K, H), c (K,)

    What y_{t-1} is - the one vector fed back, a one-hot of length K:
      teacher_forcing=True   the TRUE previous output: one_hot(targets[t-1]), labelled
                             "y_{t-1}" - so training needs `targets`. Every step then
                             sees correct history and the steps decouple: the loss at t
                             has no gradient path to earlier steps.
      teacher_forcing=False  free running: the model's OWN previous prediction,
                             one_hot(argmax o_{t-1}) (= argmax ŷ_{t-1}, greedy), labelled
                             "ŷ_{t-1}". It is a constant: no gradient flows through it.
      At t = 1 there is no previous output: y_0 = 0 (all zeros) in both modes.
    Because both modes feed a one-hot, the model sees at test time (free running) the
    same kind of input it was trained on (teacher forcing).

    forward(x, targets=None, teacher_forcing=True) -> (o, h)
      x        (T, B, D) or unbatched (T, D)
      targets  integer classes 0..K-1, (T, B) or (T,); targets[t-1] is the true y_t
      o        (T, B, K) scores o_t;   h  (T, B, H) hidden states
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int) -> None:
        super().__init__()
        input_size, hidden_size, output_size = check_model_sizes(
            self, input_size, hidden_size, output_size
        )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        bound = 1.0 / math.sqrt(hidden_size)
        self.U = uniform_parameter((hidden_size, input_size), bound)  # input -> hidden
        self.W = uniform_parameter((hidden_size, output_size), bound)  # output -> hidden
        self.V = uniform_parameter((output_size, hidden_size), bound)  # hidden -> output
        self.b = uniform_parameter((hidden_size,), bound)
        self.c = uniform_parameter((output_size,), bound)

    def forward(self, x, targets=None, teacher_forcing: bool = True) -> tuple[Tensor, Tensor]:
        x, batched = check_sequence(self, x, self.input_size)
        T, B = x.shape[0], x.shape[1]
        teacher_forcing = check_flag(layer_name(self), "teacher_forcing", teacher_forcing)
        if teacher_forcing:
            targets = self.check_targets(targets, T, B, batched)
        y_prev = zeros(B, self.output_size, dtype=self.W.dtype, label="y_0")  # (B, K)
        hidden = []
        scores = []
        for t in range(1, T + 1):
            with scope(t=t):
                x_t = x[t - 1]  # (B, D)
                a = x_t @ self.U.T + y_prev @ self.W.T + self.b  # (B, H)  U x_t + W y_{t-1} + b
                h = a.tanh().named(f"h_{t}")  # (B, H)
                o = (h @ self.V.T + self.c).named(f"o_{t}")  # (B, K)
                if teacher_forcing:
                    y_prev = self.one_hot(targets[t - 1], f"y_{t}")  # the true y_t
                else:
                    y_prev = self.one_hot(np.argmax(o.data, axis=-1), f"ŷ_{t}")  # own guess
            hidden.append(h)
            scores.append(o)
        o = stack(scores, axis=0)  # (T, B, K)
        h = stack(hidden, axis=0)  # (T, B, H)
        if not batched:
            return o.reshape(T, self.output_size), h.reshape(T, self.hidden_size)
        return o, h

    def one_hot(self, classes: np.ndarray, label: str) -> Tensor:
        """(B,) class indices -> (B, K) rows of zeros with a 1 at each class; a constant."""
        rows = np.zeros((len(classes), self.output_size), dtype=self.W.dtype)
        rows[np.arange(len(classes)), classes] = 1.0
        return Tensor(rows, label=label)

    def check_targets(self, targets, T: int, B: int, batched: bool) -> np.ndarray:
        """targets as an int array (T, B); a clear error if they are missing or wrong."""
        name = type(self).__name__
        if targets is None:
            raise ArgumentError(
                f"{name}: teacher forcing feeds the true previous outputs, so pass "
                f"targets=(T, B) class indices, or call with teacher_forcing=False to let "
                f"the model feed back its own predictions"
            )
        targets = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
        if targets.dtype.kind not in "iu":
            raise DTypeError(f"{name}: targets must be integer classes, got {targets.dtype}")
        expected = (T, B) if batched else (T,)
        if targets.shape != expected:
            raise ShapeError(
                f"{name}: targets must have shape {expected} (one class per step), got "
                f"{targets.shape}"
            )
        if targets.min() < 0 or targets.max() >= self.output_size:
            raise TensorIndexError(
                f"{name}: targets must be classes 0..{self.output_size - 1}, got values "
                f"from {targets.min()} to {targets.max()}"
            )
        return targets.reshape(T, B)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, {self.output_size}"
