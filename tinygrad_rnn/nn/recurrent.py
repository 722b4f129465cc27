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
            state = kind.step(x_proj[t-1], state, W_hhᵀ)    # cells.py: rnn/lstm/gru_step

The layer's `kind` (cells.py: RNNKind, LSTMKind, GRUKind) is the same definition its
cell module uses: the gates, the states, the parameters and the step come from there.

Precomputing the input projection is what cuDNN does; only h_{t-1} W_hhᵀ is left inside
the loop, and every gate is still a node. (The GRU keeps b_hh out of x_proj because b_hn
sits inside r_t ⊙ (...).) Nodes are scoped ("lstm", "l0", "t=3", "cell", "gates") and
labelled h_t, c_t, f_t ... (see cells.py), so after `loss.backward()` the nodes labelled
c_1 ... c_T of one layer are its cell-state chain.

Padded batches: `forward(x, ..., lengths=[5, 3, 2])` gives each sequence its own length.
At a padded step (t > length) the state is carried over unchanged (`tg.where` with a
mask) and the output is zero, so the result for a short sequence is exactly what running
it alone gives: h_n is the state at its last valid step, and the reverse direction
starts at its own last valid step. This is what PyTorch's packed sequences compute, and
a PackedSequence (nn.utils.rnn) given as x is run this way (`run_any`).

Read next: lessons.py (the textbook RNN with U, W, V, b, c), or functional.py.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import functional as F
from ..graph import scope
from ..roles import cell_context, mark
from ..tensor import Tensor, cat, stack, where, zeros
from .cells import CellKind, GRUKind, LSTMKind, RNNKind, StepWeights, input_projection
from .checks import (
    PROBABILITY,
    check_flag,
    check_number,
    check_sizes,
    layer_name,
    user_stacklevel,
)
from .module import Module
from .recurrent_checks import (
    check_layer_input,
    check_layer_state,
    layout,
    length_mask,
    one_initial_state,
    state_pair,
)
from .utils.rnn import PackedSequence, pack_like, pad_packed_sequence


