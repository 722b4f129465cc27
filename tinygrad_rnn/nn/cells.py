"""One time step of a vanilla RNN, an LSTM and a GRU - the cells - built from primitives.

Three layers of code, so the same arithmetic serves a hand-written loop, nn.LSTMCell and
nn.LSTM:

1. Step functions (`rnn_step`, `lstm_step`, `gru_step`): plain functions of tensors.
   They take the input projection x_t W_ihᵀ + b_ih already computed, because
   nn.RNN/LSTM/GRU compute it for all time steps in one matmul before the loop; a cell
   module computes it for its one step.
2. Cell kinds (`RNNKind`, `LSTMKind`, `GRUKind`): the ONE definition of each kind - its
   gates, its states, its options (relu; peephole, coupled), its parameters (PyTorch's
   names, shapes and initialisation) and which step function runs. The cell module and
   the layer of a kind both ask it.
3. Cell modules (`RNNCell`, `LSTMCell`, `GRUCell`): own one set of weights and call the
   kind's step once.

The gate matmuls are fused, as in PyTorch: weight_hh stacks the four LSTM gates' rows
(i, f, g, o) into one (4H, H) matrix, so one matmul gives all four pre-activations,
which are then sliced apart. Every gate is still its own node, marked with its role
(roles.mark) and labelled for the lessons:

    LSTM  i_t, f_t, g_t, o_t (after sigmoid/tanh), c_t, h_t      GRU  r_t, z_t, n_t, h_t

where t is the time step of the enclosing `tg.scope(t=...)`. Outside any time step the
labels are i, f, g, o, r, z, n for the gates and h', c' for the new state. The gate
nonlinearities run inside `tg.scope("gates")`; a cell module's step runs inside
`tg.scope("cell")`.

Shapes: B batch, D input size, H hidden size, G the number of stacked gates. The step
functions also accept unbatched vectors ((H,) instead of (B, H)) because they slice the
last axis with `[..., a:b]`.

Read next: recurrent.py (the layers that loop these cells over time).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..graph import context, scope
from ..roles import mark
from ..tensor import Tensor, addmm, zeros
from .checks import check_choice, check_flag, check_sizes, fail, layer_name
from .module import Module
from .parameter import uniform_parameter
from .recurrent_checks import check_cell_input, check_cell_state, state_pair

NONLINEARITIES = ("tanh", "relu")


# --------------------------------------------------------------------------------------
# Step functions
# --------------------------------------------------------------------------------------
def rnn_step(
    x_proj: Tensor,
    h: Tensor,
    weight_hh_T: Tensor,
    bias_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
) -> Tensor:
    """One step of the vanilla (Elman) RNN, PyTorch's RNNCell:

        h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)        (or relu)

    x_proj       (B, H)  x_t W_ihᵀ + b_ih
    h            (B, H)  h_{t-1}
    weight_hh_T  (H, H)  W_hhᵀ
    bias_hh      (H,)    b_hh, or None when the caller folded it into x_proj
    Returns h_t (B, H), labelled "h_t".
    """
    a = addmm(x_proj, h, weight_hh_T)  # (B, H): x_proj + h W_hhᵀ, one node
    if bias_hh is not None:
        a = a + bias_hh
    if nonlinearity == "tanh":
        h_new = a.tanh()
    elif nonlinearity == "relu":
        h_new = a.relu()
    else:  # anything else is a mistake: this raises ArgumentError
        check_choice("rnn_step", "nonlinearity", nonlinearity, NONLINEARITIES)
    return mark(h_new, "state", "h", cell="rnn")


def lstm_step(
    x_proj: Tensor,
    h: Tensor,
    c: Tensor,
    weight_hh_T: Tensor,
    bias_hh: Tensor | None = None,
    weight_ci: Tensor | None = None,
    weight_cf: Tensor | None = None,
    weight_co: Tensor | None = None,
    coupled: bool = False,
) -> tuple[Tensor, Tensor]:
    """One step of the LSTM, PyTorch's LSTMCell (gate rows in the order i, f, g, o):

        [a_i, a_f, a_g, a_o] = x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh     (B, 4H)
        i_t = σ(a_i)       input gate: how much of the candidate to write
        f_t = σ(a_f)       forget gate: how much of the old cell state to keep
        g_t = tanh(a_g)    candidate values
        o_t = σ(a_o)       output gate: how much of the cell to show
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        h_t = o_t ⊙ tanh(c_t)

    x_proj       (B, 4H)  x_t W_ihᵀ + b_ih
    h, c         (B, H)   h_{t-1}, c_{t-1}
    weight_hh_T  (H, 4H)  W_hhᵀ
    bias_hh      (4H,)    b_hh, or None when the caller folded it into x_proj
    Returns (h_t, c_t), each (B, H).

    The cell-state path c_{t-1} -> c_t is one multiply by f_t and one add: no matmul,
    no squashing, so dL/dc_{t-1} = dL/dc_t ⊙ f_t (+ what arrives through h_{t-1}).
    Variants (not in PyTorch): peephole weights w_ci, w_cf, w_co (H,) add w_ci ⊙ c_{t-1}
    to a_i, w_cf ⊙ c_{t-1} to a_f and w_co ⊙ c_t to a_o (Gers & Schmidhuber, 2000);
    coupled=True (CIFG, Greff et al.): i_t = 1 - f_t, gate rows f, g, o (3H), no weight_ci.
    """
    check_no_input_peephole("lstm_step", coupled, weight_ci)
    H = h.shape[-1]
    gates = addmm(x_proj, h, weight_hh_T)  # (B, 4H) rows i, f, g, o; (B, 3H) f, g, o if coupled
    if bias_hh is not None:
        gates = gates + bias_hh
    first = 0 if coupled else 1  # the block of rows where f starts: (f, g, o) or (i, f, g, o)
    with scope("gates"):
        i, f = input_and_forget_gates(gates, H, c, weight_ci, weight_cf, coupled)  # (B, H)
        g = mark(gate_block(gates, first + 1, H).tanh(), "gate", "g", cell="lstm")  # (B, H)
        if weight_co is None:
            o = lstm_gate(gate_block(gates, first + 2, H), "o")  # (B, H)
    c_new = mark(f * c + i * g, "state", "c", cell="lstm")  # (B, H)
    if weight_co is not None:  # the output gate's peephole looks at the new c_t
        with scope("gates"):
            o = lstm_gate(gate_block(gates, first + 2, H), "o", c_new, weight_co)  # (B, H)
    h_new = mark(o * c_new.tanh(), "state", "h", cell="lstm")  # (B, H)
    return h_new, c_new


def gate_block(gates: Tensor, k: int, H: int) -> Tensor:
    """The k-th block of H columns of the stacked gates: gate k's pre-activation (B, H)."""
    return gates[..., k * H : (k + 1) * H]


