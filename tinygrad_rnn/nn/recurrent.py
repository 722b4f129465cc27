"""The sequence layers nn.RNN, nn.LSTM and nn.GRU: a cell looped over time, visibly.

    lstm = nn.LSTM(input_size=8, hidden_size=16, num_layers=2, bidirectional=True)
    output, (h_n, c_n) = lstm(x)          # x (T, B, 8)
    output.shape                          # (T, B, 32): forward and reverse h_t side by side
    h_n.shape                             # (4, B, 16): l0, l0_reverse, l1, l1_reverse

Parameters, shapes and the returned tuple are PyTorch's, so a PyTorch state_dict loads
unchanged (keys weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse, l1 ...).

How one layer in one direction runs (`run_direction`):

    x_proj = x W_ihᵀ + (b_ih + b_hh)     ONE matmul for all T steps: (T*B, D) -> (T, B, G*H)
    W_hhᵀ                                transposed once, before the loop
    for t in 1..T (T..1 for the reverse direction):
        with tg.scope(t=t), tg.scope("cell"):
            state = step(x_proj[t-1], state, W_hhᵀ)     # cells.py: rnn/lstm/gru_step

Precomputing the input projection is what cuDNN does; only h_{t-1} W_hhᵀ is left inside
the loop, and every gate is still a node. (The GRU keeps b_hh out of x_proj because b_hn
sits inside r_t ⊙ (...).) Nodes are scoped ("lstm", "l0", "t=3", "cell", "gates") and
labelled h_t, c_t, f_t ... (see cells.py), so after `loss.backward()` the nodes labelled
c_1 ... c_T of one layer are its cell-state chain.

Padded batches: `forward(x, ..., lengths=[5, 3, 2])` gives each sequence its own length.
At a padded step (t > length) the state is carried over unchanged (`tg.where` with a
mask) and the output is zero, so the result for a short sequence is exactly what running
it alone gives: h_n is the state at its last valid step, and the reverse direction
starts at its own last valid step. This is what PyTorch's packed sequences compute.

Read next: lessons.py (the textbook RNN with U, W, V, b, c), or functional.py.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import functional as F
from ..errors import DTypeError, ShapeError
from ..graph import scope
from ..roles import cell_context, mark
from ..tensor import Tensor, addmm, cat, stack, where, zeros
from .cells import NONLINEARITIES, gru_step, lstm_step, lstm_variant_step, rnn_step, state_pair
from .checks import (
    PROBABILITY,
    check_choice,
    check_flag,
    check_float_input,
    check_float_state,
    check_number,
    check_sizes,
    layer_name,
    state_pair_hint,
    user_stacklevel,
)
from .layers import as_tensor
from .module import Module, uniform_parameter


class RecurrentBase(Module):
    """What RNN, LSTM and GRU share: the weights of every (layer, direction), the checks,
    and the loop over layers, directions and time steps. Subclasses set `gate_count`,
    `state_names`, `fold_hidden_bias` and `cell_step`."""

    kind = "rnn"  # the cell kind its nodes' roles name: "rnn", "lstm", "gru"
    gate_count = 1  # G: stacked gates in weight_ih / weight_hh (RNN 1, LSTM 4, GRU 3)
    state_names: tuple[str, ...] = ("h",)  # ("h", "c") for the LSTM
    fold_hidden_bias = True  # add b_hh into x_proj before the loop (not for the GRU)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        super().__init__()
        name = layer_name(self)
        sizes = {"input_size": input_size, "hidden_size": hidden_size, "num_layers": num_layers}
        input_size, hidden_size, num_layers = check_sizes(name, sizes, minimum=1)
        bias = check_flag(name, "bias", bias)
        batch_first = check_flag(name, "batch_first", batch_first)
        bidirectional = check_flag(name, "bidirectional", bidirectional)
        dropout = check_number(name, "dropout (a probability)", dropout, PROBABILITY)
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"{name}: dropout={dropout} acts between stacked layers only, so it does "
                "nothing with num_layers=1",
                stacklevel=user_stacklevel(),
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in self.direction_suffixes():
                self.make_parameters(f"l{layer}{suffix}", layer_input_size)

    def direction_suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def gate_rows(self) -> int:
        """G*H: rows of weight_ih and weight_hh."""
        return self.gate_count * self.hidden_size

    def make_parameters(self, key: str, layer_input_size: int) -> None:
        """weight_ih_<key> (G*H, D_in), weight_hh_<key> (G*H, H), bias_ih_<key>, bias_hh_<key>
        (G*H,), drawn from uniform(-1/√H, 1/√H) - PyTorch's names, order and init."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        rows = self.gate_rows()
        self.register_parameter(
            f"weight_ih_{key}", uniform_parameter((rows, layer_input_size), bound)
        )
        self.register_parameter(
            f"weight_hh_{key}", uniform_parameter((rows, self.hidden_size), bound)
        )
        if self.bias:
            self.register_parameter(f"bias_ih_{key}", uniform_parameter((rows,), bound))
            self.register_parameter(f"bias_hh_{key}", uniform_parameter((rows,), bound))

    def cell_step(self, x_proj: Tensor, state: tuple, weight_hh_T: Tensor, bias_hh, key: str):
        """One time step: the new state tuple from x_proj (B, G*H) and the old state."""
        raise NotImplementedError

    # --- the forward pass -------------------------------------------------------------
    def run(self, x, hx: tuple, lengths) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Run every layer and direction. hx: one entry per state (h0, or h0 and c0),
        each None or (L*D, B, H). Returns output (T, B, D*H) or batch-first, and the
        final states, each (L*D, B, H) (unbatched input: no B axis anywhere)."""
        x = self.check_input(x)
        batched = x.ndim == 3
        if not batched:
            x = x.reshape(x.shape[0], 1, x.shape[1])  # (T, 1, D)
        elif self.batch_first:
            x = x.transpose(0, 1)  # (B, T, D) -> (T, B, D)
        T, B = x.shape[0], x.shape[1]
        initial = self.initial_states(hx, B, batched)
        valid = self.length_mask(lengths, T, B, batched)
        finals = []
        layer_input = x  # (T, B, D_in)
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(self.direction_suffixes()):
                key = f"l{layer}{suffix}"
                state = initial[layer * self.num_directions + direction]
                with scope(key), cell_context(self.kind, layer, reverse=direction == 1):
                    state = mark_initial(state, self.state_names, self.kind)
                    output, final = self.run_direction(layer_input, key, state, valid, direction)
                outputs.append(output)  # (T, B, H)
                finals.append(final)
            if self.num_directions == 1:
                layer_input = outputs[0]  # (T, B, H)
            else:
                layer_input = cat(outputs, axis=2)  # (T, B, 2H): forward, then reverse
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = self.dropout_between_layers(layer_input)
        output = layer_input
        final_states = []
        for k in range(len(self.state_names)):
            final_states.append(stack([final[k] for final in finals], axis=0))  # (L*D, B, H)
        if not batched:
            output = output.reshape(T, output.shape[2])  # (T, D*H)
            final_states = [s.reshape(s.shape[0], s.shape[2]) for s in final_states]
        elif self.batch_first:
            output = output.transpose(0, 1)  # (T, B, D*H) -> (B, T, D*H)
        return output, tuple(final_states)

    def run_direction(
        self, x: Tensor, key: str, state: tuple, valid, direction: int
    ) -> tuple[Tensor, tuple]:
        """One layer in one direction over all time steps: x (T, B, D_in) -> (T, B, H)."""
        T, B, input_size = x.shape
        weight_ih = getattr(self, f"weight_ih_{key}")  # (G*H, D_in)
        weight_hh = getattr(self, f"weight_hh_{key}")  # (G*H, H)
        input_bias, hidden_bias = self.biases(key)
        x_flat = x.reshape(T * B, input_size)  # (T*B, D_in)
        if input_bias is None:
            x_proj = x_flat @ weight_ih.T  # (T*B, D_in) @ (D_in, G*H)
        else:
            x_proj = addmm(input_bias, x_flat, weight_ih.T)  # x W_ihᵀ + b in one node
        x_proj = x_proj.reshape(T, B, self.gate_rows())  # (T, B, G*H)
        weight_hh_T = weight_hh.T  # (H, G*H)
        if direction == 0:
            steps = range(1, T + 1)
        else:
            steps = range(T, 0, -1)
        outputs = [None] * T
        for t in steps:
            with scope(t=t), scope("cell"):
                new_state = self.cell_step(x_proj[t - 1], state, weight_hh_T, hidden_bias, key)
                if valid is None or valid[t - 1].all():
                    state = new_state
                    outputs[t - 1] = new_state[0]  # (B, H)
                else:
                    state = carry_past_end(valid[t - 1], new_state, state)
                    outputs[t - 1] = where(valid[t - 1], state[0], 0.0)  # (B, H)
        return stack(outputs, axis=0), state  # (T, B, H)

    def biases(self, key: str) -> tuple[Tensor | None, Tensor | None]:
        """(bias added to x_proj before the loop, bias added inside each step)."""
        if not self.bias:
            return None, None
        bias_ih = getattr(self, f"bias_ih_{key}")
        bias_hh = getattr(self, f"bias_hh_{key}")
        if self.fold_hidden_bias:
            return bias_ih + bias_hh, None  # (G*H,): b_ih + b_hh, computed once
        return bias_ih, bias_hh

    def dropout_between_layers(self, x: Tensor) -> Tensor:
        return F.dropout(x, p=self.dropout, training=self.training)

    # --- input checks -----------------------------------------------------------------
    def layout(self) -> str:
        return "(B, T, input_size)" if self.batch_first else "(T, B, input_size)"

    def check_input(self, x) -> Tensor:
        x = as_tensor(x)
        name = type(self).__name__
        check_float_input(name, x)
        if x.ndim not in (2, 3):
            raise ShapeError(
                f"{name}: expected a 3-D input {self.layout()} or an unbatched 2-D input "
                f"(T, input_size), got shape {x.shape}"
            )
        if x.shape[-1] != self.input_size:
            hint = ""
            if self.input_size in x.shape[:-1]:
                hint = (
                    f" Axis {x.shape.index(self.input_size)} has length input_size: the "
                    f"features must come last, {self.layout()}."
                )
            raise ShapeError(
                f"{name}: expected input_size={self.input_size} features in the last axis, "
                f"got shape {x.shape}.{hint}"
            )
        if x.shape[0] == 0 or (x.ndim == 3 and x.shape[1] == 0):
            raise ShapeError(f"{name}: got an empty input of shape {x.shape}")
        return x

    def initial_states(self, hx: tuple, B: int, batched: bool) -> list[tuple[Tensor, ...]]:
        """One state tuple per (layer, direction): slices of h0 (and c0), labelled "h_0"
        ("c_0"), or zeros when not given."""
        count = self.num_layers * self.num_directions
        H = self.hidden_size
        dtype = self.weight_hh_l0.dtype
        per_state = []
        for name, given in zip(self.state_names, hx):
            if given is None:
                states = [zeros(B, H, dtype=dtype, label=f"{name}_0") for _ in range(count)]
            else:
                given = self.check_state(given, f"{name}0", B, batched)
                if not batched:
                    given = given.reshape(count, 1, H)  # (L*D, 1, H)
                states = [given[k].named(f"{name}_0") for k in range(count)]  # (B, H) each
            per_state.append(states)
        return [tuple(states[k] for states in per_state) for k in range(count)]

    def check_state(self, given, name: str, B: int, batched: bool) -> Tensor:
        """h0 (or c0) as a float Tensor of shape (L*D, B, H), or a clear error."""
        owner = type(self).__name__
        hint = state_pair_hint(given, "(h0, c0)")
        given = check_float_state(owner, name, as_tensor(given))
        count = self.num_layers * self.num_directions
        expected = (count, B, self.hidden_size) if batched else (count, self.hidden_size)
        if given.shape == expected:
            return given
        layout = "(num_layers * num_directions, batch, hidden_size)"
        if not batched:
            layout = "(num_layers * num_directions, hidden_size) for unbatched input"
        if batched and len(given.shape) == 3 and given.shape[0] == count:
            if given.shape[2] == self.hidden_size and given.shape[1] != B:
                hint = (
                    f" Its batch axis is {given.shape[1]} but the input has batch {B} "
                    f"(batch_first={self.batch_first}: is the input's layout {self.layout()}?)."
                )
        raise ShapeError(
            f"{type(self).__name__}: {name} must have shape {layout} = {expected}, got "
            f"{given.shape}.{hint}"
        )

    def length_mask(self, lengths, T: int, B: int, batched: bool) -> np.ndarray | None:
        """valid[t-1, b] = (t <= lengths[b]), shape (T, B, 1); None without lengths."""
        if lengths is None:
            return None
        name = type(self).__name__
        if not batched:
            raise ShapeError(f"{name}: lengths needs a batched input {self.layout()}")
        lengths = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
        if lengths.size and lengths.dtype.kind not in "iu":  # [] is float64 to numpy
            raise DTypeError(
                f"{name}: lengths must be integers, got {lengths.dtype} {lengths.tolist()[:8]}"
            )
        if lengths.shape != (B,):
            hint = ""
            if lengths.shape == (T,) and T != B:
                hint = (
                    f" That is the number of time steps: is batch_first={self.batch_first} right?"
                )
            raise ShapeError(
                f"{name}: lengths must hold one length per sequence, shape ({B},), got "
                f"{lengths.shape}.{hint}"
            )
        if lengths.min() < 0 or lengths.max() > T:
            hint = ""
            if lengths.max() <= B and not self.batch_first:
                hint = " (is the input batch-first? then pass batch_first=True)"
            raise ShapeError(
                f"{name}: lengths must be between 0 and the padded length T={T}, got "
                f"{lengths.tolist()}{hint}"
            )
        steps = np.arange(1, T + 1)[:, np.newaxis]  # (T, 1)
        valid = steps <= lengths[np.newaxis, :]  # (T, B)
        return valid[:, :, np.newaxis]  # (T, B, 1)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


def carry_past_end(valid: np.ndarray, new_state: tuple, old_state: tuple) -> tuple:
    """Where a sequence has already ended (valid False), keep the old state unchanged.

    The kept state takes the label ("h_5"); the step's own result is renamed
    "h_5 (unmasked)", so c_1 ... c_T still name the chain that feeds the next step.
    """
    kept = []
    for new, old in zip(new_state, old_state):
        label, role = new.label, new.role
        new.label = f"{label} (unmasked)"  # (and no role: it is not the state carried on)
        state = where(valid, new, old)  # (B, H)
        state.label, state.role = label, role
        kept.append(state)
    return tuple(kept)


def mark_initial(state: tuple, names: tuple, kind: str) -> tuple:
    """Give the initial states h_0 (c_0) of one layer-direction their role, t = 0."""
    return tuple(mark(s, "state", name, cell=kind, t=0) for s, name in zip(state, names))


class RNN(RecurrentBase):
    """The vanilla (Elman) RNN over a sequence: h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ
    + b_hh) (or relu), for each layer; layer l > 0 reads layer l-1's outputs.

    forward(x, h0=None, lengths=None) -> (output, h_n)
      x       (T, B, input_size), (B, T, input_size) with batch_first, or (T, input_size)
      h0      (num_layers * num_directions, B, H), zeros if None
      output  (T, B, num_directions * H): the last layer's h_t for every t
      h_n     (num_layers * num_directions, B, H): every layer's final state
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        check_choice(layer_name(self), "nonlinearity", nonlinearity, NONLINEARITIES)
        self.nonlinearity = nonlinearity
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional
        )

    def forward(self, x, h0=None, lengths=None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self.run(x, (h0,), lengths)
        return output, h_n

    def cell_step(self, x_proj, state, weight_hh_T, bias_hh, key):
        (h,) = state
        return (rnn_step(x_proj, h, weight_hh_T, bias_hh, self.nonlinearity),)

    def extra_repr(self) -> str:
        text = super().extra_repr()
        if self.nonlinearity != "tanh":
            text += f", nonlinearity={self.nonlinearity!r}"
        return text


class LSTM(RecurrentBase):
    """The LSTM over a sequence (see cells.lstm_step for one step).

    forward(x, hx=None, lengths=None) -> (output, (h_n, c_n))
      x       (T, B, input_size), (B, T, input_size) with batch_first, or (T, input_size)
      hx      (h0, c0), each (num_layers * num_directions, B, H); zeros if None
      output  (T, B, num_directions * H): the last layer's h_t for every t
      h_n, c_n  (num_layers * num_directions, B, H)

    peephole=True and coupled=True work as in nn.LSTMCell; the extra peephole weights
    are weight_ci_l0, weight_cf_l0, weight_co_l0 (H,) ..., and coupled layers have 3H
    gate rows (f, g, o). Both are extensions: PyTorch has neither.
    """

    kind = "lstm"
    state_names = ("h", "c")

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        peephole: bool = False,
        coupled: bool = False,
    ) -> None:
        self.peephole = check_flag(layer_name(self), "peephole", peephole)
        self.coupled = check_flag(layer_name(self), "coupled", coupled)
        self.gate_count = 3 if self.coupled else 4
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional
        )

    def make_parameters(self, key: str, layer_input_size: int) -> None:
        super().make_parameters(key, layer_input_size)
        if self.peephole:
            bound = 1.0 / math.sqrt(self.hidden_size)
            names = (
                ("weight_cf", "weight_co")
                if self.coupled
                else ("weight_ci", "weight_cf", "weight_co")
            )
            for name in names:
                self.register_parameter(
                    f"{name}_{key}", uniform_parameter((self.hidden_size,), bound)
                )

    def forward(self, x, hx=None, lengths=None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if hx is None:
            hx = (None, None)
        hx = state_pair(hx, "LSTM", "(h0, c0)")
        output, (h_n, c_n) = self.run(x, hx, lengths)
        return output, (h_n, c_n)

    def cell_step(self, x_proj, state, weight_hh_T, bias_hh, key):
        h, c = state
        if not self.peephole and not self.coupled:
            return lstm_step(x_proj, h, c, weight_hh_T, bias_hh)
        return lstm_variant_step(
            x_proj,
            h,
            c,
            weight_hh_T,
            bias_hh,
            weight_ci=getattr(self, f"weight_ci_{key}", None),
            weight_cf=getattr(self, f"weight_cf_{key}", None),
            weight_co=getattr(self, f"weight_co_{key}", None),
            coupled=self.coupled,
        )

    def extra_repr(self) -> str:
        text = super().extra_repr()
        if self.peephole:
            text += ", peephole=True"
        if self.coupled:
            text += ", coupled=True"
        return text


class GRU(RecurrentBase):
    """The GRU over a sequence (see cells.gru_step for one step).

    forward(x, h0=None, lengths=None) -> (output, h_n), shapes as for nn.RNN.
    """

    kind = "gru"
    gate_count = 3
    fold_hidden_bias = False  # b_hn is multiplied by r_t, so b_hh stays inside the step

    def forward(self, x, h0=None, lengths=None) -> tuple[Tensor, Tensor]:
        output, (h_n,) = self.run(x, (h0,), lengths)
        return output, h_n

    def cell_step(self, x_proj, state, weight_hh_T, bias_hh, key):
        (h,) = state
        return (gru_step(x_proj, h, weight_hh_T, bias_hh),)