class RecurrentBase(Module):
    """What RNN, LSTM and GRU share: the weights of every (layer, direction), the checks,
    and the loop over layers, directions and time steps. What differs - gates, states,
    extra weights, the step - is the layer's `kind` (cells.py: RNNKind, LSTMKind, GRUKind),
    the same object its cell module uses."""

    def __init__(
        self,
        kind: CellKind,
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
        self.kind = kind
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

    @property
    def gate_count(self) -> int:
        """G: the gates stacked in weight_ih / weight_hh (RNN 1, LSTM 4 or 3 coupled, GRU 3)."""
        return len(self.kind.gates)

    def direction_suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def make_parameters(self, key: str, layer_input_size: int) -> None:
        """The kind's parameters for one (layer, direction), named PyTorch's way:
        weight_ih_<key>, weight_hh_<key>, bias_ih_<key>, bias_hh_<key> (+ weight_ci_<key> ...)."""
        parameters = self.kind.make_parameters(layer_input_size, self.hidden_size, self.bias)
        for name, parameter in parameters.items():
            self.register_parameter(f"{name}_{key}", parameter)

    # --- the forward pass -------------------------------------------------------------
    def run_any(self, x, hx: tuple, lengths) -> tuple:
        """`run` for a padded Tensor, or for a PackedSequence (nn.utils.rnn): that is
        padded again, run with its lengths, and the output packed the same way."""
        if not isinstance(x, PackedSequence):
            return self.run(x, hx, lengths)
        if lengths is not None:
            raise ValueError(
                f"{layer_name(self)}: a PackedSequence carries its lengths; do not pass "
                f"lengths= as well"
            )
        padded, lengths = pad_packed_sequence(x, batch_first=self.batch_first)
        output, final_states = self.run(padded, hx, lengths.numpy())
        return pack_like(output, x, self.batch_first), final_states

    def run(self, x, hx: tuple, lengths) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Run every layer and direction. hx: one entry per state (h0, or h0 and c0),
        each None or (L*D, B, H). Returns output (T, B, D*H) or batch-first, and the
        final states, each (L*D, B, H) (unbatched input: no B axis anywhere)."""
        x = check_layer_input(self, x)
        batched = x.ndim == 3
        if not batched:
            x = x.reshape(x.shape[0], 1, x.shape[1])  # (T, 1, D)
        elif self.batch_first:
            x = x.transpose(0, 1)  # (B, T, D) -> (T, B, D)
        T, B = x.shape[0], x.shape[1]
        initial = self.initial_states(hx, B, batched)
        valid = length_mask(self, lengths, T, B, batched)
        output, finals = self.run_layers(x, initial, valid)
        final_states = []
        for k in range(len(self.kind.state_names)):
            final_states.append(stack([final[k] for final in finals], axis=0))  # (L*D, B, H)
        if not batched:
            output = output.reshape(T, output.shape[2])  # (T, D*H)
            final_states = [s.reshape(s.shape[0], s.shape[2]) for s in final_states]
        elif self.batch_first:
            output = output.transpose(0, 1)  # (T, B, D*H) -> (B, T, D*H)
        return output, tuple(final_states)

    def run_layers(self, x: Tensor, initial: list, valid) -> tuple[Tensor, list[tuple]]:
        """Every layer, each in one or two directions: x (T, B, D) -> the last layer's
        output (T, B, D*H) and the final state tuple of every (layer, direction)."""
        finals = []
        layer_input = x  # (T, B, D_in)
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(self.direction_suffixes()):
                key = f"l{layer}{suffix}"
                state = initial[layer * self.num_directions + direction]
                reverse = direction == 1
                with scope(key), cell_context(self.kind.name, layer, reverse=reverse):
                    state = mark_initial(state, self.kind.state_names, self.kind.name)
                    output, final = self.run_direction(layer_input, key, state, valid, direction)
                outputs.append(output)  # (T, B, H)
                finals.append(final)
            if self.num_directions == 1:
                layer_input = outputs[0]  # (T, B, H)
            else:
                layer_input = cat(outputs, axis=2)  # (T, B, 2H): forward, then reverse
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = self.dropout_between_layers(layer_input)
        return layer_input, finals

    def run_direction(
        self, x: Tensor, key: str, state: tuple, valid, direction: int
    ) -> tuple[Tensor, tuple]:
        """One layer in one direction over all time steps: x (T, B, D_in) -> (T, B, H)."""
        T, B, input_size = x.shape
        weight_ih = getattr(self, f"weight_ih_{key}")  # (G*H, D_in)
        weight_hh = getattr(self, f"weight_hh_{key}")  # (G*H, H)
        input_bias, hidden_bias = self.biases(key)
        x_flat = x.reshape(T * B, input_size)  # (T*B, D_in)
        x_proj = input_projection(x_flat, weight_ih, input_bias)  # (T*B, G*H)
        x_proj = x_proj.reshape(T, B, self.kind.gate_rows(self.hidden_size))  # (T, B, G*H)
        extra = {name: getattr(self, f"{name}_{key}") for name in self.kind.extra_names}
        weights = StepWeights(weight_hh.T, hidden_bias, extra)  # W_hhᵀ (H, G*H), once
        if direction == 0:
            steps = range(1, T + 1)
        else:
            steps = range(T, 0, -1)
        outputs = [None] * T
        for t in steps:
            with scope(t=t), scope("cell"):
                new_state = self.kind.step(x_proj[t - 1], state, weights)
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
        if self.kind.fold_hidden_bias:
            return bias_ih + bias_hh, None  # (G*H,): b_ih + b_hh, computed once
        return bias_ih, bias_hh

    def dropout_between_layers(self, x: Tensor) -> Tensor:
        return F.dropout(x, p=self.dropout, training=self.training)

    # --- initial states -----------------------------------------------------------------
    def layout(self) -> str:
        return layout(self)

    def initial_states(self, hx: tuple, B: int, batched: bool) -> list[tuple[Tensor, ...]]:
        """One state tuple per (layer, direction): slices of h0 (and c0), labelled "h_0"
        ("c_0"), or zeros when not given."""
        count = self.num_layers * self.num_directions
        H = self.hidden_size
        dtype = self.weight_hh_l0.dtype
        per_state = []
        for name, given in zip(self.kind.state_names, hx):
            if given is None:
                states = [zeros(B, H, dtype=dtype, label=f"{name}_0") for _ in range(count)]
            else:
                given = check_layer_state(self, given, f"{name}0", B, batched)
                if not batched:
                    given = given.reshape(count, 1, H)  # (L*D, 1, H)
                states = [given[k].named(f"{name}_0") for k in range(count)]  # (B, H) each
            per_state.append(states)
        return [tuple(states[k] for states in per_state) for k in range(count)]

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
        return text + self.kind.options_repr()


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

    forward(x, hx=None, lengths=None) -> (output, h_n)
      x       (T, B, input_size), (B, T, input_size) with batch_first, or (T, input_size),
              or a PackedSequence (nn.utils.rnn; then output is one too)
      hx      (num_layers * num_directions, B, H), zeros if None (`h0=` also works)
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
        kind = RNNKind(layer_name(self), nonlinearity)
        super().__init__(
            kind, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional
        )

    @property
    def nonlinearity(self) -> str:
        return self.kind.nonlinearity

    def forward(self, x, hx=None, lengths=None, *, h0=None) -> tuple[Tensor, Tensor]:
        hx = one_initial_state(layer_name(self), hx, h0)
        output, (h_n,) = self.run_any(x, (hx,), lengths)
        return output, h_n


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
        kind = LSTMKind(layer_name(self), peephole, coupled)
        super().__init__(
            kind, input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional
        )

    @property
    def peephole(self) -> bool:
        return self.kind.peephole

    @property
    def coupled(self) -> bool:
        return self.kind.coupled

    def forward(self, x, hx=None, lengths=None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if hx is None:
            hx = (None, None)
        hx = state_pair(hx, "LSTM", "(h0, c0)")
        output, (h_n, c_n) = self.run_any(x, hx, lengths)
        return output, (h_n, c_n)


class GRU(RecurrentBase):
    """The GRU over a sequence (see cells.gru_step for one step).

    forward(x, hx=None, lengths=None) -> (output, h_n), shapes as for nn.RNN (`h0=` also
    works for hx; x may be a PackedSequence).
    """

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
        super().__init__(
            GRUKind(),
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
        )

    def forward(self, x, hx=None, lengths=None, *, h0=None) -> tuple[Tensor, Tensor]:
        hx = one_initial_state(layer_name(self), hx, h0)
        output, (h_n,) = self.run_any(x, (hx,), lengths)
        return output, h_n