def input_and_forget_gates(
    gates: Tensor, H: int, c: Tensor, weight_ci, weight_cf, coupled: bool
) -> tuple[Tensor, Tensor]:
    """i_t = σ(a_i), f_t = σ(a_f) from the blocks 0 and 1 (plus their peepholes); coupled:
    f_t from block 0 and i_t = 1 - f_t."""
    if coupled:
        f = lstm_gate(gate_block(gates, 0, H), "f", c, weight_cf)
        i = mark(1.0 - f, "gate", "i", cell="lstm")
        return i, f
    i = lstm_gate(gate_block(gates, 0, H), "i", c, weight_ci)
    f = lstm_gate(gate_block(gates, 1, H), "f", c, weight_cf)
    return i, f


def lstm_gate(
    a: Tensor, name: str, c: Tensor | None = None, peephole: Tensor | None = None
) -> Tensor:
    """σ(a), or σ(a + w ⊙ c) with a peephole weight w: the LSTM gate `name`."""
    if peephole is not None:
        a = a + peephole * c  # (B, H): the gate also sees the cell state
    return mark(a.sigmoid(), "gate", name, cell="lstm")


def check_no_input_peephole(owner: str, coupled: bool, weight_ci) -> None:
    """A coupled LSTM has no input gate, so an input-gate peephole would be ignored."""
    if coupled and weight_ci is not None:
        fail(
            owner,
            "coupled=True has no input gate (i = 1 - f), so weight_ci would be ignored; "
            "pass weight_ci=None",
        )


def lstm_variant_step(
    x_proj: Tensor,
    h: Tensor,
    c: Tensor,
    weight_hh_T: Tensor,
    bias_hh: Tensor | None = None,
    **variant,
) -> tuple[Tensor, Tensor]:
    """`lstm_step` under its older name, for code that calls it for the variants: the
    keyword arguments are lstm_step's weight_ci, weight_cf, weight_co and coupled."""
    check_no_input_peephole(
        "lstm_variant_step", variant.get("coupled", False), variant.get("weight_ci")
    )
    return lstm_step(x_proj, h, c, weight_hh_T, bias_hh, **variant)


def gru_step(
    x_proj: Tensor,
    h: Tensor,
    weight_hh_T: Tensor,
    bias_hh: Tensor | None = None,
) -> Tensor:
    """One step of the GRU, PyTorch's GRUCell (gate rows in the order r, z, n):

        r_t = σ(x_t W_irᵀ + b_ir + h_{t-1} W_hrᵀ + b_hr)          reset gate
        z_t = σ(x_t W_izᵀ + b_iz + h_{t-1} W_hzᵀ + b_hz)          update gate
        n_t = tanh(x_t W_inᵀ + b_in + r_t ⊙ (h_{t-1} W_hnᵀ + b_hn))  candidate
        h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    x_proj       (B, 3H)  x_t W_ihᵀ + b_ih
    h            (B, H)   h_{t-1}
    weight_hh_T  (H, 3H)  W_hhᵀ
    bias_hh      (3H,)    b_hh. It cannot be folded into x_proj: b_hn sits inside r_t ⊙ (...).
    Returns h_t (B, H).
    """
    H = h.shape[-1]
    if bias_hh is not None:
        h_proj = addmm(bias_hh, h, weight_hh_T)  # (B, 3H): h W_hhᵀ + b_hh, one node
    else:
        h_proj = h @ weight_hh_T  # (B, 3H)
    with scope("gates"):
        a_r = x_proj[..., 0 * H : 1 * H] + h_proj[..., 0 * H : 1 * H]  # (B, H)
        r = mark(a_r.sigmoid(), "gate", "r", cell="gru")
        a_z = x_proj[..., 1 * H : 2 * H] + h_proj[..., 1 * H : 2 * H]  # (B, H)
        z = mark(a_z.sigmoid(), "gate", "z", cell="gru")
        a_n = x_proj[..., 2 * H : 3 * H] + r * h_proj[..., 2 * H : 3 * H]  # (B, H)
        n = mark(a_n.tanh(), "gate", "n", cell="gru")
    h_new = mark((1.0 - z) * n + z * h, "state", "h", cell="gru")  # (B, H)
    return h_new


def input_projection(x: Tensor, weight_ih: Tensor, bias: Tensor | None) -> Tensor:
    """x W_ihᵀ + b: (N, D) -> (N, G*H), one node (addmm) when there is a bias."""
    if bias is None:
        return x @ weight_ih.T  # (N, D) @ (D, G*H)
    return addmm(bias, x, weight_ih.T)  # (N, G*H)


# --------------------------------------------------------------------------------------
# Cell kinds: one definition each, shared by the cell module and the layer
# --------------------------------------------------------------------------------------
class StepWeights(NamedTuple):
    """What one step reads besides x_proj (which already holds W_ih and b_ih)."""

    weight_hh_T: Tensor  # (H, G*H): W_hhᵀ, transposed once by the caller
    bias_hh: Tensor | None  # (G*H,), or None when a layer folded it into x_proj
    extra: dict  # the kind's own weights by name (the LSTM's peepholes), else {}


class CellKind:
    """One kind of recurrent cell, defined once for its cell module and its layer.

        name              the cell that node roles name: "rnn", "lstm", "gru"
        gates             the blocks of rows stacked in weight_ih and weight_hh (G of them)
        state_names       ("h",), or ("h", "c") for the LSTM
        extra_names       weights beyond PyTorch's four, each (H,): the LSTM's peepholes
        fold_hidden_bias  may a layer add b_hh into x_proj before its loop? (not the GRU)
        step()            one time step: the new state tuple from x_proj and the old one

    Parameters, in PyTorch's names and order: weight_ih (G*H, D), weight_hh (G*H, H),
    bias_ih (G*H,), bias_hh (G*H,), then the extras; all drawn from uniform(-1/√H, 1/√H).
    """

    name = ""
    gates: tuple[str, ...] = ()
    state_names: tuple[str, ...] = ("h",)
    extra_names: tuple[str, ...] = ()
    fold_hidden_bias = True
    # every parameter a module of this kind may have (absent ones are None on a cell)
    parameter_names: tuple[str, ...] = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")

    def gate_rows(self, hidden_size: int) -> int:
        """G*H: rows of weight_ih and weight_hh."""
        return len(self.gates) * hidden_size

    def parameter_shapes(self, input_size: int, hidden_size: int, bias: bool) -> dict:
        """{name: shape} of the parameters, in PyTorch's order."""
        rows = self.gate_rows(hidden_size)
        shapes = {"weight_ih": (rows, input_size), "weight_hh": (rows, hidden_size)}
        if bias:
            shapes["bias_ih"] = (rows,)
            shapes["bias_hh"] = (rows,)
        for name in self.extra_names:
            shapes[name] = (hidden_size,)
        return shapes

    def make_parameters(self, input_size: int, hidden_size: int, bias: bool) -> dict:
        """{name: Parameter} drawn from uniform(-1/√H, 1/√H) in that order (PyTorch's init)."""
        bound = 1.0 / math.sqrt(hidden_size)
        shapes = self.parameter_shapes(input_size, hidden_size, bias)
        return {name: uniform_parameter(shape, bound) for name, shape in shapes.items()}

    def step(self, x_proj: Tensor, state: tuple, weights: StepWeights) -> tuple:
        """The new state tuple, (h_t,) or (h_t, c_t), from x_proj (B, G*H) and the old."""
        raise NotImplementedError

    def options_repr(self) -> str:
        """The options a repr shows after the sizes, e.g. ", nonlinearity='relu'"."""
        return ""


class RNNKind(CellKind):
    """The vanilla RNN: h_t = tanh(x_proj + h_{t-1} W_hhᵀ + b_hh), or relu (`rnn_step`)."""

    name = "rnn"
    gates = ("h",)  # one block of rows: the new state's pre-activation

    def __init__(self, owner: str, nonlinearity: str = "tanh") -> None:
        self.nonlinearity = check_choice(owner, "nonlinearity", nonlinearity, NONLINEARITIES)

    def step(self, x_proj: Tensor, state: tuple, weights: StepWeights) -> tuple:
        (h,) = state
        return (rnn_step(x_proj, h, weights.weight_hh_T, weights.bias_hh, self.nonlinearity),)

    def options_repr(self) -> str:
        return "" if self.nonlinearity == "tanh" else f", nonlinearity={self.nonlinearity!r}"


class LSTMKind(CellKind):
    """The LSTM (`lstm_step`): gates i, f, g, o; states h and c.

    peephole=True adds weight_ci, weight_cf, weight_co (each (H,)); coupled=True sets
    i = 1 - f, so the gate rows are f, g, o (3H) and there is no weight_ci.
    """

    name = "lstm"
    state_names = ("h", "c")
    parameter_names = CellKind.parameter_names + ("weight_ci", "weight_cf", "weight_co")

    def __init__(self, owner: str, peephole: bool = False, coupled: bool = False) -> None:
        self.peephole = check_flag(owner, "peephole", peephole)
        self.coupled = check_flag(owner, "coupled", coupled)
        self.gates = ("f", "g", "o") if self.coupled else ("i", "f", "g", "o")
        self.extra_names = ()
        if self.peephole and self.coupled:
            self.extra_names = ("weight_cf", "weight_co")
        elif self.peephole:
            self.extra_names = ("weight_ci", "weight_cf", "weight_co")

    def step(self, x_proj: Tensor, state: tuple, weights: StepWeights) -> tuple:
        h, c = state
        return lstm_step(
            x_proj,
            h,
            c,
            weights.weight_hh_T,
            weights.bias_hh,
            weight_ci=weights.extra.get("weight_ci"),
            weight_cf=weights.extra.get("weight_cf"),
            weight_co=weights.extra.get("weight_co"),
            coupled=self.coupled,
        )

    def options_repr(self) -> str:
        text = ""
        if self.peephole:
            text += ", peephole=True"
        if self.coupled:
            text += ", coupled=True"
        return text


class GRUKind(CellKind):
    """The GRU (`gru_step`): gates r, z, n; b_hh stays inside the step (b_hn is scaled by r)."""

    name = "gru"
    gates = ("r", "z", "n")
    fold_hidden_bias = False

    def step(self, x_proj: Tensor, state: tuple, weights: StepWeights) -> tuple:
        (h,) = state
        return (gru_step(x_proj, h, weights.weight_hh_T, weights.bias_hh),)


# --------------------------------------------------------------------------------------
# Cell modules
# --------------------------------------------------------------------------------------
class Cell(Module):
    """What RNNCell, LSTMCell and GRUCell share: the weights of one `kind` (see CellKind)
    and one step of it, inside tg.scope("cell")."""

    def __init__(self, kind: CellKind, input_size: int, hidden_size: int, bias: bool) -> None:
        super().__init__()
        owner = layer_name(self)
        sizes = {"input_size": input_size, "hidden_size": hidden_size}
        input_size, hidden_size = check_sizes(owner, sizes, minimum=1)
        self.bias = check_flag(owner, "bias", bias)
        self.kind = kind
        self.input_size = input_size
        self.hidden_size = hidden_size
        parameters = kind.make_parameters(input_size, hidden_size, self.bias)
        for name in kind.parameter_names:
            self.register_parameter(name, parameters.get(name))  # None: bias=False, no peephole

    def run_step(self, x, hx) -> tuple:
        """Check x and hx, then one step of the kind: the new state tuple."""
        x = check_cell_input(repr(self), x, self.input_size)
        state = self.start_state(x, hx)
        with scope(cell_scope_name()):
            x_proj = input_projection(x, self.weight_ih, self.bias_ih)  # (B, G*H)
            return self.kind.step(x_proj, state, self.step_weights())

    def start_state(self, x: Tensor, hx) -> tuple:
        """hx as a state tuple, (h,) or (h, c), checked; zeros "h_0" ("c_0") when None."""
        names = self.kind.state_names
        H = self.hidden_size
        if hx is None:
            shape = x.shape[:-1] + (H,)  # (B, H), or (H,) for an unbatched x
            dtype = self.weight_hh.dtype
            return tuple(zeros(shape, dtype=dtype, label=f"{name}_0") for name in names)
        if len(names) == 1:
            return (check_cell_state(repr(self), x, hx, "hx", H),)
        hx = state_pair(hx, repr(self), "(h, c)")
        return tuple(check_cell_state(repr(self), x, s, name, H) for s, name in zip(hx, names))

    def step_weights(self) -> StepWeights:
        extra = {name: getattr(self, name) for name in self.kind.extra_names}
        return StepWeights(self.weight_hh.T, self.bias_hh, extra)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        return text + self.kind.options_repr()


def cell_scope_name() -> str | None:
    """ "cell" - unless the innermost scope already is "cell" (a cell module registered
    as `self.cell`), so the scope reads (..., "cell", "gates"), not (..., "cell", "cell")."""
    if context.scope and context.scope[-1] == "cell":
        return None
    return "cell"


class RNNCell(Cell):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)   (nonlinearity="relu": relu instead).

    weight_ih (H, D), weight_hh (H, H), bias_ih (H,), bias_hh (H,).
    forward(x (B, D), hx (B, H) or None -> zeros) -> h' (B, H). Unbatched (D,) works too.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"
    ) -> None:
        super().__init__(RNNKind(layer_name(self), nonlinearity), input_size, hidden_size, bias)

    @property
    def nonlinearity(self) -> str:
        return self.kind.nonlinearity

    def forward(self, x, hx=None) -> Tensor:
        (h_new,) = self.run_step(x, hx)
        return h_new


class LSTMCell(Cell):
    """c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')  (see `lstm_step` for the gates).

    weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,): gate rows i, f, g, o.
    forward(x (B, D), hx = (h, c) or None -> zeros) -> (h', c'), each (B, H).

    peephole=True adds weight_ci, weight_cf, weight_co, each (H,): i and f see c, o sees c'.
    coupled=True sets i = 1 - f and drops the input gate's rows: weight_ih (3H, D),
    weight_hh (3H, H), biases (3H,) with gate rows f, g, o (and no weight_ci). Rows for
    an input gate that is never used would only receive zero gradients, so they are
    not kept. Neither option exists in PyTorch, whose state dicts are the defaults'.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        peephole: bool = False,
        coupled: bool = False,
    ) -> None:
        kind = LSTMKind(layer_name(self), peephole, coupled)
        super().__init__(kind, input_size, hidden_size, bias)

    @property
    def peephole(self) -> bool:
        return self.kind.peephole

    @property
    def coupled(self) -> bool:
        return self.kind.coupled

    def forward(self, x, hx=None) -> tuple[Tensor, Tensor]:
        h_new, c_new = self.run_step(x, hx)
        return h_new, c_new


class GRUCell(Cell):
    """h' = (1 - z) ⊙ n + z ⊙ h  (see `gru_step` for r, z, n).

    weight_ih (3H, D), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,): gate rows r, z, n.
    forward(x (B, D), hx (B, H) or None -> zeros) -> h' (B, H).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__(GRUKind(), input_size, hidden_size, bias)

    def forward(self, x, hx=None) -> Tensor:
        (h_new,) = self.run_step(x, hx)
        return h_new
